import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { releaseFile } from '../../../src/environments/releases/archive.js';
import type { ReleaseLock } from '../../../src/lock/schema.js';
import { serializeLock } from '../../../src/lock/serialize.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { dockerUnavailableReason } from '../../../support/docker.js';
import { makeLock, service } from '../../support/lockFixtures.js';
import { pushImage } from '../../../support/ociPush.js';
import { startRegistry, type StartedRegistry } from '../../../support/registry.js';
import { startEcsDouble, type EcsDouble } from '../../doubles/ecs/server.js';

// deploy, a failing deploy that restores, status and rollback of an ecs environment through the built
// CLI: the lock's digests are checked in a real registry (a container), ECS is the API double on
// loopback (test/doubles/ecs), checked against the ECS API model, reached through the standard AWS
// environment variables.

const skip = await dockerUnavailableReason();

describe('an ecs environment through lockstep deploy, status and rollback (real registry, ECS API double)', { skip: skip ? `docker is not available: ${skip}` : false }, () => {
  let registry: StartedRegistry;
  let double: EcsDouble;
  let dir: string;
  let configFile: string;
  let env: NodeJS.ProcessEnv;
  const locks: Record<'v1' | 'v2' | 'broken', { lock: ReleaseLock; file: string }> = {} as never;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-ecs-deploy-'));
    registry = await startRegistry();
    const push = async (name: string, tag: string) => ({ tag, digest: (await pushImage(registry.host, { repository: `acme/${name}`, tag, labels: { 'org.opencontainers.image.version': tag } })).digest });
    const [catalog1, catalog2, catalog3, web1] = await Promise.all([push('catalog', 'v1'), push('catalog', 'v2'), push('catalog', 'v3'), push('web', 'v1')]);
    const lockOf = (catalog: { tag: string; digest: string }) =>
      makeLock({
        catalog: service('catalog', { image: `${registry.host}/acme/catalog`, ...catalog }),
        web: service('web', { image: `${registry.host}/acme/web`, ...web1! }),
      });
    for (const [name, catalog] of [['v1', catalog1], ['v2', catalog2], ['broken', catalog3]] as const) {
      const lock = lockOf(catalog!);
      const file = join(dir, `${name}.lock.yaml`);
      await writeFile(file, serializeLock(lock));
      locks[name] = { lock, file };
    }

    double = await startEcsDouble({ rolloutDelayMs: 150, failAfterMs: 300 });
    double.seedCluster('shop');
    double.seedService({ cluster: 'shop', name: 'catalog', family: 'shop-catalog', containers: [{ name: 'catalog', image: `${registry.host}/acme/catalog:v1` }] });
    double.seedService({ cluster: 'shop', name: 'storefront', family: 'shop-web', containers: [{ name: 'web', image: `${registry.host}/acme/web:v1` }] });
    double.markBroken(`${registry.host}/acme/catalog@${catalog3!.digest}`);

    configFile = join(dir, 'lockstep.config.yaml');
    await writeFile(
      configFile,
      `apiVersion: lockstep/v1
kind: Config
services:
  catalog: { path: services/catalog, image: ${registry.host}/acme/catalog }
  web: { path: services/web, image: ${registry.host}/acme/web }
environments:
  staging:
    protected: true
    target:
      type: ecs
      cluster: shop
      services:
        web: { service: storefront }
`,
    );
    env = double.processEnv(dir);
  });

  after(async () => {
    await double?.stop();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
    assert.deepEqual(double?.violations ?? [], []);
  });

  const cli = (args: string[]): Promise<CliResult> => runCli(['--config', configFile, ...args], { env });
  const explain = (result: CliResult) => `exit ${result.code}\n${result.stderr}`;
  const recorded = async () => (JSON.parse((await cli(['--json', 'status', '--env', 'staging'])).stdout) as { lockId: string | null; inSync: boolean });

  it('deploys v1 by digest, and status reads it back in sync', async () => {
    const result = await cli(['deploy', '--env', 'staging', '--lock', locks.v1.file]);
    assert.equal(result.code, 0, explain(result));
    assert.match(result.stderr, /catalog: shop-catalog:1 -> shop-catalog:2/);
    const status = await recorded();
    assert.equal(status.lockId, locks.v1.lock.integrity.slice(7, 19));
    assert.equal(status.inSync, true);
  });

  it('a deploy the circuit breaker fails is restored at once and exits 1 ROLLED_BACK', async (t) => {
    const result = await cli(['deploy', '--env', 'staging', '--lock', locks.broken.file]);
    assert.equal(result.code, 1, explain(result));
    assert.match(result.stderr, /failed and was rolled back to lock/);
    assert.match(result.stderr, /rollout FAILED: ECS deployment circuit breaker: tasks failed to start/);
    const restored = /restored ([\d.]+ (?:ms|s)) after the failure was certain/.exec(result.stderr);
    assert.ok(restored, result.stderr);
    t.diagnostic(`failure certain to restored: ${restored[1]}`);
    const status = await recorded();
    assert.equal(status.lockId, locks.v1.lock.integrity.slice(7, 19));
    assert.equal(status.inSync, true);
  });

  it('rollback goes from the live release back to the one before it', async () => {
    const releases = join(dir, 'releases');
    await mkdir(releases, { recursive: true });
    await writeFile(releaseFile(releases, 'v1.0.0'), serializeLock(locks.v1.lock));
    await writeFile(releaseFile(releases, 'v1.1.0'), serializeLock(locks.v2.lock));
    const deployed = await cli(['deploy', '--env', 'staging', '--lock', locks.v2.file]);
    assert.equal(deployed.code, 0, explain(deployed));
    const result = await cli(['rollback', '--env', 'staging', '--releases-dir', releases]);
    assert.equal(result.code, 0, explain(result));
    assert.match(result.stdout, /rolled back from v1\.1\.0 to v1\.0\.0/);
    assert.equal((await recorded()).lockId, locks.v1.lock.integrity.slice(7, 19));
  });
});
