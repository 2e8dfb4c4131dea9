import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { computeStatus } from '../../../src/environments/drift.js';
import { createKubernetesTarget, type KubernetesEnvironment, type KubernetesTarget } from '../../../src/environments/targets/kubernetes/kubernetesTarget.js';
import type { DesiredState } from '../../../src/environments/target.js';
import { LockstepError } from '../../../src/errors.js';
import type { ReleaseLock } from '../../../src/lock/schema.js';
import { makeLock, service } from '../../support/lockFixtures.js';
import { startKubernetesDouble, type KubernetesDouble } from '../../doubles/kubernetes/server.js';

// No API server can run here: these tests talk to a stateful Kubernetes API double that checks every
// request and response against the Kubernetes OpenAPI description (test/doubles/kubernetes).

const namespace = 'shop';
const rolloutDelayMs = 300;
const sidecar = `localhost:5000/acme/proxy@sha256:${'e'.repeat(64)}`;

function desiredFrom(lock: ReleaseLock): DesiredState {
  return { lock, images: Object.fromEntries(Object.entries(lock.services).map(([name, locked]) => [name, `${locked.image}@${locked.digest}`])) };
}

function lockWith(seed: string): ReleaseLock {
  return makeLock({ catalog: service('catalog', { digest: `sha256:${seed.repeat(64)}` }), web: service('web', { digest: `sha256:${seed.repeat(63)}f` }) });
}

describe('kubernetes target against a Kubernetes API double validated against the OpenAPI description', () => {
  let double: KubernetesDouble;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-k8s-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    double = await startKubernetesDouble({ rolloutDelayMs });
    kubeconfig = await double.writeKubeconfig(dir, 'staging-cluster');
    double.seedDeployment({ namespace, name: 'catalog', containers: [{ name: 'catalog', image: 'localhost:5000/acme/catalog:v1' }, { name: 'proxy', image: sidecar }], progressDeadlineSeconds: 1 });
    double.seedDeployment({ namespace, name: 'web-frontend', containers: [{ name: 'web', image: 'localhost:5000/acme/web:v1' }], progressDeadlineSeconds: 1 });
    double.setNodes([{ name: 'node-a', ready: true }, { name: 'node-b', ready: true }, { name: 'node-c', ready: false }]);
    double.setResourceQuota(namespace, 'compute', { 'requests.cpu': '10', 'limits.memory': '16Gi', 'services.loadbalancers': '0' }, { 'requests.cpu': '4500m', 'limits.memory': '4Gi' });
  });

  afterEach(async () => {
    await double.stop();
    assert.deepEqual(double.violations, [], 'every request must be one the Kubernetes API accepts');
  });

  function target(overrides: Partial<KubernetesEnvironment> = {}): KubernetesTarget {
    return createKubernetesTarget(
      {
        name: 'staging',
        target: { kubeconfig, context: 'staging-cluster', namespace, services: { web: { deployment: 'web-frontend', container: 'web' } }, rolloutTimeoutMs: 10_000 },
        health: { nodes: { minReady: 2 }, quota: { minHeadroomPercent: 10 }, timeoutMs: 5_000 },
        services: ['catalog', 'web'],
        ...overrides,
      },
      { pollIntervalMs: 50 },
    );
  }

  it('deploy sets image@digest with a strategic merge patch, waits for the rollout and records the lock', async () => {
    const lock = lockWith('a');
    const lines: string[] = [];
    double.holdRollouts = true;
    let finished = false;
    const applying = target()
      .apply(desiredFrom(lock), (line) => lines.push(line))
      .finally(() => (finished = true));
    while (!finished && !lines.some((line) => line.startsWith('catalog: progressing'))) await sleep(20);
    await sleep(200);
    assert.equal(finished, false, 'apply must wait while the replicas are not available');
    assert.equal(double.object('configmaps', namespace, 'lockstep-staging-lock'), undefined, 'nothing is recorded before the rollout is done');
    double.holdRollouts = false;
    await applying;
    assert.ok(lines.some((line) => line.startsWith('catalog: rolled out')), lines.join('\n'));

    const catalog = double.object('deployments', namespace, 'catalog') as { metadata: { annotations: Record<string, string>; generation: number }; spec: { template: { spec: { containers: Array<{ name: string; image: string }> } } } };
    assert.deepEqual(
      catalog.spec.template.spec.containers.map((container) => container.image),
      [`${lock.services.catalog!.image}@${lock.services.catalog!.digest}`, sidecar],
      'only the service container changes; the sidecar is untouched',
    );
    assert.equal(catalog.metadata.annotations['lockstep.dev/lock-integrity'], lock.integrity);
    assert.equal(catalog.metadata.generation, 2);
    const web = double.object('deployments', namespace, 'web-frontend') as { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
    assert.equal(web.spec.template.spec.containers[0]!.image, `${lock.services.web!.image}@${lock.services.web!.digest}`);

    const patches = double.requests.filter((request) => request.method === 'PATCH');
    assert.equal(patches.length, 2);
    for (const patch of patches) {
      assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
      assert.equal(patch.query.fieldValidation, 'Strict');
      assert.equal(patch.query.fieldManager, 'lockstep');
    }

    const live = await target().readLive();
    assert.equal(live.lockIntegrity, lock.integrity);
    assert.deepEqual(live.lock, lock);
    assert.equal(live.services.catalog!.digest, lock.services.catalog!.digest);
    assert.equal(live.services.web!.healthy, true);
    assert.equal(computeStatus(live).inSync, true);
  });

  it('a second apply of the same lock patches nothing', async () => {
    const lock = lockWith('b');
    await target().apply(desiredFrom(lock), () => {});
    const before = double.requests.filter((request) => request.method === 'PATCH').length;
    await target().apply(desiredFrom(lock), () => {});
    assert.equal(double.requests.filter((request) => request.method === 'PATCH').length, before);
  });

  it('a broken image fails on the progress deadline, and restore puts back exactly what ran', async () => {
    const good = lockWith('c');
    await target().apply(desiredFrom(good), () => {});
    const previous = await target().readLive();

    const bad = lockWith('d');
    double.markBroken(`${bad.services.catalog!.image}@${bad.services.catalog!.digest}`);
    const started = performance.now();
    const failure = await target()
      .apply(desiredFrom(bad), () => {})
      .then(
        () => null,
        (error: unknown) => error,
      );
    assert.ok(failure instanceof LockstepError, String(failure));
    assert.equal(failure.code, 'DEPLOY_FAILED');
    assert.match(failure.message, /catalog/);
    assert.match(failure.details.join('\n'), /progress deadline exceeded/);
    assert.ok(performance.now() - started >= 1000, 'failed before the 1 s progress deadline');
    const record = double.object('configmaps', namespace, 'lockstep-staging-lock') as { metadata: { annotations: Record<string, string> } };
    assert.equal(record.metadata.annotations['lockstep.dev/lock-integrity'], good.integrity, 'a failed rollout must not be recorded');

    const lines: string[] = [];
    await target().restore(previous, ['catalog', 'web'], (line) => lines.push(line));
    const restored = await target().readLive();
    assert.equal(restored.services.catalog!.digest, good.services.catalog!.digest);
    assert.equal(restored.services.catalog!.healthy, true);
    assert.equal(restored.services.catalog!.lockIntegrity, good.integrity);
    assert.equal(restored.lockIntegrity, good.integrity);
    assert.equal(computeStatus(restored).inSync, true, JSON.stringify(computeStatus(restored).services));
  });

  it('restore of a never-deployed environment puts the tags back and removes the record', async () => {
    const previous = await target().readLive();
    assert.equal(previous.lock, null);
    await target().apply(desiredFrom(lockWith('e')), () => {});
    await target().restore(previous, ['catalog', 'web'], () => {});
    const live = await target().readLive();
    assert.equal(live.services.catalog!.image, 'localhost:5000/acme/catalog:v1');
    assert.equal(live.services.catalog!.lockIntegrity, null);
    assert.equal(live.lock, null);
    assert.equal(double.object('configmaps', namespace, 'lockstep-staging-lock'), undefined);
  });

  it('drift: an image set behind lockstep’s back shows as not pinned, another digest as differing', async () => {
    const lock = lockWith('1');
    await target().apply(desiredFrom(lock), () => {});
    double.setImageOutOfBand(namespace, 'catalog', 'catalog', 'localhost:5000/acme/catalog:hotfix');
    double.setImageOutOfBand(namespace, 'web-frontend', 'web', `localhost:5000/acme/web@sha256:${'9'.repeat(64)}`);
    const status = computeStatus(await target().readLive());
    assert.equal(status.inSync, false);
    assert.deepEqual(status.drifted, ['catalog', 'web']);
    assert.equal(status.services.find((entry) => entry.service === 'catalog')!.drift, 'not-pinned');
    assert.equal(status.services.find((entry) => entry.service === 'web')!.drift, 'digest-differs');
  });

  it('health gate: API readiness, Ready nodes and quota headroom, each failing on its own', async () => {
    const healthy = await target().healthChecks();
    assert.deepEqual(
      healthy.map((check) => [check.name, check.ok]),
      [['kubernetes API', true], ['nodes', true], ['quota', true], ['deployments', true]],
      JSON.stringify(healthy),
    );
    assert.match(healthy[1]!.detail, /2 of 3 nodes Ready/);
    assert.match(healthy[2]!.detail, /compute\/requests\.cpu 4500m of 10 used \(55% headroom\)/);

    double.setNodes([{ name: 'node-a', ready: true }, { name: 'node-b', ready: true, unschedulable: true }]);
    double.setResourceQuota(namespace, 'compute', { 'limits.memory': '16Gi' }, { 'limits.memory': '15Gi' });
    double.ready = false;
    const failing = await target().healthChecks();
    assert.deepEqual(failing.map((check) => check.ok), [false, false, false, true]);
    assert.match(failing[1]!.detail, /1 of 2 nodes Ready and schedulable \(need 2\); not: node-b/);
    assert.match(failing[2]!.detail, /below the 10% floor: compute\/limits\.memory 15Gi of 16Gi used \(6\.3% headroom\)/);
  });

  it('a service without its deployment fails the gate and the preflight before anything is patched', async () => {
    const broken = target({ services: ['catalog', 'web', 'payments'] });
    const checks = await broken.healthChecks();
    assert.match(checks.find((check) => check.name === 'deployments')!.detail, /payments: no deployment payments in namespace shop/);
    const lock = makeLock({ catalog: service('catalog'), payments: service('payments') });
    await assert.rejects(broken.apply(desiredFrom(lock), () => {}), (error: LockstepError) => error.code === 'KUBERNETES' && /payments/.test(error.details.join()));
    assert.equal(double.requests.filter((request) => request.method === 'PATCH').length, 0);
  });

  it('the lease is refused while held, re-entrant for its holder, and taken over once expired', async () => {
    const now = new Date('2026-11-21T12:00:00Z');
    const first = await target().acquireLease('run-1', 60_000, now);
    assert.equal(first.acquired, true);
    const second = await target().acquireLease('run-2', 60_000, now);
    assert.equal(second.acquired, false);
    assert.equal(!second.acquired && second.heldBy.holder, 'run-1');
    assert.equal(!second.acquired && second.heldBy.expiresAt, '2026-11-21T12:01:00.000Z');
    assert.equal((await target().acquireLease('run-1', 60_000, now)).acquired, true);

    await target().releaseLease('run-2');
    assert.ok(double.object('leases', namespace, 'lockstep-staging'), 'another holder must not release the lease');

    const later = new Date(now.getTime() + 61_000);
    const takeover = await target().acquireLease('run-2', 60_000, later);
    assert.equal(takeover.acquired, true);
    assert.equal(takeover.acquired && takeover.tookOverStale?.holder, 'run-1');
    const stored = double.object('leases', namespace, 'lockstep-staging') as { spec: { holderIdentity: string; leaseTransitions: number; acquireTime: string } };
    assert.equal(stored.spec.holderIdentity, 'run-2');
    assert.equal(stored.spec.leaseTransitions, 1);
    assert.match(stored.spec.acquireTime, /\.\d{6}Z$/);

    await target().releaseLease('run-2');
    assert.equal(double.object('leases', namespace, 'lockstep-staging'), undefined);
  });

  it('two runs racing for a free lease: exactly one gets it', async () => {
    const results = await Promise.all(['run-a', 'run-b', 'run-c'].map((holder) => target().acquireLease(holder, 60_000)));
    assert.equal(results.filter((result) => result.acquired).length, 1, JSON.stringify(results));
  });

  it('reports sidecars and init containers that are not pinned by digest', async () => {
    double.seedDeployment({
      namespace,
      name: 'catalog',
      containers: [{ name: 'catalog', image: 'localhost:5000/acme/catalog:v1' }, { name: 'proxy', image: 'localhost:5000/acme/proxy:1.2' }],
      initContainers: [{ name: 'migrate', image: sidecar }],
    });
    const found = await target().mutableReferences(desiredFrom(lockWith('2')));
    assert.deepEqual(found, ['deployment/catalog container proxy: localhost:5000/acme/proxy:1.2']);
  });

  it('reads a kubeconfig under ~/ from the home directory and a relative one from the config directory', async () => {
    const home = process.env.HOME;
    process.env.HOME = dir;
    try {
      const fromHome = target({ target: { kubeconfig: '~/kubeconfig.yaml', namespace, services: {}, rolloutTimeoutMs: 1000 } });
      assert.equal((await fromHome.healthChecks())[0]!.ok, true);
    } finally {
      process.env.HOME = home;
    }
    const relative = target({ target: { kubeconfig: 'kubeconfig.yaml', namespace, services: {}, rolloutTimeoutMs: 1000 }, baseDir: dir });
    assert.match(relative.describe(), /context staging-cluster at https:\/\/127\.0\.0\.1:\d+/);
  });

  it('an unknown context is a one-line input error naming the config field', () => {
    assert.throws(
      () => createKubernetesTarget({ name: 'staging', target: { kubeconfig, context: 'nope', namespace, services: {}, rolloutTimeoutMs: 1000 }, services: [], configFile: 'lockstep.config.yaml' }),
      /lockstep\.config\.yaml: environments\.staging\.target\.context: no context nope in .*kubeconfig\.yaml \(it has staging-cluster\)/,
    );
  });
});
