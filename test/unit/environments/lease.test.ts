import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideLease, defaultHolder, describeLease, newLease } from '../../../src/environments/lease/decideLease.js';

const now = new Date('2026-11-21T12:00:00Z');

describe('lease decisions', () => {
  it('acquires a free environment with an expiry ttl from now', () => {
    assert.deepEqual(decideLease(null, 'ci:1', now), { action: 'acquire' });
    const lease = newLease('ci:1', 15 * 60_000, now);
    assert.equal(lease.acquiredAt, '2026-11-21T12:00:00.000Z');
    assert.equal(lease.expiresAt, '2026-11-21T12:15:00.000Z');
  });

  it('refuses a live lease of another holder and names it', () => {
    const held = newLease('alice@box:42', 60_000, new Date(now.getTime() - 30_000));
    assert.deepEqual(decideLease(held, 'ci:1', now), { action: 'refuse', heldBy: held });
    assert.match(describeLease(held, now), /^alice@box:42 \(since 2026-11-21T11:59:30.000Z, expires 2026-11-21T12:00:30.000Z, in 30s\)$/);
  });

  it('takes over an expired lease, even one that expires this very instant', () => {
    const expired = newLease('killed-run', 60_000, new Date(now.getTime() - 60_000));
    assert.deepEqual(decideLease(expired, 'ci:1', now), { action: 'take-over', stale: expired, reason: 'expired' });
    assert.match(describeLease(expired, new Date(now.getTime() + 5 * 60_000)), /5m ago\)$/);
  });

  it('takes over a lease whose expiry nobody can read, rather than blocking forever', () => {
    const broken = { holder: 'x', acquiredAt: '?', expiresAt: 'tomorrow-ish' };
    assert.deepEqual(decideLease(broken, 'ci:1', now), { action: 'take-over', stale: broken, reason: 'unreadable' });
  });

  it('lets the same holder re-acquire its own live lease (a retried job)', () => {
    const own = newLease('ci:1', 60_000, now);
    assert.equal(decideLease(own, 'ci:1', now).action, 'take-over');
    assert.equal(decideLease(own, 'ci:2', now).action, 'refuse');
  });

  it('names the holder after the CI run when there is one, else user@host:pid', () => {
    assert.equal(
      defaultHolder({ GITHUB_RUN_ID: '77', GITHUB_REPOSITORY: 'acme/orch', GITHUB_RUN_ATTEMPT: '2' }, 'u', 'h', 1),
      'github:acme/orch/actions/runs/77/2',
    );
    assert.equal(defaultHolder({}, 'ann', 'laptop', 4242), 'ann@laptop:4242');
  });
});
