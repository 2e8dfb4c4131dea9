import { lastLines, run } from '../exec/run.js';
import type { SuiteInvocation } from './suiteInvocation.js';
import type { SuiteRun } from './suiteResult.js';
import { parseTap } from './tap.js';

export interface RunSuiteOptions {
  timeoutMs: number;
  /** Aborts the suite (interrupt); the container is removed and the abort is rethrown. */
  signal?: AbortSignal;
  /** The Docker engine of the suite containers, when not the one DOCKER_HOST names. */
  dockerHost?: string;
}

/** Runs one suite container to its end (or its timeout) and reads the TAP it printed. */
export async function runSuite(suite: string, invocation: SuiteInvocation, options: RunSuiteOptions): Promise<SuiteRun> {
  const startedAt = new Date();
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  let stopped: string | null = null;
  const engine = options.dockerHost ? { DOCKER_HOST: options.dockerHost } : {};
  try {
    const result = await run('docker', invocation.args, {
      env: { ...process.env, ...invocation.env, ...engine },
      allowFailure: true,
      errorCode: 'DOCKER',
      signal,
      onOutput: (chunk, stream) => {
        if (stream === 'stdout') stdout += chunk;
        else stderr += chunk;
      },
    });
    exitCode = result.exitCode;
  } catch (error) {
    if (!signal.aborted) throw error;
    // Killing the docker client leaves the container running: remove it by its name.
    await run('docker', ['container', 'rm', '--force', invocation.containerName], { allowFailure: true, env: { ...process.env, ...engine } });
    if (options.signal?.aborted) throw error;
    exitCode = 124;
    stopped = `stopped after its timeout of ${Math.round(options.timeoutMs / 1000)} s`;
  }
  return {
    suite,
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    exitCode,
    stopped,
    tests: parseTap(stdout),
    stderrTail: lastLines(stderr, 20),
    stdout,
    stderr,
  };
}
