// Environments on the compose target, against real parts only: the example shop built and pushed to a
// real registry container, two environments (staging, production) as two compose projects on the
// local docker daemon, and the lockstep CLI run as a process (bin/lockstep.js: `npm run build` first).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { run } from '../../../src/exec/run.js';
import { changeService, writeSandboxLock } from '../../../src/sandbox/exampleSystem.js';
import { readLock } from '../../../src/lock/read.js';
import type { ReleaseLock } from '../../../src/lock/schema.js';
import type { RunReport } from '../../../src/report/runReport.js';
import { releaseAssetName } from '../../../src/github/releaseNotes.js';
import { archiveRelease } from '../../../src/stages/release.js';
import { startGitHubDouble } from '../../doubles/github/server.js';
import { docker, dockerUnavailableReason } from '../../../support/docker.js';
import { prepareExampleSystem, type PreparedExampleSystem } from '../../support/exampleSystem.js';
import { startRegistry, type StartedRegistry } from '../../../support/registry.js';
import { imagesOf, lockstep, pinned, runningServices, type CliResult } from './cli.js';

const skip = await dockerUnavailableReason();
const id = randomBytes(3).toString('hex');
const projects = { staging: `lse-${id}-staging`, production: `lse-${id}-production` };

let registry: StartedRegistry | undefined;
let system: PreparedExampleSystem | undefined;
let lockA: ReleaseLock;
let lockB: ReleaseLock;
const files = { a: '', b: '', broken: '' };
let gatewayPort = 0;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function cli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return lockstep(args, { cwd: system!.repoDir, ...(env ? { env } : {}) });
}

function explain(result: CliResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** The config of the sandbox orchestrator, with this test's environments added. */
async function configureEnvironments(repoDir: string, configFile: string): Promise<void> {
  gatewayPort = await freePort();
  const closedPort = await freePort();
  // Production publishes the gateway on a fixed port for its smoke probes (compose adds it to the random one).
  await writeFile(join(repoDir, 'production.ports.yaml'), 'services:\n  gateway:\n    ports:\n      - "127.0.0.1:${PRODUCTION_GATEWAY_PORT}:8080"\n');
  const config = parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  const floors = { disk: { minFreeMb: 64 }, memory: { minAvailableMb: 64 } };
  config.environments = {
    staging: { protected: true, target: { type: 'compose', project: projects.staging }, health: floors, e2e: { suites: ['system'] } },
    'staging-gated': {
      target: { type: 'compose', project: projects.staging },
      health: { dependencies: [{ name: 'payments', type: 'tcp', host: '127.0.0.1', port: closedPort, timeoutMs: 1000 }] },
    },
    'staging-migrating': {
      target: { type: 'compose', project: projects.staging },
      migration: { service: 'catalog', command: ['node', '-e', 'console.error("migration: schema v2 failed"); process.exit(3)'] },
    },
    // Production with a probe the new release fails: what `promote-production` must undo by itself.
    'production-failing-smoke': {
      protected: true,
      target: { type: 'compose', project: projects.production, composeFiles: ['compose.yaml', 'production.ports.yaml'], env: { PRODUCTION_GATEWAY_PORT: String(gatewayPort) } },
      health: floors,
      smoke: { probes: [{ name: 'an endpoint the release lacks', url: `http://127.0.0.1:${gatewayPort}/api/not-there`, retries: 0 }] },
    },
    production: {
      protected: true,
      target: {
        type: 'compose',
        project: projects.production,
        composeFiles: ['compose.yaml', 'production.ports.yaml'],
        env: { PRODUCTION_GATEWAY_PORT: String(gatewayPort) },
      },
      health: floors,
      migration: { service: 'catalog', command: ['node', '-e', 'console.log(`migration: catalog schema ready for ${process.env.TARGET}`)'], env: { TARGET: 'production' } },
      smoke: {
        probes: [
          { name: 'gateway health', url: `http://127.0.0.1:${gatewayPort}/healthz`, bodyMatch: '"ok"', latencyBudgetMs: 3000, retries: 10, retryDelayMs: 500 },
          { name: 'catalog via gateway', url: `http://127.0.0.1:${gatewayPort}/api/catalog/products`, bodyMatch: '"products"\\s*:\\s*\\[\\{', retries: 3 },
        ],
      },
    },
  };
  await writeFile(configFile, stringify(config, { lineWidth: 0 }));
}

async function removeProject(project: string): Promise<void> {
  const ids = (await docker(['ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${project}`])).split('\n').filter(Boolean);
  const markers = (await docker(['ps', '--all', '--quiet', '--filter', `name=^${project}-lockstep-`])).split('\n').filter(Boolean);
  if (ids.length + markers.length > 0) await docker(['rm', '--force', '--volumes', ...ids, ...markers]);
  await docker(['network', 'rm', `${project}_default`]).catch(() => undefined);
  await docker(['volume', 'rm', `${project}_redis-data`]).catch(() => undefined);
}

describe('environments on the compose target (real registry, real docker, the CLI as a process)', { skip: skip ? `docker is not available: ${skip}` : false }, () => {
  before(async () => {
    registry = await startRegistry();
    system = await prepareExampleSystem({ registryHost: registry.host });
    lockA = system.lock;
    files.a = system.lockFile;
    files.b = join(system.root, 'b.lock.yaml');
    files.broken = join(system.root, 'broken.lock.yaml');
    await changeService(system, 'catalog', { kind: 'bump' });
    lockB = await writeSandboxLock(system, files.b);
    await changeService(system, 'catalog', { kind: 'crash' });
    await writeSandboxLock(system, files.broken);
    await configureEnvironments(system.repoDir, system.configFile);
  });

  after(async () => {
    await Promise.all(Object.values(projects).map(removeProject));
    await system?.cleanup();
    await registry?.stop();
  });

  it('deploys nothing when the health gate fails', async () => {
    const result = await cli(['deploy', '--env', 'staging-gated', '--lock', files.a]);
    assert.equal(result.code, 1, explain(result));
    assert.match(result.stderr, /lockstep: staging-gated is unhealthy; nothing was deployed\n {2}dependency payments: tcp 127\.0\.0\.1:\d+: ECONNREFUSED/);
    assert.deepEqual(await runningServices(projects.staging), {});
    const health = await cli(['--json', 'health', '--env', 'staging-gated']);
    assert.equal(health.code, 1);
    const report = JSON.parse(health.stdout) as { healthy: boolean; checks: Array<{ name: string; ok: boolean }> };
    assert.deepEqual(report.checks.map((check) => [check.name, check.ok]), [['docker API', true], ['dependency payments', false]]);
  });

  it('deploys nothing when the migration fails', async () => {
    const result = await cli(['deploy', '--env', 'staging-migrating', '--lock', files.a]);
    assert.equal(result.code, 1, explain(result));
    assert.match(result.stderr, /the migration exited with 3; nothing was rolled out/);
    assert.match(result.stderr, /migration: schema v2 failed/);
    assert.deepEqual(await runningServices(projects.staging), {});
  });

  it('deploys lock A to staging and production, each its own project, pinned by digest', async () => {
    // At the same time: two environments on one daemon have separate leases and projects.
    const [staging, production] = await Promise.all([
      cli(['deploy', '--env', 'staging', '--lock', files.a]),
      cli(['--json', 'deploy', '--env', 'production', '--lock', files.a]),
    ]);
    assert.equal(staging.code, 0, explain(staging));
    assert.equal(production.code, 0, explain(production));
    assert.match(production.stderr, /migration: catalog schema ready for production/);
    assert.equal((JSON.parse(production.stdout) as { integrity: string; migrated: boolean }).integrity, lockA.integrity);
    assert.deepEqual(imagesOf(await runningServices(projects.staging)), pinned(lockA));
    assert.deepEqual(imagesOf(await runningServices(projects.production)), pinned(lockA));
    const status = await cli(['--json', 'status', '--env', 'production', '--check']);
    assert.equal(status.code, 0, explain(status));
    assert.equal((JSON.parse(status.stdout) as { lockIntegrity: string }).lockIntegrity, lockA.integrity);
  });

  it('passes the smoke probes of production and writes JUnit XML and markdown', async () => {
    const reportDir = join(system!.root, 'report', 'smoke');
    const result = await cli(['smoke', '--env', 'production', '--report-dir', reportDir]);
    assert.equal(result.code, 0, explain(result));
    const junit = await readFile(join(reportDir, 'smoke.xml'), 'utf8');
    assert.match(junit, /<testsuite name="smoke-production" tests="2" failures="0"/);
    assert.match(await readFile(join(reportDir, 'smoke.md'), 'utf8'), /\| ✅ \| catalog via gateway \|/);
  });

  it('archives releases append-only', async () => {
    const dir = join(system!.repoDir, 'locks', 'releases');
    const first = await cli(['--json', 'release', '--lock', files.a, '--version', 'v1.0.0', '--dir', dir]);
    assert.equal(first.code, 0, explain(first));
    assert.deepEqual(JSON.parse(first.stdout), {
      version: 'v1.0.0',
      tagName: 'v1.0.0',
      lockPath: join(dir, 'v1.0.0.lock.yaml'),
      integrity: lockA.integrity,
      lockId: lockA.integrity.slice(7, 19),
      created: true,
      previous: null,
    });
    const other = await cli(['release', 'archive', '--lock', files.b, '--version', 'v1.0.0', '--dir', dir]);
    assert.equal(other.code, 3, explain(other));
    assert.match(other.stderr, /release v1\.0\.0 is already archived with lock/);
    const again = await archiveRelease({ lockFile: files.a, version: 'v1.0.0', dir });
    assert.equal(again.created, false);
    const second = await archiveRelease({ lockFile: files.b, version: 'v1.1.0', dir });
    assert.equal(second.previous?.version, 'v1.0.0');
    assert.equal((await readLock(join(dir, 'v1.0.0.lock.yaml'))).integrity, lockA.integrity, 'the archived release was replaced');
  });

  it('deploys lock B while refusing a concurrent deploy, recreating only the changed service', async () => {
    const before = await runningServices(projects.staging);
    const first = cli(['deploy', '--env', 'staging', '--lock', files.b, '--holder', 'first-run']);
    // Wait for the first run to hold the lease, then try a second deploy of the same environment.
    const deadline = Date.now() + 60_000;
    while (!(await docker(['ps', '--all', '--quiet', '--filter', `name=^${projects.staging}-lockstep-lease$`]))) {
      assert.ok(Date.now() < deadline, 'the first deploy never took the lease');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const second = await cli(['deploy', '--env', 'staging', '--lock', files.a, '--holder', 'second-run']);
    assert.equal(second.code, 3, explain(second));
    assert.match(second.stderr, /lockstep: staging is being deployed by first-run \(since \S+, expires \S+, in \d+m\)/);
    const done = await first;
    assert.equal(done.code, 0, explain(done));
    const after = await runningServices(projects.staging);
    assert.deepEqual(imagesOf(after), pinned(lockB));
    assert.notEqual(after.catalog!.id, before.catalog!.id);
    for (const unchanged of ['cart', 'gateway', 'redis']) assert.equal(after[unchanged]!.id, before[unchanged]!.id, `${unchanged} was recreated`);
    assert.deepEqual(imagesOf(await runningServices(projects.production)), pinned(lockA), 'production moved with staging');
  });

  it('rolls a broken release back by itself to what ran before', async () => {
    const result = await cli(['deploy', '--env', 'staging', '--lock', files.broken]);
    assert.equal(result.code, 1, explain(result));
    assert.match(result.stderr, new RegExp(`deploy of lock \\w{12} to staging failed and was rolled back to lock ${lockB.integrity.slice(7, 19)}`));
    assert.match(result.stderr, /catalog: exited with code 1/);
    assert.match(result.stderr, /restored [\d.]+ (ms|s) after the failure was certain/);
    const running = await runningServices(projects.staging);
    assert.deepEqual(imagesOf(running), pinned(lockB));
    assert.ok(Object.values(running).every((service) => service.running));
    const status = await cli(['status', '--env', 'staging', '--check']);
    assert.equal(status.code, 0, explain(status));
  });

  it('detects drift when a service is changed by hand', async () => {
    // What an operator might do: restart catalog from a tag, outside lockstep.
    const catalog = lockA.services.catalog!;
    const handOverride = join(system!.root, 'by-hand.yaml');
    await writeFile(handOverride, `services:\n  catalog:\n    image: ${catalog.image}:${catalog.tag}\n`);
    await docker(['pull', '--quiet', `${catalog.image}:${catalog.tag}`]);
    const composeFile = join(system!.repoDir, 'compose.yaml');
    await run('docker-compose', ['--project-name', projects.staging, '--file', composeFile, '--file', handOverride, 'up', '--detach', '--no-deps', '--no-build', 'catalog']);
    const status = await cli(['--json', 'status', '--env', 'staging', '--check']);
    assert.equal(status.code, 1, explain(status));
    assert.match(status.stderr, /lockstep: staging drifted from lock \w{12}: catalog/);
    const report = JSON.parse(status.stdout) as { drifted: string[]; services: Array<{ service: string; drift: string | null }> };
    assert.deepEqual(report.drifted, ['catalog']);
    assert.equal(report.services.find((entry) => entry.service === 'catalog')?.drift, 'not-pinned');
  });

  it('rolls back to the previous release through the deploy path, fixing the drift too', async () => {
    const result = await cli(['--json', 'rollback', '--env', 'staging', '--releases-dir', join(system!.repoDir, 'locks', 'releases')]);
    assert.equal(result.code, 0, explain(result));
    const report = JSON.parse(result.stdout) as { from: { version: string }; to: { version: string } };
    assert.deepEqual([report.from.version, report.to.version], ['v1.1.0', 'v1.0.0']);
    assert.match(result.stderr, /verifying lock \w{12} \(4 digests in the registry\) and the health of staging/);
    assert.deepEqual(imagesOf(await runningServices(projects.staging)), pinned(lockA));
    const status = await cli(['status', '--env', 'staging', '--check']);
    assert.equal(status.code, 0, explain(status));
  });

  it('runs the stack suites against staging, on its network', async () => {
    const reportDir = join(system!.root, 'report', 'e2e');
    const result = await cli(['e2e', '--env', 'staging', '--report-dir', reportDir]);
    assert.equal(result.code, 0, explain(result));
    assert.match(await readFile(join(reportDir, 'system.xml'), 'utf8'), /<testsuite name="system" tests="\d+" failures="0"/);
  });

  it('promote-production does nothing for a lock already released, and says so', async () => {
    const dir = join(system!.root, 'released-a');
    await archiveRelease({ lockFile: files.a, version: 'v1.0.0', dir });
    const before = await runningServices(projects.production);
    const reportDir = join(system!.root, 'report', 'nothing-to-do');
    const result = await cli(['run', 'promote-production', '--offline', '--lock', files.a, '--releases-dir', dir, '--report-dir', reportDir]);
    assert.equal(result.code, 0, explain(result));
    const report = JSON.parse(await readFile(join(reportDir, 'run.json'), 'utf8')) as RunReport;
    assert.equal(report.status, 'passed');
    assert.equal(report.conclusion, 'no service changed since release v1.0.0; nothing deployed');
    assert.deepEqual(report.stages.filter((stage) => stage.status !== 'skipped').map((stage) => stage.name), ['release resolve']);
    assert.match(report.stages.find((stage) => stage.name === 'deploy')!.summary, /^not needed: no service changed since release v1\.0\.0/);
    assert.match(await readFile(join(reportDir, 'summary.md'), 'utf8'), /\*\*no service changed since release v1\.0\.0; nothing deployed\*\*/);
    assert.deepEqual(await readdir(dir), ['v1.0.0.lock.yaml'], 'no release was archived');
    const after = await runningServices(projects.production);
    assert.deepEqual(Object.fromEntries(Object.entries(after).map(([name, service]) => [name, service.id])), Object.fromEntries(Object.entries(before).map(([name, service]) => [name, service.id])));
  });

  it('promote-production returns production to the release that ran before, when the new one fails its smoke tests', async () => {
    // Production runs lock A (v1.0.0). Lock B is in no archive of this run: "the release before the live one" does not exist.
    const dir = join(system!.root, 'released-a');
    assert.deepEqual(imagesOf(await runningServices(projects.production)), pinned(lockA));
    const reportDir = join(system!.root, 'report', 'failing-smoke');
    const result = await cli(['run', 'promote-production', '--offline', '--lock', files.b, '--env', 'production-failing-smoke', '--releases-dir', dir, '--report-dir', reportDir]);
    assert.equal(result.code, 1, explain(result));
    const report = JSON.parse(await readFile(join(reportDir, 'run.json'), 'utf8')) as RunReport;
    const status = Object.fromEntries(report.stages.map((stage) => [stage.name, stage.status]));
    assert.deepEqual(status, {
      'release resolve': 'passed',
      'approval gate': 'skipped',
      health: 'passed',
      deploy: 'passed',
      smoke: 'failed',
      'release archive': 'skipped',
      'release commit': 'skipped',
      'release publish': 'skipped',
      rollback: 'passed',
    });
    const rollback = report.stages.find((stage) => stage.name === 'rollback')!;
    assert.ok(rollback.rerun.endsWith(`rollback --env production-failing-smoke --to-lock ${lockA.integrity} --releases-dir ${dir}`), rollback.rerun);
    assert.deepEqual(imagesOf(await runningServices(projects.production)), pinned(lockA));
    assert.deepEqual(await readdir(dir), ['v1.0.0.lock.yaml'], 'the failed release was not archived');
  });

  it('rolls back to a release its checkout does not archive, from the lock attached to the GitHub release', async () => {
    const gh = await startGitHubDouble();
    try {
      gh.commit('main', { 'README.md': 'orchestrator' });
      gh.seedRelease({ tag: 'v1.0.0', commit: gh.head('main'), assets: { [releaseAssetName('v1.0.0')]: await readFile(files.a) } });
      const github = { GITHUB_TOKEN: gh.token, GITHUB_API_URL: gh.apiUrl, GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}` };
      const deployed = await cli(['deploy', '--env', 'staging', '--lock', files.b]);
      assert.equal(deployed.code, 0, explain(deployed));

      // The archive of this checkout is empty (its archive commit never landed): the release's own lock is the copy.
      const empty = join(system!.root, 'no-archive');
      const fromRelease = await cli(['--json', 'rollback', '--env', 'staging', '--to', 'v1.0.0', '--releases-dir', empty], github);
      assert.equal(fromRelease.code, 0, explain(fromRelease));
      assert.match(fromRelease.stderr, /the archive misses v1\.0\.0: reading them from their GitHub releases/);
      assert.equal((JSON.parse(fromRelease.stdout) as { to: { lockPath: string } }).to.lockPath, 'the lock attached to v1.0.0');
      assert.deepEqual(imagesOf(await runningServices(projects.staging)), pinned(lockA));

      // With the archive there, the archived file is deployed once it matches the release's asset.
      const back = await cli(['deploy', '--env', 'staging', '--lock', files.b]);
      assert.equal(back.code, 0, explain(back));
      const fromArchive = await cli(['rollback', '--env', 'staging', '--to', 'v1.0.0', '--releases-dir', join(system!.root, 'released-a')], github);
      assert.equal(fromArchive.code, 0, explain(fromArchive));
      assert.match(fromArchive.stderr, /v1\.0\.0\.lock\.yaml matches the lock attached to v1\.0\.0/);
      assert.deepEqual(imagesOf(await runningServices(projects.staging)), pinned(lockA));
      assert.deepEqual(gh.violations, [], 'every request matched the OpenAPI description');
    } finally {
      await gh.stop();
    }
  });
});
