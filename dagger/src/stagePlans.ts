/**
 * How each stage becomes one run of the lockstep CLI in the runner container, as plain data: argv,
 * environment, which shared secret feeds which variable, which files are mounted where, and whether
 * the engine may cache the result. The Dagger layer (index.ts) only turns a StagePlan into API calls,
 * so everything that decides *what* runs is tested without an engine.
 */

/** The runner: Node on Alpine with the tools the CLI shells out to (git, docker compose, ssh). */
export const runner = {
  image: 'node:22-alpine',
  packages: ['git', 'docker-cli', 'docker-cli-compose', 'openssh-client'],
  npmCacheVolume: 'lockstep-npm',
  npmCachePath: '/root/.npm',
  /** Where the CLI is installed and built; kept apart from the repository so node_modules never mixes in. */
  appDir: '/opt/lockstep',
  /** Where the orchestrator repository is mounted; the CLI runs here, so relative config paths resolve. */
  workDir: '/work',
  inputDir: '/lockstep/in',
  outputDir: '/lockstep/out',
  secretDir: '/lockstep/secrets',
  dockerSocket: '/var/run/docker.sock',
  /** Only what `npm ci` reads, so that editing sources does not reinstall dependencies. */
  installFiles: ['package.json', 'package-lock.json'],
  /** What `npm run build` and the built CLI read. */
  buildFiles: ['bin/**', 'src/**', 'tsconfig.base.json', 'tsconfig.build.json', 'locks/*.json'],
  // Install scripts would run native builds Alpine has no toolchain for; the CLI needs none of them.
  install: ['npm', 'ci', '--ignore-scripts', '--no-audit', '--no-fund'],
  build: ['npm', 'run', 'build'],
} as const;

export const cliEntry = ['node', `${runner.appDir}/bin/lockstep.js`] as const;

/** What a stage needs besides the repository. */
export type Need = 'github' | 'registry' | 'environment';

/** The secrets every stage may share, as the module's constructor receives them. */
export type SharedSecret = 'githubToken' | 'registryAuth' | 'kubeconfig';

export interface ModuleSettings {
  /** `--config`, relative to the repository root; undefined leaves the CLI default. */
  config?: string;
  /** Where the current lock lives in the repository (github.lockPath in the config). */
  lockPath: string;
  /** owner/name, exported as GITHUB_REPOSITORY. */
  repository?: string;
  /** The REST API root (GitHub Enterprise Server, or a local double in tests). */
  githubApiUrl?: string;
  registryUsername?: string;
  /** Which optional secrets and sockets the caller provided. */
  provided: { githubToken: boolean; registryAuth: boolean; kubeconfig: boolean; dockerSocket: boolean };
}

export interface StageInputs {
  lockGenerate: { ref?: string; pullRequest?: number; base?: string; only?: string[] };
  lockVerify: { lock: string; registry?: boolean };
  lockDiff: { before: string; after: string; format?: DiffFormat };
  stackTest: { lock: string; suite?: string };
  healthCheck: { environment: string };
  deploy: { environment: string; lock: string };
  e2eTest: { environment: string };
  smokeTest: { environment: string };
  release: { lock: string; version: string };
  rollback: { environment: string; to?: string };
  prComment: { pullRequest: number; lock: string };
  commitLock: { branch: string; lock: string; pullRequest?: number };
  openPromotion: { lock: string; from?: string; to?: string; e2eSummary?: string; runUrl?: string };
  approvalGate: { pullRequest: number; required?: number; lock?: string };
  publishRelease: { version: string; lock: string; target?: string };
}

export type StageName = keyof StageInputs;
export type DiffFormat = 'text' | 'markdown' | 'json';
export const diffFormats: readonly DiffFormat[] = ['text', 'markdown', 'json'];

/** A stage together with its inputs; file inputs are named by the host path a rerun line would pass. */
export type StageCall = { [S in StageName]: { stage: S; inputs: StageInputs[S] } }[StageName];

export type StageOutput =
  | { kind: 'stdout' }
  | { kind: 'file'; path: string }
  | { kind: 'directory'; path: string };

export interface StagePlan {
  stage: StageName;
  argv: string[];
  env: Record<string, string>;
  /** Environment variable -> the shared secret it carries (withSecretVariable, never a plain variable). */
  secretEnv: Record<string, SharedSecret>;
  /** Mount path -> the shared secret mounted there (tmpfs, never in a layer); the CLI wants a kubeconfig path. */
  secretFiles: Record<string, SharedSecret>;
  /** Mount path in the container -> the file input (by its host path) mounted there. */
  files: Record<string, string>;
  dockerSocket: boolean;
  output: StageOutput;
  /** Side effects or live answers: the function is never cached and every exec carries a fresh run id. */
  cacheNever: boolean;
}

interface StageSpec<S extends StageName> {
  /** The dagger function name (camelCase; the CLI shows it kebab-cased). */
  needs: readonly Need[];
  cacheNever: boolean;
  /** Inputs that are files, mounted read-only under runner.inputDir. */
  fileInputs: ReadonlyArray<keyof StageInputs[S] & string>;
  output: StageOutput;
  /** The CLI arguments after the global options; `file(name)` gives the mount path of a file input. */
  command(inputs: StageInputs[S], file: (name: keyof StageInputs[S] & string) => string): string[];
  /** Global options this stage always passes (before the subcommand, where commander reads them). */
  globals?(inputs: StageInputs[S]): string[];
}

const lockOut = `${runner.outputDir}/lock.yaml`;
/** Where `release` (archive) and `rollback` keep released locks: their default, in the repository. */
export const releaseArchiveDir = 'locks/releases';
const releaseArchive = `${runner.workDir}/${releaseArchiveDir}`;
const reportOut = `${runner.outputDir}/report`;

export const stages: { [S in StageName]: StageSpec<S> } = {
  lockGenerate: {
    needs: ['registry'],
    // Tags move and locks carry their creation time: a cached lock would be a stale lock.
    cacheNever: true,
    fileInputs: ['base'],
    output: { kind: 'file', path: lockOut },
    command: (inputs, file) => [
      'lock',
      'generate',
      '--out',
      lockOut,
      ...optional('--ref', inputs.ref),
      ...optional('--pull-request', inputs.pullRequest),
      ...(inputs.base === undefined ? [] : ['--base', file('base')]),
      ...(inputs.only === undefined || inputs.only.length === 0 ? [] : ['--only', inputs.only.join(',')]),
    ],
  },
  lockVerify: {
    needs: ['registry'],
    cacheNever: true,
    fileInputs: ['lock'],
    output: { kind: 'stdout' },
    command: (inputs, file) => ['lock', 'verify', file('lock'), ...(inputs.registry ? ['--registry'] : [])],
  },
  lockDiff: {
    needs: [],
    cacheNever: false,
    fileInputs: ['before', 'after'],
    output: { kind: 'stdout' },
    globals: (inputs) => (inputs.format === 'json' ? ['--json'] : []),
    command: (inputs, file) => ['lock', 'diff', file('before'), file('after'), ...(inputs.format === 'markdown' ? ['--markdown'] : [])],
  },
  stackTest: {
    needs: ['registry'],
    // A green run for the same lock and sources is a fact worth reusing; failures are never cached.
    cacheNever: false,
    fileInputs: ['lock'],
    // The CLI only plans here: the services and suites run as Dagger containers (stackGraph.ts), since
    // there is no docker daemon inside the engine for `stack test` to drive.
    output: { kind: 'stdout' },
    globals: () => ['--json'],
    command: (_inputs, file) => ['stack', 'plan', '--lock', file('lock')],
  },
  healthCheck: {
    needs: ['environment'],
    cacheNever: true,
    fileInputs: [],
    output: { kind: 'stdout' },
    command: (inputs) => ['health', '--env', inputs.environment],
  },
  deploy: {
    needs: ['environment', 'registry'],
    cacheNever: true,
    fileInputs: ['lock'],
    output: { kind: 'stdout' },
    command: (inputs, file) => ['deploy', '--env', inputs.environment, '--lock', file('lock')],
  },
  e2eTest: {
    needs: ['environment'],
    cacheNever: true,
    fileInputs: [],
    output: { kind: 'directory', path: reportOut },
    command: (inputs) => ['e2e', '--env', inputs.environment, '--report-dir', reportOut],
  },
  smokeTest: {
    needs: ['environment'],
    cacheNever: true,
    fileInputs: [],
    output: { kind: 'directory', path: reportOut },
    command: (inputs) => ['smoke', '--env', inputs.environment, '--report-dir', reportOut],
  },
  release: {
    needs: [],
    cacheNever: true,
    fileInputs: ['lock'],
    // `release` archives into the working tree (append-only); the archive folder is the result, to be
    // exported into the repository and committed.
    output: { kind: 'directory', path: releaseArchive },
    command: (inputs, file) => ['release', '--lock', file('lock'), '--version', inputs.version],
  },
  rollback: {
    // Reads the release archive in the repository (locks/releases), not GitHub.
    needs: ['environment', 'registry'],
    cacheNever: true,
    fileInputs: [],
    output: { kind: 'stdout' },
    command: (inputs) => ['rollback', '--env', inputs.environment, ...optional('--to', inputs.to)],
  },
  prComment: {
    needs: ['github'],
    cacheNever: true,
    fileInputs: ['lock'],
    output: { kind: 'stdout' },
    command: (inputs, file) => ['pr', 'comment', '--pr', String(inputs.pullRequest), '--lock', file('lock')],
  },
  commitLock: {
    needs: ['github'],
    cacheNever: true,
    fileInputs: ['lock'],
    output: { kind: 'stdout' },
    command: (inputs, file) => ['pr', 'commit-lock', '--branch', inputs.branch, '--lock', file('lock'), ...optional('--pr', inputs.pullRequest)],
  },
  openPromotion: {
    needs: ['github'],
    cacheNever: true,
    fileInputs: ['lock', 'e2eSummary'],
    output: { kind: 'stdout' },
    command: (inputs, file) => [
      'pr',
      'open-promotion',
      '--from',
      inputs.from ?? 'staging',
      '--to',
      inputs.to ?? 'main',
      '--lock',
      file('lock'),
      ...(inputs.e2eSummary === undefined ? [] : ['--e2e-summary', file('e2eSummary')]),
      ...optional('--run-url', inputs.runUrl),
    ],
  },
  approvalGate: {
    needs: ['github'],
    cacheNever: true,
    fileInputs: ['lock'],
    output: { kind: 'stdout' },
    command: (inputs, file) => [
      'gate',
      'approvals',
      '--pr',
      String(inputs.pullRequest),
      '--required',
      String(inputs.required ?? defaultRequiredApprovals),
      ...(inputs.lock === undefined ? [] : ['--lock', file('lock')]),
    ],
  },
  publishRelease: {
    needs: ['github'],
    cacheNever: true,
    fileInputs: ['lock'],
    output: { kind: 'stdout' },
    command: (inputs, file) => ['release', 'publish', '--version', inputs.version, '--lock', file('lock'), ...optional('--target', inputs.target)],
  },
};

export const stageNames = Object.keys(stages) as StageName[];

export const defaultRequiredApprovals = 4;

/** A wrong input, named by the flag a person typed: `--environment: must be a DNS label`. */
export class StageInputError extends Error {
  override readonly name = 'StageInputError';
  constructor(
    readonly flag: string,
    readonly problem: string,
  ) {
    super(`--${flag}: ${problem}`);
  }
}

/** Builds the plan of one stage; throws StageInputError before anything runs when an input is wrong. */
export function planStage(call: StageCall, settings: ModuleSettings, runId: string): StagePlan {
  validateInputs(call);
  const spec = stages[call.stage] as StageSpec<StageName>;
  const inputs = call.inputs as StageInputs[StageName];
  const files: Record<string, string> = {};
  const fileInput = (name: string): string => {
    const host = (inputs as Record<string, unknown>)[name];
    if (typeof host !== 'string') throw new StageInputError(kebab(name), 'is required');
    const mountPath = `${runner.inputDir}/${kebab(name)}${extensionOf(host)}`;
    files[mountPath] = host;
    return mountPath;
  };
  const command = spec.command(inputs as never, fileInput as never);
  const env: Record<string, string> = {
    NO_COLOR: '1',
    // The repository arrives owned by whoever uploaded it; git must read it anyway.
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'safe.directory',
    GIT_CONFIG_VALUE_0: '*',
  };
  const secretEnv: Record<string, SharedSecret> = {};
  const secretFiles: Record<string, SharedSecret> = {};
  let dockerSocket = false;

  checkNeeds(call.stage, settings);
  for (const need of spec.needs) {
    if (need === 'github') {
      secretEnv.GITHUB_TOKEN = 'githubToken';
      if (settings.repository !== undefined) env.GITHUB_REPOSITORY = settings.repository;
      if (settings.githubApiUrl !== undefined) env.GITHUB_API_URL = settings.githubApiUrl;
    }
    if (need === 'registry' && settings.registryUsername !== undefined) {
      env.LOCKSTEP_REGISTRY_USERNAME = settings.registryUsername;
      secretEnv.LOCKSTEP_REGISTRY_PASSWORD = 'registryAuth';
    }
    if (need === 'environment') {
      if (settings.provided.kubeconfig) {
        const path = `${runner.secretDir}/kubeconfig`;
        secretFiles[path] = 'kubeconfig';
        env.KUBECONFIG = path;
      }
      if (settings.provided.dockerSocket) {
        dockerSocket = true;
        env.DOCKER_HOST = `unix://${runner.dockerSocket}`;
      }
    }
  }
  if (spec.cacheNever) env.LOCKSTEP_RUN_ID = runId;

  const globals = [...(settings.config === undefined ? [] : ['--config', settings.config]), ...(spec.globals?.(inputs as never) ?? [])];
  return {
    stage: call.stage,
    argv: [...cliEntry, ...globals, ...command],
    env,
    secretEnv,
    secretFiles,
    files,
    dockerSocket,
    output: spec.output,
    cacheNever: spec.cacheNever,
  };
}

/** Refuses a stage whose credentials are missing or half given, before anything runs. */
export function checkNeeds(stage: StageName, settings: ModuleSettings): void {
  const needs = stages[stage].needs;
  if (needs.includes('github') && !settings.provided.githubToken) {
    throw new StageInputError('github-token', `${stage} talks to GitHub: pass --github-token env://GITHUB_TOKEN`);
  }
  if (needs.includes('registry') && (settings.registryUsername === undefined) !== !settings.provided.registryAuth) {
    throw new StageInputError(
      settings.registryUsername === undefined ? 'registry-username' : 'registry-auth',
      'registry credentials need both --registry-username and --registry-auth',
    );
  }
}

function optional(flag: string, value: string | number | undefined): string[] {
  return value === undefined ? [] : [flag, String(value)];
}

function extensionOf(path: string): string {
  const match = /\.(ya?ml|json|md)$/i.exec(path);
  return match ? `.${match[1]!.toLowerCase()}` : '';
}

/** camelCase -> kebab-case, the way dagger names functions and flags. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const releaseVersion = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/**
 * The CLI validates everything again; these checks exist so that a value can never be read as an
 * option (a leading "-") and so that a composite fails before its first stage rather than in the middle.
 */
export function validateInputs(call: StageCall): void {
  const inputs = call.inputs as Record<string, unknown>;
  for (const [name, value] of Object.entries(inputs)) {
    if (value === undefined) continue;
    const flag = kebab(name);
    if (typeof value === 'string') {
      if (value === '') throw new StageInputError(flag, 'must not be empty');
      if (value.startsWith('-')) throw new StageInputError(flag, `"${value}" would be read as an option`);
      if (/[\0\n\r]/.test(value)) throw new StageInputError(flag, 'must be a single line');
    }
    if (typeof value === 'number' && (!Number.isSafeInteger(value) || value < 1)) {
      throw new StageInputError(flag, `must be a positive integer, not ${value}`);
    }
  }
  if ('environment' in inputs && !dnsLabel.test(String(inputs.environment))) {
    throw new StageInputError('environment', `"${String(inputs.environment)}" is not an environment name (a DNS label)`);
  }
  // `to` is a release for rollback but a branch for openPromotion.
  const [versionFlag, version] = call.stage === 'rollback' ? ['to', call.inputs.to] : ['version', inputs.version];
  if (typeof version === 'string' && !releaseVersion.test(version)) {
    throw new StageInputError(versionFlag, `"${version}" is not a release version such as v1.4.2`);
  }
  if (call.stage === 'lockGenerate') {
    for (const service of call.inputs.only ?? []) {
      if (!dnsLabel.test(service)) throw new StageInputError('only', `"${service}" is not a service name`);
    }
    if ((call.inputs.only?.length ?? 0) > 0 && call.inputs.base === undefined) {
      throw new StageInputError('only', 'needs --base: a hotfix re-resolves some services of an existing lock');
    }
  }
  if (call.stage === 'lockDiff' && call.inputs.format !== undefined && !diffFormats.includes(call.inputs.format)) {
    throw new StageInputError('format', `must be one of ${diffFormats.join(', ')}`);
  }
  if (call.stage === 'commitLock' && !isBranchName(call.inputs.branch)) {
    throw new StageInputError('branch', `"${call.inputs.branch}" is not a branch name`);
  }
  if (call.stage === 'openPromotion') {
    for (const key of ['from', 'to'] as const) {
      const value = call.inputs[key];
      if (value !== undefined && !isBranchName(value)) throw new StageInputError(key, `"${value}" is not a branch name`);
    }
    if (call.inputs.runUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(call.inputs.runUrl)) {
      throw new StageInputError('run-url', `"${call.inputs.runUrl}" is not an http(s) URL`);
    }
  }
  if (call.stage === 'publishRelease' && call.inputs.target !== undefined && !/^[0-9a-f]{40}$/.test(call.inputs.target)) {
    throw new StageInputError('target', `"${call.inputs.target}" is not a full 40-hex-digit commit`);
  }
}

/** The subset of git's ref-name rules that matters here: no option look-alikes, no ref syntax. */
export function isBranchName(name: string): boolean {
  return (
    /^[A-Za-z0-9._/-]{1,200}$/.test(name) &&
    !name.startsWith('-') &&
    !name.startsWith('/') &&
    !name.endsWith('/') &&
    !name.endsWith('.lock') &&
    !name.includes('..') &&
    !name.includes('//')
  );
}
