import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createKubernetesTarget, type KubernetesTarget } from '../../../src/environments/targets/kubernetes/kubernetesTarget.js';
import { RolloutFailed, type DesiredState } from '../../../src/environments/target.js';
import { LockstepError } from '../../../src/errors.js';
import type { ReleaseLock } from '../../../src/lock/schema.js';
import { makeLock, service } from '../../support/lockFixtures.js';
import { startKubernetesDouble, type KubernetesDouble, type PodFailure } from '../../doubles/kubernetes/server.js';

// Issue 20 on the grown Kubernetes API double (ReplicaSets, pods, paused Deployments, managedFields,
// RBAC, expiring tokens), every request and response checked against the Kubernetes OpenAPI description.

const namespace = 'shop';

function lockWith(seed: string): ReleaseLock {
  return makeLock({ catalog: service('catalog', { digest: `sha256:${seed.repeat(64)}` }) });
}

function desiredFrom(lock: ReleaseLock): DesiredState {
  return { lock, images: { catalog: `${lock.services.catalog!.image}@${lock.services.catalog!.digest}` } };
}

describe('kubernetes rollouts that cannot succeed, on the grown Kubernetes API double', () => {
  let double: KubernetesDouble;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-k8s-failures-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    double = await startKubernetesDouble({ rolloutDelayMs: 200 });
    kubeconfig = await double.writeKubeconfig(dir);
  });
  afterEach(async () => {
    await double.stop();
    assert.deepEqual(double.violations, []);
  });

  function target(): KubernetesTarget {
    return createKubernetesTarget(
      { name: 'staging', target: { kubeconfig, namespace, services: {}, rolloutTimeoutMs: 20_000 }, services: ['catalog'], health: { timeoutMs: 5_000 } },
      { pollIntervalMs: 50 },
    );
  }

  function seed(extra: Parameters<KubernetesDouble['seedDeployment']>[0] extends infer T ? Partial<T> : never = {}): void {
    // The default progress deadline (600 s): only the pods' own state can end these waits early.
    double.seedDeployment({ namespace, name: 'catalog', containers: [{ name: 'catalog', image: 'localhost:5000/acme/catalog:v1' }], ...extra });
  }

  const cases: Array<[PodFailure, RegExp]> = [
    ['ImagePullBackOff', /pod catalog-\w+-x*\d+ container catalog: ImagePullBackOff: Back-off pulling image "localhost:5000\/acme\/catalog@sha256:/],
    ['ErrImagePull', /container catalog: ErrImagePull: .*not found \(Failed: Failed to pull image "localhost:5000\/acme\/catalog@sha256:\w+": .*not found\)/],
    ['CrashLoopBackOff', /container catalog: CrashLoopBackOff after 4 restarts: back-off/],
    ['quota', /FailedCreate: pods "catalog-\w+-" is forbidden: exceeded quota: compute/],
  ];
  for (const [failure, reason] of cases) {
    it(`${failure} ends the wait at once with the cluster's own reason`, async () => {
      seed();
      const lock = lockWith('b');
      double.markBroken(desiredFrom(lock).images.catalog!, failure);
      const started = Date.now();
      const error = await target()
        .apply(desiredFrom(lock), () => {})
        .then(
          () => assert.fail('the rollout must fail'),
          (caught: unknown) => caught,
        );
      assert.ok(error instanceof RolloutFailed, String(error));
      assert.match(error.details.join('\n'), reason);
      assert.ok(Date.now() - started < 5_000, `ended after ${Date.now() - started} ms, not at the 20 s timeout or the 600 s deadline`);
      assert.ok(error.certainAt >= started && error.certainAt <= Date.now());
    });
  }

  it('a paused Deployment is refused in preflight with the way out, and nothing is patched', async () => {
    seed({ paused: true });
    await assert.rejects(target().apply(desiredFrom(lockWith('c')), () => {}), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.match(error.details.join('\n'), /deployment\/catalog: is paused/);
      assert.match(error.hint ?? '', /kubectl rollout resume deployment\/catalog/);
      return true;
    });
    assert.equal(double.requests.filter((request) => request.method === 'PATCH').length, 0);
  });

  for (const managedBy of ['argocd', 'flux'] as const) {
    it(`a Deployment managed by ${managedBy} is refused: its controller would revert the patch`, async () => {
      seed({ managedBy });
      await assert.rejects(target().apply(desiredFrom(lockWith('d')), () => {}), (error: unknown) => {
        assert.ok(error instanceof LockstepError);
        assert.match(error.details.join('\n'), managedBy === 'argocd' ? /managed by Argo CD \(application shop-staging\)/ : /managed by Flux \(kustomization flux-system\/shop\)/);
        assert.match(error.hint ?? '', /GitOps repository/);
        return true;
      });
      assert.equal(double.requests.filter((request) => request.method === 'PATCH').length, 0);
    });
  }

  it('init containers running the locked image move with it; lockstep writes as its own field manager', async () => {
    seed({ initContainers: [{ name: 'migrate', image: 'localhost:5000/acme/catalog:v1' }, { name: 'wait-db', image: `localhost:5000/acme/wait@sha256:${'1'.repeat(64)}` }] });
    const lock = lockWith('e');
    await target().apply(desiredFrom(lock), () => {});
    const deployment = double.object('deployments', namespace, 'catalog') as {
      metadata: { managedFields: Array<{ manager: string }> };
      spec: { template: { spec: { initContainers: Array<{ name: string; image: string }> } } };
    };
    const inits = Object.fromEntries(deployment.spec.template.spec.initContainers.map((container) => [container.name, container.image]));
    assert.equal(inits.migrate, desiredFrom(lock).images.catalog);
    assert.equal(inits['wait-db'], `localhost:5000/acme/wait@sha256:${'1'.repeat(64)}`, 'other images are left alone');
    assert.ok(deployment.metadata.managedFields.some((entry) => entry.manager === 'lockstep'));
  });

  it('an RBAC refusal keeps its hint, in the rollout error and in the health table', async () => {
    seed();
    double.forbid('patch', 'deployments');
    await assert.rejects(target().apply(desiredFrom(lockWith('f')), () => {}), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.match(error.message, /403 Forbidden: deployments\.apps "catalog" is forbidden: User "system:serviceaccount:ci:lockstep" cannot patch/);
      assert.match(error.hint ?? '', /get\/list\/patch on deployments/);
      return true;
    });
    double.forbid('get', 'deployments');
    const checks = await target().healthChecks();
    const deployments = checks.find((check) => check.name === 'deployments')!;
    assert.equal(deployments.ok, false);
    assert.match(deployments.detail, /cannot get resource "deployments".*\(lockstep needs get\/list\/patch on deployments/);
  });

  it('an expired token is a 401 with what to renew', async () => {
    seed();
    double.expireToken();
    await assert.rejects(target().readLive(), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.match(error.message, /401 Unauthorized/);
      assert.ok(error.hint);
      return true;
    });
  });
});

describe('kubeconfig credential plugins and TLS, against the Kubernetes API double', () => {
  let double: KubernetesDouble;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-k8s-auth-'));
    double = await startKubernetesDouble();
    double.seedDeployment({ namespace, name: 'catalog', containers: [{ name: 'catalog', image: 'localhost:5000/acme/catalog:v1' }] });
  });
  after(async () => {
    await double.stop();
    await rm(dir, { recursive: true, force: true });
    assert.deepEqual(double.violations, []);
  });

  async function kubeconfigWith(name: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): Promise<string> {
    const file = join(dir, `${name}.yaml`);
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'double', cluster: { server: double.url, 'certificate-authority-data': Buffer.from(double.certificateAuthority).toString('base64'), ...cluster } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'c', context: { cluster: 'double', user: 'u' } }],
      'current-context': 'c',
    };
    await writeFile(file, JSON.stringify(config), { mode: 0o600 });
    return file;
  }

  function targetFor(kubeconfig: string): KubernetesTarget {
    return createKubernetesTarget({ name: 'staging', target: { kubeconfig, namespace, services: {}, rolloutTimeoutMs: 5_000 }, services: ['catalog'], health: { timeoutMs: 5_000 } });
  }

  it('a credential plugin that is not installed is named, with its install hint', async () => {
    const kubeconfig = await kubeconfigWith('missing-plugin', {
      exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'lockstep-no-such-kubelogin', args: ['get-token'], installHint: 'install kubelogin: https://azure.github.io/kubelogin/' },
    });
    await assert.rejects(targetFor(kubeconfig).readLive(), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.match(error.message, /credential plugin lockstep-no-such-kubelogin is not installed or not on PATH/);
      assert.doesNotMatch(error.message, /ENOENT/);
      assert.match(error.hint ?? '', /install kubelogin/);
      return true;
    });
  });

  it('a credential plugin that fails silently (an AWS CLI without a profile) still gets a reason and a way to see it', async () => {
    const kubeconfig = await kubeconfigWith('silent-plugin', { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'sh', args: ['-c', 'exit 255'] } });
    await assert.rejects(targetFor(kubeconfig).readLive(), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.match(error.message, /credential plugin sh failed: it exited with an error and printed nothing/);
      assert.match(error.hint ?? '', /run it by hand to see why: sh -c exit 255/);
      return true;
    });
  });

  it('a TLS failure on /readyz says TLS, not "Error occurred in health request"', async () => {
    const kubeconfig = await kubeconfigWith('wrong-ca', { token: double.token }, { 'certificate-authority-data': Buffer.from(wrongCa).toString('base64') });
    const [api] = await targetFor(kubeconfig).healthChecks();
    assert.equal(api!.ok, false);
    assert.match(api!.detail, /TLS with https:\/\/127\.0\.0\.1:\d+ failed: .*(certificate|self[- ]signed)/i);
    assert.match(api!.detail, /certificate-authority/);
  });
});

// A CA certificate that did not sign the double's certificate (a throwaway self-signed one).
const wrongCa = `-----BEGIN CERTIFICATE-----
MIIBfDCCASGgAwIBAgIUaWwyMFknNas4jgGRc0KG+DlX8H8wCgYIKoZIzj0EAwIw
EzERMA8GA1UEAwwId3JvbmctY2EwHhcNMjYxMjAzMDkyODMwWhcNMzYxMTMwMDky
ODMwWjATMREwDwYDVQQDDAh3cm9uZy1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABElJbvlGB/vzl7C8N+p/LQl9EMfi/egLanvs9+mJ5E6O4J9SqkNturxoBO3F
jclq0Yer701uiXkMHrxu1/auSOCjUzBRMB0GA1UdDgQWBBQ3G/AJJ8DnjHv9L4H7
WEIBbbceAjAfBgNVHSMEGDAWgBQ3G/AJJ8DnjHv9L4H7WEIBbbceAjAPBgNVHRMB
Af8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQDUzMXqnvQvLqVy7sJSSN6lDyUQ
LzOYCbg+3f/chTk7ngIhAJhMoeVyW+yxf6GQd6Leu2gZcK7exARo7Tx/eXERbmjb
-----END CERTIFICATE-----
`;
