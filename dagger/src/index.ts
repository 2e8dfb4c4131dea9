/**
 * lockstep as a Dagger module: each stage and each pipeline of the lockstep CLI as a typed function,
 * run in a container, so `dagger call promote-staging` on a laptop does what CI does.
 *
 * This file is a table of functions and nothing more. Each function is one exec of the CLI in the
 * runner: a stage function runs its own command (`lockstep deploy ...`), a pipeline function runs
 * `lockstep run <pipeline>`. The pipelines (their stages, order, failure rules, run report and test
 * counting) are defined once, in the CLI's src/pipelines; running `lockstep run` whole, instead of
 * replaying its stages as separate execs here, is what keeps this module from restating them: the
 * same run through the CLI and through the module gives the same stages, run.json and test counts.
 * A failure is read from the result file every command writes (`--result-file`): its own error code
 * and exit status, never a scraped line.
 *
 * Import only what the runtime's generated SDK exports (the decorators and the generated client):
 * the engine does not load the npm package, and anything else fails at load.
 */
import { argument, check, dag, func, object, Container, Directory, File, ReturnType, Secret, Service, Socket } from '@dagger.io/dagger';

/** The runner's layout: the CLI in /opt/lockstep, the orchestrator repository copied to /work. */
const appDir = '/opt/lockstep';
const workDir = '/work';
const inputDir = '/lockstep/in';
const outputDir = '/lockstep/out';
const resultFile = `${outputDir}/result.json`;
const reportDir = `${outputDir}/report`;
const dockerSocketPath = '/var/run/docker.sock';

/** The fields of a stage result (src/cli/stageResult.ts) this module reads to explain a failure. */
interface StageResult {
  status: 'passed' | 'failed';
  code: string | null;
  exitStatus: number;
  summary: string;
  details: string[];
}

/** The credentials the runner reads from its environment, by variable: the names the AWS SDK's chain and the config's default argocd.tokenEnv read. */
const secretVariables = {
  AWS_ACCESS_KEY_ID: 'awsAccessKeyId',
  AWS_SECRET_ACCESS_KEY: 'awsSecretAccessKey',
  AWS_SESSION_TOKEN: 'awsSessionToken',
  ARGOCD_AUTH_TOKEN: 'argocdToken',
} as const;

/**
 * Where a stage finds a Docker engine: none; the caller's socket only (environment: a deploy must never
 * land in an engine started for the call); the socket, else one started for the call (stack); or the
 * socket, else one started for the E2E suites only (tests: the suites of a Kubernetes or GitOps
 * environment run in containers, while its deploy still needs no Docker).
 */
type DockerNeed = 'none' | 'environment' | 'stack' | 'tests';

/**
 * lockstep promotes a microservice system from dev to staging to production with one release lock.
 * Each function runs the lockstep CLI in a runner built from this module's own repository, against
 * the orchestrator repository given as --source.
 */
@object()
export class Lockstep {
  source: Directory;
  cliSource: Directory;
  config?: string;
  lockPath: string;
  githubToken?: Secret;
  registryUsername?: string;
  registryAuth?: Secret;
  repository?: string;
  githubApiUrl?: string;
  kubeconfig?: Secret;
  dockerSocket?: Socket;
  dockerImage: string;
  awsAccessKeyId?: Secret;
  awsSecretAccessKey?: Secret;
  awsSessionToken?: Secret;
  awsRegion?: string;
  awsRoleArn?: string;
  awsWebIdentityToken?: Secret;
  argocdToken?: Secret;

  constructor(
    /**
     * The orchestrator repository: lockstep.config.yaml, the submodule pins in .git, the committed
     * lock. Called from another repository, pass --source . (the default is this module's repository).
     * Secrets and build output of a laptop (.env files, keys, node_modules) are never uploaded.
     */
    @argument({
      defaultPath: '/',
      ignore: [
        '**/node_modules',
        '**/.env',
        '**/.env.*',
        '**/*.pem',
        '**/*.key',
        '**/.npmrc',
        '**/.netrc',
        '**/.DS_Store',
        'dist',
        'report',
        '.lockstep',
        'dagger/sdk',
        'bench/results',
      ],
    })
    source: Directory,
    /**
     * lockstep's own sources, which the runner is built from: this module's repository at the
     * version called, whatever --source is.
     */
    @argument({
      defaultPath: '/',
      ignore: ['*', '!package.json', '!package-lock.json', '!tsconfig.base.json', '!tsconfig.build.json', '!bin/**', '!scripts/bundleCli.mjs', '!src/**', '!locks/*.json'],
    })
    cliSource: Directory,
    /** The lockstep config file, relative to the repository root (the CLI's default: lockstep.config.yaml). */
    config?: string,
    /** Where the current lock is committed in the repository; the default lock of every function. */
    lockPath: string = 'locks/current.lock.yaml',
    /** A GitHub token for comments, the lock commit, promotion pull requests, the gate and releases (env://GITHUB_TOKEN). */
    githubToken?: Secret,
    /** The registry user name; goes with --registry-auth. */
    registryUsername?: string,
    /** The registry password or token for --registry-username (env://LOCKSTEP_REGISTRY_PASSWORD). */
    registryAuth?: Secret,
    /** The GitHub repository as owner/name (GITHUB_REPOSITORY); defaults to repository in the config. */
    repository?: string,
    /** The GitHub REST API root, for GitHub Enterprise Server (https://HOST/api/v3). */
    githubApiUrl?: string,
    /** A kubeconfig for kubernetes targets (env://LOCKSTEP_KUBECONFIG); mounted as a secret, never written to a layer. */
    kubeconfig?: Secret,
    /** A Docker daemon socket: compose environments, and the pull-request stack instead of a Docker engine started for the call. */
    dockerSocket?: Socket,
    /** The image of the Docker engine started for the stack when no --docker-socket is given. */
    dockerImage: string = 'docker:28-dind',
    /** ecs targets: the AWS access key id (env://AWS_ACCESS_KEY_ID, as aws-actions/configure-aws-credentials exports it). */
    awsAccessKeyId?: Secret,
    /** ecs targets: the AWS secret access key (env://AWS_SECRET_ACCESS_KEY). */
    awsSecretAccessKey?: Secret,
    /** ecs targets: the session token of temporary credentials, as GitHub OIDC gives (env://AWS_SESSION_TOKEN). */
    awsSessionToken?: Secret,
    /** ecs targets: the AWS region when the environment names none (AWS_REGION). */
    awsRegion?: string,
    /** ecs targets: the role to assume with --aws-web-identity-token (AWS_ROLE_ARN). */
    awsRoleArn?: string,
    /** ecs targets: a web identity token (a GitHub OIDC token) for --aws-role-arn; mounted as AWS_WEB_IDENTITY_TOKEN_FILE. */
    awsWebIdentityToken?: Secret,
    /** helm-values targets with Argo CD: the API token (env://ARGOCD_AUTH_TOKEN), read by the config's default argocd.tokenEnv. */
    argocdToken?: Secret,
  ) {
    this.source = source;
    this.cliSource = cliSource;
    this.config = config;
    this.lockPath = lockPath;
    this.githubToken = githubToken;
    this.registryUsername = registryUsername;
    this.registryAuth = registryAuth;
    this.repository = repository;
    this.githubApiUrl = githubApiUrl;
    this.kubeconfig = kubeconfig;
    this.dockerSocket = dockerSocket;
    this.dockerImage = dockerImage;
    this.awsAccessKeyId = awsAccessKeyId;
    this.awsSecretAccessKey = awsSecretAccessKey;
    this.awsSessionToken = awsSessionToken;
    this.awsRegion = awsRegion;
    this.awsRoleArn = awsRoleArn;
    this.awsWebIdentityToken = awsWebIdentityToken;
    this.argocdToken = argocdToken;
  }

  /** The runner: node:22-alpine with git, docker compose and ssh, and the lockstep CLI built from this module's repository. */
  @func()
  runner(): Container {
    return dag
      .container()
      .from('node:22-alpine')
      .withExec(['apk', 'add', '--no-cache', 'git', 'docker-cli', 'docker-cli-compose', 'openssh-client'])
      .withMountedCache('/root/.npm', dag.cacheVolume('lockstep-npm'))
      .withWorkdir(appDir)
      // The install layer reads only the manifests, so editing sources does not reinstall; install
      // scripts would build native code Alpine has no toolchain for, and the CLI needs none.
      .withDirectory(appDir, this.cliSource, { include: ['package.json', 'package-lock.json'] })
      .withExec(['npm', 'ci', '--ignore-scripts', '--no-audit', '--no-fund'])
      .withDirectory(appDir, this.cliSource)
      .withExec(['npm', 'run', 'build'])
      .withEntrypoint(['node', `${appDir}/bin/lockstep.js`]);
  }

  /** Generate the release lock (per service: commit, image tag, OCI digest, builtAt) and return it. */
  @func({ cache: 'never' })
  async lockGenerate(
    /** The orchestrator ref to read the submodule pins from (default HEAD). */
    ref?: string,
    /** The pull request the lock is generated for, recorded in the lock. */
    pullRequest?: number,
    /** For a hotfix: the lock to start from; only the services in --only are re-resolved. */
    base?: File,
    /** For a hotfix: the services to re-resolve; needs --base. */
    only?: string[],
  ): Promise<File> {
    const lock = `${outputDir}/lock.yaml`;
    const args = ['lock', 'generate', '--out', lock, ...flag('--ref', ref), ...flag('--pull-request', pullRequest), ...flag('--base', base && `${inputDir}/base.lock.yaml`), ...list('--only', only)];
    const ran = await this.stage(args, { files: { [`${inputDir}/base.lock.yaml`]: base } });
    return ran.file(lock);
  }

  /** Check a lock's schema and integrity; with --registry, also that every digest still exists. */
  @func({ cache: 'never' })
  async lockVerify(
    /** The lock (default: the one committed at --lock-path). */
    lockFile?: File,
    /** Also ask the registries for every digest. */
    registry: boolean = false,
  ): Promise<string> {
    const ran = await this.stage(['lock', 'verify', this.lockArgument(lockFile), ...(registry ? ['--registry'] : [])], { lockFile });
    return ran.stdout();
  }

  /** Show which services changed between two locks. */
  @func()
  async lockDiff(
    /** The earlier lock. */
    before: File,
    /** The later lock. */
    after: File,
    /** text, markdown (for pull request comments) or json. */
    format: string = 'text',
  ): Promise<string> {
    const files = { [`${inputDir}/before.lock.yaml`]: before, [`${inputDir}/after.lock.yaml`]: after };
    const globals = format === 'json' ? ['--json'] : [];
    const args = [...globals, 'lock', 'diff', `${inputDir}/before.lock.yaml`, `${inputDir}/after.lock.yaml`, ...(format === 'markdown' ? ['--markdown'] : [])];
    return (await this.stage(args, { files, cached: true })).stdout();
  }

  /** The whole stack from compose with the lock's images: stack up, the suites, stack down; returns the run report. */
  @func({ cache: 'never' })
  async stackTest(
    /** The lock whose digests the stack runs (default: the one committed at --lock-path). */
    lockFile?: File,
    /** Run only these suites. */
    suite?: string[],
    /** Fail the call when a stage fails (the error carries the summary; no report is returned). */
    strict: boolean = false,
  ): Promise<Directory> {
    return this.pipeline('stack-test', ['--lock', this.lockArgument(lockFile), ...list('--suite', suite)], { lockFile, docker: 'stack', strict });
  }

  /** Run the health gate of an environment (target reachable, capacity, dependencies). */
  @func({ cache: 'never' })
  async health(
    /** The environment, as named in lockstep.config.yaml (staging, production). */
    environment: string,
  ): Promise<string> {
    return (await this.stage(['health', '--env', environment], { docker: 'environment' })).stdout();
  }

  /** Deploy exactly the lock's digests to an environment (lease, health gate, rollout, restore on failure). */
  @func({ cache: 'never' })
  async deploy(
    /** The environment to deploy to. */
    environment: string,
    /** The lock to deploy (default: the one committed at --lock-path). */
    lockFile?: File,
  ): Promise<string> {
    return (await this.stage(['deploy', '--env', environment, '--lock', this.lockArgument(lockFile)], { lockFile, docker: 'environment' })).stdout();
  }

  /** Run the end-to-end suites against an environment (lockstep e2e) and return their report. */
  @func({ cache: 'never' })
  async endToEnd(
    /** The environment to test. */
    environment: string,
  ): Promise<Directory> {
    return (await this.stage(['end-to-end', '--env', environment, '--report-dir', reportDir], { docker: 'tests' })).directory(reportDir);
  }

  /** Run the smoke probes against an environment and return their report. */
  @func({ cache: 'never' })
  async smoke(
    /** The environment to probe. */
    environment: string,
  ): Promise<Directory> {
    return (await this.stage(['smoke', '--env', environment, '--report-dir', reportDir], {})).directory(reportDir);
  }

  /**
   * Archive the released lock (append-only, in the config's release archive) and return the
   * repository's changes, to export into it and commit: rollback reads the archive.
   */
  @func({ cache: 'never' })
  async release(
    /** The release version, v + semver (v1.4.0). */
    version: string,
    /** The lock that was deployed (default: the one committed at --lock-path). */
    lockFile?: File,
  ): Promise<Directory> {
    const ran = await this.stage(['release', 'archive', '--lock', this.lockArgument(lockFile), '--version', version], { lockFile });
    return this.written(ran);
  }

  /** Post or update the sticky pull request comment with the lock and its diff. */
  @func({ cache: 'never' })
  async prComment(
    /** The pull request number. */
    pullRequest: number,
    /** The lock to show (default: the one committed at --lock-path). */
    lockFile?: File,
  ): Promise<string> {
    return (await this.stage(['pr', 'comment', '--pr', String(pullRequest), '--lock', this.lockArgument(lockFile)], { lockFile })).stdout();
  }

  /** Commit the lock to a branch (the pull request's head branch) through the GitHub API. */
  @func({ cache: 'never' })
  async prCommitLock(
    /** The branch to commit to. */
    branch: string,
    /** The pull request the commit belongs to. */
    pullRequest?: number,
    /** The lock to commit (default: the one committed at --lock-path). */
    lockFile?: File,
  ): Promise<string> {
    const args = ['pr', 'commit-lock', '--branch', branch, '--lock', this.lockArgument(lockFile), ...flag('--pr', pullRequest)];
    return (await this.stage(args, { lockFile })).stdout();
  }

  /** Open (or update) the promotion pull request that carries the lock unchanged, staging -> main. */
  @func({ cache: 'never' })
  async prOpenPromotion(
    /** The lock to promote (default: the one committed at --lock-path). */
    lockFile?: File,
    /** The branch promoted from. */
    from?: string,
    /** The branch promoted to. */
    to?: string,
    /** A markdown summary of the end-to-end run on --from, quoted in the pull request. */
    endToEndSummary?: File,
    /** A link to the run that tested the lock. */
    runUrl?: string,
  ): Promise<string> {
    const summary = endToEndSummary && `${inputDir}/e2e-summary.md`;
    const args = ['pr', 'open-promotion', '--lock', this.lockArgument(lockFile), ...flag('--from', from), ...flag('--to', to), ...flag('--e2e-summary', summary), ...flag('--run-url', runUrl)];
    return (await this.stage(args, { lockFile, files: { [`${inputDir}/e2e-summary.md`]: endToEndSummary } })).stdout();
  }

  /** Refuse unless the pull request has the required approvals on its final commit (and carries this lock). */
  @func({ cache: 'never' })
  async gateApprovals(
    /** The promotion pull request. */
    pullRequest: number,
    /** Approvals required (default: the CLI's). */
    required?: number,
    /** The lock the approvals must cover (default: the one committed at --lock-path). */
    lockFile?: File,
    /** The commit being deployed: the pull request must have been merged as exactly this commit. */
    commit?: string,
  ): Promise<string> {
    const args = ['gate', 'approvals', '--pr', String(pullRequest), ...flag('--required', required), '--lock', this.lockArgument(lockFile), ...flag('--commit', commit)];
    return (await this.stage(args, { lockFile })).stdout();
  }

  /** Commit the archived release to the production branch through the GitHub API, where rollback reads it. */
  @func({ cache: 'never' })
  async releaseCommitArchive(
    /** The release version (v1.4.0), archived by the release function. */
    version: string,
  ): Promise<string> {
    return (await this.stage(['release', 'commit-archive', '--version', version], {})).stdout();
  }

  /** Tag the released commit and publish the GitHub release of a version with its lock attached. */
  @func({ cache: 'never' })
  async releasePublish(
    /** The release version (v1.4.0). */
    version: string,
    /** The lock of the release (default: the one committed at --lock-path). */
    lockFile?: File,
    /** The commit to tag (default: the head of main). */
    target?: string,
  ): Promise<string> {
    const args = ['release', 'publish', '--version', version, '--lock', this.lockArgument(lockFile), ...flag('--target', target)];
    return (await this.stage(args, { lockFile })).stdout();
  }

  /** The committed lock passes lock verify: schema and integrity (dagger check). */
  @func()
  @check()
  async committedLock(): Promise<void> {
    await this.stage(['lock', 'verify', this.lockPath], {});
  }

  /** No image the system deploys moves: every one pinned by digest, none latest (dagger check). */
  @func()
  @check()
  async digestOnly(
    /** Files or folders to check (default: the files the config names: compose files and the committed lock). */
    paths: string[] = [],
  ): Promise<void> {
    await this.stage(['policy', 'digest-only', ...paths], {});
  }

  /**
   * dev -> staging pull request (lockstep run pr-check): generate the lock, run the stack tests on
   * it, post the sticky comment, commit the lock to the branch. Returns the run report.
   */
  @func({ cache: 'never' })
  async prCheck(
    /** The pull request number. */
    pullRequest?: number,
    /** Its head branch, which receives the lock commit. */
    branch?: string,
    /** The orchestrator ref to lock (default HEAD: the checked-out head). */
    ref?: string,
    /** Run only these stack suites. */
    suite?: string[],
    /** Fail the call when a stage fails (the error carries the summary; no report is returned). */
    strict: boolean = false,
  ): Promise<Directory> {
    const args = [...flag('--pr', pullRequest), ...flag('--branch', branch), ...flag('--ref', ref), ...list('--suite', suite), ...(await this.currentLock())];
    return this.pipeline('pr-check', args, { docker: 'stack', strict });
  }

  /** After the merge into staging (lockstep run promote-staging): health, deploy, E2E, the promotion pull request. Returns the run report. */
  @func({ cache: 'never' })
  async promoteStaging(
    /** The lock to promote (default: the one committed at --lock-path). */
    lockFile?: File,
    /** The CI run, linked from the promotion pull request. */
    runUrl?: string,
    /** Fail the call when a stage fails (the error carries the summary; no report is returned). */
    strict: boolean = false,
  ): Promise<Directory> {
    return this.pipeline('promote-staging', ['--lock', this.lockArgument(lockFile), ...flag('--run-url', runUrl)], { lockFile, docker: 'tests', strict });
  }

  /**
   * What a production run releases (lockstep release resolve): the merged pull request of the commit,
   * the next version the lock calls for, or nothing to do when no service changed since the newest
   * release. Returns the resolution as JSON.
   */
  @func({ cache: 'never' })
  async releaseResolve(
    /** The commit being released (default: HEAD of --source). */
    commit?: string,
    /** The merged pull request, instead of asking GitHub. */
    pullRequest?: number,
    /** The release version, instead of the next one the lock calls for (v1.4.0). */
    version?: string,
    /** The lock on the production branch (default: the one committed at --lock-path). */
    lockFile?: File,
  ): Promise<string> {
    const args = ['--json', 'release', 'resolve', '--lock', this.lockArgument(lockFile), ...flag('--commit', commit), ...flag('--pr', pullRequest), ...flag('--version', version), ...this.offline()];
    return (await this.stage(args, { lockFile })).stdout();
  }

  /**
   * After the merge into main (lockstep run promote-production): resolve the release (the run ends
   * there when no service changed), approval gate, health, deploy, smoke, release; back to the
   * release that ran before when the smoke tests fail. Returns the run report.
   */
  @func({ cache: 'never' })
  async promoteProduction(
    /** The release version (v1.4.0); default: the next one the lock calls for. */
    version?: string,
    /** The merged staging -> main (or hotfix) pull request, whose approvals are checked; default: the one that merged --commit. */
    pullRequest?: number,
    /** Approvals required (default: the CLI's). */
    required?: number,
    /** The commit being released, which the tag points at (default: HEAD of --source). */
    commit?: string,
    /** The lock to release (default: the one committed at --lock-path). */
    lockFile?: File,
    /** Fail the call when a stage fails (the error carries the summary; no report is returned). */
    strict: boolean = false,
  ): Promise<Directory> {
    const args = ['--lock', this.lockArgument(lockFile), ...flag('--version', version), ...flag('--pr', pullRequest), ...flag('--required', required), ...flag('--commit', commit)];
    return this.pipeline('promote-production', args, { lockFile, docker: 'environment', strict });
  }

  /**
   * A hotfix pull request into main (lockstep run hotfix): the production lock with only the named
   * services re-resolved, the stack tests on it, the comment and the lock commit. Returns the run report.
   */
  @func({ cache: 'never' })
  async hotfix(
    /** The services the hotfix changes. */
    services: string[],
    /** The lock the hotfix starts from (default: the one committed at --lock-path, production's). */
    base?: File,
    /** The hotfix pull request. */
    pullRequest?: number,
    /** Its head branch, which receives the lock commit. */
    branch?: string,
    /** The orchestrator ref to lock (default HEAD). */
    ref?: string,
    /** Run only these stack suites. */
    suite?: string[],
    /** Fail the call when a stage fails (the error carries the summary; no report is returned). */
    strict: boolean = false,
  ): Promise<Directory> {
    const baseLock = base ? `${inputDir}/base.lock.yaml` : this.lockPath;
    const args = ['--base', baseLock, ...list('--only', services), ...flag('--pr', pullRequest), ...flag('--branch', branch), ...flag('--ref', ref), ...list('--suite', suite)];
    return this.pipeline('hotfix', args, { files: { [`${inputDir}/base.lock.yaml`]: base }, docker: 'stack', strict });
  }

  /** Roll an environment back to the previous release (or --to), then the smoke probes (lockstep run rollback). Returns the run report. */
  @func({ cache: 'never' })
  async rollback(
    /** The environment to roll back. */
    environment: string,
    /** The release to go back to (v1.3.0); default: the one before the current. */
    to?: string,
    /** Instead of --to, the archived release with this lock integrity (sha256:…), as a failed production run names what ran before. */
    toLock?: string,
    /** Run the smoke probes after rolling back. */
    smoke: boolean = true,
    /** Fail the call when a stage fails (the error carries the summary; no report is returned). */
    strict: boolean = false,
  ): Promise<Directory> {
    const args = ['--env', environment, ...flag('--to', to), ...flag('--to-lock', toLock), ...(smoke ? [] : ['--no-smoke'])];
    return this.pipeline('rollback', args, { docker: 'environment', strict });
  }

  /** The lock a function reads: the file given (mounted in the runner), else the one committed at --lock-path. */
  private lockArgument(lockFile: File | undefined): string {
    return lockFile ? `${inputDir}/lock.yaml` : this.lockPath;
  }

  /** Without a GitHub token, the resolution reads the release archive alone. */
  private offline(): string[] {
    const withGitHub = this.githubToken !== undefined;
    return withGitHub ? [] : ['--offline'];
  }

  /** `--current-lock`: the committed lock, for the pull request's diff, when there is one. */
  private async currentLock(): Promise<string[]> {
    return (await this.source.exists(this.lockPath)) ? ['--current-lock', this.lockPath] : [];
  }

  /**
   * The runner with the orchestrator repository as its working directory, the caller's secrets as
   * secret variables or mounts (never plain variables, files in a layer or command-line words) and
   * the Docker engine the function needs.
   */
  private prepare(options: { lockFile?: File; files?: Record<string, File | undefined>; docker?: DockerNeed; cached?: boolean }): Container {
    // A copy, not a mount: what the CLI writes there (the release archive) is returned afterwards.
    let container = this.runner()
      .withDirectory(workDir, this.source)
      .withWorkdir(workDir)
      .withDirectory(outputDir, dag.directory())
      .withEnvVariable('NO_COLOR', '1')
      // The repository arrives owned by whoever uploaded it; git must read it anyway.
      .withEnvVariable('GIT_CONFIG_COUNT', '1')
      .withEnvVariable('GIT_CONFIG_KEY_0', 'safe.directory')
      .withEnvVariable('GIT_CONFIG_VALUE_0', '*');
    // A deploy must never be replayed from the layer cache: every exec of a side effect is new.
    if (!options.cached) container = container.withEnvVariable('LOCKSTEP_RUN_ID', crypto.randomUUID());
    const files = { ...options.files, ...(options.lockFile ? { [`${inputDir}/lock.yaml`]: options.lockFile } : {}) };
    for (const [path, file] of Object.entries(files)) if (file) container = container.withMountedFile(path, file);
    if (this.githubToken) container = container.withSecretVariable('GITHUB_TOKEN', this.githubToken);
    if (this.repository) container = container.withEnvVariable('GITHUB_REPOSITORY', this.repository);
    if (this.githubApiUrl) container = container.withEnvVariable('GITHUB_API_URL', this.githubApiUrl);
    if (this.registryUsername !== undefined && this.registryAuth !== undefined) {
      container = container.withEnvVariable('LOCKSTEP_REGISTRY_USERNAME', this.registryUsername);
      container = container.withSecretVariable('LOCKSTEP_REGISTRY_PASSWORD', this.registryAuth);
    }
    if (this.kubeconfig) container = container.withMountedSecret('/lockstep/kube/config', this.kubeconfig).withEnvVariable('KUBECONFIG', '/lockstep/kube/config');
    for (const [name, secret] of Object.entries(secretVariables)) {
      const value = this[secret];
      if (value) container = container.withSecretVariable(name, value);
    }
    if (this.awsRegion) container = container.withEnvVariable('AWS_REGION', this.awsRegion);
    if (this.awsRoleArn) container = container.withEnvVariable('AWS_ROLE_ARN', this.awsRoleArn);
    if (this.awsWebIdentityToken) {
      container = container.withMountedSecret('/lockstep/aws/web-identity-token', this.awsWebIdentityToken);
      container = container.withEnvVariable('AWS_WEB_IDENTITY_TOKEN_FILE', '/lockstep/aws/web-identity-token');
    }
    return this.withDocker(container, options.docker ?? 'none');
  }

  /**
   * Stack stages run the same CLI against a Docker engine, so the compose file that works on a laptop
   * works here: the caller's socket when given, else a Docker engine started for this call.
   */
  private withDocker(container: Container, need: DockerNeed): Container {
    if (need === 'none') return container;
    if (this.dockerSocket) return container.withUnixSocket(dockerSocketPath, this.dockerSocket).withEnvVariable('DOCKER_HOST', `unix://${dockerSocketPath}`);
    if (need === 'environment') return container;
    const engine = container.withServiceBinding('docker', this.dockerEngine());
    // Only the suite containers use it: a compose deploy without --docker-socket still fails, by name.
    if (need === 'tests') return engine.withEnvVariable('LOCKSTEP_SUITE_DOCKER_HOST', 'tcp://docker:2375');
    return engine.withEnvVariable('DOCKER_HOST', 'tcp://docker:2375');
  }

  private dockerEngine(): Service {
    return dag
      .container()
      .from(this.dockerImage)
      .withMountedCache('/var/lib/docker', dag.cacheVolume('lockstep-docker'))
      .withExposedPort(2375)
      .asService({ args: ['dockerd', '--host=tcp://0.0.0.0:2375', '--tls=false'], insecureRootCapabilities: true });
  }

  /** Runs one lockstep command; a failure fails the call with the command's own code and message. */
  private async stage(args: string[], options: Parameters<Lockstep['prepare']>[0]): Promise<Container> {
    const ran = this.exec(this.prepare(options), args);
    const result = await this.result(ran);
    if (result.status === 'failed') throw new Error(describeFailure(`lockstep ${args.join(' ')}`, result));
    return ran;
  }

  /**
   * Runs `lockstep run <pipeline>` and returns its report folder (run.json, index.html, the stages' reports).
   * The CLI writes each stage's rerun line as the `dagger call` of its function (src/pipelines/daggerRerun.ts):
   * it is told this call's constructor flags and how the runner's paths read for the caller.
   */
  private async pipeline(name: string, args: string[], options: Parameters<Lockstep['prepare']>[0] & { strict: boolean }): Promise<Directory> {
    const context = JSON.stringify({ call: this.callFlags(), paths: await inputNames({ ...options.files, [`${inputDir}/lock.yaml`]: options.lockFile }) });
    const ran = this.exec(this.prepare(options).withEnvVariable('LOCKSTEP_DAGGER_CALL', context), ['run', name, '--report-dir', reportDir, ...args]);
    const result = await this.result(ran);
    if (result.status === 'failed' && (options.strict || !(await ran.directory(outputDir).exists('report/run.json')))) {
      throw new Error(describeFailure(`lockstep run ${name}`, result));
    }
    return ran.directory(reportDir);
  }

  /** This call's constructor flags as the caller writes them; a secret as the variable its description names. */
  private callFlags(): string[] {
    const values: Array<[string, unknown, string?]> = [
      ['--config', this.config],
      ['--lock-path', this.lockPath === 'locks/current.lock.yaml' ? undefined : this.lockPath],
      ['--github-token', this.githubToken !== undefined, 'env://GITHUB_TOKEN'],
      ['--repository', this.repository],
      ['--github-api-url', this.githubApiUrl],
      ['--registry-username', this.registryAuth !== undefined && this.registryUsername],
      ['--registry-auth', this.registryUsername !== undefined && this.registryAuth !== undefined, 'env://LOCKSTEP_REGISTRY_PASSWORD'],
      ['--kubeconfig', this.kubeconfig !== undefined, 'env://LOCKSTEP_KUBECONFIG'],
      ['--docker-socket', this.dockerSocket, dockerSocketPath],
      ['--aws-access-key-id', this.awsAccessKeyId, 'env://AWS_ACCESS_KEY_ID'],
      ['--aws-secret-access-key', this.awsSecretAccessKey, 'env://AWS_SECRET_ACCESS_KEY'],
      ['--aws-session-token', this.awsSessionToken, 'env://AWS_SESSION_TOKEN'],
      ['--aws-region', this.awsRegion],
      ['--aws-role-arn', this.awsRoleArn],
      ['--aws-web-identity-token', this.awsWebIdentityToken, 'file://$AWS_WEB_IDENTITY_TOKEN_FILE'],
      ['--argocd-token', this.argocdToken, 'env://ARGOCD_AUTH_TOKEN'],
    ];
    return ['--source', '.', ...values.flatMap(([flag, value, shown]) => (value ? [flag, shown ?? String(value)] : []))];
  }

  private exec(container: Container, args: string[]): Container {
    const globals = [...(this.config ? ['--config', this.config] : []), '--result-file', resultFile];
    return container.withExec(['node', `${appDir}/bin/lockstep.js`, ...globals, ...args], { expect: ReturnType.Any });
  }

  /** The command's result file; a command that died before writing one (a signal) is told by its exit code. */
  private async result(ran: Container): Promise<StageResult> {
    try {
      if (await ran.directory(outputDir).exists('result.json')) return JSON.parse(await ran.file(resultFile).contents()) as StageResult;
      const [exitStatus, stderr] = await Promise.all([ran.exitCode(), ran.stderr()]);
      return { status: exitStatus === 0 ? 'passed' : 'failed', code: null, exitStatus, summary: stderr.trim().split('\n').slice(-5).join('\n'), details: [] };
    } catch (error) {
      // The engine still raises an exec failure for some exits (killed by a signal); it is known by
      // its fields, since the runtime's SDK exports no error classes.
      if (isExecFailure(error)) return { status: 'failed', code: null, exitStatus: error.exitCode, summary: error.stderr.trim().split('\n').slice(-5).join('\n'), details: [] };
      throw error;
    }
  }

  /** What a stage wrote into the repository (the release archive), as a directory to export over it. */
  private written(ran: Container): Directory {
    return this.source.diff(ran.directory(workDir));
  }
}

// The runtime passes an argument left out as undefined, or as null when its type is nullable.
function flag(name: string, value: string | number | undefined | null): string[] {
  return value === undefined || value === null ? [] : [name, String(value)];
}

function list(name: string, values: string[] | undefined | null): string[] {
  return values === undefined || values === null || values.length === 0 ? [] : [name, values.join(',')];
}

/** How the runner's paths read for the caller: an input file by its name, the report folder where the workflows export it. */
async function inputNames(files: Record<string, File | undefined>): Promise<Record<string, string>> {
  const names: Record<string, string> = { [reportDir]: '.lockstep/run' };
  for (const [path, file] of Object.entries(files)) if (file) names[path] = await file.name();
  return names;
}

function describeFailure(command: string, result: StageResult): string {
  const code = result.code ? `${result.code}, ` : '';
  return [`${command} failed (${code}exit ${result.exitStatus}): ${result.summary}`, ...result.details.slice(0, 10).map((line) => `  ${line}`)].join('\n');
}

function isExecFailure(error: unknown): error is { exitCode: number; stderr: string } {
  return typeof error === 'object' && error !== null && typeof (error as { exitCode?: unknown }).exitCode === 'number' && typeof (error as { stderr?: unknown }).stderr === 'string';
}
