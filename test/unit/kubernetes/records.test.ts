import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imagePatch, leaseFromObject, leaseObject, lockConfigMap, lockFromConfigMap } from '../../../src/environments/targets/kubernetes/records.js';
import { makeLock, service } from '../../support/lockFixtures.js';

describe('kubernetes records', () => {
  it('the image patch names one container by its merge key and sets or clears the annotations', () => {
    assert.deepEqual(imagePatch('web', 'r/web@sha256:1', 'sha256:abc', 'abc'), {
      metadata: { annotations: { 'lockstep.dev/lock-integrity': 'sha256:abc', 'lockstep.dev/lock-id': 'abc' } },
      spec: { template: { spec: { containers: [{ name: 'web', image: 'r/web@sha256:1' }] } } },
    });
    const cleared = imagePatch('web', 'r/web:1', null, null) as { metadata: { annotations: Record<string, null> } };
    assert.deepEqual(cleared.metadata.annotations, { 'lockstep.dev/lock-integrity': null, 'lockstep.dev/lock-id': null });
  });

  it('a lease round-trips through the Lease object, with microsecond times', () => {
    const lease = { holder: 'run-7', acquiredAt: '2026-11-21T12:00:00.000Z', expiresAt: '2026-11-21T12:15:00.000Z' };
    const object = leaseObject('prod', 'shop', lease, 2, '41');
    assert.equal(object.metadata?.name, 'lockstep-prod');
    assert.equal(object.metadata?.resourceVersion, '41');
    assert.equal(object.spec?.leaseDurationSeconds, 900);
    assert.equal(object.spec?.acquireTime?.toISOString(), '2026-11-21T12:00:00.000000Z');
    assert.deepEqual(leaseFromObject(object), lease);
    assert.equal(leaseFromObject({ spec: { leaseDurationSeconds: 5 } }), null, 'a lease without a holder is free');
    assert.equal(leaseFromObject({ spec: { holderIdentity: 'x' } })?.expiresAt, 'unknown');
  });

  it('the lock ConfigMap holds the lock, and an edited record is refused', () => {
    const lock = makeLock({ web: service('web') });
    const configMap = lockConfigMap('staging', 'shop', lock);
    assert.equal(configMap.metadata?.name, 'lockstep-staging-lock');
    assert.equal(configMap.metadata?.annotations?.['lockstep.dev/lock-integrity'], lock.integrity);
    assert.deepEqual(lockFromConfigMap(configMap), lock);
    const edited = { ...configMap, data: { 'lock.yaml': configMap.data!['lock.yaml']!.replace(lock.services.web!.digest, `sha256:${'0'.repeat(64)}`) } };
    assert.throws(() => lockFromConfigMap(edited), /configmap shop\/lockstep-staging-lock: integrity: does not match/);
    assert.throws(() => lockFromConfigMap({ metadata: { name: 'x', namespace: 'y' } }), /configmap y\/x: data\.lock\.yaml: is missing/);
  });
});
