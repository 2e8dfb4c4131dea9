import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergedPullRequest, newestRelease, resolveRelease } from '../../../src/environments/releases/resolveRelease.js';
import type { PullRequestInfo } from '../../../src/github/port.js';
import { makeLock, service } from '../../support/lockFixtures.js';

const v1 = makeLock({ cart: service('cart', { tag: '1.2.0' }), catalog: service('catalog', { tag: '2.0.0' }) });
const released = { version: 'v1.4.0', lock: v1, from: 'locks/releases/v1.4.0.lock.yaml' };

describe('resolving a production release', () => {
  it('does nothing when no service changed since the newest release, and says so', () => {
    // Regenerated from the same pins: only createdAt differs.
    const same = makeLock(v1.services, { createdAt: '2026-12-01T00:00:00Z' });
    const decision = resolveRelease({ lock: same, released });
    assert.deepEqual(decision, { action: 'nothing-to-do', released: 'v1.4.0', reason: 'no service changed since release v1.4.0; nothing deployed' });
  });

  it('releases the next version the lock calls for when a service changed', () => {
    const minor = makeLock({ ...v1.services, cart: service('cart', { tag: '1.3.0', digest: `sha256:${'1'.repeat(64)}` }) });
    assert.deepEqual(resolveRelease({ lock: minor, released }), { action: 'release', version: 'v1.5.0', why: 'minor: cart 1.2.0 → 1.3.0', released: 'v1.4.0' });
    const major = makeLock({ ...v1.services, catalog: service('catalog', { tag: '3.0.0', digest: `sha256:${'2'.repeat(64)}` }) });
    const decided = resolveRelease({ lock: major, released });
    assert.ok(decided.action === 'release');
    assert.equal(decided.version, 'v2.0.0');
  });

  it('takes a version given by hand only above the newest release', () => {
    const changed = makeLock({ cart: service('cart', { tag: '1.2.1' }) });
    const chosen = resolveRelease({ lock: changed, released, version: 'v1.4.7' });
    assert.ok(chosen.action === 'release');
    assert.equal(chosen.version, 'v1.4.7');
    for (const version of ['v1.4.0', 'v1.3.9', 'v1.4.0-rc.1', '1.5.0']) {
      const refused = resolveRelease({ lock: changed, released, version });
      assert.equal(refused.action, 'refuse', version);
    }
  });

  it('makes the first release v1.0.0, and never calls it a no-op', () => {
    const first = resolveRelease({ lock: v1, released: null });
    assert.ok(first.action === 'release');
    assert.equal(first.version, 'v1.0.0');
    assert.equal(first.released, null);
  });

  it('finds the newest release by semver, not by order', () => {
    assert.equal(newestRelease([{ version: 'v1.10.0' }, { version: 'v1.9.0' }, { version: 'v2.0.0-rc.1' }, { version: 'notes' }])?.version, 'v2.0.0-rc.1');
    assert.equal(newestRelease([]), null);
  });
});

describe('the pull request of a production commit', () => {
  const pull = (number: number, change: Partial<PullRequestInfo>): PullRequestInfo => ({
    number,
    state: 'closed',
    merged: true,
    mergeCommitSha: null,
    title: '',
    body: '',
    author: 'dev',
    headRef: 'staging',
    headSha: 'h'.repeat(40),
    baseRef: 'main',
    baseSha: 'b'.repeat(40),
    labels: [],
    url: '',
    ...change,
  });
  const commit = 'c'.repeat(40);

  it('is the merged one into the production branch whose merge made the commit', () => {
    const pulls = [pull(9, { mergeCommitSha: 'd'.repeat(40) }), pull(7, { mergeCommitSha: commit }), pull(12, { merged: false, state: 'open' }), pull(11, { baseRef: 'staging', mergeCommitSha: commit })];
    assert.equal(mergedPullRequest(pulls, commit, 'main')?.number, 7);
  });

  it('is none when only open pull requests or merges into other branches hold the commit', () => {
    assert.equal(mergedPullRequest([pull(12, { merged: false, state: 'open' }), pull(11, { baseRef: 'staging' })], commit, 'main'), null);
  });
});
