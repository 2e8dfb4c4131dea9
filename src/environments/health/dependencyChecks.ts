import { connect } from 'node:net';
import type { DependencyCheckConfig } from '../../config/environments.js';
import { describeFetchError } from '../smoke/httpObserve.js';
import type { CheckResult } from '../target.js';

/** Runs one configured dependency check; a failure is a result, never an exception. */
export async function checkDependency(check: DependencyCheckConfig, defaultTimeoutMs: number): Promise<CheckResult> {
  const timeoutMs = check.timeoutMs ?? defaultTimeoutMs;
  const started = performance.now();
  const outcome = check.type === 'http' ? await checkHttp(check.url, check.expectStatus, timeoutMs) : await checkTcp(check.host, check.port, timeoutMs);
  return { name: `dependency ${check.name}`, ok: outcome.ok, detail: outcome.detail, durationMs: performance.now() - started };
}

async function checkHttp(url: string, expectStatus: number, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    const ok = response.status === expectStatus;
    return { ok, detail: `GET ${url}: ${response.status}${ok ? '' : `, expected ${expectStatus}`}` };
  } catch (error) {
    return { ok: false, detail: `GET ${url}: ${describeFetchError(error, timeoutMs)}` };
  }
}

function checkTcp(host: string, port: number, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean, detail: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, detail });
    };
    const timer = setTimeout(() => finish(false, `tcp ${host}:${port}: no connection within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => finish(true, `tcp ${host}:${port}: accepts connections`));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(false, `tcp ${host}:${port}: ${error.code ?? error.message}`));
  });
}
