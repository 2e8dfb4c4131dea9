import { ExitCode, isLockstepError } from '../errors.js';
import type { LockDiff } from '../lock/diff.js';
import type { ReleaseLock } from '../lock/schema.js';
import type { RunReport, StageRecord, TestSuiteResult } from '../report/runReport.js';
import type { ProgressDisplay } from './progressDisplay.js';

/** A stage that ran and failed, as the stage itself reported it. */
export interface StageFailure {
  code: string;
  exitStatus: number;
  message: string;
  details: string[];
}

export interface StageOutcome {
  summary: string;
  /** Set when the stage failed: what it leaves behind (tests, artifacts) still goes into the report. */
  failure?: StageFailure;
  tests?: TestSuiteResult[];
  locks?: Array<{ label: string; lock: ReleaseLock }>;
  diffs?: Array<{ label: string; diff: LockDiff }>;
  artifacts?: string[];
  /** Values later stages take as arguments (`{{name}}`): a resolved version, the lock that ran before a deploy. */
  outputs?: Record<string, string>;
  /**
   * Set by a stage that found there is nothing to do (the lock is already released): the run ends
   * here as a success, the later stages are skipped with this reason, and the report says it.
   */
  endRun?: string;
  /** The command as it ran, once its `{{name}}` arguments were filled in. */
  rerun?: string;
}

/** The outputs of the stages that ran so far, by name; a later output of the same name wins. */
export type StageOutputs = Readonly<Record<string, string>>;

export interface PipelineStage {
  name: string;
  /** The exact command that reruns this stage alone. */
  rerun: string;
  /** success (default): only while everything passed; failure: only after a failure (rollback); always: teardown. */
  when?: 'success' | 'failure' | 'always';
  /** With `when: 'failure'`: run only when one of these stages failed (smoke tests, not a deploy that restored itself). */
  failureOf?: string[];
  /** A visible reason to skip the stage (for example: the approval gate without GitHub). */
  skip?: string;
  run(note: (message: string) => void, outputs: StageOutputs): Promise<StageOutcome>;
}

/**
 * Runs stages in order, timing each, and returns the run report. It never throws for a failed stage:
 * the failure is recorded, later success-only stages are skipped with a reason, and failure or
 * always stages still run.
 */
export async function runPipeline(pipeline: string, stages: PipelineStage[], display: ProgressDisplay): Promise<RunReport> {
  const startedAt = new Date();
  const report: RunReport = {
    schema: 'lockstep/run-report/v1',
    pipeline,
    status: 'passed',
    startedAt: startedAt.toISOString(),
    finishedAt: '',
    durationMs: 0,
    stages: [],
    locks: [],
    diffs: [],
    tests: [],
    artifacts: [],
  };
  let failed = false;
  let ended: string | undefined;
  const outputs: Record<string, string> = {};
  const failedStages = new Set<string>();
  for (const [position, stage] of stages.entries()) {
    const index = position + 1;
    const when = stage.when ?? 'success';
    const record: StageRecord = { name: stage.name, status: 'skipped', startedAt: new Date().toISOString(), durationMs: 0, summary: '', rerun: stage.rerun };
    const neededAfterFailure = failed && (!stage.failureOf || stage.failureOf.some((name) => failedStages.has(name)));
    const skipReason =
      stage.skip ??
      (ended !== undefined && when !== 'always'
        ? `not needed: ${ended}`
        : when === 'success' && failed
        ? 'not run: an earlier stage failed'
        : when === 'failure' && !neededAfterFailure
          ? failed
            ? `not needed: ${stage.failureOf?.join(', ')} did not fail`
            : 'not needed: nothing failed'
          : undefined);
    if (skipReason) {
      record.summary = skipReason;
      display.finish(index, stages.length, stage.name, 'skipped', 0, skipReason);
      report.stages.push(record);
      continue;
    }
    display.start(index, stages.length, stage.name);
    const started = performance.now();
    let failure: StageFailure | undefined;
    try {
      const outcome = await stage.run((message) => display.note(message), { ...outputs });
      failure = outcome.failure;
      record.summary = outcome.summary;
      if (outcome.rerun) record.rerun = outcome.rerun;
      Object.assign(outputs, outcome.outputs ?? {});
      if (!failure && outcome.endRun) {
        ended = outcome.endRun;
        report.conclusion = outcome.endRun;
      }
      report.tests.push(...(outcome.tests ?? []));
      report.artifacts.push(...(outcome.artifacts ?? []));
      if (!failure) {
        report.locks.push(...(outcome.locks ?? []));
        report.diffs.push(...(outcome.diffs ?? []));
      }
    } catch (error) {
      failure = failureOf(error);
    }
    record.status = failure ? 'failed' : 'passed';
    if (failure) {
      failed = true;
      failedStages.add(stage.name);
      record.error = [failure.message, ...failure.details.slice(0, 3)].join(' — ');
      record.summary = record.error;
      record.code = failure.code;
      record.exitStatus = failure.exitStatus;
    }
    record.durationMs = performance.now() - started;
    display.finish(index, stages.length, stage.name, record.status, record.durationMs, record.status === 'passed' ? record.summary : record.error ?? '');
    report.stages.push(record);
  }
  display.close();
  const finishedAt = new Date();
  report.status = failed ? 'failed' : 'passed';
  report.finishedAt = finishedAt.toISOString();
  report.durationMs = finishedAt.getTime() - startedAt.getTime();
  return report;
}

function failureOf(error: unknown): StageFailure {
  if (isLockstepError(error)) return { code: error.code, exitStatus: error.exitCode, message: error.message, details: error.details };
  return { code: 'INTERNAL', exitStatus: ExitCode.internal, message: error instanceof Error ? error.message.split('\n')[0]! : String(error), details: [] };
}
