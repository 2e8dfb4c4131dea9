import { containerLogTail, type Container } from './containers.js';
import type { DockerApi } from './api.js';
import { assessServices, countFailingStreaks, type Assessment, type FailingStreak, type ServiceExpectation, type ServiceReadiness } from './readiness.js';

export type ComposeProgress = 'running' | 'succeeded' | 'failed';

export interface WaitReadyOptions {
  /** Reads the containers to judge (a compose project's). */
  read: () => Promise<Container[]>;
  expectations: readonly ServiceExpectation[];
  /** Epoch milliseconds after which waiting stops. */
  deadline: number;
  pollMs: number;
  settleMs?: number;
  /** Where the `compose up` that creates the containers stands; finished already when absent. */
  compose?: () => ComposeProgress;
  /** Called whenever a service's one-line state changes. */
  onChange?: (entry: ServiceReadiness) => void;
  /**
   * Subscribes to news that the containers may have changed (docker events, compose finishing): `wake`
   * cuts the pause before the next read short. Returns the function that ends the subscription.
   */
  watch?: (wake: () => void) => () => void;
  signal?: AbortSignal;
  now?: () => number;
}

export interface WaitOutcome {
  /** ready: every service is; failed: one failed for certain; compose-failed: compose up did not succeed; timeout: the deadline passed. */
  state: 'ready' | 'failed' | 'compose-failed' | 'timeout';
  assessment: Assessment;
  containers: Container[];
  /** Epoch milliseconds of the read that made the outcome certain. */
  decidedAt: number;
}

/**
 * The one wait for containers to become ready, used by `stack up` and by every compose rollout and
 * restore: reads the containers every `pollMs`, and at once whenever `watch` says something changed,
 * judges them, and stops at the first read where the outcome is certain, success or failure, instead
 * of at the deadline.
 */
export async function waitReady(options: WaitReadyOptions): Promise<WaitOutcome> {
  const pause = new WakeablePause();
  const unwatch = options.watch?.(() => pause.wake());
  try {
    return await waitLoop(options, pause);
  } finally {
    unwatch?.();
  }
}

async function waitLoop(options: WaitReadyOptions, pause: WakeablePause): Promise<WaitOutcome> {
  const now = options.now ?? Date.now;
  const said = new Map<string, string>();
  let streaks: Map<string, FailingStreak> = new Map();
  for (;;) {
    const compose = options.compose?.() ?? 'succeeded';
    const containers = await options.read();
    streaks = countFailingStreaks(streaks, containers);
    const at = now();
    const assessment = assessServices(containers, options.expectations, {
      composeFinished: compose === 'succeeded',
      now: at,
      settleMs: options.settleMs ?? 0,
      streaks,
    });
    for (const entry of assessment.services) {
      if (said.get(entry.service) !== entry.detail) options.onChange?.(entry);
      said.set(entry.service, entry.detail);
    }
    const outcome = (state: WaitOutcome['state']): WaitOutcome => ({ state, assessment, containers, decidedAt: at });
    if (assessment.services.some((entry) => entry.readiness === 'failed')) return outcome('failed');
    if (compose === 'failed') return outcome('compose-failed');
    if (compose === 'succeeded' && assessment.ready) return outcome('ready');
    if (at >= options.deadline) return outcome('timeout');
    await pause.wait(Math.min(options.pollMs, Math.max(0, options.deadline - at)), options.signal);
  }
}

/** A pause that a wake-up ends early; a wake-up during the read before it ends the next pause at once. */
class WakeablePause {
  private woken = false;
  private end: (() => void) | undefined;

  wake(): void {
    this.woken = true;
    this.end?.();
  }

  wait(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', aborted);
        this.end = undefined;
        this.woken = false;
      };
      const aborted = () => {
        done();
        reject(signal?.reason as Error);
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, ms);
      this.end = () => {
        done();
        resolve();
      };
      signal?.addEventListener('abort', aborted, { once: true });
    });
  }
}

export function notReady(assessment: Assessment, readiness?: 'failed'): ServiceReadiness[] {
  return assessment.services.filter((entry) => (readiness ? entry.readiness === readiness : entry.readiness !== 'ready'));
}

export function serviceNames(entries: readonly ServiceReadiness[]): string {
  return entries.map((entry) => entry.service).join(', ');
}

/** One line per culprit with the last lines its container wrote, then one line on the others. */
export async function describeCulprits(api: DockerApi, culprits: readonly ServiceReadiness[], assessment: Assessment, logLines: number): Promise<string[]> {
  const details: string[] = [];
  for (const entry of culprits) {
    details.push(`${entry.service}: ${entry.detail}`);
    if (!entry.container) continue;
    const logs = await containerLogTail(api, entry.container.id, logLines).catch(() => []);
    details.push(...(logs.length > 0 ? logs.map((line) => `  ${entry.service} | ${line}`) : [`  ${entry.service} | (no log output)`]));
  }
  const others = assessment.services.filter((entry) => !culprits.includes(entry));
  if (others.length > 0) details.push(`others: ${others.map((entry) => `${entry.service} ${entry.detail}`).join('; ')}`);
  return details;
}
