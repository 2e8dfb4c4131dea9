import { randomBytes } from 'node:crypto';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { detectCompose, runCompose } from '../compose/composeCommand.js';
import { lockId } from '../lock/integrity.js';
import { freePort } from '../net/freePort.js';
import { readLock } from '../lock/read.js';
import type { LockstepConfig } from '../config/schema.js';
import { run } from '../exec/run.js';
import { writeAtomic } from '../io/writeAtomic.js';
import { cliEntry } from '../pipelines/executeCliStage.js';
import { prCheckStages, promoteProductionStages, promoteStagingStages, rollbackStages, type PipelineSettings } from '../pipelines/plans.js';
import { runComposite } from '../pipelines/runComposite.js';
import type { RunReport } from '../report/runReport.js';
import { changeService, createExampleSystem, type ExampleSystem } from '../sandbox/exampleSystem.js';
import { commitAll, git } from '../sandbox/git.js';
import { demoEnvironments } from './demoEnvironments.js';
import { startDemoRegistry } from './demoRegistry.js';
import { DockerApi } from '../docker/api.js';
import { removeContainer } from '../docker/containers.js';
import { resolveDockerHost } from '../docker/host.js';

export interface DemoOptions {
  /** Leave the sandbox (repositories, registry, both environments) up to poke at. */
  keep: boolean;
  /** Where the run reports are copied, relative to the working directory. */
  reportDir: string;
  registryImage: string;
  nodeImage: string;
  baseImage: string;
  say: (line: string) => void;
}

export interface DemoChapter {
  title: string;
  pipeline: string;
  status: 'passed' | 'failed';
  /** What the demo expected: the broken release is meant to fail. */
  expected: 'passed' | 'failed';
  durationMs: number;
  report: string;
}

export interface EnvironmentOutcome {
  lockId: string | null;
  integrity: string | null;
  inSync: boolean;
  digests: Record<string, string | null>;
}

export interface DemoResult {
  ok: boolean;
  chapters: DemoChapter[];
  releases: Record<string, string>;
  environments: Record<'staging' | 'production', EnvironmentOutcome>;
  /** The broken release's production deploy failed and production was restored to v1.0.0 by itself. */
  automaticRollback: { happened: boolean; restoredTo: string | null };
  /** `lockstep run rollback --env staging --to v1.0.0` brought staging back to v1.0.0. */
  manualRollback: { restored: boolean; to: string };
  sandbox: { dir: string; kept: boolean; registry: string; registryContainer: string; projects: string[] };
  reportDir: string;
}

const demoLabel = 'dev.lockstep.demo';

/**
 * The whole promotion on one machine: a sandbox of real git repositories and a real registry, then the
 * real composites in the order the workflows run them, with git merges standing in for GitHub merges.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const id = randomBytes(3).toString('hex');
  const prefix = `lockstep-demo-${id}`;
  const root = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const reportDir = resolve(options.reportDir);
  const chapters: DemoChapter[] = [];
  const projects = [`${prefix}-pr`, `${prefix}-staging`, `${prefix}-production`];
  let registryContainer: string | undefined;
  const docker = new DockerApi(resolveDockerHost(undefined));
  let system: ExampleSystem | undefined;

  const cleanup = async () => {
    if (options.keep) return;
    if (system) {
      for (const project of projects) await composeDown(system, project);
    }
    if (registryContainer) await removeContainer(docker, registryContainer).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  };
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    options.say('▶ sandbox: a local registry, the example services as git repositories, an orchestrator pinning them');
    const registry = await startDemoRegistry(docker, options.registryImage, `${prefix}-registry`, { [demoLabel]: id });
    registryContainer = registry.container;
    system = await createExampleSystem({
      root,
      registryHost: registry.host,
      bases: { node: options.nodeImage, base: options.baseImage },
      progress: (message) => options.say(`    ${message}`),
    });
    const ports = { staging: await freePort(), production: await freePort() };
    await configureEnvironments(system, demoEnvironments(prefix, ports));
    options.say(`✔ sandbox ready: ${system.repoDir} (registry ${registry.host})`);

    const env = { ...process.env, LOCKSTEP_NODE_IMAGE: options.nodeImage, LOCKSTEP_BASE_IMAGE: options.baseImage, GITHUB_TOKEN: '' };
    const settings = (dir: string, currentLock?: string): PipelineSettings => ({
      config: 'lockstep.config.yaml',
      reportDir: `report/${dir}`,
      github: false,
      ...(currentLock ? { currentLock } : {}),
    });
    const chapter = async (title: string, pipeline: string, dir: string, stages: ReturnType<typeof prCheckStages>, expected: 'passed' | 'failed' = 'passed'): Promise<RunReport> => {
      options.say(`\n▶ ${title}`);
      const started = performance.now();
      const { report, files } = await runComposite(pipeline, stages, { cwd: system!.repoDir, env, reportDir: `report/${dir}` });
      chapters.push({ title, pipeline, status: report.status, expected, durationMs: performance.now() - started, report: files.html });
      const asExpected = report.status === expected;
      options.say(`${asExpected ? '✔' : '✖'} ${title}: ${report.status}${expected === 'failed' ? ' (as intended)' : ''}`);
      if (!asExpected) throw new DemoStopped(`${title} ${report.status}; see ${files.html}`);
      return report;
    };
    const repo = system.repoDir;

    // Release 1: dev -> staging -> production.
    await chapter('pull request #1 dev → staging: stack, tests, lock', 'pr-check', '01-pr-check', prCheckStages(settings('01-pr-check'), { ref: 'dev', pullRequest: 1, project: projects[0]! }));
    await merge(repo, 'dev', 'staging', 'Merge pull request #1 from dev');
    await commitLock(repo, 'staging', join(repo, 'report/01-pr-check/lock.yaml'), 1);
    await chapter('staging promotion', 'promote-staging', '02-promote-staging', promoteStagingStages(settings('02-promote-staging'), { lock: 'locks/current.lock.yaml' }));
    await merge(repo, 'staging', 'main', 'Merge pull request #2 from staging (4 approvals)');
    await chapter('production promotion v1.0.0', 'promote-production', '03-promote-production', promoteProductionStages(settings('03-promote-production'), { lock: 'locks/current.lock.yaml', version: 'v1.0.0' }));
    await commitAll(repo, 'chore(release): archive v1.0.0');
    const v1 = await readLock(join(repo, 'locks/releases/v1.0.0.lock.yaml'));

    // Release 2: a catalog that fails its health check in production only, as a missing production setting would.
    options.say('\n▶ a new catalog commit that fails its health check in production');
    await git(repo, ['checkout', '--quiet', 'dev']);
    await git(repo, ['merge', '--quiet', '--no-edit', 'main']);
    await changeService(system, 'catalog', { kind: 'unhealthy', only: 'production' }, { progress: (message) => options.say(`    ${message}`) });
    await chapter('pull request #3 dev → staging', 'pr-check', '04-pr-check', prCheckStages(settings('04-pr-check', 'locks/current.lock.yaml'), { ref: 'dev', pullRequest: 3, project: projects[0]! }));
    await merge(repo, 'dev', 'staging', 'Merge pull request #3 from dev');
    await commitLock(repo, 'staging', join(repo, 'report/04-pr-check/lock.yaml'), 3);
    await chapter('staging promotion', 'promote-staging', '05-promote-staging', promoteStagingStages(settings('05-promote-staging'), { lock: 'locks/current.lock.yaml' }));
    await merge(repo, 'staging', 'main', 'Merge pull request #4 from staging (4 approvals)');
    const broken = await chapter(
      'production promotion v1.1.0: the deploy fails its health check and restores v1.0.0 by itself',
      'promote-production',
      '06-promote-production',
      promoteProductionStages(settings('06-promote-production'), { lock: 'locks/current.lock.yaml', version: 'v1.1.0', previousRelease: 'locks/releases/v1.0.0.lock.yaml' }),
      'failed',
    );
    const productionAfterFailure = await environmentOutcome(repo, env, 'production');

    // The manual path: staging runs the broken release; roll it back to the last good one.
    await chapter('rollback staging to v1.0.0', 'rollback', '07-rollback', rollbackStages(settings('07-rollback'), { environment: 'staging', to: 'v1.0.0', smoke: true }));

    const environments = { staging: await environmentOutcome(repo, env, 'staging'), production: await environmentOutcome(repo, env, 'production') };
    const deployStage = broken.stages.find((stage) => stage.name === 'deploy');
    const result: DemoResult = {
      ok: true,
      chapters,
      releases: { 'v1.0.0': v1.integrity },
      environments,
      automaticRollback: {
        happened: deployStage?.status === 'failed' && productionAfterFailure.integrity === v1.integrity,
        restoredTo: productionAfterFailure.integrity === v1.integrity ? 'v1.0.0' : productionAfterFailure.lockId,
      },
      manualRollback: { restored: environments.staging.integrity === v1.integrity, to: 'v1.0.0' },
      sandbox: { dir: root, kept: options.keep, registry: registry.host, registryContainer: registry.container, projects },
      reportDir,
    };
    result.ok = result.automaticRollback.happened && result.manualRollback.restored && environments.production.inSync && environments.staging.inSync;
    await mkdir(reportDir, { recursive: true });
    await cp(join(repo, 'report'), reportDir, { recursive: true });
    await copyFile(join(repo, 'locks/releases/v1.0.0.lock.yaml'), join(reportDir, 'v1.0.0.lock.yaml'));
    await writeJson(join(reportDir, 'demo.json'), result);
    return result;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanup();
  }
}

export class DemoStopped extends Error {}

async function configureEnvironments(system: ExampleSystem, environments: LockstepConfig['environments']): Promise<void> {
  system.config.environments = environments;
  const text = await readFile(system.configFile, 'utf8');
  const header = text.split('\n').filter((line) => line.startsWith('#')).join('\n');
  await writeFile(system.configFile, `${header}\n${stringify(system.config, { lineWidth: 0 })}`);
  // The platform team's change lands on main and flows down to staging and dev.
  await git(system.repoDir, ['checkout', '--quiet', 'main']);
  await commitAll(system.repoDir, 'Configure the staging and production environments');
  for (const branch of ['staging', 'dev']) {
    await git(system.repoDir, ['checkout', '--quiet', branch]);
    await git(system.repoDir, ['merge', '--quiet', '--no-edit', 'main']);
  }
}

async function merge(repo: string, from: string, into: string, message: string): Promise<void> {
  await git(repo, ['checkout', '--quiet', into]);
  await git(repo, ['merge', '--quiet', '--no-ff', '-m', message, from]);
}

/** What `lockstep pr commit-lock` does through the GitHub API, done with git: the lock lands on the branch. */
async function commitLock(repo: string, branch: string, lockFile: string, pullRequest: number): Promise<void> {
  await git(repo, ['checkout', '--quiet', branch]);
  await mkdir(join(repo, 'locks'), { recursive: true });
  await copyFile(lockFile, join(repo, 'locks/current.lock.yaml'));
  const lock = await readLock(lockFile);
  await commitAll(repo, `chore(lock): ${lockId(lock)} from #${pullRequest}`);
}

async function environmentOutcome(repo: string, env: NodeJS.ProcessEnv, environment: string): Promise<EnvironmentOutcome> {
  const result = await run(process.execPath, [cliEntry, '--json', 'status', '--env', environment], { cwd: repo, env, allowFailure: true });
  const status = JSON.parse(result.stdout) as {
    lockId: string | null;
    lockIntegrity: string | null;
    inSync: boolean;
    services: Array<{ service: string; live: { digest: string | null } | null }>;
  };
  return {
    lockId: status.lockId,
    integrity: status.lockIntegrity,
    inSync: status.inSync,
    digests: Object.fromEntries(status.services.map((service) => [service.service, service.live?.digest ?? null])),
  };
}

async function composeDown(system: ExampleSystem, project: string): Promise<void> {
  const compose = await detectCompose();
  await runCompose(compose, { project, files: [join(system.repoDir, 'compose.yaml')], args: ['down', '--volumes', '--remove-orphans'], projectDirectory: system.repoDir }, { allowFailure: true });
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
