import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LockstepError } from '../../../src/errors.js';
import { renderLockComment } from '../../../src/github/lockComment.js';
import { isSticky, lockMarker, readLockMarker, stickyMarker } from '../../../src/github/markers.js';
import { maxBodyLength, promotionLabels, promotionTitle, renderPromotionBody } from '../../../src/github/promotionBody.js';
import { releaseAssetName, renderReleaseNotes } from '../../../src/github/releaseNotes.js';
import { lockId } from '../../../src/lock/integrity.js';
import { hex, makeLock, service } from '../../support/lockFixtures.js';

const before = makeLock({ cart: service('cart'), catalog: service('catalog') });
const after = makeLock({ cart: service('cart'), catalog: service('catalog', { digest: `sha256:${hex('catalog-2', 64)}` }), search: service('search') });
const labels = { release: 'automation:release-bump', hotfix: 'automation:hotfix' };

describe('markers', () => {
  it('finds a sticky comment only when the marker opens the body', () => {
    assert.ok(isSticky(`\n${stickyMarker('lock-comment')}\nbody`, 'lock-comment'));
    assert.ok(!isSticky(`> quoting\n${stickyMarker('lock-comment')}`, 'lock-comment'));
    assert.ok(!isSticky(stickyMarker('other'), 'lock-comment'));
  });

  it('reads back the lock integrity it wrote, and null when there is none', () => {
    assert.equal(readLockMarker(`text\n${lockMarker(after.integrity)}\nmore`), after.integrity);
    assert.equal(readLockMarker(`text ${lockMarker(after.integrity)} ${lockMarker(after.integrity)}`), after.integrity);
    assert.equal(readLockMarker('no marker here'), null);
  });

  it('refuses two different lock markers and a malformed one', () => {
    assert.throws(() => readLockMarker(`${lockMarker(before.integrity)}\n${lockMarker(after.integrity)}`), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.equal(error.code, 'GATE_REFUSED');
      return true;
    });
    assert.throws(() => readLockMarker('<!-- lockstep:lock {"integrity":"sha256:short"} -->'), /no valid integrity/);
    assert.throws(() => readLockMarker('<!-- lockstep:lock {not json} -->'), /not valid JSON/);
  });
});

describe('lock comment', () => {
  it('shows the lock and only the services that change against the target branch', () => {
    const body = renderLockComment({ lock: after, baseRef: 'staging', base: { state: 'valid', label: 'x', lock: before, bytes: Buffer.alloc(0) } });
    assert.ok(isSticky(body, 'lock-comment'));
    assert.match(body, new RegExp(`Release lock \`${lockId(after)}\``));
    assert.match(body, /Changes against `staging`/);
    assert.match(body, /\| catalog \| changed \|/);
    assert.match(body, /\| search \| added \|/);
    assert.doesNotMatch(body, /\| cart \| (changed|added)/);
  });

  it('says when the target branch has no lock yet, and warns about an invalid one', () => {
    const first = renderLockComment({ lock: after, baseRef: 'staging', base: { state: 'absent', label: 'locks/current.lock.yaml@staging' } });
    assert.match(first, /has no lock yet/);
    assert.match(first, /0 changed, 3 added/);
    const broken = renderLockComment({ lock: after, baseRef: 'staging', base: { state: 'invalid', label: 'l@staging', problem: 'integrity: does not match', bytes: Buffer.alloc(0) } });
    assert.match(broken, /Warning:.*integrity: does not match/);
  });
});

describe('promotion pull request', () => {
  const input = { lock: after, from: 'staging', to: 'main', target: { state: 'valid' as const, label: 'l@main', lock: before, bytes: Buffer.alloc(0) }, runUrls: [{ name: 'staging run', url: 'https://ci.example/run/1' }] };

  it('carries the lock table, the diff, the E2E summary, run links and a readable integrity marker', () => {
    const body = renderPromotionBody({ ...input, e2eSummary: '**42 passed**' });
    assert.equal(readLockMarker(body), after.integrity);
    assert.match(body, /### Release lock/);
    assert.match(body, /\| catalog \| changed \|/);
    assert.match(body, /\*\*42 passed\*\*/);
    assert.match(body, /\[staging run\]\(https:\/\/ci\.example\/run\/1\)/);
  });

  it('truncates a huge E2E summary so the body stays under the GitHub limit, keeping the marker', () => {
    const summary = Array.from({ length: 20_000 }, (_, index) => `line ${index} of the e2e report`).join('\n');
    const body = renderPromotionBody({ ...input, e2eSummary: summary });
    assert.ok(body.length <= maxBodyLength, `${body.length}`);
    assert.match(body, /E2E summary truncated/);
    assert.equal(readLockMarker(body), after.integrity);
  });

  it('labels hotfix locks as hotfixes and everything else as release bumps', () => {
    const hotfix = makeLock({ cart: service('cart') }, { hotfix: { baseIntegrity: before.integrity, services: ['cart'] } });
    assert.deepEqual(promotionLabels(hotfix, labels), { wanted: 'automation:hotfix', unwanted: 'automation:release-bump' });
    assert.deepEqual(promotionLabels(after, labels), { wanted: 'automation:release-bump', unwanted: 'automation:hotfix' });
    assert.match(promotionTitle(hotfix, 'staging', 'main'), /^Hotfix staging → main: lock [0-9a-f]{12} \(cart\)$/);
    assert.equal(promotionTitle(after, 'staging', 'main'), `Promote staging → main: lock ${lockId(after)}`);
  });
});

describe('release notes', () => {
  it('diff against the previous release lock, or say it is the first release', () => {
    const notes = renderReleaseNotes('v1.1.0', after, { state: 'found', tag: 'v1.0.0', lock: before, from: 'the lock attached to v1.0.0' });
    assert.match(notes, /## v1\.1\.0/);
    assert.match(notes, /Changes since v1\.0\.0/);
    assert.match(notes, /1 changed, 1 added, 0 removed, 1 unchanged/);
    assert.equal(readLockMarker(notes), after.integrity);
    assert.match(renderReleaseNotes('v1.0.0', before, { state: 'none' }), /First release/);
    assert.match(renderReleaseNotes('v1.1.0', after, { state: 'unavailable', tag: 'v1.0.0', problem: 'gone' }), /could not be read \(gone\)/);
    assert.equal(releaseAssetName('v1.1.0'), 'v1.1.0.lock.yaml');
  });
});
