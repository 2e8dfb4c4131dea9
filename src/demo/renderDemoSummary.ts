import { formatDuration } from '../report/html.js';
import { renderTextTable, shortDigest } from '../render/table.js';
import type { DemoResult } from './runDemo.js';

export function renderDemoSummary(result: DemoResult, elapsedMs: number): string {
  const chapters = renderTextTable({
    headers: ['', 'step', 'result', 'duration'],
    rows: result.chapters.map((chapter) => [
      chapter.status === chapter.expected ? '✔' : '✖',
      chapter.title,
      chapter.status === chapter.expected && chapter.expected === 'failed' ? 'failed, as intended' : chapter.status,
      formatDuration(chapter.durationMs),
    ]),
  });
  const live = renderTextTable({
    headers: ['environment', 'lock', 'in sync', ...Object.keys(result.environments.production.digests)],
    rows: (['staging', 'production'] as const).map((name) => {
      const outcome = result.environments[name];
      return [name, outcome.lockId ?? '-', outcome.inSync ? 'yes' : 'no', ...Object.values(outcome.digests).map((digest) => (digest ? shortDigest(digest) : '-'))];
    }),
  });
  return [
    `${result.ok ? '✔' : '✖'} lockstep demo ${result.ok ? 'completed' : 'did not end as expected'} in ${formatDuration(elapsedMs)}`,
    '',
    chapters,
    '',
    live,
    '',
    `automatic rollback: ${result.automaticRollback.happened ? `yes, production restored to ${result.automaticRollback.restoredTo}` : 'NO'}`,
    `manual rollback:    ${result.manualRollback.restored ? `staging back on ${result.manualRollback.to}` : 'NO'}`,
    '',
    `reports:  ${result.reportDir}/<step>/index.html (one per pipeline run)`,
    `results:  ${result.reportDir}/demo.json`,
    `release:  ${result.reportDir}/v1.0.0.lock.yaml`,
    result.sandbox.kept
      ? `sandbox:  ${result.sandbox.dir} (registry ${result.sandbox.registry}; compose projects ${result.sandbox.projects.join(', ')}) — left running (--keep)`
      : 'sandbox:  removed (containers, networks, volumes, registry, repositories); run with --keep to poke at it',
  ].join('\n');
}
