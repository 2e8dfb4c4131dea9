import { markdownText, neutralizeMarkers, terminalText } from '../render/escape.js';
import { renderMarkdownTable, renderTextTable, type Table } from '../render/table.js';
import { testTitle, type SuiteResult } from './suiteResult.js';

function resultsTable(results: SuiteResult[], mark: (ok: boolean) => string): Table {
  return {
    headers: ['suite', 'result', 'passed', 'failed', 'skipped', 'duration'],
    rows: results.map((result) => [
      result.suite,
      mark(result.ok),
      String(result.passed),
      String(result.failed),
      String(result.skipped),
      `${(result.durationMs / 1000).toFixed(1)} s`,
    ]),
  };
}

/** The report's summary.md: a table per suite and every failure with its message. */
export function renderSummaryMarkdown(project: string, results: SuiteResult[]): string {
  const failures = results.flatMap((result) =>
    result.tests.filter((test) => test.status === 'failed').map((test) => ({ suite: result.suite, test })),
  );
  const lines = [`# Stack tests (${project})`, '', renderMarkdownTable(resultsTable(results, (ok) => (ok ? '✅ passed' : '❌ failed'))), ''];
  if (failures.length > 0) {
    lines.push('## Failures', '');
    for (const { suite, test } of failures) {
      lines.push(`### ${markdownText(`${suite}: ${testTitle(test)}`)}`, '', fence(neutralizeMarkers(test.message ?? 'failed')), '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export function renderSummaryText(results: SuiteResult[]): string {
  const lines = [renderTextTable(resultsTable(results, (ok) => (ok ? 'passed' : 'FAILED')))];
  for (const result of results) {
    for (const test of result.tests.filter((entry) => entry.status === 'failed')) {
      lines.push(`✘ ${terminalText(`${result.suite}: ${testTitle(test)}`)}`, ...(test.message ?? 'failed').split('\n').slice(0, 6).map((line) => `    ${terminalText(line)}`));
    }
  }
  return lines.join('\n');
}

/** A code fence longer than any backtick run inside, so test output cannot break out of it. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}\n${text}\n${ticks}`;
}
