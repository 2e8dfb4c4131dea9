// `lockstep stack plan|up|test|down` on the local docker daemon: the example system's images built and
// pushed to a real registry container, started by digest through compose, tested by its real suites,
// torn down to nothing. Runs the built CLI (bin/lockstep.js loads dist/: `npm run build` first).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { changeService, writeSandboxLock } from '../../../src/sandbox/exampleSystem.js';
import { docker, composeUnavailableReason, projectResources, removeProjectResources } from '../../../support/docker.js';
import { prepareExampleSystem, type PreparedExampleSystem } from '../../support/exampleSystem.js';
import { startRegistry, type StartedRegistry } from '../../../support/registry.js';

const cli = fileURLToPath(new URL('../../../bin/lockstep.js', import.meta.url));
const project = `lsstack-${process.pid}`;
const crashProject = `${project}-crash`;
const interruptProject = `${project}-int`;
const timeoutProject = `${project}-timeout`;

interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function lockstep(args: string[], cwd: string, options: { interruptWhen?: RegExp } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, LOCKSTEP_QUIET: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (options.interruptWhen && !interrupted && options.interruptWhen.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const why = await composeUnavailableReason();

describe('lockstep stack on docker with a real registry', { skip: why ?? false }, () => {
  let registry: StartedRegistry;
  let system: PreparedExampleSystem;

  before(async () => {
    registry = await startRegistry();
    system = await prepareExampleSystem({ registryHost: registry.host });
  });

  after(async () => {
    for (const name of [project, crashProject, interruptProject, timeoutProject]) await removeProjectResources(name).catch(() => {});
    await registry?.stop();
    await system?.cleanup();
  });

  it('plans the stack with every service pinned to the locked digest', async () => {
    const result = await lockstep(['--json', '-c', system.configFile, 'stack', 'plan', '--lock', system.lockFile], system.repoDir);
    assert.equal(result.code, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as { startOrder: string[]; services: Record<string, { image: string; locked: { commit: string } }> };
    assert.deepEqual(Object.keys(plan.services).sort(), ['cart', 'catalog', 'gateway', 'redis']);
    for (const [name, locked] of Object.entries(system.lock.services)) {
      assert.equal(plan.services[name]!.image, `${locked.image}@${locked.digest}`);
      assert.equal(plan.services[name]!.locked.commit, locked.commit);
    }
    assert.ok(plan.startOrder.indexOf('redis') < plan.startOrder.indexOf('cart'));
  });

  it('starts the locked digests, pulling what is missing, and returns once every service is healthy', async () => {
    // Without a local reference to redis's digest, stack up has to pull it from the registry.
    const redis = system.lock.services.redis!;
    await docker(['image', 'rm', `${redis.image}:${redis.tag}`, `${redis.image}@${redis.digest}`]).catch(() => {});
    const result = await lockstep(['--json', '-c', system.configFile, 'stack', 'up', '--lock', system.lockFile, '--project', project, '--timeout', '3m'], system.repoDir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`stack up: pulling redis ${redis.image}@${redis.digest}`));
    assert.doesNotMatch(result.stderr, /pulling (cart|catalog|gateway)/, 'images present locally are not pulled');
    const up = JSON.parse(result.stdout) as { services: Array<{ service: string; state: string }> };
    assert.deepEqual(
      up.services.map((entry) => entry.state),
      up.services.map(() => 'healthy'),
    );
    // What docker itself runs: every container from image@digest of the lock, and healthy now.
    const ids = (await docker(['ps', '--quiet', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`])).split('\n').filter(Boolean);
    const containers = JSON.parse(await docker(['container', 'inspect', ...ids])) as Array<{
      Config: { Image: string; Labels: Record<string, string> };
      State: { Health?: { Status: string } };
    }>;
    const running = Object.fromEntries(containers.map((container) => [container.Config.Labels['com.docker.compose.service']!, container]));
    assert.deepEqual(Object.keys(running).sort(), ['cart', 'catalog', 'gateway', 'redis']);
    for (const [name, locked] of Object.entries(system.lock.services)) {
      assert.equal(running[name]!.Config.Image, `${locked.image}@${locked.digest}`, `${name} runs the locked digest`);
      assert.equal(running[name]!.State.Health?.Status, 'healthy', `${name} is healthy`);
      assert.equal(running[name]!.Config.Labels['dev.lockstep.commit'], locked.commit);
    }
  });

  it('runs the real suites on the stack network and writes JUnit XML and a summary', async () => {
    const report = join(system.root, 'report-green');
    const result = await lockstep(['-c', system.configFile, 'stack', 'test', '--project', project, '--report', report], system.repoDir);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    const junit = await readFile(join(report, 'integration.xml'), 'utf8');
    const counts = /<testsuite name="integration" tests="(\d+)" failures="(\d+)"/.exec(junit);
    assert.ok(counts, junit);
    assert.ok(Number(counts[1]) >= 8, `the integration suite ran ${counts[1]} tests`);
    assert.equal(counts[2], '0');
    assert.match(junit, /name="prices an added item with the catalog price"/);
    assert.match(await readFile(join(report, 'system.xml'), 'utf8'), /name="browses, fills a cart, checks out and finds the order"/);
    const summary = await readFile(join(report, 'summary.md'), 'utf8');
    assert.match(summary, /\| integration \| ✅ passed \|/);
    assert.match(summary, /\| system \| ✅ passed \|/);
  });

  it('exits non-zero when a suite fails and names the failing test', async () => {
    // A second config next to the orchestrator's, with one suite that asserts something false.
    const config = parse(await readFile(system.configFile, 'utf8')) as { stack: { suites: unknown[] } };
    config.stack.suites.push({ name: 'pricing', directory: 'pricing-tests', command: ['node', '--test-reporter=tap', 'pricing.test.mjs'] });
    const configFile = join(system.repoDir, 'failing.config.yaml');
    await writeFile(configFile, stringify(config));
    await mkdir(join(system.repoDir, 'pricing-tests'), { recursive: true });
    await writeFile(
      join(system.repoDir, 'pricing-tests', 'pricing.test.mjs'),
      [
        "import assert from 'node:assert/strict';",
        "import { it } from 'node:test';",
        "it('prices the mug in dollars', async () => {",
        "  const mug = await (await fetch(process.env.CATALOG_URL + '/products/mug')).json();",
        "  assert.equal(mug.currency, 'USD', 'the mug is not priced in dollars');",
        '});',
        '',
      ].join('\n'),
    );
    const report = join(system.root, 'report-red');
    const result = await lockstep(['-c', configFile, 'stack', 'test', '--project', project, '--suite', 'pricing', '--report', report], system.repoDir);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /lockstep: stack test: pricing failed/);
    assert.match(result.stderr, /pricing: prices the mug in dollars/);
    const summary = await readFile(join(report, 'summary.md'), 'utf8');
    assert.match(summary, /\| pricing \| ❌ failed \| 0 \| 1 \|/);
    assert.match(summary, /### pricing: prices the mug in dollars\n\n```\nthe mug is not priced in dollars/);
    assert.match(await readFile(join(report, 'pricing.xml'), 'utf8'), /<failure message="the mug is not priced in dollars">/);
  });

  it('tears the stack down to nothing: containers, networks, volumes', async () => {
    assert.notDeepEqual(await projectResources(project), { containers: [], networks: [], volumes: [] }, 'the stack should still be up here');
    const result = await lockstep(['--json', '-c', system.configFile, 'stack', 'down', '--project', project], system.repoDir);
    assert.equal(result.code, 0, result.stderr);
    const down = JSON.parse(result.stdout) as { removed: { containers: number; networks: number; volumes: number } };
    assert.deepEqual(down.removed, { containers: 4, networks: 1, volumes: 1 });
    assert.deepEqual(await projectResources(project), { containers: [], networks: [], volumes: [] });
    const again = await lockstep(['-c', system.configFile, 'stack', 'down', '--project', project], system.repoDir);
    assert.equal(again.code, 0, 'down is safe to repeat');
  });

  it('fails stack up on a service that crashes at start, with its log, and leaves nothing behind', async () => {
    await changeService(system, 'gateway', { kind: 'crash' });
    const lockFile = join(system.root, 'crash.lock.yaml');
    await writeSandboxLock(system, lockFile);
    const result = await lockstep(['-c', system.configFile, 'stack', 'up', '--lock', lockFile, '--project', crashProject, '--timeout', '3m'], system.repoDir);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /lockstep: stack up: gateway failed while the stack started/);
    assert.match(result.stderr, /gateway: exited with code 1/);
    assert.match(result.stderr, /gateway \| gateway: CRASH_ON_START=1, exiting before listening/);
    assert.deepEqual(await projectResources(crashProject), { containers: [], networks: [], volumes: [] });
  });

  it('fails stack up after --timeout, naming what was not healthy yet, and leaves nothing behind', async () => {
    // Redis alone needs one 2 s health interval before cart may start: 3 s cannot be enough.
    const result = await lockstep(['-c', system.configFile, 'stack', 'up', '--lock', system.lockFile, '--project', timeoutProject, '--timeout', '3s'], system.repoDir);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /lockstep: stack up: (([a-z, ]+) did not become healthy|compose up did not finish) within 3 s/);
    assert.deepEqual(await projectResources(timeoutProject), { containers: [], networks: [], volumes: [] });
  });

  it('tears down when stack up is interrupted while services start', async () => {
    const result = await lockstep(['-c', system.configFile, 'stack', 'up', '--lock', system.lockFile, '--project', interruptProject], system.repoDir, {
      interruptWhen: /health: starting/,
    });
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /SIGINT: stopping and tearing the stack down/);
    assert.deepEqual(await projectResources(interruptProject), { containers: [], networks: [], volumes: [] });
  });
});
