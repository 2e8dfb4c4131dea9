import { renderMarkdownTable, renderTextTable, type Table } from '../../render/table.js';
import type { CheckResult } from '../target.js';

export interface HealthReport {
  environment: string;
  target: string;
  healthy: boolean;
  checks: CheckResult[];
}

export function healthReport(environment: string, target: string, checks: CheckResult[]): HealthReport {
  return { environment, target, healthy: checks.every((check) => check.ok), checks };
}

function healthTable(report: HealthReport, mark: (ok: boolean) => string): Table {
  return {
    headers: ['', 'check', 'result', 'took'],
    rows: report.checks.map((check) => [mark(check.ok), check.name, check.detail, `${Math.round(check.durationMs)} ms`]),
  };
}

function verdict(report: HealthReport): string {
  const failed = report.checks.filter((check) => !check.ok).length;
  return report.healthy
    ? `${report.environment} is healthy (${report.checks.length} checks passed)`
    : `${report.environment} is UNHEALTHY (${failed} of ${report.checks.length} checks failed)`;
}

export function renderHealthText(report: HealthReport): string {
  return `${report.target}\n\n${renderTextTable(healthTable(report, (ok) => (ok ? '✔' : '✘')))}\n\n${verdict(report)}\n`;
}

export function renderHealthMarkdown(report: HealthReport): string {
  const title = `### ${report.healthy ? '✅' : '❌'} Health of \`${report.environment}\``;
  return `${title}\n\n${report.target}\n\n${renderMarkdownTable(healthTable(report, (ok) => (ok ? '✅' : '❌')))}\n\n**${verdict(report)}**\n`;
}
