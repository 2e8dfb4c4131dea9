import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextReleaseVersion, serviceBump } from '../../../src/environments/releases/nextVersion.js';
import { hex, service } from '../../support/lockFixtures.js';

const released = {
  version: 'v2.3.4',
  lock: { services: { api: service('api', { tag: '1.4.2' }), web: service('web', { tag: 'v3.0.0' }), worker: service('worker') } },
};

function changed(name: string, tag: string) {
  return service(name, { tag, digest: `sha256:${hex(`${name}-${tag}`, 64)}` });
}

describe('release version derived from the lock', () => {
  it('reads the semver change between two service tags, with or without a v', () => {
    assert.equal(serviceBump('1.4.2', '2.0.0'), 'major');
    assert.equal(serviceBump('v1.4.2', '1.5.0'), 'minor');
    assert.equal(serviceBump('1.4.2', 'v1.4.3'), 'patch');
    assert.equal(serviceBump('sha-abc1234', 'sha-def5678'), 'patch');
  });

  it('takes the largest change among the services that changed', () => {
    const lock = { services: { ...released.lock.services, api: changed('api', '1.5.0'), web: changed('web', 'v4.0.0') } };
    assert.deepEqual(nextReleaseVersion({ released, lock }), { version: 'v3.0.0', bump: 'major', reason: 'web v3.0.0 → v4.0.0' });
    const minor = { services: { ...released.lock.services, api: changed('api', '1.5.0') } };
    assert.deepEqual(nextReleaseVersion({ released, lock: minor }), { version: 'v2.4.0', bump: 'minor', reason: 'api 1.4.2 → 1.5.0' });
  });

  it('makes a patch release for a rebuild or a sha-tagged change, and ignores services that did not change', () => {
    const rebuilt = { services: { ...released.lock.services, worker: changed('worker', 'sha-1234567') } };
    assert.equal(nextReleaseVersion({ released, lock: rebuilt }).version, 'v2.3.5');
    const same = { services: released.lock.services };
    assert.deepEqual(nextReleaseVersion({ released, lock: same }), { version: 'v2.3.5', bump: 'patch', reason: 'no service changed' });
  });

  it('treats a new service as minor and a removed one as major', () => {
    const added = { services: { ...released.lock.services, billing: service('billing') } };
    assert.equal(nextReleaseVersion({ released, lock: added }).version, 'v2.4.0');
    const { worker: _removed, ...rest } = released.lock.services;
    assert.equal(nextReleaseVersion({ released, lock: { services: rest } }).version, 'v3.0.0');
  });

  it('lets a flag override the derived bump, and starts at v1.0.0', () => {
    const lock = { services: { ...released.lock.services, web: changed('web', 'v4.0.0') } };
    assert.deepEqual(nextReleaseVersion({ released, lock, override: 'patch' }), { version: 'v2.3.5', bump: 'patch', reason: 'chosen by hand (patch)' });
    assert.equal(nextReleaseVersion({ released: null, lock }).version, 'v1.0.0');
  });
});
