import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { parse } from 'yaml';
import { environmentConfig, type HelmValuesTargetConfig } from '../../../src/config/environments.js';
import { createHelmValuesTarget, type HelmValuesTarget } from '../../../src/environments/targets/helmValues/helmValuesTarget.js';
import { LockstepError } from '../../../src/errors.js';
import { run } from '../../../src/exec/run.js';
import type { ReleaseLock } from '../../../src/lock/schema.js';
import type { RegistryClient } from '../../../src/registry/client.js';
import { deployLock, type DeployInput } from '../../../src/stages/deploy.js';
import { readStatus, renderStatusText } from '../../../src/stages/status.js';
import { startArgoCdDouble, type ArgoCdDouble } from '../../doubles/argocd/server.js';
import { makeLock, service } from '../../support/lockFixtures.js';

// Real git for the config repository; Argo CD's API server is a double validated against its swagger.json (v3.5.1).

const identity = { GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@localhost', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@localhost' };

const valuesText = `catalog:
  replicas: 2
  image:
    repository: localhost:5000/acme/catalog
    tag: "old"
    digest: ""
`;

function lockWith(seed: string): ReleaseLock {
  return makeLock({ catalog: service('catalog', { digest: `sha256:${seed.repeat(64)}` }) });
}

describe('helm-values target with Argo CD (API server double validated against Argo CD v3.5.1 swagger.json)', () => {
  let dir: string;
  let remote: string;
  let argo: ArgoCdDouble;
  let count = 0;
  const git = (args: string[], cwd?: string) => run('git', args, { cwd, env: { ...process.env, ...identity } });
  const head = async () => (await git(['--git-dir', remote, 'rev-parse', 'refs/heads/main'])).stdout.trim();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-argocd-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function setUp(automated: boolean): Promise<void> {
    count += 1;
    remote = join(dir, `config-${count}.git`);
    await git(['init', '--quiet', '--bare', '--initial-branch=main', remote]);
    const seed = `${remote}-seed`;
    await git(['clone', '--quiet', remote, seed]);
    await writeFile(join(seed, 'values-staging.yaml'), valuesText);
    await git(['add', '.'], seed);
    await git(['commit', '--quiet', '-m', 'Seed'], seed);
    await git(['push', '--quiet', 'origin', 'HEAD:main'], seed);
    argo = await startArgoCdDouble({ application: 'shop-staging', head, automated, syncDelayMs: 80, healthDelayMs: 80 });
    argo.seedSynced(await head());
  }
  beforeEach(() => setUp(true));
  afterEach(async () => {
    await argo.stop();
    assert.deepEqual(argo.violations, []);
  });

  function target(overrides: Partial<HelmValuesTargetConfig['argocd']> = {}, token?: string): HelmValuesTarget {
    count += 1;
    return createHelmValuesTarget(
      {
        name: 'staging',
        target: {
          repository: remote,
          branch: 'main',
          valuesFile: 'values-{env}.yaml',
          keys: {},
          mode: 'direct',
          lockFile: 'lockstep/{env}.lock.yaml',
          syncTimeoutMs: 10_000,
          argocd: { server: argo.url, application: 'shop-staging', tokenEnv: 'ARGOCD_AUTH_TOKEN', timeoutMs: 10_000, requestTimeoutMs: 5_000, ...overrides },
        },
        services: ['catalog'],
        baseDir: dir,
      },
      { workDir: `${remote}-work-${count}`, env: { ...process.env, ...identity, ARGOCD_AUTH_TOKEN: token ?? argo.token }, pollIntervalMs: 40 },
    );
  }

  function deployInput(lock: ReleaseLock, lines: string[]): DeployInput {
    return {
      environment: 'staging',
      config: environmentConfig.parse({ target: { type: 'helm-values', repository: remote } }),
      target: target(),
      lock,
      registry: { manifestExists: () => Promise.resolve(true) } as unknown as RegistryClient,
      holder: 'run-1',
      configFile: 'lockstep.config.yaml',
      progress: (line) => lines.push(line),
    };
  }

  it('waits until the application reports the commit Synced and Healthy, and status shows it', async () => {
    const lines: string[] = [];
    const lock = lockWith('a');
    const result = await deployLock(deployInput(lock, lines));
    assert.equal(result.outcome, 'deployed');
    const commit = await head();
    assert.ok(argo.healthyAt.has(commit), 'the deploy ended only after Argo CD reported the commit healthy');
    assert.match(lines.join('\n'), new RegExp(`Argo CD: shop-staging Synced and Healthy at ${commit.slice(0, 7)}`));
    assert.deepEqual(argo.syncRequests, [], 'an automated application is not synced by lockstep');
    assert.deepEqual(result.controller, { name: 'Argo CD application shop-staging', detail: `Synced and Healthy at ${commit.slice(0, 7)}`, ok: true }, 'the run report carries it');
    assert.ok(argo.requests.some((request) => request.method === 'GET'), 'read through the API server');

    const status = await readStatus('staging', target());
    assert.deepEqual(status.controller, { name: 'Argo CD application shop-staging', detail: `Synced and Healthy at ${commit.slice(0, 7)}`, ok: true });
    assert.match(renderStatusText(status), /Argo CD application shop-staging: Synced and Healthy/);
  });

  it('starts the sync itself when the application has no automated sync', async () => {
    argo.automated = false;
    await target().apply({ lock: lockWith('b'), images: {} }, () => {});
    const commit = await head();
    assert.deepEqual(argo.syncRequests, [commit], 'one sync, to the committed revision');
    assert.ok(argo.healthyAt.has(commit));
  });

  it('a sync that degrades ends the wait at once with the application conditions, and the revert of the bump is waited for too', async () => {
    const lines: string[] = [];
    const first = lockWith('c');
    await deployLock(deployInput(first, []));
    argo.behaveNext('degrade');
    const started = Date.now();
    const failure = await deployLock(deployInput(lockWith('d'), lines)).then(
      () => assert.fail('the deploy must fail'),
      (error: unknown) => error as LockstepError,
    );
    assert.equal(failure.code, 'ROLLED_BACK', failure.message);
    assert.ok(Date.now() - started < 8_000, 'ended well before the 10 s bound');
    assert.match(failure.details.join('\n'), /Synced at [0-9a-f]{7} but Degraded/);
    assert.match(failure.details.join('\n'), /Deployment\/catalog Degraded: Deployment "catalog" exceeded its progress deadline/);
    const main = await head();
    assert.match((await git(['--git-dir', remote, 'log', '-1', '--format=%s', 'main'])).stdout, /^Revert "Deploy lock /);
    assert.ok(argo.healthyAt.has(main), 'the restore waited for Argo CD to report the revert healthy');
    const values = parse((await git(['--git-dir', remote, 'show', 'main:values-staging.yaml'])).stdout) as { catalog: { image: { digest: string } } };
    assert.equal(values.catalog.image.digest, first.services.catalog!.digest);
  });

  it('a sync that never finishes fails at the bound with the operation it is stuck in', async () => {
    argo.behaveNext('hang');
    await assert.rejects(target({ timeoutMs: 1_200 }).apply({ lock: lockWith('e'), images: {} }, () => {}), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.match(error.message, /did not report [0-9a-f]{7} Synced and Healthy within 1200 ms \(.*sync Running\)/);
      return true;
    });
  });

  it('a failed sync operation ends the wait with its SyncError condition', async () => {
    argo.behaveNext('fail');
    await assert.rejects(target().apply({ lock: lockWith('f'), images: {} }, () => {}), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.match(error.message, /ended Failed: one or more objects failed to apply/);
      assert.match(error.details.join('\n'), /^SyncError: Failed sync attempt to [0-9a-f]{40}/m);
      return true;
    });
  });

  it('rolling back to the previous lock is a revert of its bump commit, then the same Argo CD wait (time from revert to healthy measured)', async () => {
    const first = lockWith('1');
    const second = lockWith('2');
    await deployLock(deployInput(first, []));
    await deployLock(deployInput(second, []));
    const bump = await head();
    const lines: string[] = [];
    const result = await deployLock(deployInput(first, lines));
    assert.equal(result.outcome, 'deployed');
    const revert = await head();
    const message = (await git(['--git-dir', remote, 'log', '-1', '--format=%B', 'main'])).stdout;
    assert.match(message, new RegExp(`^Revert "Deploy lock [0-9a-f]+ to staging"\n\nThis reverts commit ${bump}: roll back staging to lock `));
    assert.match(message, new RegExp(`Lockstep-Lock: ${first.integrity}`));
    const waited = /Synced and Healthy at [0-9a-f]{7}, ([\d.]+) s after/.exec(lines.join('\n'));
    assert.ok(waited, lines.join('\n'));
    assert.ok(argo.healthyAt.has(revert));
    // The seeds' goal is at most 5 minutes from the revert's merge to healthy; on the double it is the simulated sync.
    assert.ok(Number(waited[1]) < 300, `revert to healthy took ${waited[1]} s`);
    console.log(`# revert to healthy on the Argo CD double: ${waited[1]} s`);
  });

  it('a refused token is reported with what to fix', async () => {
    await assert.rejects(target({}, 'expired-token').apply({ lock: lockWith('g'), images: {} }, () => {}), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.match(error.message, /read Argo CD application shop-staging: 401: invalid session/);
      assert.match(error.hint ?? '', /missing, expired or revoked/);
      return true;
    });
  });
});
