import { isLockstepError } from '../errors.js';
import type { LockDiff } from '../lock/diff.js';
import type { ReleaseLock } from '../lock/schema.js';
import type { RunReport, StageRecord, TestSuiteResult } from '../report/runReport.js';
import type { ProgressDisplay } from './progressDisplay.js';

export interface StageOutcome {
  summary: string;
  tests?: TestSuiteResult[];
  locks?: Array<{ label: string; lock: ReleaseLock }>;
  diffs?: Array<{ label: string; diff: LockDiff }>;
  artifacts?: string[];
}

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
  run(note: (message: string) => void): Promise<StageOutcome>;
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
  const failedStages = new Set<string>();
  for (const [position, stage] of stages.entries()) {
    const index = position + 1;
    const when = stage.when ?? 'success';
    const record: StageRecord = { name: stage.name, status: 'skipped', startedAt: new Date().toISOString(), durationMs: 0, summary: '', rerun: stage.rerun };
    const neededAfterFailure = failed && (!stage.failureOf || stage.failureOf.some((name) => failedStages.has(name)));
    const skipReason =
      stage.skip ??
      (when === 'success' && failed
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
    try {
      const outcome = await stage.run((message) => display.note(message));
      record.status = 'passed';
      record.summary = outcome.summary;
      report.tests.push(...(outcome.tests ?? []));
      report.locks.push(...(outcome.locks ?? []));
      report.diffs.push(...(outcome.diffs ?? []));
      report.artifacts.push(...(outcome.artifacts ?? []));
    } catch (error) {
      failed = true;
      failedStages.add(stage.name);
      record.status = 'failed';
      record.error = describeError(error);
      record.summary = record.error;
      const partial = (error as { outcome?: StageOutcome }).outcome;
      if (partial) {
        report.tests.push(...(partial.tests ?? []));
        report.artifacts.push(...(partial.artifacts ?? []));
      }
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

function describeError(error: unknown): string {
  if (isLockstepError(error)) return [error.message, ...error.details.slice(0, 3)].join(' — ');
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}
