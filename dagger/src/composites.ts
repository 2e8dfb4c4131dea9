/**
 * The composite functions, one per trigger, as data: which stages run in which order with which
 * inputs, what a failure leads to, and where each stage's output lands in the report. runPipeline
 * walks a plan with an injected executor, so ordering, skipping, rollback and rerun lines are tested
 * without an engine.
 */
import { compositeRerunLine, reportDir, stageRerunLine } from './rerunLine.js';
import {
  checkNeeds,
  kebab,
  stages,
  validateInputs,
  StageInputError,
  type ModuleSettings,
  type Need,
  type StageCall,
  type StageName,
} from './stagePlans.js';

export type CompositeName = 'prCheck' | 'promoteStaging' | 'promoteProduction' | 'rollback' | 'hotfix';

/** Report-relative names of the files a composite hands from stage to stage. */
export const reportFiles = {
  lock: 'lock.yaml',
  base: 'base.lock.yaml',
  run: 'run.json',
  summary: 'summary.md',
} as const;

const inReport = (name: string) => `${reportDir}/${name}`;

export interface CompositeStep {
  call: StageCall;
  /** Report-relative path the stage's file or directory output is stored under. */
  saveAs?: string;
  /** Skip (not fail) when this repository file is absent; the reason is shown. */
  requiresSourceFile?: { path: string; reason: string };
  /** Skip when an earlier stage's stdout says so (the lock commit when the lock did not change). */
  skipIf?: { stage: StageName; reason: (stdout: string) => string | undefined };
  /** File inputs (report paths) left out of the call when an earlier stage did not write them. */
  optionalFiles?: string[];
}

/** Where a report file starts from before the first stage: the repository, or a File argument. */
export type Seed = { reportName: string } & ({ from: 'source'; path: string } | { from: 'argument'; argument: string });

export interface CompositePlan {
  pipeline: CompositeName;
  /** The composite's own flags, for its rerun line. */
  inputs: Record<string, string | number | boolean | readonly string[] | undefined>;
  seeds: Seed[];
  steps: CompositeStep[];
  /** When one of `on` fails, `call` runs; the run stays failed but records that it rolled back. */
  rollback?: { on: StageName[]; call: StageCall };
}

export interface PrCheckInputs {
  pullRequest: number;
  branch: string;
  ref?: string;
  suite?: string;
}

/** dev -> staging pull request: lock, stack test, sticky comment, lock commit (only when it changed). */
export function prCheckPlan(inputs: PrCheckInputs, settings: ModuleSettings): CompositePlan {
  const lock = inReport(reportFiles.lock);
  return {
    pipeline: 'prCheck',
    inputs: { ...inputs },
    seeds: [],
    steps: [
      { call: { stage: 'lockGenerate', inputs: { ref: inputs.ref, pullRequest: inputs.pullRequest } }, saveAs: reportFiles.lock },
      { call: { stage: 'stackTest', inputs: { lock, suite: inputs.suite } }, saveAs: 'stack-test' },
      { call: { stage: 'prComment', inputs: { pullRequest: inputs.pullRequest, lock } } },
      ...lockCommitSteps(lock, inputs.branch, inputs.pullRequest, settings),
    ],
  };
}

export interface HotfixInputs {
  pullRequest: number;
  branch: string;
  services: string[];
  ref?: string;
  suite?: string;
}

/**
 * A hotfix pull request into main: the production lock with only the named services re-resolved, the
 * stack test on it, the comment and the lock commit. Merging it runs promoteProduction like any release.
 */
export function hotfixPlan(inputs: HotfixInputs, settings: ModuleSettings, baseFromArgument: boolean): CompositePlan {
  const lock = inReport(reportFiles.lock);
  return {
    pipeline: 'hotfix',
    inputs: { ...inputs, base: baseFromArgument ? inReport(reportFiles.base) : undefined },
    seeds: [
      baseFromArgument
        ? { reportName: reportFiles.base, from: 'argument', argument: 'base' }
        : { reportName: reportFiles.base, from: 'source', path: settings.lockPath },
    ],
    steps: [
      {
        call: {
          stage: 'lockGenerate',
          inputs: { ref: inputs.ref, pullRequest: inputs.pullRequest, base: inReport(reportFiles.base), only: inputs.services },
        },
        saveAs: reportFiles.lock,
      },
      { call: { stage: 'stackTest', inputs: { lock, suite: inputs.suite } }, saveAs: 'stack-test' },
      { call: { stage: 'prComment', inputs: { pullRequest: inputs.pullRequest, lock } } },
      ...lockCommitSteps(lock, inputs.branch, inputs.pullRequest, settings),
    ],
  };
}

/**
 * The lock commit re-triggers the pull-request workflow (it is made with an App token on purpose, see
 * docs/triggers.md). That run regenerates the lock: when no service changed, nothing is committed and
 * the chain ends there.
 */
function lockCommitSteps(lock: string, branch: string, pullRequest: number, settings: ModuleSettings): CompositeStep[] {
  return [
    {
      call: { stage: 'lockDiff', inputs: { before: settings.lockPath, after: lock, format: 'json' } },
      requiresSourceFile: { path: settings.lockPath, reason: `no lock committed at ${settings.lockPath} yet` },
    },
    {
      call: { stage: 'commitLock', inputs: { branch, lock, pullRequest } },
      skipIf: { stage: 'lockDiff', reason: (stdout) => (lockDiffUnchanged(stdout) ? 'the committed lock pins the same services' : undefined) },
    },
  ];
}

/** Reads `lockstep --json lock diff`: unchanged when the locks differ in nothing but createdAt. */
export function lockDiffUnchanged(stdout: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return false;
  }
  // The CLI's own verdict: equal in everything but createdAt (an image, a source ref, a hotfix record count).
  const same = (parsed as { sameButCreatedAt?: unknown } | null)?.sameButCreatedAt;
  if (typeof same === 'boolean') return same;
  const summary = (parsed as { summary?: Record<string, unknown> } | null)?.summary;
  if (summary === undefined || summary === null || typeof summary !== 'object') return false;
  return ['added', 'removed', 'changed'].every((key) => summary[key] === 0);
}

export interface PromoteStagingInputs {
  /** True when the caller passed --lock; otherwise the lock committed in the repository is used. */
  lockFromArgument: boolean;
  /** The CI run, linked from the promotion pull request. */
  runUrl?: string;
}

/** Push to staging: health gate, deploy exactly the lock, end-to-end tests, then the staging -> main PR. */
export function promoteStagingPlan(inputs: PromoteStagingInputs, settings: ModuleSettings): CompositePlan {
  const lock = inReport(reportFiles.lock);
  return {
    pipeline: 'promoteStaging',
    inputs: { lock: inputs.lockFromArgument ? lock : undefined, runUrl: inputs.runUrl },
    seeds: [lockSeed(inputs.lockFromArgument, settings)],
    steps: [
      { call: { stage: 'healthCheck', inputs: { environment: 'staging' } } },
      { call: { stage: 'deploy', inputs: { environment: 'staging', lock } } },
      { call: { stage: 'e2eTest', inputs: { environment: 'staging' } }, saveAs: 'e2e' },
      {
        // Reviewers of the promotion see the end-to-end results and the run that produced them.
        call: { stage: 'openPromotion', inputs: { lock, from: 'staging', to: 'main', e2eSummary: inReport('e2e/summary.md'), runUrl: inputs.runUrl } },
        optionalFiles: ['e2eSummary'],
      },
    ],
  };
}

export interface PromoteProductionInputs {
  pullRequest: number;
  version: string;
  required?: number;
  /** The commit being released (the push's); tagged instead of whatever main points at by then. */
  commit?: string;
  lockFromArgument: boolean;
}

/**
 * Push to main: the four-approval gate, health gate, deploy, smoke tests, then the release (tag, lock
 * archive, GitHub release). Failing smoke tests roll production back to the previous release; a
 * failing deploy restores on its own (the deploy stage does), and a failing release step leaves the
 * healthy deploy in place and says how to rerun it.
 */
export function promoteProductionPlan(inputs: PromoteProductionInputs, settings: ModuleSettings): CompositePlan {
  const lock = inReport(reportFiles.lock);
  return {
    pipeline: 'promoteProduction',
    inputs: {
      pullRequest: inputs.pullRequest,
      version: inputs.version,
      required: inputs.required,
      commit: inputs.commit,
      lock: inputs.lockFromArgument ? lock : undefined,
    },
    seeds: [lockSeed(inputs.lockFromArgument, settings)],
    steps: [
      { call: { stage: 'approvalGate', inputs: { pullRequest: inputs.pullRequest, required: inputs.required, lock } } },
      { call: { stage: 'healthCheck', inputs: { environment: 'production' } } },
      { call: { stage: 'deploy', inputs: { environment: 'production', lock } } },
      { call: { stage: 'smokeTest', inputs: { environment: 'production' } }, saveAs: 'smoke' },
      { call: { stage: 'release', inputs: { lock, version: inputs.version } }, saveAs: 'releases' },
      { call: { stage: 'publishRelease', inputs: { version: inputs.version, lock, target: inputs.commit } } },
    ],
    rollback: { on: ['smokeTest'], call: { stage: 'rollback', inputs: { environment: 'production' } } },
  };
}

export interface RollbackInputs {
  environment: string;
  to?: string;
  smoke: boolean;
}

/** Manual rollback: back to the previous release (or `to`), then the smoke probes when asked. */
export function rollbackPlan(inputs: RollbackInputs): CompositePlan {
  return {
    pipeline: 'rollback',
    inputs: { environment: inputs.environment, to: inputs.to, smoke: inputs.smoke },
    seeds: [],
    steps: [
      { call: { stage: 'rollback', inputs: { environment: inputs.environment, to: inputs.to } } },
      ...(inputs.smoke ? [{ call: { stage: 'smokeTest', inputs: { environment: inputs.environment } }, saveAs: 'smoke' } as CompositeStep] : []),
    ],
  };
}

function lockSeed(fromArgument: boolean, settings: ModuleSettings): Seed {
  return fromArgument
    ? { reportName: reportFiles.lock, from: 'argument', argument: 'lock' }
    : { reportName: reportFiles.lock, from: 'source', path: settings.lockPath };
}

/** Every stage a plan may run, so its rerun line names exactly the constructor flags it needs. */
export function planNeeds(plan: CompositePlan): Set<Need> {
  const calls = [...plan.steps.map((step) => step.call), ...(plan.rollback ? [plan.rollback.call] : [])];
  return new Set(calls.flatMap((call) => stages[call.stage].needs));
}

/**
 * Fails before anything runs: a composite must not deploy staging and then stop at the promotion
 * pull request over a typo or a missing token.
 */
export function validatePlan(plan: CompositePlan, settings: ModuleSettings): void {
  for (const call of [...plan.steps.map((step) => step.call), ...(plan.rollback ? [plan.rollback.call] : [])]) {
    validateInputs(call);
    checkNeeds(call.stage, settings);
  }
  if (plan.pipeline === 'hotfix') {
    const only = plan.steps[0]?.call.stage === 'lockGenerate' ? (plan.steps[0].call.inputs.only ?? []) : [];
    if (only.length === 0) throw new StageInputError('services', 'name at least one service to re-resolve');
  }
}

export type StageStatus = 'passed' | 'failed' | 'skipped';

/** One suite's results, as the CLI's run report records them. */
export interface TestSuiteResult {
  suite: string;
  against: string;
  passed: number;
  failed: number;
  skipped: number;
  failures: Array<{ name: string; message: string }>;
}

/**
 * One stage of a run. The first fields are those of the CLI's run report (src/report/runReport.ts),
 * so one renderer reads both; the rest is what only a composite knows.
 */
export interface StageRecord {
  name: StageName;
  status: StageStatus;
  startedAt: string;
  durationMs: number;
  /** One line on what the stage did, or why it was skipped. */
  summary: string;
  /** The line that says why it failed. */
  error?: string;
  /** The `dagger call` line that reruns this stage alone with the same inputs. */
  rerun: string;
  /** The dagger function, as `dagger call` names it. */
  function: string;
  role: 'stage' | 'rollback';
  exitCode?: number;
  /** The last lines the stage printed when it failed. */
  detail?: string;
  /** Report-relative paths of what it left behind. */
  outputs?: string[];
}

export interface RunReport {
  schema: 'lockstep/run-report/v1';
  pipeline: CompositeName;
  status: 'passed' | 'failed';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  stages: StageRecord[];
  /** The CLI's report embeds locks and diffs; a composite keeps them as files (lock.yaml) instead. */
  locks: [];
  diffs: [];
  tests: TestSuiteResult[];
  artifacts: string[];
  rolledBack: boolean;
  /** Reruns the whole composite with the same inputs. */
  rerun: string;
}

export interface StageExecution {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Report-relative paths of the logs and outputs the executor stored. */
  outputs: string[];
  tests?: TestSuiteResult[];
}

export interface PipelineHooks {
  /** Runs one stage; throws only when the stage could not be run at all (engine, image pull). */
  execute(step: CompositeStep): Promise<StageExecution>;
  sourceFileExists(path: string): Promise<boolean>;
  /** Whether a report path (`.lockstep/run/...`) holds a file by now. */
  reportFileExists(path: string): Promise<boolean>;
  now(): number;
}

const detailLines = 20;

export async function runPipeline(plan: CompositePlan, settings: ModuleSettings, hooks: PipelineHooks): Promise<RunReport> {
  validatePlan(plan, settings);
  const started = hooks.now();
  const records: StageRecord[] = [];
  const tests: TestSuiteResult[] = [];
  const stdoutOf = new Map<StageName, string>();
  let failedAt: StageName | undefined;
  let rolledBack = false;

  const skip = (step: CompositeStep, reason: string): StageRecord => ({
    ...identity(step, 'stage', settings),
    status: 'skipped',
    startedAt: new Date(hooks.now()).toISOString(),
    durationMs: 0,
    summary: `skipped: ${reason}`,
  });

  for (const step of plan.steps) {
    if (failedAt !== undefined) {
      records.push(skip(step, `${kebab(failedAt)} failed`));
      continue;
    }
    if (step.requiresSourceFile && !(await hooks.sourceFileExists(step.requiresSourceFile.path))) {
      records.push(skip(step, step.requiresSourceFile.reason));
      continue;
    }
    const earlier = step.skipIf ? stdoutOf.get(step.skipIf.stage) : undefined;
    const skipReason = step.skipIf && earlier !== undefined ? step.skipIf.reason(earlier) : undefined;
    if (skipReason !== undefined) {
      records.push(skip(step, skipReason));
      continue;
    }
    const outcome = await runStep(await withoutMissingFiles(step, hooks), 'stage', settings, hooks);
    records.push(outcome.record);
    tests.push(...outcome.tests);
    if (outcome.record.status === 'passed') stdoutOf.set(step.call.stage, outcome.stdout);
    else failedAt = step.call.stage;
  }

  if (failedAt !== undefined && plan.rollback?.on.includes(failedAt)) {
    const outcome = await runStep({ call: plan.rollback.call }, 'rollback', settings, hooks);
    records.push(outcome.record);
    tests.push(...outcome.tests);
    rolledBack = outcome.record.status === 'passed';
  }

  const finished = hooks.now();
  return {
    schema: 'lockstep/run-report/v1',
    pipeline: plan.pipeline,
    status: failedAt === undefined ? 'passed' : 'failed',
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - started,
    stages: records,
    locks: [],
    diffs: [],
    tests,
    artifacts: records.flatMap((record) => record.outputs ?? []),
    rolledBack,
    rerun: compositeRerunLine(plan.pipeline, plan.inputs, settings, planNeeds(plan)),
  };
}

/** Drops optional file inputs no earlier stage wrote, so the rerun line names what really ran. */
async function withoutMissingFiles(step: CompositeStep, hooks: PipelineHooks): Promise<CompositeStep> {
  if (!step.optionalFiles) return step;
  const inputs = { ...(step.call.inputs as Record<string, unknown>) };
  for (const name of step.optionalFiles) {
    const path = inputs[name];
    if (typeof path === 'string' && !(await hooks.reportFileExists(path))) delete inputs[name];
  }
  return { ...step, call: { ...step.call, inputs } as StageCall };
}

function identity(step: CompositeStep, role: StageRecord['role'], settings: ModuleSettings): Pick<StageRecord, 'name' | 'function' | 'role' | 'rerun'> {
  return { name: step.call.stage, function: kebab(step.call.stage), role, rerun: stageRerunLine(step.call, settings) };
}

async function runStep(
  step: CompositeStep,
  role: StageRecord['role'],
  settings: ModuleSettings,
  hooks: PipelineHooks,
): Promise<{ record: StageRecord; stdout: string; tests: TestSuiteResult[] }> {
  const started = hooks.now();
  const base = { ...identity(step, role, settings), startedAt: new Date(started).toISOString() };
  try {
    const execution = await hooks.execute(step);
    const durationMs = hooks.now() - started;
    const outputs = execution.outputs.length > 0 ? { outputs: execution.outputs } : {};
    if (execution.exitCode === 0) {
      const summary = lastMeaningfulLine(execution.stdout) ?? 'done';
      return { stdout: execution.stdout, tests: execution.tests ?? [], record: { ...base, status: 'passed', durationMs, summary, exitCode: 0, ...outputs } };
    }
    const detail = lastLines(execution.stderr.trim() === '' ? execution.stdout : execution.stderr, detailLines);
    const error = lastMeaningfulLine(detail) ?? `exit ${execution.exitCode}`;
    return {
      stdout: execution.stdout,
      tests: execution.tests ?? [],
      record: { ...base, status: 'failed', durationMs, summary: `exit ${execution.exitCode}: ${error}`, error, exitCode: execution.exitCode, detail, ...outputs },
    };
  } catch (error) {
    const detail = lastLines(error instanceof Error ? error.message : String(error), detailLines);
    const line = lastMeaningfulLine(detail) ?? 'the stage could not run';
    return { stdout: '', tests: [], record: { ...base, status: 'failed', durationMs: hooks.now() - started, summary: line, error: line, detail } };
  }
}

function lastMeaningfulLine(text: string): string | undefined {
  const line = text
    .split('\n')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .at(-1);
  return line === undefined ? undefined : line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

export function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split('\n');
  return lines.slice(Math.max(0, lines.length - count)).join('\n');
}

/** The report a person reads first: one row per stage, then how to rerun what did not pass. */
export function renderSummary(report: RunReport): string {
  const verdict = report.status === 'passed' ? 'passed' : report.rolledBack ? 'failed (rolled back)' : 'failed';
  const lines = [
    `# ${report.pipeline}: ${verdict}`,
    '',
    '| stage | status | duration | summary |',
    '| --- | --- | ---: | --- |',
    ...report.stages.map((stage) => {
      const name = stage.role === 'rollback' ? `${stage.function} (rollback)` : stage.function;
      return `| ${name} | ${stage.status} | ${formatDuration(stage.durationMs)} | ${escapeCell(stage.summary)} |`;
    }),
    '',
  ];
  const reruns = report.stages.filter((stage) => stage.status === 'failed' || (stage.status === 'skipped' && !report.rolledBack && / failed$/.test(stage.summary)));
  if (reruns.length > 0) {
    lines.push('## Rerun', '');
    for (const stage of reruns) lines.push(`${stage.function} (${stage.status}):`, '', '```sh', stage.rerun, '```', '');
  }
  lines.push('The whole run:', '', '```sh', report.rerun, '```', '');
  return lines.join('\n');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${String(Math.round(seconds - minutes * 60)).padStart(2, '0')}s`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/`/g, "'");
}
