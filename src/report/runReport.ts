import type { LockDiff } from '../lock/diff.js';
import type { ReleaseLock } from '../lock/schema.js';

export type StageStatus = 'passed' | 'failed' | 'skipped';

export interface StageRecord {
  name: string;
  status: StageStatus;
  startedAt: string;
  durationMs: number;
  /** One line on what the stage did or why it was skipped. */
  summary: string;
  /** The first line of the error, for failed stages. */
  error?: string;
  /** A failed stage's own error code (LEASE_HELD, UNHEALTHY, BAD_INPUT...; INTERNAL for a bug). */
  code?: string;
  /** A failed stage's exit status, as its command returns it. */
  exitStatus?: number;
  /** The command that reruns this stage alone, with the same inputs. */
  rerun: string;
}

export interface TestCaseFailure {
  name: string;
  message: string;
}

export interface TestSuiteResult {
  suite: string;
  /** Where the tests ran: the pull-request stack, an environment... */
  against: string;
  passed: number;
  failed: number;
  skipped: number;
  failures: TestCaseFailure[];
  junitFile?: string;
}

export interface RunReport {
  schema: 'lockstep/run-report/v1';
  pipeline: string;
  status: 'passed' | 'failed';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  stages: StageRecord[];
  locks: Array<{ label: string; lock: ReleaseLock }>;
  diffs: Array<{ label: string; diff: LockDiff }>;
  tests: TestSuiteResult[];
  /** Set when a stage ended the run early with nothing to do: what it found, said plainly. */
  conclusion?: string;
  /** Files the run wrote (reports, locks, rendered PR bodies), relative to the working directory. */
  artifacts: string[];
}
