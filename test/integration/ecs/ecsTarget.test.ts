import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { computeStatus } from '../../../src/environments/drift.js';
import { releaseFile } from '../../../src/environments/releases/archive.js';
import { createEcsTarget, type EcsEnvironment, type EcsTarget } from '../../../src/environments/targets/ecs/ecsTarget.js';
import { environmentConfig } from '../../../src/config/environments.js';
import { LockstepError } from '../../../src/errors.js';
import type { ReleaseLock } from '../../../src/lock/schema.js';
import { serializeLock } from '../../../src/lock/serialize.js';
import type { RegistryClient } from '../../../src/registry/client.js';
import { deployLock } from '../../../src/stages/deploy.js';
import { rollback } from '../../../src/stages/rollback.js';
import { readStatus } from '../../../src/stages/status.js';
import { makeLock, service } from '../../support/lockFixtures.js';
import { startEcsDouble, type EcsDouble } from '../../doubles/ecs/server.js';

// No ECS can run here: these tests talk to a stateful ECS API double on loopback that checks every
// request and response against the ECS API model of the aws-sdk v2 package, and each request's SigV4
// signature (test/doubles/ecs).

const cluster = 'shop-staging';
const sidecar = `localhost:5000/acme/envoy@sha256:${'e'.repeat(64)}`;
const readOnly = ['taskDefinitionArn', 'revision', 'status', 'requiresAttributes', 'compatibilities', 'registeredAt', 'registeredBy', 'deregisteredAt'];

function lockWith(seed: string): ReleaseLock {
  return makeLock({
    catalog: service('catalog', { digest: `sha256:${seed.repeat(64)}` }),
    web: service('web', { digest: `sha256:${seed.repeat(63)}f` }),
    worker: service('worker', { digest: `sha256:${seed.repeat(62)}ff` }),
  });
}

function pinned(lock: ReleaseLock, name: string): string {
  return `${lock.services[name]!.image}@${lock.services[name]!.digest}`;
}

/** The registry is not what these tests are about: every digest of every lock is there. */
const registry: RegistryClient = {
  resolveTag: () => Promise.reject(new Error('not used')),
  inspectTag: () => Promise.reject(new Error('not used')),
  manifestExists: () => Promise.resolve(true),
  readImageConfig: () => Promise.resolve(null),
  requestCount: () => 0,
  close: () => {},
};

describe('ecs target against an ECS API double validated against the ECS API model', () => {
  let double: EcsDouble;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-ecs-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    double = await startEcsDouble({ rolloutDelayMs: 150, failAfterMs: 300 });
    double.seedCluster(cluster);
    double.seedService({ cluster, name: 'catalog', family: 'shop-catalog', containers: [{ name: 'catalog', image: 'localhost:5000/acme/catalog:v1' }, { name: 'envoy', image: sidecar }], taskTags: [{ key: 'team', value: 'shop' }, { key: 'aws:cloudformation:stack-name', value: 'shop-catalog' }] });
    // web and worker are two containers of one ECS service.
    double.seedService({ cluster, name: 'storefront', family: 'shop-storefront', containers: [{ name: 'web', image: 'localhost:5000/acme/web:v1' }, { name: 'worker', image: 'localhost:5000/acme/worker:v1' }] });
  });

  afterEach(async () => {
    await double.stop();
    assert.deepEqual(double.violations, [], 'every request and response must be one the ECS API model accepts');
  });

  function environment(overrides: Partial<EcsEnvironment['target']> = {}): EcsEnvironment {
    return {
      name: 'staging',
      target: { cluster, region: double.region, services: { web: { service: 'storefront' }, worker: { service: 'storefront' } }, rolloutTimeoutMs: 20_000, ...overrides },
      health: { timeoutMs: 5_000 },
      services: ['catalog', 'web', 'worker'],
    };
  }

  function target(overrides: Partial<EcsEnvironment['target']> = {}): EcsTarget {
    return createEcsTarget(environment(overrides), { client: { endpoint: double.endpoint, credentials: double.credentials }, pollIntervalMs: 25, leaseSettleMs: 20 });
  }

  function deploy(lock: ReleaseLock, lines: string[] = [], ecs = target()) {
    const config = environmentConfig.parse({ protected: true, target: { type: 'ecs', cluster, services: { web: { service: 'storefront' }, worker: { service: 'storefront' } } } });
    return deployLock({ environment: 'staging', config, target: ecs, lock, registry, holder: 'github:acme/shop/actions/runs/7/1', configFile: 'lockstep.config.yaml', progress: (line) => lines.push(line) });
  }

  it('deploy registers a revision per ECS service with image@digest, copies everything else, updates the services and waits for the rollout', async () => {
    const lock = lockWith('a');
    const before = double.service(cluster, 'catalog')!.taskDefinition;
    const lines: string[] = [];
    const result = await deploy(lock, lines);
    assert.equal(result.integrity, lock.integrity);

    const catalog = double.service(cluster, 'catalog')!;
    assert.notEqual(catalog.taskDefinition, before);
    assert.equal(catalog.deployments.length, 1);
    assert.equal(catalog.deployments[0]!.rolloutState, 'COMPLETED');
    const registered = double.revision(catalog.taskDefinition)!;
    const previous = double.revision(before)!;
    const containers = registered.body.containerDefinitions as Array<{ name: string; image: string }>;
    assert.deepEqual(containers.map((container) => [container.name, container.image]), [['catalog', pinned(lock, 'catalog')], ['envoy', sidecar]]);
    const strip = (body: Record<string, unknown>) => ({ ...body, containerDefinitions: (body.containerDefinitions as Array<Record<string, unknown>>).map(({ image: _image, ...rest }) => rest) });
    assert.deepEqual(strip(registered.body), strip(previous.body), 'everything but the images is copied from the running revision');
    assert.deepEqual(registered.tags.map((tag) => tag.key).sort(), ['lockstep:lock-id', 'lockstep:lock-integrity', 'team']);

    const registers = double.requests.filter((request) => request.operation === 'RegisterTaskDefinition');
    for (const request of registers) for (const field of readOnly) assert.equal(request.body[field], undefined, `${field} must not be sent on register`);
    assert.equal(double.requests.filter((request) => request.operation === 'UpdateService').length, 2, 'one update per ECS service, web and worker together');
    const storefront = double.revision(double.service(cluster, 'storefront')!.taskDefinition)!;
    assert.deepEqual((storefront.body.containerDefinitions as Array<{ image: string }>).map((container) => container.image), [pinned(lock, 'web'), pinned(lock, 'worker')]);

    assert.equal(double.activeRevisions('lockstep-staging-lock').length, 1, 'the lock is recorded in the record family');
    assert.deepEqual(double.clusterTags(cluster), [], 'the lease is released');
    assert.ok(lines.some((line) => line.startsWith('catalog: rolled out')), lines.join('\n'));

    const status = await readStatus('staging', target());
    assert.equal(status.inSync, true, JSON.stringify(status.services));
    assert.equal(status.lockId, result.lockId);
    assert.match(status.target, /ecs cluster shop-staging in eu-west-1/);
  });

  it('a task definition people write (the Amazon ECS sample app) is copied field for field into the new revision', async () => {
    const definition = JSON.parse(await readFile(new URL('../../doubles/ecs/fixtures/amazon-ecs-sample-app.task-definition.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    double.seedService({ cluster, name: 'sample', family: 'github-actions-deploy-task-def-integ-tests', containers: [], definition });
    const lock = makeLock({ 'sample-app': service('sample-app') });
    const ecs = createEcsTarget({ ...environment({ services: { 'sample-app': { service: 'sample' } } }), services: ['sample-app'] }, { client: { endpoint: double.endpoint, credentials: double.credentials }, pollIntervalMs: 25 });
    await ecs.apply({ lock, images: { 'sample-app': pinned(lock, 'sample-app') } }, () => {});
    const running = double.revision(double.service(cluster, 'sample')!.taskDefinition)!;
    const containers = definition.containerDefinitions as Array<Record<string, unknown>>;
    assert.deepEqual(running.body, { ...definition, containerDefinitions: [{ ...containers[0], image: pinned(lock, 'sample-app') }] });
    assert.equal(running.revision, 2);
  });

  it('apply waits while the deployment is in progress and records nothing before it completes', async () => {
    const lock = lockWith('b');
    double.holdRollouts = true;
    let finished = false;
    const applying = target()
      .apply({ lock, images: { catalog: pinned(lock, 'catalog'), web: pinned(lock, 'web'), worker: pinned(lock, 'worker') } }, () => {})
      .finally(() => (finished = true));
    await sleep(300);
    assert.equal(finished, false);
    assert.equal(double.activeRevisions('lockstep-staging-lock').length, 0);
    double.holdRollouts = false;
    await applying;
    assert.equal(double.activeRevisions('lockstep-staging-lock').length, 1);
  });

  it('a deployment the circuit breaker fails is detected at once and the previous revisions are restored', async () => {
    const good = lockWith('c');
    await deploy(good);
    const before = { catalog: double.service(cluster, 'catalog')!.taskDefinition, storefront: double.service(cluster, 'storefront')!.taskDefinition };

    const bad = lockWith('d');
    double.markBroken(pinned(bad, 'web'));
    const lines: string[] = [];
    const started = performance.now();
    const failure = await deploy(bad, lines).then(
      () => null,
      (error: unknown) => error,
    );
    const elapsed = performance.now() - started;
    assert.ok(failure instanceof LockstepError, String(failure));
    assert.equal(failure.code, 'ROLLED_BACK');
    assert.match(failure.details.join('\n'), /rollout FAILED: ECS deployment circuit breaker/);
    assert.ok(elapsed < 5_000, `failed fast on rolloutState FAILED, not at the 20 s timeout (${Math.round(elapsed)} ms)`);
    assert.equal(double.service(cluster, 'storefront')!.taskDefinition, before.storefront, 'the failed service is back on its previous revision');
    assert.equal(double.service(cluster, 'catalog')!.taskDefinition, before.catalog, 'so is the one whose rollout had succeeded');
    const restored = lines.find((line) => /restored [\d.]+ (?:ms|s) after the failure was certain/.test(line));
    assert.ok(restored, lines.join('\n'));

    const status = await readStatus('staging', target());
    assert.equal(status.lockId, `${good.integrity.slice(7, 19)}`);
    assert.equal(status.inSync, true, JSON.stringify(status.services));
    assert.deepEqual(double.clusterTags(cluster), [], 'the lease is released after a failure too');
  });

  it('when the circuit breaker rolls back by itself, the restore waits for that deployment instead of starting another', async () => {
    double.seedService({ cluster, name: 'storefront', family: 'shop-storefront', containers: [{ name: 'web', image: 'localhost:5000/acme/web:v1' }, { name: 'worker', image: 'localhost:5000/acme/worker:v1' }], circuitBreaker: { enable: true, rollback: true } });
    const before = double.service(cluster, 'storefront')!.taskDefinition;
    const bad = lockWith('e');
    double.markBroken(pinned(bad, 'worker'));
    const lines: string[] = [];
    await assert.rejects(deploy(bad, lines), (error: unknown) => error instanceof LockstepError && error.code === 'ROLLED_BACK');
    assert.equal(double.service(cluster, 'storefront')!.taskDefinition, before);
    const updates = double.requests.filter((request) => request.operation === 'UpdateService' && (request.body.service as string) === 'storefront');
    assert.equal(updates.length, 1, 'only lockstep’s own update: ECS rolled back, lockstep waited');
    assert.ok(lines.some((line) => line.includes(`ECS already runs ${before.slice(before.lastIndexOf('/') + 1)} again`)), lines.join('\n'));
  });

  it('without a circuit breaker a deployment that never gets healthy ends at rolloutTimeoutMs and is restored', async () => {
    double.seedService({ cluster, name: 'catalog', family: 'shop-catalog', containers: [{ name: 'catalog', image: 'localhost:5000/acme/catalog:v1' }], circuitBreaker: { enable: false, rollback: false } });
    const before = double.service(cluster, 'catalog')!.taskDefinition;
    const bad = lockWith('8');
    double.markBroken(pinned(bad, 'catalog'));
    const ecs = target({ rolloutTimeoutMs: 1_000 });
    const started = performance.now();
    const failure = await deploy(bad, [], ecs).then(
      () => null,
      (error: unknown) => error,
    );
    assert.ok(failure instanceof LockstepError && failure.code === 'ROLLED_BACK', String(failure));
    assert.match(failure.details.join('\n'), /ECS deployments not complete within 1000 ms/);
    assert.ok(performance.now() - started >= 1_000);
    assert.equal(double.service(cluster, 'catalog')!.taskDefinition, before);
  });

  it('status and drift read the running task definitions', async () => {
    const lock = lockWith('f');
    await deploy(lock);
    double.setRunningImage(cluster, 'catalog', 'catalog', 'localhost:5000/acme/catalog:hotfix');
    double.setRunningImage(cluster, 'storefront', 'web', `localhost:5000/acme/web@sha256:${'9'.repeat(64)}`);
    const status = computeStatus(await target().readLive());
    const drift = Object.fromEntries(status.services.map((entry) => [entry.service, entry.drift]));
    assert.deepEqual(drift, { catalog: 'not-pinned', web: 'digest-differs', worker: 'other-lock' });
    assert.equal(status.inSync, false);
  });

  it('rollback redeploys the archived release before the live one, by digest', async () => {
    const first = lockWith('1');
    const second = lockWith('2');
    const releases = join(dir, `releases-${Date.now()}`);
    await import('node:fs/promises').then(({ mkdir }) => mkdir(releases, { recursive: true }));
    await writeFile(releaseFile(releases, 'v1.0.0'), serializeLock(first));
    await writeFile(releaseFile(releases, 'v1.1.0'), serializeLock(second));
    await deploy(first);
    await deploy(second);
    const config = environmentConfig.parse({ target: { type: 'ecs', cluster, services: { web: { service: 'storefront' }, worker: { service: 'storefront' } } } });
    const result = await rollback({ environment: 'staging', config, target: target(), registry, holder: 'me@laptop:1', configFile: 'lockstep.config.yaml', progress: () => {}, releasesDir: releases });
    assert.equal(result.from.version, 'v1.1.0');
    assert.equal(result.to.version, 'v1.0.0');
    const live = await target().readLive();
    assert.equal(live.lockIntegrity, first.integrity);
    assert.equal(live.services.catalog!.image, pinned(first, 'catalog'));
    assert.equal(computeStatus(live).inSync, true);
  });

  it('throttled calls are retried by the SDK and the deploy goes through', async () => {
    double.throttleNext(2, ['DescribeServices']);
    const lock = lockWith('3');
    await deploy(lock);
    double.throttleNext(1, ['RegisterTaskDefinition']);
    await deploy(lockWith('4'));
    const throttled = double.requests.filter((request) => request.throttled);
    assert.deepEqual(throttled.map((request) => request.operation), ['DescribeServices', 'DescribeServices', 'RegisterTaskDefinition']);
    assert.equal((await target().readLive()).lockIntegrity, lockWith('4').integrity);
  });

  it('the lease: one of two racing runs wins, a held lease is refused, its holder re-enters, an expired one is taken over', async () => {
    const now = new Date();
    const [a, b] = await Promise.all([target().acquireLease('run-a', 60_000, now), target().acquireLease('run-b', 60_000, now)]);
    assert.equal([a, b].filter((result) => result.acquired).length, 1, JSON.stringify([a, b]));
    const winner = a.acquired ? 'run-a' : 'run-b';
    const loser = a.acquired ? 'run-b' : 'run-a';
    const refused = await target().acquireLease(loser, 60_000, now);
    assert.equal(refused.acquired, false);
    assert.equal(refused.acquired ? '' : refused.heldBy.holder, winner);
    assert.equal((await target().acquireLease(winner, 60_000, now)).acquired, true, 'the holder re-enters (a retried job)');
    assert.equal(double.clusterTags(cluster).length, 1, 'one claim per holder');

    const later = new Date(now.getTime() + 120_000);
    const taken = await target().acquireLease(loser, 60_000, later);
    assert.ok(taken.acquired && taken.tookOverStale?.holder === winner, JSON.stringify(taken));
    await target().releaseLease(winner);
    assert.equal(double.clusterTags(cluster).length, 1, 'releasing an expired claim leaves the new holder’s claim');
    await target().releaseLease(loser);
    assert.deepEqual(double.clusterTags(cluster), []);
  });

  it('the lease under eventually consistent tag reads: the settle wait is what keeps two racing runs apart', async () => {
    double.tagReadLagMs = 100;
    const race = async (settleMs: number) => {
      const run = (holder: string) => createEcsTarget(environment(), { client: { endpoint: double.endpoint, credentials: double.credentials }, leaseSettleMs: settleMs }).acquireLease(holder, 60_000);
      const results = await Promise.all([run('run-a'), run('run-b'), run('run-c')]);
      // A release lists the claims too: it comes after the lag, as it does after a real deploy.
      await sleep(150);
      await Promise.all(['run-a', 'run-b', 'run-c'].map((holder) => target().releaseLease(holder)));
      assert.deepEqual(double.clusterTags(cluster), []);
      return results.filter((result) => result.acquired).length;
    };
    assert.ok((await race(0)) > 1, 'without the wait, listings that lag behind the writes let several runs win');
    for (let round = 0; round < 2; round += 1) assert.equal(await race(150), 1, `round ${round}: with a wait longer than the lag exactly one run wins`);
  });

  it('a deploy while another run holds the lease changes nothing', async () => {
    assert.equal((await target().acquireLease('someone-else', 600_000)).acquired, true);
    const failure = await deploy(lockWith('5')).then(
      () => null,
      (error: unknown) => error,
    );
    assert.ok(failure instanceof LockstepError && failure.code === 'LEASE_HELD', String(failure));
    assert.match(failure.message, /someone-else/);
    assert.equal(double.requests.filter((request) => request.operation === 'RegisterTaskDefinition').length, 0);
  });

  it('health gate: cluster active, services steady, room on EC2 instances', async () => {
    let checks = await target().healthChecks();
    assert.deepEqual(checks.map((check) => [check.name, check.ok]), [['cluster', true], ['services', true], ['capacity', true]], JSON.stringify(checks));
    assert.equal(checks[1]!.detail, '2 services steady');

    double.holdRollouts = true;
    const applying = target().apply({ lock: lockWith('6'), images: { catalog: pinned(lockWith('6'), 'catalog') } }, () => {});
    while (!double.requests.some((request) => request.operation === 'UpdateService')) await sleep(20);
    checks = await target().healthChecks();
    assert.match(checks.find((check) => check.name === 'services')!.detail, /catalog: rolling out/);
    double.holdRollouts = false;
    await applying;

    double.seedCluster('ec2-cluster', { instances: [{ cpu: 1024, memory: 2048, remainingCpu: 128, remainingMemory: 2048 }] });
    double.seedService({ cluster: 'ec2-cluster', name: 'catalog', family: 'ec2-catalog', launchType: 'EC2', containers: [{ name: 'catalog', image: 'localhost:5000/acme/catalog:v1' }] });
    double.seedService({ cluster, name: 'catalog', family: 'shop-catalog', containers: [{ name: 'catalog', image: 'localhost:5000/acme/catalog:v1' }], circuitBreaker: { enable: false, rollback: false } });
    assert.match((await target().healthChecks())[1]!.detail, /circuit breaker off for catalog: a failing deployment is only caught at rolloutTimeoutMs/);
    const ec2 = createEcsTarget({ ...environment({ cluster: 'ec2-cluster', services: {} }), services: ['catalog'] }, { client: { endpoint: double.endpoint, credentials: double.credentials } });
    checks = await ec2.healthChecks();
    const capacity = checks.find((check) => check.name === 'capacity')!;
    assert.equal(capacity.ok, false);
    assert.match(capacity.detail, /no container instance has 256 CPU units and 512 MiB free/);

    double.seedCluster('gone', { status: 'INACTIVE' });
    const inactive = await createEcsTarget({ ...environment({ cluster: 'gone' }) }, { client: { endpoint: double.endpoint, credentials: double.credentials } }).healthChecks();
    assert.equal(inactive.find((check) => check.name === 'cluster')!.ok, false);
    assert.match(inactive.find((check) => check.name === 'services')!.detail, /catalog: no such service/);
  });

  it('a container the task definition does not have stops the deploy before anything is registered', async () => {
    const lock = lockWith('7');
    const failure = await target({ services: { web: { service: 'storefront', container: 'frontend' }, worker: { service: 'storefront' } } })
      .apply({ lock, images: { catalog: pinned(lock, 'catalog'), web: pinned(lock, 'web') } }, () => {})
      .then(
        () => null,
        (error: unknown) => error,
      );
    assert.ok(failure instanceof LockstepError, String(failure));
    assert.match(failure.details.join('\n'), /shop-storefront:1 has no container frontend \(it has web, worker\)/);
    assert.equal(double.requests.filter((request) => request.operation === 'RegisterTaskDefinition' || request.operation === 'UpdateService').length, 0);
  });

  it('a request signed with other credentials is refused, as AWS would', async () => {
    const stranger = createEcsTarget(environment(), { client: { endpoint: double.endpoint, credentials: { accessKeyId: double.credentials.accessKeyId, secretAccessKey: 'wrong' }, maxAttempts: 1 } });
    await assert.rejects(stranger.readLive(), /InvalidSignatureException/);
  });
});
