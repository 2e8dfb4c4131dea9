import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeStatus } from '../../../src/environments/drift.js';
import type { LiveService, LiveState } from '../../../src/environments/target.js';
import { hex, makeLock, service } from '../../support/lockFixtures.js';

const lock = makeLock({ catalog: service('catalog'), cart: service('cart'), gateway: service('gateway') });
const running = (name: string, overrides: Partial<LiveService> = {}): LiveService => ({
  image: `${lock.services[name]!.image}@${lock.services[name]!.digest}`,
  digest: lock.services[name]!.digest,
  healthy: true,
  lockIntegrity: lock.integrity,
  state: 'running',
  ...overrides,
});

function live(services: Record<string, LiveService>): LiveState {
  return { lockIntegrity: lock.integrity, lock, services };
}

describe('status and drift', () => {
  it('is in sync when every locked service runs its digest, healthy, under the lock label', () => {
    const status = computeStatus(live({ catalog: running('catalog'), cart: running('cart'), gateway: running('gateway'), redis: { image: 'redis@x', digest: null } }));
    assert.equal(status.inSync, true);
    assert.deepEqual(status.drifted, []);
    assert.equal(status.services.find((entry) => entry.service === 'redis')?.detail, 'not in the lock');
  });

  it('names each kind of drift per service', () => {
    const other = `sha256:${hex('other', 64)}`;
    const status = computeStatus(
      live({
        catalog: running('catalog', { digest: other, image: `x@${other}` }),
        cart: running('cart', { digest: null, image: 'localhost:5000/acme/cart:latest' }),
        gateway: running('gateway', { healthy: false, state: 'exited (exit 1)' }),
      }),
    );
    assert.equal(status.inSync, false);
    assert.deepEqual(
      status.services.map((entry) => [entry.service, entry.drift]),
      [
        ['cart', 'not-pinned'],
        ['catalog', 'digest-differs'],
        ['gateway', 'not-running'],
      ],
    );
    assert.match(status.services[1]!.detail, new RegExp(`runs ${other} instead of ${lock.services.catalog!.digest}`));
  });

  it('reports a locked service that does not run, and one relabelled by another deploy', () => {
    const status = computeStatus(live({ catalog: running('catalog', { lockIntegrity: `sha256:${hex('x', 64)}` }), cart: running('cart') }));
    assert.deepEqual(status.drifted, ['catalog', 'gateway']);
    assert.equal(status.services.find((entry) => entry.service === 'gateway')?.drift, 'missing');
    assert.equal(status.services.find((entry) => entry.service === 'catalog')?.drift, 'other-lock');
  });

  it('is never in sync without a recorded lock', () => {
    const status = computeStatus({ lockIntegrity: null, lock: null, services: { catalog: running('catalog') } });
    assert.equal(status.inSync, false);
    assert.deepEqual(status.drifted, []);
  });
});
