import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideArchiveCommit } from '../../../src/github/archiveCommit.js';
import { makeLock, service } from '../../support/lockFixtures.js';

const lock = makeLock({ cart: service('cart') });
const other = makeLock({ cart: service('cart', { tag: 'sha-other' }) });
const label = 'locks/releases/v1.0.0.lock.yaml@main';

describe('committing an archived release to the production branch', () => {
  it('commits a release the branch does not archive yet, and not twice', () => {
    assert.deepEqual(decideArchiveCommit({ state: 'absent', label }, lock.integrity), { action: 'commit' });
    assert.deepEqual(decideArchiveCommit({ state: 'valid', label, lock, bytes: Buffer.from('') }, lock.integrity), { action: 'unchanged' });
  });

  it('never replaces what the branch archives under the version, even a broken file', () => {
    const refused = decideArchiveCommit({ state: 'valid', label, lock: other, bytes: Buffer.from('') }, lock.integrity);
    assert.equal(refused.action, 'refuse');
    assert.equal(decideArchiveCommit({ state: 'invalid', label, problem: 'bad YAML', bytes: Buffer.from('x') }, lock.integrity).action, 'refuse');
  });
});
