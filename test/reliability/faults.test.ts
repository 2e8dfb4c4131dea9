// Faults injected into real parts: a real registry container (paused, stopped, or behind a local proxy
// that answers 500/429 or hangs), the example shop deployed as a compose project on the local docker
// daemon (a release whose service fails its healthcheck, a health gate that fails, a deploy killed with
// SIGKILL half-way, two deploys at once), the release archive raced by concurrent runs, and lock
// writers killed mid-write. Every run is the built CLI as a process (`npm run build` first).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, watch } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import { parse, stringify } from 'yaml';
import { lockId } from '../../src/lock/integrity.js';
import { readLock } from '../../src/lock/read.js';
import type { ReleaseLock } from '../../src/lock/schema.js';
import { writeLock } from '../../src/lock/write.js';
import { changeService, writeSandboxLock } from '../../src/sandbox/exampleSystem.js';
import { commitAll, git } from '../../src/sandbox/git.js';
import { docker, dockerUnavailableReason, removeProjectResources } from '../../support/docker.js';
import { prepareExampleSystem, type PreparedExampleSystem } from '../support/exampleSystem.js';
import { makeLock, service } from '../support/lockFixtures.js';
import { pushImage } from '../../support/ociPush.js';
import { startRegistry, type StartedRegistry } from '../../support/registry.js';
import { repoRoot, runCli, scratchDir, startCli, type CliResult } from './harness.js';
import { startRegistryProxy, type RegistryProxy } from './registryProxy.js';
import { recordSummary } from './summary.js';

const dockerMissing = await dockerUnavailableReason();
let injected = 0;
let survived = 0;

after(async () => {
  await recordSummary('faults', `faults: ${injected} injected, ${survived} survived`);
});

/** A test that injects one fault: counted when it starts, and as survived only when every assertion held. */
function fault(name: string, body: (t: TestContext) => Promise<void>): void {
  it(name, async (t) => {
    injected += 1;
    await body(t);
    survived += 1;
  });
}

function explain(result: CliResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** Files the failed run must not have left: the output and any temporary file of it. */
async function leftovers(dir: string, name: string): Promise<string[]> {
  return (await readdir(dir)).filter((entry) => entry === name || (entry.startsWith(`.${name}.`) && entry.endsWith('.tmp')));
}

interface RunningContainer {
  id: string;
  /** The reference the container was created from (`image@sha256:...`). */
  reference: string;
  /** The local image id it runs. */
  imageId: string;
  status: string;
  health: string;
}

/** What docker itself says each service of the project runs (one-off containers excluded). */
async function runningContainers(project: string): Promise<Record<string, RunningContainer>> {
  const ids = (await docker(['ps', '--all', '--quiet', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`])).split('\n').filter(Boolean);
  if (ids.length === 0) return {};
  const format = '{{index .Config.Labels "com.docker.compose.service"}}\t{{index .Config.Labels "com.docker.compose.oneoff"}}\t{{.Id}}\t{{.Config.Image}}\t{{.Image}}\t{{.State.Status}}\t{{if .State.Health}}{{.State.Health.Status}}{{end}}';
  const found: Record<string, RunningContainer> = {};
  for (const line of (await docker(['inspect', '--format', format, ...ids])).split('\n')) {
    const [name, oneOff, id, reference, imageId, status, health] = line.split('\t');
    if (oneOff === 'True') continue;
    found[name!] = { id: id!, reference: reference!, imageId: imageId!, status: status!, health: health ?? '' };
  }
  return found;
}

/**
 * Asserts the project runs exactly `lock`: every service's container was created from image@digest of
 * the lock, runs the local image that digest names, and is up.
 */
async function assertRuns(project: string, lock: ReleaseLock, message: string): Promise<Record<string, RunningContainer>> {
  const running = await runningContainers(project);
  assert.deepEqual(Object.keys(running).sort(), Object.keys(lock.services).sort(), `${message}: the services`);
  for (const [name, locked] of Object.entries(lock.services)) {
    const container = running[name]!;
    const reference = `${locked.image}@${locked.digest}`;
    assert.equal(container.reference, reference, `${message}: ${name} was created from the locked digest`);
    assert.equal(container.imageId, await docker(['image', 'inspect', '--format', '{{.Id}}', reference]), `${message}: ${name} runs the image of that digest`);
    assert.equal(container.status, 'running', `${message}: ${name} is running`);
  }
  return running;
}

async function leaseHolder(project: string): Promise<{ holder: string; expiresAt: string } | null> {
  const out = await docker(['ps', '--all', '--format', '{{.Names}}', '--filter', `name=^${project}-lockstep-lease$`]);
  if (!out) return null;
  const labels = JSON.parse(await docker(['inspect', '--format', '{{json .Config.Labels}}', `${project}-lockstep-lease`])) as Record<string, string>;
  return { holder: labels['io.lockstep.lease.holder']!, expiresAt: labels['io.lockstep.lease.expires-at']! };
}

/** A dependency that is down: every request answered 503. */
async function startDownService(): Promise<{ url: string; hits: () => number; server: Server }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('maintenance');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`, hits: () => hits, server };
}

/**
 * A dependency check that answers only once `parties` requests wait on it: two deploys whose health
 * gates pass through it reach the lease at the same moment, so "at once" does not depend on luck.
 */
async function startBarrier(parties: number): Promise<{ url: string; arrived: () => number; server: Server }> {
  let waiting: Array<() => void> = [];
  let arrived = 0;
  const server = createServer((_req, res) => {
    arrived += 1;
    waiting.push(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    if (waiting.length >= parties) {
      for (const answer of waiting) answer();
      waiting = [];
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ready`, arrived: () => arrived, server };
}

// The deployed environment and the failing registry share nothing (two registries, their own folders), so
// they run side by side. The file faults come after the registry ones: verifying big locks keeps this
// process busy for a while, and the registry proxy lives in this process.
describe('faults', { concurrency: 2 }, () => {
  // Within each group, one fault after the other (subtests would inherit the parent's concurrency).
  describe('a deployed environment (the example shop on real docker, its images in a real registry)', { concurrency: 1, skip: dockerMissing ? `docker unavailable: ${dockerMissing}` : false }, () => {
    const project = `lsf-${randomBytes(3).toString('hex')}`;
    let registry: StartedRegistry;
    let system: PreparedExampleSystem;
    let down: Awaited<ReturnType<typeof startDownService>>;
    let barrier: Awaited<ReturnType<typeof startBarrier>>;
    const files = { a: '', b: '', unhealthy: '' };
    const locks = {} as Record<'a' | 'b' | 'unhealthy', ReleaseLock>;

    const cli = (args: string[]) => runCli(args, { cwd: system.repoDir, timeoutMs: 180_000 });
    const deploy = (env: string, lock: string, holder: string) => cli(['deploy', '--env', env, '--lock', lock, '--holder', holder]);

    before(async () => {
      registry = await startRegistry();
      system = await prepareExampleSystem({ registryHost: registry.host });
      files.a = system.lockFile;
      locks.a = system.lock;
      files.b = join(system.root, 'b.lock.yaml');
      await changeService(system, 'catalog', { kind: 'bump' });
      locks.b = await writeSandboxLock(system, files.b);
      files.unhealthy = join(system.root, 'unhealthy.lock.yaml');
      await changeService(system, 'catalog', { kind: 'unhealthy' });
      locks.unhealthy = await writeSandboxLock(system, files.unhealthy);

      down = await startDownService();
      barrier = await startBarrier(2);
      // catalog's healthcheck with a short grace period: a release whose /healthz fails is unhealthy in ~8 s.
      await writeFile(
        join(system.repoDir, 'faults.health.yaml'),
        stringify({ services: { catalog: { healthcheck: { interval: '1s', timeout: '3s', retries: 3, start_period: '5s' } } } }),
      );
      const target = { type: 'compose', project, composeFiles: ['compose.yaml', 'faults.health.yaml'] };
      const config = parse(await readFile(system.configFile, 'utf8')) as Record<string, any>;
      config.environments = {
        faults: { target },
        // Short enough to wait for, long enough for the next run to meet the lease before it expires.
      'faults-kill': { target, lease: { ttlMs: 20_000 } },
        'faults-gated': { target, health: { dependencies: [{ name: 'payments', type: 'http', url: down.url, timeoutMs: 15_000 }] } },
        'faults-race': { target, health: { dependencies: [{ name: 'barrier', type: 'http', url: barrier.url, timeoutMs: 60_000 }] } },
      };
      await writeFile(system.configFile, stringify(config));
    });

    after(async () => {
      await removeProjectResources(project).catch(() => {});
      const markers = await docker(['ps', '--all', '--quiet', '--filter', `name=^${project}-lockstep-`]).catch(() => '');
      if (markers) await docker(['rm', '--force', ...markers.split('\n')]).catch(() => {});
      down?.server.close();
      barrier?.server.close();
      await system?.cleanup();
      await registry?.stop();
    });

    it('(setup) deploys lock A', async () => {
      const result = await deploy('faults', files.a, 'setup');
      assert.equal(result.code, 0, explain(result));
      await assertRuns(project, locks.a, 'after the first deploy');
    });

    fault('a failing health gate: nothing is deployed', async () => {
      const before = await runningContainers(project);
      const result = await deploy('faults-gated', files.b, 'gated');
      assert.equal(result.code, 1, explain(result));
      assert.match(result.stderr, /lockstep: faults-gated is unhealthy; nothing was deployed\n {2}dependency payments: GET http:\/\/127\.0\.0\.1:\d+\/health: 503, expected 200/);
      assert.ok(down.hits() >= 1, 'the health gate asked the dependency');
      assert.doesNotMatch(result.stderr, /rolling out/);
      const after = await assertRuns(project, locks.a, 'after the refused deploy');
      assert.deepEqual(
        Object.fromEntries(Object.entries(after).map(([name, container]) => [name, container.id])),
        Object.fromEntries(Object.entries(before).map(([name, container]) => [name, container.id])),
        'no container was recreated',
      );
      assert.equal(await leaseHolder(project), null, 'no lease left behind');
    });

    fault('a release whose service fails its healthcheck: rolled back to the previous lock by itself', async () => {
      const result = await deploy('faults', files.unhealthy, 'unhealthy');
      assert.equal(result.code, 1, explain(result));
      assert.match(result.stderr, new RegExp(`rolling out lock ${lockId(locks.unhealthy)}`), 'the rollout started');
      // Docker's own verdict, or lockstep's when the streak (start period included) already reached the retries.
      assert.match(result.stderr, /catalog: healthcheck (reports unhealthy|failed \d+ times in a row \(retries: 3\))/);
      assert.match(result.stderr, new RegExp(`lockstep: deploy of lock ${lockId(locks.unhealthy)} to faults failed and was rolled back to lock ${lockId(locks.a)}`));
      await assertRuns(project, locks.a, 'after the automatic restore');
      const status = await cli(['--json', 'status', '--env', 'faults', '--check']);
      assert.equal(status.code, 0, explain(status));
      assert.equal((JSON.parse(status.stdout) as { lockIntegrity: string }).lockIntegrity, locks.a.integrity);
      assert.equal(await leaseHolder(project), null, 'no lease left behind');
    });

    fault('a deploy killed with SIGKILL half-way: the next run reports the stale lease, takes over after expiry, converges', async () => {
      const killed = startCli(['deploy', '--env', 'faults-kill', '--lock', files.b, '--holder', 'killed-run'], { cwd: system.repoDir });
      await killed.waitForStderr(/rolling out lock/);
      await sleep(300);
      killed.child.kill('SIGKILL');
      const end = await killed.result;
      assert.equal(end.code, 137, 'the deploy died by SIGKILL');
      const lease = await leaseHolder(project);
      assert.equal(lease?.holder, 'killed-run', 'the killed run left its lease');

      const refused = await deploy('faults-kill', files.b, 'next-run');
      assert.equal(refused.code, 3, explain(refused));
      assert.match(refused.stderr, /lockstep: faults-kill is being deployed by killed-run \(since \S+, expires \S+, in \d+s\)/);

      const wait = Date.parse(lease!.expiresAt) - Date.now();
      if (wait > 0) await sleep(wait + 200);
      const converged = await deploy('faults-kill', files.b, 'next-run');
      assert.equal(converged.code, 0, explain(converged));
      assert.match(converged.stderr, /took over a stale lease of killed-run/);
      await assertRuns(project, locks.b, 'after the takeover');
      const status = await cli(['--json', 'status', '--env', 'faults', '--check']);
      assert.equal(status.code, 0, explain(status));
      assert.equal((JSON.parse(status.stdout) as { lockIntegrity: string }).lockIntegrity, locks.b.integrity);
      assert.equal(await leaseHolder(project), null, 'the lease was released');
    });

    fault('two deploys at once: exactly one proceeds, the other exits 3', async () => {
      const runs = ['race-1', 'race-2'].map((holder) => startCli(['deploy', '--env', 'faults-race', '--lock', files.a, '--holder', holder], { cwd: system.repoDir }));
      const results = await Promise.all(runs.map((run) => run.result));
      assert.equal(barrier.arrived(), 2, 'both health gates were released together');
      const codes = results.map((result) => result.code);
      assert.deepEqual([...codes].sort(), [0, 3], results.map(explain).join('\n'));
      const winner = codes.indexOf(0) === 0 ? 'race-1' : 'race-2';
      const loser = results[codes.indexOf(3)]!;
      assert.match(loser.stderr, new RegExp(`lockstep: faults-race is being deployed by ${winner} `));
      assert.doesNotMatch(loser.stderr, /rolling out/);
      await assertRuns(project, locks.a, 'after the race');
    });

  });

  describe('registry, then files', { concurrency: 1 }, () => {
    describe('a registry that fails (a real registry container, alone or behind a local proxy)', { concurrency: 1, skip: dockerMissing ? `docker unavailable: ${dockerMissing}` : false }, () => {
      const services = ['cart', 'catalog', 'gateway'];
      let registry: StartedRegistry;
      let proxy: RegistryProxy;
      let registryStopped = false;
      let work: string;
      let orchestrator: string;
      let proxyConfig: string;
      let directConfig: string;
      const digests: Record<string, string> = {};

      const generateThroughProxy = (out: string) => startCli(['-c', proxyConfig, 'lock', 'generate', '--repo', orchestrator, '--out', out], { cwd: work, timeoutMs: 60_000 });

      before(async () => {
        registry = await startRegistry();
        proxy = await startRegistryProxy(registry.host);
        work = await scratchDir('registry-faults');
        // An orchestrator pinning three service repositories as submodules, each with an image of its commit.
        orchestrator = join(work, 'orchestrator');
        await mkdir(orchestrator);
        await git(orchestrator, ['init', '--quiet']);
        for (const name of services) {
          const repo = join(work, 'repos', name);
          await mkdir(repo, { recursive: true });
          await git(repo, ['init', '--quiet']);
          await writeFile(join(repo, 'README.md'), `${name}\n`);
          const commit = await commitAll(repo, `Add ${name}`);
          await git(orchestrator, ['submodule', '--quiet', 'add', repo, `services/${name}`]);
          digests[name] = (await pushImage(registry.host, { repository: `acme/${name}`, tag: `sha-${commit.slice(0, 7)}` })).digest;
        }
        await commitAll(orchestrator, 'Pin the services');
        const config = (host: string) =>
          stringify({
            apiVersion: 'lockstep/v1',
            kind: 'Config',
            repository: 'acme/orchestrator',
            registry: { timeoutMs: 1000, retries: 2 },
            services: Object.fromEntries(services.map((name) => [name, { path: `services/${name}`, image: `${host}/acme/${name}` }])),
          });
        proxyConfig = join(work, 'proxy.config.yaml');
        await writeFile(proxyConfig, config(proxy.host));
        directConfig = join(work, 'direct.config.yaml');
        await writeFile(directConfig, config(registry.host));
      });

      after(async () => {
        await proxy?.stop();
        if (!registryStopped) await registry?.stop();
        if (work) await rm(work, { recursive: true, force: true });
      });
      fault('registry answers 500: bounded retries with backoff, a clear failure, no lock written', async () => {
        const out = join(work, 'http500.lock.yaml');
        proxy.setMode({ kind: 'status', status: 500 });
        const started = proxy.requests.length;
        const result = await generateThroughProxy(out).result;
        assert.equal(result.code, 1, explain(result));
        assert.match(result.stderr, /answered HTTP 500 Internal Server Error \(3 attempts\)/);
        assert.match(result.stderr, /retry 1 in \d+ ms/);
        assert.match(result.stderr, /retry 2 in \d+ ms/);
        assert.doesNotMatch(result.stderr, /retry 3 in/, 'two retries, as configured');
        const byPath = new Map<string, number[]>();
        for (const request of proxy.requests.slice(started)) byPath.set(request.path, [...(byPath.get(request.path) ?? []), request.at]);
        assert.equal(byPath.size, services.length, 'one manifest request path per service');
        for (const [path, times] of byPath) {
          assert.equal(times.length, 3, `${path}: 1 attempt + 2 retries`);
          assert.ok(times[1]! - times[0]! >= 120, `${path}: backoff before the first retry (${times[1]! - times[0]!} ms)`);
          assert.ok(times[2]! - times[1]! >= 240, `${path}: a longer backoff before the second (${times[2]! - times[1]!} ms)`);
        }
        assert.deepEqual(await leftovers(work, 'http500.lock.yaml'), [], 'no lock, not even a partial one');
      });

      fault('registry answers 429 with Retry-After: waited for, bounded, a clear failure, no lock written', async () => {
        const out = join(work, 'http429.lock.yaml');
        proxy.setMode({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
        const result = await generateThroughProxy(out).result;
        assert.equal(result.code, 1, explain(result));
        assert.match(result.stderr, /answered HTTP 429 Too Many Requests \(3 attempts\)/);
        assert.match(result.stderr, /retry 2 in 1000 ms/, 'the retry waits as long as the registry asks');
        assert.ok(result.durationMs >= 2000, `two waits of a second (${Math.round(result.durationMs)} ms)`);
        assert.deepEqual(await leftovers(work, 'http429.lock.yaml'), []);
      });

      fault('registry hangs: every attempt times out, bounded retries, a clear failure, no lock written', async () => {
        const out = join(work, 'hang.lock.yaml');
        proxy.setMode({ kind: 'hang' });
        const result = await generateThroughProxy(out).result;
        assert.equal(result.code, 1, explain(result));
        assert.match(result.stderr, /did not answer within 1000 ms \(3 attempts\)/);
        assert.ok(result.durationMs >= 3000 && result.durationMs < 30_000, `three timed-out attempts, then it stopped (${Math.round(result.durationMs)} ms)`);
        assert.deepEqual(await leftovers(work, 'hang.lock.yaml'), []);
      });

      fault('transient 500s: retried, then one complete lock', async () => {
        const out = join(work, 'recovered.lock.yaml');
        proxy.setMode({ kind: 'status', status: 500, times: 3 });
        const result = await generateThroughProxy(out).result;
        assert.equal(result.code, 0, explain(result));
        assert.match(result.stderr, /retry 1 in \d+ ms/);
        const lock = await readLock(out);
        for (const [name, pushed] of Object.entries(digests)) assert.equal(lock.services[name]?.digest, pushed, `${name} digest`);
        assert.deepEqual((await leftovers(work, 'recovered.lock.yaml')).sort(), ['recovered.lock.yaml'], 'no temporary file left');
      });

      fault('registry paused mid-run: the requests time out, bounded retries, no lock written', async () => {
        const out = join(work, 'paused.lock.yaml');
        proxy.setMode({ kind: 'gate' });
        const run = generateThroughProxy(out);
        let paused = false;
        try {
          await proxy.waitForRequests(1);
          await registry.pause();
          paused = true;
          proxy.release();
          const result = await run.result;
          assert.equal(result.code, 1, explain(result));
          assert.match(result.stderr, /did not answer within 1000 ms \(3 attempts\)/);
          assert.ok(result.durationMs < 30_000, `gave up in bounded time (${Math.round(result.durationMs)} ms)`);
          assert.deepEqual(await leftovers(work, 'paused.lock.yaml'), []);
        } finally {
          if (paused) await registry.unpause();
          else proxy.release();
          await run.result;
        }
      });

      fault('registry stopped mid-run: connection failures, bounded retries, no lock written', async () => {
        const out = join(work, 'stopped.lock.yaml');
        proxy.setMode({ kind: 'gate' });
        const run = generateThroughProxy(out);
        await proxy.waitForRequests(1);
        await registry.stop();
        registryStopped = true;
        proxy.release();
        const result = await run.result;
        assert.equal(result.code, 1, explain(result));
        assert.match(result.stderr, /connection reset \(3 attempts\)/);
        assert.deepEqual(await leftovers(work, 'stopped.lock.yaml'), []);

        // Straight at the stopped registry, without the proxy: the port refuses connections.
        const direct = await runCli(['-c', directConfig, 'lock', 'generate', '--repo', orchestrator, '--out', 'direct.lock.yaml'], { cwd: work });
        assert.equal(direct.code, 1, explain(direct));
        assert.match(direct.stderr, new RegExp(`${registry.host}/acme/catalog:sha-[0-9a-f]{7}: ${registry.host}: connection refused \\(3 attempts\\)`));
        assert.deepEqual(await leftovers(work, 'direct.lock.yaml'), []);
      });
    });

    describe('files: the release archive and lock writes', { concurrency: 1 }, () => {
      fault('concurrent archives of one version: exactly one wins, and an archived release is never overwritten', async () => {
        const dir = await scratchDir('archive');
        try {
          const first = makeLock({ cart: service('cart'), catalog: service('catalog') });
          const second = makeLock({ cart: service('cart'), catalog: service('catalog', { digest: `sha256:${'c'.repeat(64)}` }) });
          await writeLock(join(dir, 'first.lock.yaml'), first);
          await writeLock(join(dir, 'second.lock.yaml'), second);
          const sides = ['first', 'second', 'first', 'second', 'first', 'second'];
          const results = await Promise.all(
            sides.map((side) => runCli(['--json', 'release', 'archive', '--lock', `${side}.lock.yaml`, '--version', 'v2.0.0', '--dir', 'releases'], { cwd: dir })),
          );
          const created = results.flatMap((result, index) => (result.code === 0 && (JSON.parse(result.stdout) as { created: boolean }).created ? [index] : []));
          assert.equal(created.length, 1, `exactly one run archived v2.0.0:\n${results.map(explain).join('\n')}`);
          const winner = sides[created[0]!]!;
          const archivedFile = join(dir, 'releases', 'v2.0.0.lock.yaml');
          const archived = await readLock(archivedFile);
          assert.equal(archived.integrity, (winner === 'first' ? first : second).integrity, 'the archive holds the winning lock, whole');
          results.forEach((result, index) => {
            if (index === created[0]) return;
            if (sides[index] === winner) assert.equal(result.code, 0, `the same lock again is a no-op: ${explain(result)}`);
            else {
              assert.equal(result.code, 3, explain(result));
              assert.match(result.stderr, /release v2\.0\.0 is already archived with lock \w{12}, not \w{12}/);
            }
          });

          const bytes = await readFile(archivedFile);
          const { mtimeMs } = await stat(archivedFile);
          const loser = winner === 'first' ? 'second' : 'first';
          const overwrite = await runCli(['release', 'archive', '--lock', `${loser}.lock.yaml`, '--version', 'v2.0.0', '--dir', 'releases'], { cwd: dir });
          assert.equal(overwrite.code, 3, explain(overwrite));
          assert.deepEqual(await readFile(archivedFile), bytes, 'the archived release is unchanged');
          assert.equal((await stat(archivedFile)).mtimeMs, mtimeMs);
          assert.deepEqual(await readdir(join(dir, 'releases')), ['v2.0.0.lock.yaml'], 'no temporary files left by the losers');
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });

      fault('a lock writer killed mid-write never leaves a partial lock', async (t) => {
        const dir = await scratchDir('writer');
        try {
          const big = (seed: string) =>
            makeLock(Object.fromEntries(Array.from({ length: 1000 }, (_, index) => [`svc-${index}`, service(`svc-${index}`, { tag: `${seed}-${index}` })])));
          const before = big('old');
          const next = big('new');
          await writeFile(join(dir, 'next.json'), JSON.stringify(next));
          const writer = `const { writeLock } = await import(${JSON.stringify(new URL('dist/lock/write.js', `file://${repoRoot}/`).href)});
    const { readFileSync } = await import('node:fs');
    await writeLock(process.argv[2], JSON.parse(readFileSync(process.argv[1], 'utf8')));`;
          let midWrite = 0;
          const rounds = 6;
          for (let round = 0; round < rounds; round += 1) {
            const target = join(dir, `round-${round}`, 'release.lock.yaml');
            await mkdir(join(dir, `round-${round}`));
            const overwrite = round % 2 === 1;
            if (overwrite) await writeLock(target, before);
            const temp = new Promise<void>((resolve) => {
              const watcher = watch(join(dir, `round-${round}`), (_event, name) => {
                if (name?.endsWith('.tmp')) {
                  watcher.close();
                  resolve();
                }
              });
              setTimeout(() => {
                watcher.close();
                resolve();
              }, 20_000);
            });
            const child = spawn(process.execPath, ['--input-type=module', '-e', writer, join(dir, 'next.json'), target], { stdio: 'ignore' });
            const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
            await Promise.race([temp, exited]);
            child.kill('SIGKILL');
            await exited;
            const entries = await readdir(join(dir, `round-${round}`));
            if (entries.some((entry) => entry.endsWith('.tmp'))) midWrite += 1;
            if (!existsSync(target)) {
              assert.ok(!overwrite, `round ${round}: the previous lock is never removed`);
              continue;
            }
            const onDisk = await readLock(target);
            assert.ok([before.integrity, next.integrity].includes(onDisk.integrity), `round ${round}: the old lock or the new one, whole`);
            if (!overwrite) assert.equal(onDisk.integrity, next.integrity);
          }
          t.diagnostic(`${midWrite} of ${rounds} writers were killed mid-write (their temporary file left behind, the lock intact)`);
          assert.ok(midWrite > 0, 'at least one kill landed while the temporary file was being written');
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    });
  });
});
