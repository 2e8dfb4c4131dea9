import { programFlags, stages } from '../cli/table/index.js';
import { commandLine, flagWords } from '../cli/table/spec.js';
import { defaultRequiredApprovals, productionBranch, productionEnvironment, stageReportDir, stagingBranch, stagingEnvironment } from '../defaults.js';

/**
 * The composite pipelines, one per trigger, as data: which CLI stages run in which order. This is
 * their only definition: `lockstep run <pipeline>` runs them on a laptop and in CI, and the Dagger
 * module runs `lockstep run <pipeline>` in its runner, so every stage's rerun line is the command itself.
 */

export interface CliStage {
  name: string;
  /** lockstep arguments, without the program name. */
  args: string[];
  when?: 'success' | 'failure' | 'always';
  failureOf?: string[];
  /** A visible reason not to run it (GitHub stages without GitHub). */
  skip?: string;
  /**
   * Locks the run report shows after the stage. Its tests and the files it wrote come from the
   * stage's own result (`--result-file`).
   */
  collect?: {
    /** A lock file to show, with its label. */
    lock?: { file: string; label: string };
    /** Locks to diff, after the stage: a missing `before` means a first release; a missing `after`, the file the stage wrote. */
    diff?: { before?: string; after?: string; label: string };
  };
}

export interface PipelineSettings {
  /** The config file, passed on to every stage. */
  config: string;
  /** Where the run report and the stages' reports go. */
  reportDir: string;
  /** False: no GitHub here; GitHub writes are rendered to files or skipped, visibly. */
  github: boolean;
  /** The lock committed on the target branch, when there is one (for diffs and PR comments). */
  currentLock?: string;
}

export interface PrCheckInputs {
  ref: string;
  pullRequest?: number;
  project: string;
  /** The pull request's head branch: with GitHub, the lock is committed to it. */
  branch?: string;
  /** Run only these stack suites. */
  suites?: string[];
}

export interface StackTestInputs {
  lock: string;
  project: string;
  suites?: string[];
}

/** The whole stack from compose with a lock's images, its suites, and the teardown that always runs. */
export function stackTestStages(settings: PipelineSettings, inputs: StackTestInputs): CliStage[] {
  const suite = inputs.suites && inputs.suites.length > 0 ? inputs.suites : undefined;
  return [
    { name: 'stack up', args: withConfig(settings, commandLine(stages.stackUp, { lock: inputs.lock, project: inputs.project })) },
    { name: 'stack test', args: withConfig(settings, commandLine(stages.stackTest, { project: inputs.project, report: `${settings.reportDir}/stack`, suite })) },
    { name: 'stack down', args: withConfig(settings, commandLine(stages.stackDown, { project: inputs.project })), when: 'always' },
  ];
}

const withConfig = (settings: PipelineSettings, args: string[]) => [...flagWords({ flags: programFlags }, { config: settings.config }), ...args];

/** dev -> staging pull request: the lock, the whole stack with its suites, the sticky comment. */
export function prCheckStages(settings: PipelineSettings, inputs: PrCheckInputs & { base?: string; only?: string[] }): CliStage[] {
  const lock = `${settings.reportDir}/lock.yaml`;
  const hotfix = inputs.base ? { base: inputs.base, only: inputs.only ?? [] } : {};
  const generate = commandLine(stages.lockGenerate, { ref: inputs.ref, out: lock, pullRequest: inputs.pullRequest, ...hotfix });
  const comment = settings.github
    ? commandLine(stages.prComment, { pr: inputs.pullRequest ?? 0, lock })
    : commandLine(stages.prComment, { lock, out: `${settings.reportDir}/pr-comment.md`, baseLock: settings.currentLock || undefined });
  return [
    {
      name: inputs.base ? 'hotfix lock' : 'lock generate',
      args: withConfig(settings, generate),
      collect: {
        lock: { file: lock, label: 'Lock generated' },
        diff: { before: settings.currentLock, after: lock, label: settings.currentLock ? 'Changes against the committed lock' : 'First lock: every service is new' },
      },
    },
    ...stackTestStages(settings, { lock, project: inputs.project, suites: inputs.suites }),
    {
      name: settings.github ? 'pr comment' : 'pr comment (rendered)',
      args: withConfig(settings, comment),
      ...(settings.github && inputs.pullRequest === undefined ? { skip: 'skipped: no pull request number given' } : {}),
    },
    ...(settings.github && inputs.branch !== undefined
      ? [{ name: 'commit lock', args: withConfig(settings, commandLine(stages.prCommitLock, { branch: inputs.branch, lock, pr: inputs.pullRequest })) }]
      : []),
  ];
}

/** After the merge into staging: health gate, deploy exactly the lock, E2E, the promotion pull request. */
export function promoteStagingStages(settings: PipelineSettings, inputs: { lock: string; environment?: string; runUrl?: string }): CliStage[] {
  const environment = inputs.environment ?? stagingEnvironment;
  const e2eDir = stageReportDir(settings.reportDir, environment, 'e2e');
  const promote = { from: stagingBranch, to: productionBranch, lock: inputs.lock, e2eSummary: `${e2eDir}/summary.md` };
  const promotion = settings.github
    ? commandLine(stages.prOpenPromotion, { ...promote, runUrl: inputs.runUrl || undefined })
    : commandLine(stages.prOpenPromotion, { ...promote, out: `${settings.reportDir}/promotion-pr.md` });
  return [
    { name: 'health', args: withConfig(settings, commandLine(stages.health, { env: environment })) },
    { name: 'deploy', args: withConfig(settings, commandLine(stages.deploy, { env: environment, lock: inputs.lock })), collect: { lock: { file: inputs.lock, label: `Deployed to ${environment}` } } },
    { name: 'e2e', args: withConfig(settings, commandLine(stages.e2e, { env: environment, reportDir: e2eDir })) },
    { name: settings.github ? 'open promotion' : 'open promotion (rendered)', args: withConfig(settings, promotion) },
  ];
}

export interface PromoteProductionInputs {
  lock: string;
  /** The release version; by default `release resolve` derives it from the lock (the next semver). */
  version?: string;
  /** The merged pull request; by default `release resolve` asks GitHub which one merged the commit. */
  pullRequest?: number;
  required?: number;
  environment?: string;
  /** The release archive; default: the config's github.releaseArchiveDir. */
  releasesDir?: string;
  /** The release before this one, for the release diff; default: the newest archived release. */
  previousRelease?: string;
  /** The commit being released, which the tag points at (default: HEAD of the checkout). */
  commit?: string;
  /** The production branch. */
  branch?: string;
}

/**
 * After the merge into main: resolve what is released (nothing when no service changed since the
 * newest release: the run ends there), the approval gate, health, deploy, smoke, then archive the
 * release, commit the archive to the production branch and publish it. Failed smoke tests return
 * production to the release that ran before the deploy. Later stages take what earlier ones found
 * (`{{version}}`, `{{previousLock}}`) as arguments.
 */
export function promoteProductionStages(settings: PipelineSettings, inputs: PromoteProductionInputs): CliStage[] {
  const environment = inputs.environment ?? productionEnvironment;
  const branch = inputs.branch ?? productionBranch;
  const smokeDir = stageReportDir(settings.reportDir, environment, 'smoke');
  const required = inputs.required ?? defaultRequiredApprovals;
  const releasesDir = inputs.releasesDir || undefined;
  const noGitHub = (what: string) => (settings.github ? {} : { skip: `skipped: no GitHub here; ${what}` });
  const resolve = commandLine(stages.releaseResolve, {
    lock: inputs.lock,
    branch,
    commit: inputs.commit || undefined,
    version: inputs.version || undefined,
    pr: inputs.pullRequest,
    releasesDir,
    offline: !settings.github,
  });
  return [
    { name: 'release resolve', args: withConfig(settings, resolve) },
    {
      name: 'approval gate',
      args: withConfig(settings, commandLine(stages.gateApprovals, { pr: '{{pullRequest}}', required, lock: inputs.lock, commit: '{{commit}}', productionBranch: branch })),
      ...noGitHub(`in CI \`lockstep gate approvals\` requires ${required} approvals`),
    },
    { name: 'health', args: withConfig(settings, commandLine(stages.health, { env: environment })) },
    { name: 'deploy', args: withConfig(settings, commandLine(stages.deploy, { env: environment, lock: inputs.lock })), collect: { lock: { file: inputs.lock, label: `Deployed to ${environment}` } } },
    { name: 'smoke', args: withConfig(settings, commandLine(stages.smoke, { env: environment, reportDir: smokeDir })) },
    {
      name: 'release archive',
      args: withConfig(settings, commandLine(stages.releaseArchive, { lock: inputs.lock, version: '{{version}}', dir: releasesDir })),
      collect: {
        diff: inputs.previousRelease
          ? { before: inputs.previousRelease, label: 'Release {{version}} against the previous release' }
          : { before: '{{releasedLock}}', label: '{{releaseDiffLabel}}' },
      },
    },
    {
      name: 'release commit',
      args: withConfig(settings, commandLine(stages.releaseCommitArchive, { version: '{{version}}', branch, dir: releasesDir })),
      ...noGitHub('the archived release stays in this checkout: commit it'),
    },
    {
      name: 'release publish',
      args: withConfig(settings, commandLine(stages.releasePublish, { version: '{{version}}', lock: inputs.lock, target: '{{commit}}', branch })),
      ...noGitHub('the lock is archived in the release archive'),
    },
    {
      name: 'rollback',
      args: withConfig(settings, commandLine(stages.rollback, { env: environment, toLock: '{{previousLock}}', releasesDir })),
      when: 'failure',
      failureOf: ['smoke'],
    },
  ];
}

/** Manual rollback: back to the previous (or named) release through the deploy path, then smoke tests. */
export function rollbackStages(settings: PipelineSettings, inputs: { environment: string; to?: string; toLock?: string; releasesDir?: string; smoke: boolean }): CliStage[] {
  const smokeDir = stageReportDir(settings.reportDir, inputs.environment, 'smoke');
  const args = commandLine(stages.rollback, { env: inputs.environment, to: inputs.to || undefined, toLock: inputs.toLock, releasesDir: inputs.releasesDir || undefined });
  return [
    { name: 'rollback', args: withConfig(settings, args) },
    ...(inputs.smoke ? [{ name: 'smoke', args: withConfig(settings, commandLine(stages.smoke, { env: inputs.environment, reportDir: smokeDir })) }] : []),
  ];
}

/** Renders a stage's arguments as the command a person pastes to rerun it. */
export function rerunLine(args: string[], program = 'lockstep'): string {
  return [program, ...args.map(quoteArgument)].join(' ');
}

function quoteArgument(argument: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}
