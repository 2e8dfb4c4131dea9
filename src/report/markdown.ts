import { formatDuration } from './html.js';
import type { RunReport } from './runReport.js';

/** The run report as markdown, for a CI job summary: the verdict, one row per stage, the tests. */
export function renderRunMarkdown(report: RunReport): string {
  const mark = { passed: '✅', failed: '❌', skipped: '⏭️' } as const;
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/[<>]/g, (char) => (char === '<' ? '&lt;' : '&gt;')).replace(/\n/g, ' ');
  const lines = [
    `### ${mark[report.status]} ${cell(report.pipeline)} ${report.status} in ${formatDuration(report.durationMs)}`,
    '',
    ...(report.conclusion ? [`**${cell(report.conclusion)}**`, ''] : []),
    '| | stage | duration | summary |',
    '| --- | --- | --- | --- |',
    ...report.stages.map((stage) => `| ${mark[stage.status]} | ${cell(stage.name)} | ${stage.status === 'skipped' ? '' : formatDuration(stage.durationMs)} | ${cell(stage.summary)}${stage.code ? ` (\`${stage.code}\`)` : ''} |`),
  ];
  if (report.tests.length > 0) {
    lines.push('', '| suite | against | passed | failed | skipped |', '| --- | --- | --- | --- | --- |');
    for (const suite of report.tests) lines.push(`| ${cell(suite.suite)} | ${cell(suite.against)} | ${suite.passed} | ${suite.failed} | ${suite.skipped} |`);
  }
  const failed = report.stages.filter((stage) => stage.status === 'failed');
  for (const stage of failed) lines.push('', `Rerun ${cell(stage.name)} alone: \`${stage.rerun.replace(/`/g, "'")}\``);
  return `${lines.join('\n')}\n`;
}
