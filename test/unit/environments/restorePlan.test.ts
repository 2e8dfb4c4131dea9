import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planRestore } from '../../../src/environments/restorePlan.js';
import type { LiveState } from '../../../src/environments/target.js';
import { hex, makeLock, service } from '../../support/lockFixtures.js';

const lockA = makeLock({ catalog: service('catalog'), cart: service('cart') });
const pinned = (name: string) => `${lockA.services[name]!.image}@${lockA.services[name]!.digest}`;

describe('restore planning', () => {
  it('puts back the pinned digests that ran and re-records the lock they carried', () => {
    const previous: LiveState = {
      lockIntegrity: lockA.integrity,
      lock: lockA,
      services: {
        catalog: { image: pinned('catalog'), digest: lockA.services.catalog!.digest, imageId: `sha256:${hex('c-id', 64)}`, lockIntegrity: lockA.integrity },
        cart: { image: pinned('cart'), digest: lockA.services.cart!.digest, imageId: `sha256:${hex('k-id', 64)}`, lockIntegrity: lockA.integrity },
      },
    };
    const plan = planRestore(previous, ['cart', 'catalog']);
    assert.deepEqual(plan.images, { cart: pinned('cart'), catalog: pinned('catalog') });
    assert.deepEqual(plan.remove, []);
    assert.equal(plan.lock?.integrity, lockA.integrity);
  });

  it('restores drift exactly: a service started from a tag comes back by its image id', () => {
    const imageId = `sha256:${hex('hand', 64)}`;
    const previous: LiveState = {
      lockIntegrity: lockA.integrity,
      lock: lockA,
      services: {
        catalog: { image: pinned('catalog'), digest: lockA.services.catalog!.digest, imageId: `sha256:${hex('c-id', 64)}`, lockIntegrity: lockA.integrity },
        cart: { image: 'localhost:5000/acme/cart:hotfix', digest: null, imageId, lockIntegrity: null },
      },
    };
    const plan = planRestore(previous, ['catalog', 'cart']);
    assert.equal(plan.images.cart, imageId);
    assert.equal(plan.images.catalog, pinned('catalog'));
  });

  it('removes services that did not run before (a failed first deploy leaves nothing behind)', () => {
    const plan = planRestore({ lockIntegrity: null, lock: null, services: {} }, ['catalog', 'cart']);
    assert.deepEqual(plan.images, {});
    assert.deepEqual(plan.remove, ['cart', 'catalog']);
    assert.equal(plan.lock, null);
  });

  it('falls back to the image reference when neither a digest nor an id is known', () => {
    const previous: LiveState = { lockIntegrity: null, lock: null, services: { cart: { image: 'cart:dev', digest: null } } };
    assert.deepEqual(planRestore(previous, ['cart']).images, { cart: 'cart:dev' });
  });
});
