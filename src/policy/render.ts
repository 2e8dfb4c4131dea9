import { renderTextTable } from '../render/table.js';
import type { PolicyViolation } from './digestOnly.js';

export interface DigestOnlySummary {
  files: Array<{ file: string }>;
  skipped: Array<{ path: string; reason: string }>;
  references: number;
  violations: PolicyViolation[];
}

/** The table a person reads: one row per unpinned reference, `file:line` first so editors can jump to it. */
export function renderDigestOnlyText(report: DigestOnlySummary): string {
  const lines: string[] = [];
  if (report.violations.length > 0) {
    const rows = [...report.violations]
      .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column)
      .map((violation) => [`${violation.file}:${violation.line}`, violation.source, violation.path, violation.reference, violation.problem]);
    lines.push(renderTextTable({ headers: ['WHERE', 'KIND', 'FIELD', 'IMAGE', 'PROBLEM'], rows }), '');
  }
  for (const skip of report.skipped) lines.push(`skipped ${skip.path}: ${skip.reason}`);
  const files = `${report.files.length} file${report.files.length === 1 ? '' : 's'}`;
  lines.push(
    report.violations.length === 0
      ? `✔ ${report.references} image reference${report.references === 1 ? '' : 's'} in ${files}, all pinned by digest`
      : `✘ ${report.violations.length} of ${report.references} image references in ${files} are not pinned by digest`,
  );
  return lines.join('\n');
}
