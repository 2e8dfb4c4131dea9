/** What one attempt at a registry request ended with, as far as retrying is concerned. */
export type AttemptOutcome =
  | { kind: 'status'; status: number; retryAfter?: string | undefined }
  | { kind: 'timeout' }
  | { kind: 'connection'; code: string };

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** Backoff before the first retry; doubles on every further one. */
  baseDelayMs: number;
  /** No backoff grows beyond this. */
  maxDelayMs: number;
  /** A server asking to wait longer than this is not waited for: the request fails instead. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 4, baseDelayMs: 250, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/** Connection failures worth another try: the peer may come back, a proxy may recover. */
const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

export function isRetryableOutcome(outcome: AttemptOutcome): boolean {
  if (outcome.kind === 'timeout') return true;
  if (outcome.kind === 'connection') return transientCodes.has(outcome.code);
  return outcome.status === 429 || (outcome.status >= 500 && outcome.status <= 599 && outcome.status !== 501 && outcome.status !== 505);
}

/**
 * Decides whether to try again after a failed attempt (`failures` counts the failed attempts so far,
 * this one included) and how long to wait: the server's Retry-After when it sends one, otherwise an
 * exponential backoff with jitter so that many clients that failed together do not retry together.
 */
export function retryDecision(
  outcome: AttemptOutcome,
  failures: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
  now: number = Date.now(),
): RetryDecision {
  if (!isRetryableOutcome(outcome)) return { retry: false, reason: 'not retryable' };
  if (failures > policy.retries) return { retry: false, reason: `gave up after ${failures} attempts` };
  if (outcome.kind === 'status' && outcome.retryAfter !== undefined) {
    const asked = parseRetryAfter(outcome.retryAfter, now);
    if (asked !== undefined) {
      if (asked > policy.maxRetryAfterMs) {
        return { retry: false, reason: `the registry asks to wait ${Math.ceil(asked / 1000)} s before retrying` };
      }
      return { retry: true, delayMs: asked };
    }
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - 1));
  // Half fixed, half random: never retries at once, yet spreads simultaneous failures apart.
  return { retry: true, delayMs: Math.round(ceiling / 2 + random() * (ceiling / 2)) };
}

/** `Retry-After` is either whole seconds or an HTTP date; returns milliseconds to wait, or undefined. */
export function parseRetryAfter(value: string, now: number = Date.now()): number | undefined {
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/[A-Za-z]/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
