import { join } from 'node:path';
import { writeAtomic } from '../io/writeAtomic.js';
import { redactDeep } from '../render/redact.js';
import { renderRunReportHtml } from './html.js';
import type { RunReport } from './runReport.js';

/** Writes `run.json` and `index.html` side by side, redacted; returns their paths. */
export async function writeRunReport(dir: string, unredacted: RunReport): Promise<{ json: string; html: string }> {
  const report = redactDeep(unredacted);
  const json = join(dir, 'run.json');
  const html = join(dir, 'index.html');
  await writeAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeAtomic(html, renderRunReportHtml(report));
  return { json, html };
}
