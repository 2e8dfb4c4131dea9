import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SmokeConfig } from '../config/environments.js';
import { runProbe, type ProbeOutcome } from '../environments/smoke/evaluateProbe.js';
import { observeHttp } from '../environments/smoke/httpObserve.js';
import type { ProgressSink } from '../environments/target.js';
import { writeAtomic } from '../io/writeAtomic.js';
import { renderMarkdownTable, renderTextTable, type Table } from '../render/table.js';
import { renderJunit } from '../stack/junit.js';
import type { SuiteResult } from '../stack/suiteResult.js';

export interface SmokeInput {
  environment: string;
  smoke: SmokeConfig;
  reportDir: string;
  progress: ProgressSink;
}

export interface SmokeResult {
  environment: string;
  ok: boolean;
  probes: ProbeOutcome[];
  junitFile: string;
  markdownFile: string;
}

/** Runs every probe (concurrently, each with its own retries) and writes JUnit XML and markdown. */
export async function runSmoke(input: SmokeInput): Promise<SmokeResult> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const probes = await Promise.all(
    input.smoke.probes.map(async (probe) => {
      const outcome = await runProbe(probe, observeHttp, (ms) => sleep(ms));
      input.progress(`${outcome.ok ? '✔' : '✘'} ${probe.name}: ${outcome.verdict.detail}${outcome.attempts > 1 ? ` (${outcome.attempts} attempts)` : ''}`);
      return outcome;
    }),
  );
  const suite = smokeSuite(input.environment, probes, startedAt, performance.now() - started);
  const junitFile = join(input.reportDir, 'smoke.xml');
  const markdownFile = join(input.reportDir, 'smoke.md');
  await writeAtomic(junitFile, renderJunit(suite));
  await writeAtomic(markdownFile, renderSmokeMarkdown(input.environment, probes));
  return { environment: input.environment, ok: suite.ok, probes, junitFile, markdownFile };
}

export function smokeSuite(environment: string, probes: ProbeOutcome[], startedAt: string, durationMs: number): SuiteResult {
  const tests = probes.map((probe) => ({
    path: [],
    name: probe.name,
    status: probe.ok ? ('passed' as const) : ('failed' as const),
    durationMs: probe.durationMs,
    message: probe.ok ? null : `GET ${probe.url}: ${probe.verdict.failures.join('; ')}`,
    detail: probe.ok ? null : `${probe.attempts} attempt(s)`,
  }));
  const failed = tests.filter((test) => test.status === 'failed').length;
  return {
    suite: `smoke-${environment}`,
    ok: failed === 0,
    startedAt,
    durationMs,
    exitCode: failed === 0 ? 0 : 1,
    passed: tests.length - failed,
    failed,
    skipped: 0,
    tests,
  };
}

function probeTable(probes: ProbeOutcome[], mark: (ok: boolean) => string): Table {
  return {
    headers: ['', 'probe', 'url', 'result', 'attempts'],
    rows: probes.map((probe) => [mark(probe.ok), probe.name, probe.url, probe.verdict.detail, String(probe.attempts)]),
  };
}

function verdict(environment: string, probes: ProbeOutcome[]): string {
  const failed = probes.filter((probe) => !probe.ok).length;
  return failed === 0 ? `smoke tests of ${environment} passed (${probes.length} probes)` : `smoke tests of ${environment} FAILED (${failed} of ${probes.length} probes)`;
}

export function renderSmokeText(result: SmokeResult): string {
  return `${renderTextTable(probeTable(result.probes, (ok) => (ok ? '✔' : '✘')))}\n\n${verdict(result.environment, result.probes)}\n`;
}

export function renderSmokeMarkdown(environment: string, probes: ProbeOutcome[]): string {
  const ok = probes.every((probe) => probe.ok);
  return `### ${ok ? '✅' : '❌'} Smoke tests of \`${environment}\`\n\n${renderMarkdownTable(probeTable(probes, (passed) => (passed ? '✅' : '❌')))}\n\n**${verdict(environment, probes)}**\n`;
}
