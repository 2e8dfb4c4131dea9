import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AppsV1Api, CoordinationV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startKubernetesDouble, type KubernetesDouble } from '../../doubles/kubernetes/server.js';

// The Kubernetes API double must refuse what the real API server refuses, judged by the Kubernetes
// OpenAPI description; otherwise the target tests would pass against requests a cluster rejects.

describe('Kubernetes API double validated against the OpenAPI description', () => {
  let double: KubernetesDouble;
  let apps: AppsV1Api;
  let coordination: CoordinationV1Api;

  before(async () => {
    double = await startKubernetesDouble();
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'double', server: double.url, caData: Buffer.from(double.certificateAuthority).toString('base64') }],
      users: [{ name: 'user', token: double.token }],
      contexts: [{ name: 'double', cluster: 'double', user: 'user' }],
      currentContext: 'double',
    });
    apps = config.makeApiClient(AppsV1Api);
    coordination = config.makeApiClient(CoordinationV1Api);
  });
  after(() => double.stop());
  beforeEach(() => {
    double.violations.length = 0;
    double.seedDeployment({ namespace: 'ns', name: 'web', containers: [{ name: 'web', image: 'r/web:1' }] });
  });

  function raw(method: string, path: string, options: { body?: string; contentType?: string; token?: string } = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, double.url);
      const outgoing = request(
        url,
        {
          method,
          ca: double.certificateAuthority,
          headers: { authorization: `Bearer ${options.token ?? double.token}`, ...(options.contentType ? { 'content-type': options.contentType } : {}) },
        },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(options.body);
    });
  }

  const patch = { spec: { template: { spec: { containers: [{ name: 'web', image: 'r/web:2' }] } } } };

  it('refuses a merge-style body sent with the default JSON-patch content type', async () => {
    await assert.rejects(apps.patchNamespacedDeployment({ name: 'web', namespace: 'ns', body: patch }), (error: { code: number }) => error.code === 400);
    assert.match(double.violations.join('\n'), /a JSON patch must be an array of operations/);
  });

  it('applies a strategic merge patch by container name, and refuses an unknown field in strict mode', async () => {
    const options = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    const patched = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'ns', body: patch, fieldValidation: 'Strict' }, options);
    assert.equal(patched.spec?.template.spec?.containers[0]?.image, 'r/web:2');
    assert.equal(patched.metadata?.generation, 2);
    assert.deepEqual(double.violations, []);

    const typo = { spec: { template: { spec: { containers: [{ name: 'web', imagee: 'r/web:3' }] } } } };
    await assert.rejects(apps.patchNamespacedDeployment({ name: 'web', namespace: 'ns', body: typo, fieldValidation: 'Strict' }, options), (error: { code: number }) => error.code === 400);
    assert.match(double.violations.join('\n'), /strict decoding error: unknown field "spec\.template\.spec\.containers\.0\.imagee"/);
  });

  it('without strict validation drops the unknown field, warns, and still records the violation', async () => {
    const typo = { spec: { template: { spec: { containers: [{ name: 'web', imagee: 'r/web:3' }] } } } };
    const patched = await apps.patchNamespacedDeployment({ name: 'web', namespace: 'ns', body: typo }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    assert.equal(patched.spec?.template.spec?.containers[0]?.image, 'r/web:1');
    assert.equal((patched.spec?.template.spec?.containers[0] as unknown as Record<string, unknown> | undefined)?.imagee, undefined);
    assert.match(double.violations.join('\n'), /unknown field .*dropped by the server/);
  });

  it('refuses a MicroTime with millisecond precision, as metav1.MicroTime parsing does', async () => {
    const body = { metadata: { name: 'l' }, spec: { holderIdentity: 'x', acquireTime: new Date('2026-01-01T00:00:00Z'), leaseDurationSeconds: 5 } };
    await assert.rejects(coordination.createNamespacedLease({ namespace: 'ns', body }), (error: { code: number }) => error.code === 422);
    assert.match(double.violations.join('\n'), /acquireTime: must match format "micro-time"/);
  });

  it('refuses endpoints, methods and query parameters the API does not have, and a wrong content type', async () => {
    assert.equal((await raw('GET', '/apis/apps/v1/namespaces/ns/deploymentz/web')).status, 404);
    assert.equal((await raw('POST', '/apis/apps/v1/namespaces/ns/deployments/web', { body: '{}', contentType: 'application/json' })).status, 405);
    assert.equal((await raw('GET', '/apis/apps/v1/namespaces/ns/deployments/web?force=true')).status, 400);
    assert.equal((await raw('PATCH', '/apis/apps/v1/namespaces/ns/deployments/web', { body: '{}', contentType: 'text/plain' })).status, 415);
    assert.equal(double.violations.length, 4, double.violations.join('\n'));
  });

  it('a merge patch replaces lists whole, so containers without an image are refused', async () => {
    const body = { spec: { template: { spec: { containers: [{ name: 'web' }] } } } };
    await assert.rejects(apps.patchNamespacedDeployment({ name: 'web', namespace: 'ns', body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)), (error: { code: number }) => error.code === 422);
  });

  it('refuses a wrong token, a changed selector and a missing image', async () => {
    assert.equal((await raw('GET', '/apis/apps/v1/namespaces/ns/deployments/web', { token: 'wrong' })).status, 401);
    const selector = JSON.stringify({ spec: { selector: { matchLabels: { app: 'other' } }, template: { metadata: { labels: { app: 'other' } } } } });
    const changed = await raw('PATCH', '/apis/apps/v1/namespaces/ns/deployments/web', { body: selector, contentType: 'application/merge-patch+json' });
    assert.equal(changed.status, 422);
    assert.match(changed.body, /field is immutable/);
    const noImage = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'web', image: '' }] } } } });
    assert.equal((await raw('PATCH', '/apis/apps/v1/namespaces/ns/deployments/web', { body: noImage, contentType: 'application/strategic-merge-patch+json' })).status, 422);
  });
});
