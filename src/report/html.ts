import { diffTable, lockTable } from '../lock/render.js';
import { lockId } from '../lock/integrity.js';
import type { Table } from '../render/table.js';
import type { RunReport, StageRecord } from './runReport.js';

/**
 * The run report as one self-contained HTML page: inline CSS, no script, no external asset, so it can
 * be uploaded as a CI artifact and opened anywhere.
 */
export function renderRunReportHtml(report: RunReport): string {
  const title = `lockstep ${report.pipeline}: ${report.status}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>
<header class="${report.status}">
  <h1>${escapeHtml(report.pipeline)} <span class="badge ${report.status}">${report.status === 'passed' ? '✔ passed' : '✖ failed'}</span></h1>
  <p>${escapeHtml(report.startedAt)} · ${formatDuration(report.durationMs)} · ${report.stages.length} stages</p>
  ${report.conclusion ? `<p class="conclusion"><strong>${escapeHtml(report.conclusion)}</strong></p>` : ''}
</header>
<main>
<section>
<h2>Stages</h2>
${stagesTable(report.stages)}
${failedStages(report.stages)}
</section>
${report.tests.length > 0 ? `<section><h2>Tests</h2>${testsSection(report)}</section>` : ''}
${report.locks.map(({ label, lock }) => `<section><h2>${escapeHtml(label)} <code>${escapeHtml(lockId(lock))}</code></h2>${htmlTable(lockTable(lock))}<p class="muted">integrity <code>${escapeHtml(lock.integrity)}</code></p></section>`).join('\n')}
${report.diffs.map(({ label, diff }) => `<section><h2>${escapeHtml(label)}</h2>${diff.services.some((s) => s.change !== 'unchanged') ? htmlTable(diffTable(diff)) : '<p class="muted">No service changed.</p>'}</section>`).join('\n')}
${report.artifacts.length > 0 ? `<section><h2>Files written</h2><ul>${report.artifacts.map((file) => `<li><code>${escapeHtml(file)}</code></li>`).join('')}</ul></section>` : ''}
</main>
</body>
</html>
`;
}

function stagesTable(stages: StageRecord[]): string {
  const rows = stages
    .map(
      (stage, index) => `<tr class="${stage.status}"><td>${index + 1}</td><td>${escapeHtml(stage.name)}</td><td><span class="badge ${stage.status}">${statusLabel(stage.status)}</span></td><td class="num">${formatDuration(stage.durationMs)}</td><td>${escapeHtml(stage.summary)}</td></tr>`,
    )
    .join('\n');
  return `<table><thead><tr><th>#</th><th>stage</th><th>status</th><th>duration</th><th>summary</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function failedStages(stages: StageRecord[]): string {
  return stages
    .filter((stage) => stage.status === 'failed')
    .map(
      (stage) =>
        `<div class="failure"><h3>✖ ${escapeHtml(stage.name)}</h3><p>${escapeHtml(stage.error ?? 'failed')}</p><p>Rerun this stage alone:</p><pre>${escapeHtml(stage.rerun)}</pre></div>`,
    )
    .join('\n');
}

function testsSection(report: RunReport): string {
  const table = htmlTable({
    headers: ['suite', 'against', 'passed', 'failed', 'skipped'],
    rows: report.tests.map((suite) => [suite.suite, suite.against, String(suite.passed), String(suite.failed), String(suite.skipped)]),
  });
  const failures = report.tests
    .flatMap((suite) => suite.failures.map((failure) => `<li><strong>${escapeHtml(suite.suite)} › ${escapeHtml(failure.name)}</strong>: ${escapeHtml(failure.message)}</li>`))
    .join('');
  return failures ? `${table}<ul class="failures">${failures}</ul>` : table;
}

function htmlTable({ headers, rows }: Table): string {
  const head = headers.map((header) => `<th>${escapeHtml(header)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function statusLabel(status: StageRecord['status']): string {
  return status === 'passed' ? '✔ passed' : status === 'failed' ? '✖ failed' : '– skipped';
}

/**
 * A duration for people: ms below a second, tenths below a minute, then minutes and seconds. Each
 * range is chosen after rounding, so 59 970 ms reads "1 min 0 s", never "60.0 s" or "1 min 60 s".
 */
export function formatDuration(ms: number): string {
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const css = `
:root { color-scheme: light; --ok: #1a7f37; --bad: #cf222e; --skip: #6e7781; --line: #d0d7de; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; background: #f6f8fa; }
header { padding: 20px 32px; background: #fff; border-bottom: 4px solid var(--ok); }
header.failed { border-bottom-color: var(--bad); }
h1 { margin: 0 0 4px; font-size: 22px; }
h2 { font-size: 17px; margin: 0 0 12px; }
main { padding: 16px 32px 40px; max-width: 1200px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: #f6f8fa; border: 1px solid var(--line); border-radius: 6px; padding: 10px; white-space: pre-wrap; word-break: break-all; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: var(--skip); }
.badge.passed { background: var(--ok); }
.badge.failed { background: var(--bad); }
.failure { border-left: 4px solid var(--bad); padding: 4px 12px; margin-top: 12px; }
.failures li { color: var(--bad); }
.muted { color: #656d76; }
`;
