import type { SmokeProbeConfig } from '../../config/environments.js';

/** What one attempt observed: a response, or the reason there was none. */
export type ProbeObservation =
  | { kind: 'response'; status: number; body: string; latencyMs: number }
  | { kind: 'error'; message: string; latencyMs: number };

export interface ProbeVerdict {
  ok: boolean;
  /** Every failed expectation, one per line; empty when ok. */
  failures: string[];
  /** One line for people: status, latency and what was wrong. */
  detail: string;
}

/** Judges one attempt against the probe's expectations: status, body pattern, latency budget. */
export function evaluateProbe(probe: Pick<SmokeProbeConfig, 'expectStatus' | 'bodyMatch' | 'latencyBudgetMs'>, observed: ProbeObservation): ProbeVerdict {
  const latency = `${Math.round(observed.latencyMs)} ms`;
  if (observed.kind === 'error') {
    const failures = [`no response: ${observed.message}`];
    return { ok: false, failures, detail: `${failures[0]} after ${latency}` };
  }
  const failures: string[] = [];
  if (observed.status !== probe.expectStatus) failures.push(`status ${observed.status}, expected ${probe.expectStatus}`);
  if (probe.bodyMatch !== undefined && !new RegExp(probe.bodyMatch).test(observed.body)) {
    failures.push(`body does not match /${probe.bodyMatch}/ (${preview(observed.body)})`);
  }
  if (probe.latencyBudgetMs !== undefined && observed.latencyMs > probe.latencyBudgetMs) {
    failures.push(`took ${latency}, over the ${probe.latencyBudgetMs} ms budget`);
  }
  const detail = failures.length === 0 ? `${observed.status} in ${latency}` : failures.join('; ');
  return { ok: failures.length === 0, failures, detail };
}

function preview(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  if (flat.length === 0) return 'empty body';
  return flat.length > 80 ? `"${flat.slice(0, 77)}..."` : `"${flat}"`;
}

export interface ProbeOutcome {
  name: string;
  url: string;
  ok: boolean;
  attempts: number;
  /** The verdict of the last attempt: the one that counts. */
  verdict: ProbeVerdict;
  durationMs: number;
}

/**
 * Tries a probe up to 1 + retries times; the first passing attempt ends it. `observe` does the I/O and
 * `sleep` waits between attempts, both injected so the retry rules are tested without a network.
 */
export async function runProbe(
  probe: SmokeProbeConfig,
  observe: (probe: SmokeProbeConfig) => Promise<ProbeObservation>,
  sleep: (ms: number) => Promise<void>,
  clock: () => number = () => performance.now(),
): Promise<ProbeOutcome> {
  const started = clock();
  let verdict: ProbeVerdict = { ok: false, failures: ['not run'], detail: 'not run' };
  let attempts = 0;
  while (attempts <= probe.retries) {
    if (attempts > 0) await sleep(probe.retryDelayMs);
    attempts += 1;
    verdict = evaluateProbe(probe, await observe(probe));
    if (verdict.ok) break;
  }
  return { name: probe.name, url: probe.url, ok: verdict.ok, attempts, verdict, durationMs: clock() - started };
}
