import { join } from 'node:path';
import { writeAtomic } from '../io/writeAtomic.js';
import { renderRunReportHtml } from './html.js';
import { renderRunMarkdown } from './markdown.js';
import type { RunReport } from './runReport.js';

/** Writes `run.json`, `index.html` and `summary.md` (for a CI job summary) side by side; returns the first two. */
export async function writeRunReport(dir: string, report: RunReport): Promise<{ json: string; html: string }> {
  const json = join(dir, 'run.json');
  const html = join(dir, 'index.html');
  await writeAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeAtomic(html, renderRunReportHtml(report));
  await writeAtomic(join(dir, 'summary.md'), renderRunMarkdown(report));
  return { json, html };
}
