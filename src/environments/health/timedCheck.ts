import type { CheckResult } from '../target.js';

/** Runs one health check, timed; a check that throws is a failed result carrying its message, never a crash. */
export async function timedCheck(name: string, run: () => Promise<{ ok: boolean; detail: string }>): Promise<CheckResult> {
  const started = performance.now();
  try {
    return { name, ...(await run()), durationMs: performance.now() - started };
  } catch (error) {
    return { name, ok: false, detail: (error as Error).message, durationMs: performance.now() - started };
  }
}
