import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SmokeProbeConfig } from '../../../src/config/environments.js';
import { evaluateProbe, runProbe, type ProbeObservation } from '../../../src/environments/smoke/evaluateProbe.js';
import { smokeSuite } from '../../../src/stages/smoke.js';
import { renderJunit } from '../../../src/stack/junit.js';

const probe: SmokeProbeConfig = {
  name: 'catalog',
  url: 'http://127.0.0.1:9/api/catalog/products',
  expectStatus: 200,
  bodyMatch: '"products"\\s*:\\s*\\[',
  latencyBudgetMs: 300,
  retries: 2,
  retryDelayMs: 10,
  timeoutMs: 1000,
};
const response = (status: number, body: string, latencyMs: number): ProbeObservation => ({ kind: 'response', status, body, latencyMs });

describe('smoke probe evaluation', () => {
  it('passes when status, body and latency all hold', () => {
    const verdict = evaluateProbe(probe, response(200, '{"products": [1]}', 120));
    assert.deepEqual(verdict, { ok: true, failures: [], detail: '200 in 120 ms' });
  });

  it('lists every failed expectation of one response', () => {
    const verdict = evaluateProbe(probe, response(503, 'upstream down', 450));
    assert.equal(verdict.ok, false);
    assert.deepEqual(verdict.failures, [
      'status 503, expected 200',
      'body does not match /"products"\\s*:\\s*\\[/ ("upstream down")',
      'took 450 ms, over the 300 ms budget',
    ]);
  });

  it('fails a slow but otherwise right answer, and a missing answer', () => {
    assert.equal(evaluateProbe(probe, response(200, '{"products":[]}', 301)).ok, false);
    const none = evaluateProbe(probe, { kind: 'error', message: 'ECONNREFUSED', latencyMs: 2 });
    assert.equal(none.ok, false);
    assert.equal(none.detail, 'no response: ECONNREFUSED after 2 ms');
  });

  it('retries until an attempt passes, waiting between attempts', async () => {
    const answers = [response(502, '', 5), response(200, '{"products":[2]}', 5)];
    const waits: number[] = [];
    const outcome = await runProbe(probe, async () => answers.shift()!, async (ms) => void waits.push(ms));
    assert.equal(outcome.ok, true);
    assert.equal(outcome.attempts, 2);
    assert.deepEqual(waits, [10]);
  });

  it('gives up after 1 + retries attempts and keeps the last verdict', async () => {
    let calls = 0;
    const outcome = await runProbe(probe, async () => response(500 + ++calls, '', 5), async () => undefined);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.attempts, 3);
    assert.match(outcome.verdict.detail, /^status 503, expected 200/);
  });

  it('becomes a JUnit suite with one failing test case per failed probe', async () => {
    const failed = await runProbe({ ...probe, retries: 0 }, async () => response(404, 'no', 1), async () => undefined);
    const passed = await runProbe({ ...probe, name: 'health', retries: 0 }, async () => response(200, '"products":[', 1), async () => undefined);
    const suite = smokeSuite('production', [failed, passed], '2026-11-21T12:00:00Z', 12);
    assert.equal(suite.ok, false);
    assert.equal(suite.failed, 1);
    const xml = renderJunit(suite);
    assert.match(xml, /<testcase classname="smoke-production" name="catalog"[^>]*>\s*<failure message="GET http:\/\/127\.0\.0\.1:9\/api\/catalog\/products: status 404, expected 200/);
    assert.match(xml, /<testcase classname="smoke-production" name="health" time="[0-9.]+"\/>/);
  });
});
