import { defaultRequiredApprovals } from '../defaults.js';

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
  const suites = inputs.suites && inputs.suites.length > 0 ? ['--suite', inputs.suites.join(',')] : [];
  return [
    { name: 'stack up', args: withConfig(settings, ['stack', 'up', '--lock', inputs.lock, '--project', inputs.project]) },
    { name: 'stack test', args: withConfig(settings, ['stack', 'test', '--project', inputs.project, '--report', `${settings.reportDir}/stack`, ...suites]) },
    { name: 'stack down', args: withConfig(settings, ['stack', 'down', '--project', inputs.project]), when: 'always' },
  ];
}

const withConfig = (settings: PipelineSettings, args: string[]) => ['--config', settings.config, ...args];

/** dev -> staging pull request: the lock, the whole stack with its suites, the sticky comment. */
export function prCheckStages(settings: PipelineSettings, inputs: PrCheckInputs & { base?: string; only?: string[] }): CliStage[] {
  const lock = `${settings.reportDir}/lock.yaml`;
  const generate = ['lock', 'generate', '--ref', inputs.ref, '--out', lock];
  if (inputs.pullRequest !== undefined) generate.push('--pull-request', String(inputs.pullRequest));
  if (inputs.base) generate.push('--base', inputs.base, '--only', (inputs.only ?? []).join(','));
  const comment = settings.github
    ? ['pr', 'comment', '--pr', String(inputs.pullRequest ?? 0), '--lock', lock]
    : ['pr', 'comment', '--lock', lock, '--out', `${settings.reportDir}/pr-comment.md`, ...(settings.currentLock ? ['--base-lock', settings.currentLock] : [])];
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
      ? [{ name: 'commit lock', args: withConfig(settings, ['pr', 'commit-lock', '--branch', inputs.branch, '--lock', lock, ...(inputs.pullRequest === undefined ? [] : ['--pr', String(inputs.pullRequest)])]) }]
      : []),
  ];
}

/** After the merge into staging: health gate, deploy exactly the lock, E2E, the promotion pull request. */
export function promoteStagingStages(settings: PipelineSettings, inputs: { lock: string; environment?: string; runUrl?: string }): CliStage[] {
  const environment = inputs.environment ?? 'staging';
  const e2eDir = `${settings.reportDir}/${environment}/e2e`;
  const promotion = settings.github
    ? ['pr', 'open-promotion', '--from', 'staging', '--to', 'main', '--lock', inputs.lock, '--e2e-summary', `${e2eDir}/summary.md`, ...(inputs.runUrl ? ['--run-url', inputs.runUrl] : [])]
    : ['pr', 'open-promotion', '--from', 'staging', '--to', 'main', '--lock', inputs.lock, '--e2e-summary', `${e2eDir}/summary.md`, '--out', `${settings.reportDir}/promotion-pr.md`];
  return [
    { name: 'health', args: withConfig(settings, ['health', '--env', environment]) },
    { name: 'deploy', args: withConfig(settings, ['deploy', '--env', environment, '--lock', inputs.lock]), collect: { lock: { file: inputs.lock, label: `Deployed to ${environment}` } } },
    { name: 'e2e', args: withConfig(settings, ['e2e', '--env', environment, '--report-dir', e2eDir]) },
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
  const environment = inputs.environment ?? 'production';
  const branch = inputs.branch ?? 'main';
  const smokeDir = `${settings.reportDir}/${environment}/smoke`;
  const required = inputs.required ?? defaultRequiredApprovals;
  const releasesDir = inputs.releasesDir ? ['--releases-dir', inputs.releasesDir] : [];
  const noGitHub = (what: string) => (settings.github ? {} : { skip: `skipped: no GitHub here; ${what}` });
  const resolve = [
    'release', 'resolve', '--lock', inputs.lock, '--branch', branch,
    ...(inputs.commit ? ['--commit', inputs.commit] : []),
    ...(inputs.version ? ['--version', inputs.version] : []),
    ...(inputs.pullRequest === undefined ? [] : ['--pr', String(inputs.pullRequest)]),
    ...releasesDir,
    ...(settings.github ? [] : ['--offline']),
  ];
  return [
    { name: 'release resolve', args: withConfig(settings, resolve) },
    {
      name: 'approval gate',
      args: withConfig(settings, ['gate', 'approvals', '--pr', '{{pullRequest}}', '--required', String(required), '--lock', inputs.lock, '--commit', '{{commit}}', '--production-branch', branch]),
      ...noGitHub(`in CI \`lockstep gate approvals\` requires ${required} approvals`),
    },
    { name: 'health', args: withConfig(settings, ['health', '--env', environment]) },
    { name: 'deploy', args: withConfig(settings, ['deploy', '--env', environment, '--lock', inputs.lock]), collect: { lock: { file: inputs.lock, label: `Deployed to ${environment}` } } },
    { name: 'smoke', args: withConfig(settings, ['smoke', '--env', environment, '--report-dir', smokeDir]) },
    {
      name: 'release archive',
      args: withConfig(settings, ['release', 'archive', '--lock', inputs.lock, '--version', '{{version}}', ...(inputs.releasesDir ? ['--dir', inputs.releasesDir] : [])]),
      collect: {
        diff: inputs.previousRelease
          ? { before: inputs.previousRelease, label: 'Release {{version}} against the previous release' }
          : { before: '{{releasedLock}}', label: '{{releaseDiffLabel}}' },
      },
    },
    {
      name: 'release commit',
      args: withConfig(settings, ['release', 'commit-archive', '--version', '{{version}}', '--branch', branch, ...(inputs.releasesDir ? ['--dir', inputs.releasesDir] : [])]),
      ...noGitHub('the archived release stays in this checkout: commit it'),
    },
    {
      name: 'release publish',
      args: withConfig(settings, ['release', 'publish', '--version', '{{version}}', '--lock', inputs.lock, '--target', '{{commit}}', '--branch', branch]),
      ...noGitHub('the lock is archived in the release archive'),
    },
    {
      name: 'rollback',
      args: withConfig(settings, ['rollback', '--env', environment, '--to-lock', '{{previousLock}}', ...releasesDir]),
      when: 'failure',
      failureOf: ['smoke'],
    },
  ];
}

/** Manual rollback: back to the previous (or named) release through the deploy path, then smoke tests. */
export function rollbackStages(settings: PipelineSettings, inputs: { environment: string; to?: string; toLock?: string; releasesDir?: string; smoke: boolean }): CliStage[] {
  const smokeDir = `${settings.reportDir}/${inputs.environment}/smoke`;
  const args = [
    'rollback', '--env', inputs.environment,
    ...(inputs.to ? ['--to', inputs.to] : []),
    ...(inputs.toLock === undefined ? [] : ['--to-lock', inputs.toLock]),
    ...(inputs.releasesDir ? ['--releases-dir', inputs.releasesDir] : []),
  ];
  return [
    { name: 'rollback', args: withConfig(settings, args) },
    ...(inputs.smoke
      ? [{ name: 'smoke', args: withConfig(settings, ['smoke', '--env', inputs.environment, '--report-dir', smokeDir]) }]
      : []),
  ];
}

/** Renders a stage's arguments as the command a person pastes to rerun it. */
export function rerunLine(args: string[], program = 'lockstep'): string {
  return [program, ...args.map(quoteArgument)].join(' ');
}

function quoteArgument(argument: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}
