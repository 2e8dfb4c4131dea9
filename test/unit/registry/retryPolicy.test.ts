import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRetryableOutcome, parseRetryAfter, retryDecision, type RetryPolicy } from '../../../src/registry/retryPolicy.js';

const policy: RetryPolicy = { retries: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 30_000 };
const now = Date.parse('2026-11-21T12:00:00Z');

describe('retry decisions', () => {
  it('retries 429, 5xx (not 501/505), timeouts and transient connection errors only', () => {
    for (const status of [429, 500, 502, 503, 504, 599]) assert.equal(isRetryableOutcome({ kind: 'status', status }), true, String(status));
    for (const status of [200, 400, 401, 403, 404, 501, 505]) assert.equal(isRetryableOutcome({ kind: 'status', status }), false, String(status));
    assert.equal(isRetryableOutcome({ kind: 'timeout' }), true);
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN']) assert.equal(isRetryableOutcome({ kind: 'connection', code }), true, code);
    for (const code of ['ENOTFOUND', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED']) assert.equal(isRetryableOutcome({ kind: 'connection', code }), false, code);
  });

  it('backs off exponentially, with jitter between half and all of the ceiling, capped', () => {
    const at = (failures: number, random: number) => retryDecision({ kind: 'status', status: 503 }, failures, { ...policy, retries: 10 }, () => random, now);
    assert.deepEqual(at(1, 0), { retry: true, delayMs: 50 });
    assert.deepEqual(at(1, 1), { retry: true, delayMs: 100 });
    assert.deepEqual(at(2, 0), { retry: true, delayMs: 100 });
    assert.deepEqual(at(3, 1), { retry: true, delayMs: 400 });
    assert.deepEqual(at(8, 1), { retry: true, delayMs: 1_000 }, 'never above maxDelayMs');
    const spread = new Set(Array.from({ length: 20 }, (_, index) => (at(2, index / 20) as { delayMs: number }).delayMs));
    assert.ok(spread.size > 10, 'different random draws give different delays');
  });

  it('stops after the configured number of retries', () => {
    assert.equal(retryDecision({ kind: 'timeout' }, 3, policy, () => 0.5, now).retry, true);
    const last = retryDecision({ kind: 'timeout' }, 4, policy, () => 0.5, now);
    assert.equal(last.retry, false);
    assert.match((last as { reason: string }).reason, /4 attempts/);
  });

  it('never retries what cannot change, however many attempts are left', () => {
    assert.equal(retryDecision({ kind: 'status', status: 404 }, 1, policy, () => 0.5, now).retry, false);
  });

  it('waits as long as Retry-After says (seconds or HTTP date), and refuses absurd waits', () => {
    assert.deepEqual(retryDecision({ kind: 'status', status: 429, retryAfter: '2' }, 1, policy, () => 0.5, now), { retry: true, delayMs: 2_000 });
    const date = new Date(now + 5_000).toUTCString();
    assert.deepEqual(retryDecision({ kind: 'status', status: 503, retryAfter: date }, 1, policy, () => 0.5, now), { retry: true, delayMs: 5_000 });
    const refused = retryDecision({ kind: 'status', status: 429, retryAfter: '3600' }, 1, policy, () => 0.5, now);
    assert.equal(refused.retry, false);
    assert.match((refused as { reason: string }).reason, /3600 s/);
    const garbage = retryDecision({ kind: 'status', status: 429, retryAfter: 'soon' }, 1, policy, () => 1, now);
    assert.deepEqual(garbage, { retry: true, delayMs: 100 }, 'an unreadable Retry-After falls back to backoff');
  });

  it('parses Retry-After forms', () => {
    assert.equal(parseRetryAfter('0', now), 0);
    assert.equal(parseRetryAfter(' 17 ', now), 17_000);
    assert.equal(parseRetryAfter(new Date(now - 10_000).toUTCString(), now), 0, 'a date in the past means now');
    assert.equal(parseRetryAfter('-3', now), undefined);
    assert.equal(parseRetryAfter('1.5', now), undefined);
    assert.equal(parseRetryAfter('', now), undefined);
  });
});
