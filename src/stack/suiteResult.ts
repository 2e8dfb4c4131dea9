import type { TestCase } from './tap.js';

/** One suite run as the container reported it. */
export interface SuiteRun {
  suite: string;
  startedAt: string;
  durationMs: number;
  exitCode: number;
  /** Why the suite did not run to its end on its own (timeout, interrupted), or null. */
  stopped: string | null;
  /** Test cases read from its TAP output. */
  tests: TestCase[];
  /** Last lines of its stderr, for failures outside any test. */
  stderrTail: string[];
  /** Everything it printed, kept for the report folder. */
  stdout: string;
  stderr: string;
}

export interface SuiteResult {
  suite: string;
  ok: boolean;
  startedAt: string;
  durationMs: number;
  exitCode: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Every test case, plus a synthetic failure when the suite itself failed outside its tests. */
  tests: TestCase[];
}

/**
 * A suite passes only when it exited 0 and no test failed. A non-zero exit with no failing test (the
 * file did not load, the runner crashed, the timeout hit) becomes a failure of its own, so the
 * summary always names what failed.
 */
export function judgeSuite(run: SuiteRun): SuiteResult {
  const tests = [...run.tests];
  const anyFailed = tests.some((test) => test.status === 'failed');
  if (run.stopped !== null || (run.exitCode !== 0 && !anyFailed)) {
    const why = run.stopped ?? (tests.length === 0 ? `exited with code ${run.exitCode} before reporting any test` : `exited with code ${run.exitCode}`);
    tests.push({
      path: [],
      name: `${run.suite} (suite)`,
      status: 'failed',
      durationMs: run.durationMs,
      message: why,
      detail: run.stderrTail.length > 0 ? run.stderrTail.join('\n') : null,
    });
  }
  const count = (status: TestCase['status']) => tests.filter((test) => test.status === status).length;
  const failed = count('failed');
  return {
    suite: run.suite,
    ok: failed === 0 && run.exitCode === 0,
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    exitCode: run.exitCode,
    passed: count('passed'),
    failed,
    skipped: count('skipped'),
    tests,
  };
}

export function testTitle(test: TestCase): string {
  return [...test.path, test.name].join(' › ');
}
