import { formatDuration } from '../report/html.js';
import type { RunReport } from '../report/runReport.js';
import { renderTextTable } from '../render/table.js';

/** The end-of-run summary on the terminal: the stages, the rerun line of a failed one, the report paths. */
export function renderRunSummary(report: RunReport, files: { json: string; html: string }): string {
  const mark = { passed: '✔', failed: '✖', skipped: '–' } as const;
  const table = renderTextTable({
    headers: ['', 'stage', 'duration', 'summary'],
    rows: report.stages.map((stage) => [mark[stage.status], stage.name, stage.status === 'skipped' ? '' : formatDuration(stage.durationMs), stage.summary]),
  });
  const failed = report.stages.filter((stage) => stage.status === 'failed');
  const reruns = failed.map((stage) => `rerun ${stage.name} alone:\n  ${stage.rerun}`);
  return [
    `${mark[report.status]} ${report.pipeline} ${report.status} in ${formatDuration(report.durationMs)}`,
    ...(report.conclusion ? [report.conclusion] : []),
    '',
    table,
    ...(reruns.length > 0 ? ['', ...reruns] : []),
    '',
    `report: ${files.html}`,
    `        ${files.json}`,
  ].join('\n');
}
