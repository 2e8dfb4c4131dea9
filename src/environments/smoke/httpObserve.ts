import type { SmokeProbeConfig } from '../../config/environments.js';
import type { ProbeObservation } from './evaluateProbe.js';

/** Bodies are matched, not stored: reading more than this is never needed to judge a probe. */
const maxBodyBytes = 256 * 1024;

/** One GET, timed from the request to the last body byte read (what a user waits for). */
export async function observeHttp(probe: Pick<SmokeProbeConfig, 'url' | 'timeoutMs'>): Promise<ProbeObservation> {
  const started = performance.now();
  try {
    const response = await fetch(probe.url, { signal: AbortSignal.timeout(probe.timeoutMs), redirect: 'manual' });
    const body = await readCapped(response);
    return { kind: 'response', status: response.status, body, latencyMs: performance.now() - started };
  } catch (error) {
    return { kind: 'error', message: describeFetchError(error, probe.timeoutMs), latencyMs: performance.now() - started };
  }
}

async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  while (size < maxBodyBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, maxBodyBytes).toString('utf8');
}

export function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `timed out after ${timeoutMs} ms`;
  // undici reports every network failure as "fetch failed"; the reason is in the cause.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code}${cause.message && !cause.message.includes(code) ? ` (${cause.message})` : ''}` : cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}
