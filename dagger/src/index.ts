/**
 * lockstep as a Dagger module: every promotion stage as a typed function that runs the lockstep CLI
 * in a container, so `dagger call` on a laptop does exactly what CI does.
 *
 * What runs, with which arguments, variables, secrets and mounts, is decided by plain functions
 * (stagePlans.ts, composites.ts, stackGraph.ts); this file only turns those plans into engine calls.
 */
import {
  argument,
  dag,
  func,
  object,
  Container,
  Directory,
  ExecError,
  File,
  ReturnType,
  Secret,
  Service,
  Socket,
} from '@dagger.io/dagger';
import {
  hotfixPlan,
  lastLines,
  prCheckPlan,
  promoteProductionPlan,
  promoteStagingPlan,
  renderSummary,
  reportFiles,
  rollbackPlan,
  runPipeline,
  type CompositePlan,
  type CompositeStep,
  type StageExecution,
  type TestSuiteResult,
} from './composites.js';
import { defaultLockPath, reportDir } from './rerunLine.js';
import {
  parseStackPlan,
  registryHostOf,
  renderSuiteTable,
  suiteEnvironment,
  suiteMountPath,
  suiteSourcePath,
  summarizeTap,
  type StackPlan,
  type StackService,
} from './stackGraph.js';
import {
  defaultRequiredApprovals,
  kebab,
  planStage,
  runner,
  stages,
  StageInputError,
  type DiffFormat,
  type ModuleSettings,
  type SharedSecret,
  type StageCall,
  type StagePlan,
} from './stagePlans.js';

interface Execution {
  exitCode: number;
  stdout: string;
  stderr: string;
  container: Container;
}

interface StackRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  report: Directory;
  tests: TestSuiteResult[];
}

/**
 * lockstep promotes a microservice system from dev to staging to production with one release lock.
 * Each function is one stage (or one trigger's whole pipeline) and runs the same lockstep CLI a
 * laptop runs, inside a runner container built from this repository.
 */
@object()
export class Lockstep {
  source: Directory;
  config?: string;
  lockPath: string;
  githubToken?: Secret;
  registryUsername?: string;
  registryAuth?: Secret;
  repository?: string;
  githubApiUrl?: string;
  kubeconfig?: Secret;
  dockerSocket?: Socket;

  constructor(
    /**
     * The orchestrator repository (lockstep.config.yaml, the submodule pins in .git, the committed
     * lock); defaults to the git repository dagger runs in.
     */
    @argument({
      defaultPath: '/',
      ignore: ['**/node_modules', 'dist', 'report', '.lockstep', 'dagger/sdk', 'bench/results', '**/*.tsbuildinfo', '!.git'],
    })
    source: Directory,
    /** The lockstep config file, relative to the repository root (the CLI's default: lockstep.config.yaml). */
    config?: string,
    /** Where the current lock is committed in the repository (github.lockPath in the config). */
    lockPath: string = defaultLockPath,
    /** A GitHub token for comments, the lock commit, promotion pull requests, the gate and releases (env://GITHUB_TOKEN). */
    githubToken?: Secret,
    /** The registry user name; goes with --registry-auth. */
    registryUsername?: string,
    /** The registry password or token for --registry-username (env://LOCKSTEP_REGISTRY_PASSWORD). */
    registryAuth?: Secret,
    /** The GitHub repository as owner/name (GITHUB_REPOSITORY); defaults to github.repository in the config. */
    repository?: string,
    /** The GitHub REST API root, for GitHub Enterprise Server (https://HOST/api/v3). */
    githubApiUrl?: string,
    /** A kubeconfig for kubernetes targets (env://LOCKSTEP_KUBECONFIG); mounted as a secret, never written to a layer. */
    kubeconfig?: Secret,
    /** The docker daemon socket of compose targets (/var/run/docker.sock, or a forwarded remote one). */
    dockerSocket?: Socket,
  ) {
    this.source = source;
    this.config = config;
    this.lockPath = lockPath;
    this.githubToken = githubToken;
    this.registryUsername = registryUsername;
    this.registryAuth = registryAuth;
    this.repository = repository;
    this.githubApiUrl = githubApiUrl;
    this.kubeconfig = kubeconfig;
    this.dockerSocket = dockerSocket;
  }

  /** The runner: node:22-alpine with git, docker compose and ssh, and the lockstep CLI built from the repository. */
  @func()
  runner(): Container {
    return dag
      .container()
      .from(runner.image)
      .withExec(['apk', 'add', '--no-cache', ...runner.packages])
      .withMountedCache(runner.npmCachePath, dag.cacheVolume(runner.npmCacheVolume))
      .withWorkdir(runner.appDir)
      .withDirectory(runner.appDir, this.source, { include: [...runner.installFiles] })
      .withExec([...runner.install])
      .withDirectory(runner.appDir, this.source, { include: [...runner.buildFiles] })
      .withExec([...runner.build])
      .withEntrypoint(['node', `${runner.appDir}/bin/lockstep.js`]);
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
    /** For a hotfix: the services to re-resolve (comma-separated); needs --base. */
    only?: string[],
  ): Promise<File> {
    const files = base ? { [await base.name()]: base } : {};
    const call: StageCall = { stage: 'lockGenerate', inputs: { ref, pullRequest, base: base ? await base.name() : undefined, only } };
    const done = await this.stage(call, files);
    return done.container.file(`${runner.outputDir}/lock.yaml`);
  }

  /** Check a lock's schema and integrity; with --registry, also that every digest still exists. */
  @func({ cache: 'never' })
  async lockVerify(
    /** The lock (default: the one committed at --lock-path). */
    lock?: File,
    /** Also ask the registries for every digest. */
    registry: boolean = false,
  ): Promise<string> {
    const [path, files] = await this.lockInput(lock);
    return (await this.stage({ stage: 'lockVerify', inputs: { lock: path, registry } }, files)).stdout;
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
    const [beforePath, afterPath] = [`before/${await before.name()}`, `after/${await after.name()}`];
    const call: StageCall = { stage: 'lockDiff', inputs: { before: beforePath, after: afterPath, format: format as DiffFormat } };
    return (await this.stage(call, { [beforePath]: before, [afterPath]: after })).stdout;
  }

  /**
   * Start the whole stack from compose as Dagger services, exactly the lock's digests, run the test
   * suites against it and return the report (TAP per suite, summary.md, results.json).
   */
  @func()
  async stackTest(
    /** The lock whose digests the stack runs (default: the one committed at --lock-path). */
    lock?: File,
    /** Run only this suite. */
    suite?: string,
  ): Promise<Directory> {
    const [path, files] = await this.lockInput(lock);
    const run = await this.runStackTest({ stage: 'stackTest', inputs: { lock: path, suite } }, files);
    if (run.exitCode !== 0) throw new Error(`stack-test failed:\n${lastLines(run.stderr || run.stdout, 30)}`);
    return run.report;
  }

  /** Run the health gate of an environment (target reachable, capacity, dependencies). */
  @func({ cache: 'never' })
  async healthCheck(
    /** The environment, as named in lockstep.config.yaml (staging, production). */
    environment: string,
  ): Promise<string> {
    return (await this.stage({ stage: 'healthCheck', inputs: { environment } }, {})).stdout;
  }

  /** Deploy exactly the lock's digests to an environment (lease, health gate, rollout, restore on failure). */
  @func({ cache: 'never' })
  async deploy(
    /** The environment to deploy to. */
    environment: string,
    /** The lock to deploy (default: the one committed at --lock-path). */
    lock?: File,
  ): Promise<string> {
    const [path, files] = await this.lockInput(lock);
    return (await this.stage({ stage: 'deploy', inputs: { environment, lock: path } }, files)).stdout;
  }

  /** Run the end-to-end suites against an environment and return their report. */
  @func({ cache: 'never' })
  async e2eTest(
    /** The environment to test. */
    environment: string,
  ): Promise<Directory> {
    return this.directoryOf('e2eTest', await this.stage({ stage: 'e2eTest', inputs: { environment } }, {}));
  }

  /** Run the smoke probes against an environment and return their report. */
  @func({ cache: 'never' })
  async smokeTest(
    /** The environment to probe. */
    environment: string,
  ): Promise<Directory> {
    return this.directoryOf('smokeTest', await this.stage({ stage: 'smokeTest', inputs: { environment } }, {}));
  }

  /**
   * Archive the released lock as locks/releases/<version>.lock.yaml (append-only) and return the
   * archive folder, to export into the repository and commit: rollback reads it.
   */
  @func({ cache: 'never' })
  async release(
    /** The release version, v + semver (v1.4.0). */
    version: string,
    /** The lock that was deployed (default: the one committed at --lock-path). */
    lock?: File,
  ): Promise<Directory> {
    const [path, files] = await this.lockInput(lock);
    return this.directoryOf('release', await this.stage({ stage: 'release', inputs: { lock: path, version } }, files));
  }

  /**
   * Roll an environment back to the previous release (or --to), optionally followed by the smoke
   * probes; returns the run report (run.json, summary.md, logs).
   */
  @func({ cache: 'never' })
  async rollback(
    /** The environment to roll back. */
    environment: string,
    /** The release to go back to (v1.3.0); default: the one before the current. */
    to?: string,
    /** Run the smoke probes after rolling back. */
    smoke: boolean = false,
    /** Fail the call when a stage fails (no report is returned then; the error carries the summary). */
    strict: boolean = false,
  ): Promise<Directory> {
    return this.composite(rollbackPlan({ environment, to, smoke }), {}, strict);
  }

  /** Post or update the sticky pull request comment with the lock and its diff. */
  @func({ cache: 'never' })
  async prComment(
    /** The pull request number. */
    pullRequest: number,
    /** The lock to show (default: the one committed at --lock-path). */
    lock?: File,
  ): Promise<string> {
    const [path, files] = await this.lockInput(lock);
    return (await this.stage({ stage: 'prComment', inputs: { pullRequest, lock: path } }, files)).stdout;
  }

  /** Commit the lock to a branch (the pull request's head branch) through the GitHub API. */
  @func({ cache: 'never' })
  async commitLock(
    /** The branch to commit to. */
    branch: string,
    /** The pull request the commit belongs to. */
    pullRequest?: number,
    /** The lock to commit (default: the one committed at --lock-path). */
    lock?: File,
  ): Promise<string> {
    const [path, files] = await this.lockInput(lock);
    return (await this.stage({ stage: 'commitLock', inputs: { branch, lock: path, pullRequest } }, files)).stdout;
  }

  /** Open (or update) the promotion pull request that carries the lock unchanged, staging -> main. */
  @func({ cache: 'never' })
  async openPromotion(
    /** The lock to promote (default: the one committed at --lock-path). */
    lock?: File,
    /** The branch promoted from. */
    from: string = 'staging',
    /** The branch promoted to. */
    to: string = 'main',
    /** A markdown summary of the end-to-end run on --from, quoted in the pull request. */
    e2eSummary?: File,
    /** A link to the run that tested the lock. */
    runUrl?: string,
  ): Promise<string> {
    const [path, files] = await this.lockInput(lock);
    const summary = e2eSummary ? `e2e/${await e2eSummary.name()}` : undefined;
    if (e2eSummary && summary) files[summary] = e2eSummary;
    return (await this.stage({ stage: 'openPromotion', inputs: { lock: path, from, to, e2eSummary: summary, runUrl } }, files)).stdout;
  }

  /** Refuse unless the pull request has the required approvals on its final commit (and carries this lock). */
  @func({ cache: 'never' })
  async approvalGate(
    /** The promotion pull request. */
    pullRequest: number,
    /** Approvals required. */
    required: number = defaultRequiredApprovals,
    /** The lock the approvals must cover (default: the one committed at --lock-path). */
    lock?: File,
  ): Promise<string> {
    const [path, files] = await this.lockInput(lock);
    return (await this.stage({ stage: 'approvalGate', inputs: { pullRequest, required, lock: path } }, files)).stdout;
  }

  /** Tag the released commit and publish the GitHub release of a version with its lock attached. */
  @func({ cache: 'never' })
  async publishRelease(
    /** The release version (v1.4.0). */
    version: string,
    /** The lock of the release (default: the one committed at --lock-path). */
    lock?: File,
    /** The commit to tag (default: the head of main). */
    target?: string,
  ): Promise<string> {
    const [path, files] = await this.lockInput(lock);
    return (await this.stage({ stage: 'publishRelease', inputs: { version, lock: path, target } }, files)).stdout;
  }

  /**
   * dev -> staging pull request: generate the lock, run the stack tests on it, post the sticky
   * comment and commit the lock to the branch when it changed. Returns the run report.
   */
  @func({ cache: 'never' })
  async prCheck(
    /** The pull request number. */
    pullRequest: number,
    /** Its head branch, which receives the lock commit. */
    branch: string,
    /** The orchestrator ref to lock (default HEAD: the checked-out head). */
    ref?: string,
    /** Run only this stack suite. */
    suite?: string,
    /** Fail the call when a stage fails (no report is returned then; the error carries the summary). */
    strict: boolean = false,
  ): Promise<Directory> {
    return this.composite(prCheckPlan({ pullRequest, branch, ref, suite }, this.settings()), {}, strict);
  }

  /**
   * Push to staging: health gate, deploy the lock, end-to-end tests, then open the staging -> main
   * pull request with the same lock. Returns the run report.
   */
  @func({ cache: 'never' })
  async promoteStaging(
    /** The lock to promote (default: the one committed at --lock-path). */
    lock?: File,
    /** The CI run, linked from the promotion pull request. */
    runUrl?: string,
    /** Fail the call when a stage fails (no report is returned then; the error carries the summary). */
    strict: boolean = false,
  ): Promise<Directory> {
    return this.composite(promoteStagingPlan({ lockFromArgument: lock !== undefined, runUrl }, this.settings()), { lock }, strict);
  }

  /**
   * Push to main: approval gate, health gate, deploy, smoke tests, release; rolls production back
   * when the smoke tests fail. Returns the run report.
   */
  @func({ cache: 'never' })
  async promoteProduction(
    /** The merged staging -> main (or hotfix) pull request, whose approvals are checked. */
    pullRequest: number,
    /** The release version (v1.4.0). */
    version: string,
    /** Approvals required. */
    required: number = defaultRequiredApprovals,
    /** The commit being released, which the tag points at (default: the head of main when tagging). */
    commit?: string,
    /** The lock to release (default: the one committed at --lock-path). */
    lock?: File,
    /** Fail the call when a stage fails (no report is returned then; the error carries the summary). */
    strict: boolean = false,
  ): Promise<Directory> {
    const plan = promoteProductionPlan({ pullRequest, version, required, commit, lockFromArgument: lock !== undefined }, this.settings());
    return this.composite(plan, { lock }, strict);
  }

  /**
   * A hotfix pull request into main: the production lock with only the named services re-resolved,
   * the stack tests on it, the comment and the lock commit. Returns the run report.
   */
  @func({ cache: 'never' })
  async hotfix(
    /** The hotfix pull request. */
    pullRequest: number,
    /** Its head branch, which receives the lock commit. */
    branch: string,
    /** The services the hotfix changes (comma-separated). */
    services: string[],
    /** The lock the hotfix starts from (default: the one committed at --lock-path, production's). */
    base?: File,
    /** The orchestrator ref to lock (default HEAD). */
    ref?: string,
    /** Run only this stack suite. */
    suite?: string,
    /** Fail the call when a stage fails (no report is returned then; the error carries the summary). */
    strict: boolean = false,
  ): Promise<Directory> {
    const plan = hotfixPlan({ pullRequest, branch, services, ref, suite }, this.settings(), base !== undefined);
    return this.composite(plan, { base }, strict);
  }

  private settings(): ModuleSettings {
    return {
      config: this.config,
      lockPath: this.lockPath,
      repository: this.repository,
      githubApiUrl: this.githubApiUrl,
      registryUsername: this.registryUsername,
      provided: {
        githubToken: this.githubToken !== undefined,
        registryAuth: this.registryAuth !== undefined,
        kubeconfig: this.kubeconfig !== undefined,
        dockerSocket: this.dockerSocket !== undefined,
      },
    };
  }

  private secret(name: SharedSecret): Secret {
    const secret = { githubToken: this.githubToken, registryAuth: this.registryAuth, kubeconfig: this.kubeconfig }[name];
    if (secret === undefined) throw new StageInputError(kebab(name), 'is required by this stage');
    return secret;
  }

  /** The lock argument, or the lock committed in the repository; named by the path a rerun would pass. */
  private async lockInput(lock: File | undefined): Promise<[string, Record<string, File>]> {
    if (lock !== undefined) {
      const name = await lock.name();
      return [name, { [name]: lock }];
    }
    if (!(await this.source.exists(this.lockPath))) {
      throw new StageInputError('lock', `no lock given and none committed at ${this.lockPath} (see --lock-path)`);
    }
    return [this.lockPath, { [this.lockPath]: this.source.file(this.lockPath) }];
  }

  /** The runner with a copy of the repository as the working directory and the plan's inputs applied. */
  private prepare(plan: StagePlan, files: Record<string, File>): Container {
    // A copy, not a mount: what the CLI writes there (the release archive) must be readable afterwards.
    let container = this.runner()
      .withDirectory(runner.workDir, this.source)
      .withWorkdir(runner.workDir)
      .withDirectory(runner.outputDir, dag.directory());
    for (const [name, value] of Object.entries(plan.env)) container = container.withEnvVariable(name, value);
    for (const [name, secret] of Object.entries(plan.secretEnv)) container = container.withSecretVariable(name, this.secret(secret));
    for (const [path, secret] of Object.entries(plan.secretFiles)) container = container.withMountedSecret(path, this.secret(secret));
    for (const [path, host] of Object.entries(plan.files)) {
      const file = files[host];
      if (file === undefined) throw new Error(`internal: no file for ${host}`);
      container = container.withMountedFile(path, file);
    }
    if (plan.dockerSocket && this.dockerSocket) container = container.withUnixSocket(runner.dockerSocket, this.dockerSocket);
    return container;
  }

  /** Runs one stage and reports its exit code instead of throwing, so composites can record it. */
  private async execute(call: StageCall, files: Record<string, File>): Promise<Execution> {
    const plan = planStage(call, this.settings(), crypto.randomUUID());
    const container = this.prepare(plan, files).withExec(plan.argv, { expect: ReturnType.Any });
    try {
      const [exitCode, stdout, stderr] = await Promise.all([container.exitCode(), container.stdout(), container.stderr()]);
      return { exitCode, stdout, stderr, container };
    } catch (error) {
      // Exit codes the engine always treats as failures (killed by a signal) still arrive as ExecError.
      if (error instanceof ExecError) return { exitCode: error.exitCode, stdout: error.stdout, stderr: error.stderr, container };
      throw error;
    }
  }

  /** Runs one stage on its own: a non-zero exit fails the call with what the CLI printed. */
  private async stage(call: StageCall, files: Record<string, File>): Promise<Execution> {
    const execution = await this.execute(call, files);
    if (execution.exitCode !== 0) {
      throw new Error(`${kebab(call.stage)} failed (exit ${execution.exitCode}):\n${lastLines(execution.stderr || execution.stdout, 30)}`);
    }
    return execution;
  }

  /** The directory a stage wrote (e2e and smoke reports, the release archive). */
  private directoryOf(stage: 'e2eTest' | 'smokeTest' | 'release', execution: Execution): Directory {
    const output = stages[stage].output;
    if (output.kind !== 'directory') throw new Error(`internal: ${stage} writes no directory`);
    return execution.container.directory(output.path);
  }

  /** Plans the stack with the CLI, then runs services and suites as Dagger containers. */
  private async runStackTest(call: StageCall & { stage: 'stackTest' }, files: Record<string, File>): Promise<StackRun> {
    const planned = await this.execute(call, files);
    if (planned.exitCode !== 0) return { ...planned, report: dag.directory(), tests: [] };
    const plan = parseStackPlan(planned.stdout);
    const suites = plan.suites.filter((suite) => call.inputs.suite === undefined || suite.name === call.inputs.suite);
    if (suites.length === 0) {
      const known = plan.suites.map((suite) => suite.name).join(', ') || 'none';
      throw new StageInputError('suite', call.inputs.suite === undefined ? 'the config defines no stack suites' : `no suite named "${call.inputs.suite}" (known: ${known})`);
    }
    const services = this.stackServices(plan);
    let report = dag.directory().withNewFile('plan.json', planned.stdout);
    const results: Array<TestSuiteResult & { exitCode: number }> = [];
    for (const suite of suites) {
      let container = this.pull(dag.container(), suite.image);
      if (suite.directory !== null) {
        container = container.withMountedDirectory(suiteMountPath, this.source.directory(suiteSourcePath(this.config, suite.directory))).withWorkdir(suiteMountPath);
      }
      for (const [name, value] of Object.entries(suiteEnvironment(plan, suite))) container = container.withEnvVariable(name, value);
      for (const [name, service] of services) container = container.withServiceBinding(name, service);
      const ran = container.withExec(suite.command, { expect: ReturnType.Any });
      const [exitCode, tap, stderr] = await Promise.all([ran.exitCode(), ran.stdout(), ran.stderr()]);
      const counts = summarizeTap(tap);
      results.push({
        suite: suite.name,
        against: 'stack',
        passed: counts.passed,
        failed: counts.failed,
        skipped: counts.skipped,
        failures: counts.failures.map((name) => ({ name, message: 'not ok' })),
        exitCode,
      });
      report = report.withNewFile(`${suite.name}.tap`, tap).withNewFile(`${suite.name}.stderr.txt`, stderr);
    }
    const failed = results.filter((result) => result.exitCode !== 0 || result.failed > 0);
    const summary = renderSuiteTable(results);
    report = report.withNewFile('summary.md', summary).withNewFile('results.json', `${JSON.stringify(results, null, 2)}\n`);
    const failures = failed.map((result) => `${result.suite}: ${result.failures.length > 0 ? result.failures.map((failure) => failure.name).join('; ') : `exit ${result.exitCode}`}`);
    return { exitCode: failed.length === 0 ? 0 : 1, stdout: summary, stderr: failures.join('\n'), report, tests: results.map(({ exitCode: _exitCode, ...result }) => result) };
  }

  /** One service per compose service, each bound to the services started before it, as on one network. */
  private stackServices(plan: StackPlan): Map<string, Service> {
    const built = new Map<string, Service>();
    for (const spec of plan.services) built.set(spec.name, this.stackService(spec, built));
    return built;
  }

  private stackService(spec: StackService, built: Map<string, Service>): Service {
    let container = this.pull(dag.container(), spec.image);
    if (spec.entrypoint !== null) container = container.withEntrypoint(spec.entrypoint);
    if (spec.workingDir !== null) container = container.withWorkdir(spec.workingDir);
    if (spec.user !== null) container = container.withUser(spec.user);
    for (const [name, value] of Object.entries(spec.environment)) container = container.withEnvVariable(name, value);
    for (const port of spec.ports) container = container.withExposedPort(port);
    if (spec.healthcheck !== null) {
      const { args, shell, interval, timeout, startPeriod, retries } = spec.healthcheck;
      container = container.withDockerHealthcheck(args, { shell, interval, timeout, startPeriod, retries });
    }
    for (const name of spec.binds) container = container.withServiceBinding(name, built.get(name)!);
    return container.asService({ useEntrypoint: true, ...(spec.command === null ? {} : { args: spec.command }) });
  }

  /** Pulls by digest, with the registry credentials when the image names a registry host. */
  private pull(container: Container, image: string): Container {
    const host = registryHostOf(image);
    const authed = host !== null && this.registryUsername !== undefined && this.registryAuth !== undefined;
    return (authed ? container.withRegistryAuth(host, this.registryUsername!, this.registryAuth!) : container).from(image);
  }

  /**
   * Runs a composite plan: seeds its report with the input files, runs each stage through
   * runPipeline, stores logs and outputs, and returns the report with run.json and summary.md.
   */
  private async composite(plan: CompositePlan, argumentFiles: Record<string, File | undefined>, strict: boolean): Promise<Directory> {
    const settings = this.settings();
    let report = dag.directory();
    // Report paths (.lockstep/run/...) name files of the report being built; others, repository files.
    const inReport = (path: string) => (path.startsWith(`${reportDir}/`) ? path.slice(reportDir.length + 1) : undefined);
    const fileFor = (path: string): File => {
      const relative = inReport(path);
      return relative === undefined ? this.source.file(path) : report.file(relative);
    };
    for (const seed of plan.seeds) {
      let file: File | undefined;
      if (seed.from === 'source') {
        if (!(await this.source.exists(seed.path))) throw new StageInputError('lock-path', `${seed.path} does not exist in the repository`);
        file = this.source.file(seed.path);
      } else file = argumentFiles[seed.argument];
      if (file === undefined) throw new StageInputError(seed.reportName, 'is required');
      report = report.withFile(seed.reportName, file);
    }

    const execute = async (step: CompositeStep): Promise<StageExecution> => {
      const inputs = step.call.inputs as Record<string, unknown>;
      const stageFiles: Record<string, File> = {};
      for (const name of stages[step.call.stage].fileInputs) {
        const host = inputs[name];
        if (typeof host === 'string') stageFiles[host] = fileFor(host);
      }
      const fn = kebab(step.call.stage);
      const outputs = [`logs/${fn}.log`];
      if (step.call.stage === 'stackTest') {
        const run = await this.runStackTest(step.call, stageFiles);
        report = report.withNewFile(outputs[0]!, `${run.stdout}\n${run.stderr}`);
        if (step.saveAs !== undefined) {
          report = report.withDirectory(step.saveAs, run.report);
          outputs.push(step.saveAs);
        }
        return { exitCode: run.exitCode, stdout: run.stdout, stderr: run.stderr, outputs, tests: run.tests };
      }
      const execution = await this.execute(step.call, stageFiles);
      report = report.withNewFile(outputs[0]!, `${execution.stdout}\n${execution.stderr}`);
      const output = stages[step.call.stage].output;
      if (step.saveAs !== undefined && output.kind !== 'stdout' && (await execution.container.exists(output.path))) {
        if (output.kind === 'file') report = report.withFile(step.saveAs, execution.container.file(output.path));
        else report = report.withDirectory(step.saveAs, execution.container.directory(output.path));
        outputs.push(step.saveAs);
      }
      return { exitCode: execution.exitCode, stdout: execution.stdout, stderr: execution.stderr, outputs };
    };

    const run = await runPipeline(plan, settings, {
      execute,
      sourceFileExists: (path) => this.source.exists(path),
      reportFileExists: async (path) => {
        const relative = inReport(path);
        return relative !== undefined && (await report.exists(relative));
      },
      now: () => Date.now(),
    });
    const summary = renderSummary(run);
    report = report.withNewFile(reportFiles.run, `${JSON.stringify(run, null, 2)}\n`).withNewFile(reportFiles.summary, summary);
    if (strict && run.status === 'failed') throw new Error(summary);
    return report;
  }
}
