import { markdownText, terminalText } from './escape.js';

/** Plain tables for terminals and markdown tables for PR comments, release notes and job summaries. */
export interface Table {
  headers: string[];
  rows: string[][];
}

export function renderTextTable(table: Table): string {
  const headers = table.headers.map(terminalText);
  const rows = table.rows.map((row) => row.map(terminalText));
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export function renderMarkdownTable({ headers, rows }: Table): string {
  const line = (cells: string[]) => `| ${cells.map(markdownText).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n');
}

export function shortDigest(digest: string): string {
  return digest.startsWith('sha256:') ? `sha256:${digest.slice(7, 19)}` : digest;
}

export function shortCommit(commit: string): string {
  return commit.slice(0, 7);
}
