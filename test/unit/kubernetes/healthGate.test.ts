import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateNodes, evaluateQuotas, quotaApplies, type PodShape, type QuotaLike } from '../../../src/environments/targets/kubernetes/healthGate.js';
import { exactQuantity, parseQuantity } from '../../../src/environments/targets/kubernetes/quantity.js';

const node = (name: string, ready: string, unschedulable = false) => ({
  metadata: { name },
  spec: { unschedulable },
  status: { conditions: [{ type: 'Ready', status: ready }] },
});

describe('parseQuantity', () => {
  it('reads decimal and binary suffixes, millis and exponents', () => {
    assert.equal(parseQuantity('500m'), 0.5);
    assert.equal(parseQuantity('2Gi'), 2 * 1024 ** 3);
    assert.equal(parseQuantity('1.5k'), 1500);
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity('10'), 10);
    assert.equal(parseQuantity(3), 3);
    assert.ok(Number.isNaN(parseQuantity('2 Gi')));
    assert.ok(Number.isNaN(parseQuantity('lots')));
  });
});

describe('evaluateNodes', () => {
  it('counts nodes that are Ready and schedulable against the floor', () => {
    const nodes = [node('a', 'True'), node('b', 'True', true), node('c', 'Unknown')];
    assert.deepEqual(evaluateNodes(nodes, 1), { ok: true, detail: '1 of 3 nodes Ready and schedulable (need 1); not: b, c' });
    assert.equal(evaluateNodes(nodes, 2).ok, false);
    assert.equal(evaluateNodes([], 1).detail, '0 of 0 nodes Ready and schedulable (need 1)');
  });
});

describe('evaluateQuotas', () => {
  const quota = (name: string, hard: Record<string, string>, used: Record<string, string>) => ({ metadata: { name }, status: { hard, used } });

  it('passes with the tightest resource named, and skips hard limits of zero', () => {
    const verdict = evaluateQuotas([quota('compute', { 'requests.cpu': '4', 'limits.memory': '8Gi', 'services.loadbalancers': '0' }, { 'requests.cpu': '1', 'limits.memory': '6Gi' })], 10, 'shop');
    assert.deepEqual(verdict, { ok: true, detail: 'tightest: compute/limits.memory 6Gi of 8Gi used (25% headroom), floor 10%' });
  });

  it('fails naming every resource under the floor, worst first', () => {
    const verdict = evaluateQuotas(
      [quota('compute', { 'requests.cpu': '4', pods: '10' }, { 'requests.cpu': '3900m', pods: '10' }), quota('storage', { 'requests.storage': '100Gi' }, { 'requests.storage': '10Gi' })],
      5,
      'shop',
    );
    assert.equal(verdict.ok, false);
    assert.equal(verdict.detail, 'below the 5% floor: compute/pods 10 of 10 used (0% headroom); compute/requests.cpu 3900m of 4 used (2.5% headroom)');
  });

  it('treats a missing used value as zero, no quotas as nothing to check, and garbage as a failure', () => {
    assert.equal(evaluateQuotas([quota('q', { pods: '10' }, {})], 50, 'shop').ok, true);
    assert.deepEqual(evaluateQuotas([], 10, 'shop'), { ok: true, detail: 'no ResourceQuota limits in namespace shop' });
    assert.deepEqual(evaluateQuotas([quota('q', { pods: 'ten' }, {})], 10, 'shop'), { ok: false, detail: 'cannot read the quantities of q/pods' });
  });
});

describe('quota arithmetic in integers, with scopes (issue 20)', () => {
  const quota = (name: string, hard: Record<string, string>, used: Record<string, string>, spec: QuotaLike['spec'] = {}): QuotaLike => ({ metadata: { name }, spec, status: { hard, used } });

  it('exactQuantity is exact where floating point is not', () => {
    assert.equal(exactQuantity('3600m'), 3_600_000_000n);
    assert.equal(exactQuantity('4'), 4_000_000_000n);
    assert.equal(exactQuantity('1.5Gi'), 1_610_612_736_000_000_000n);
    assert.equal(exactQuantity('1e3'), 1_000_000_000_000n);
    assert.equal(exactQuantity('0.1'), 100_000_000n);
    assert.equal(exactQuantity('2 Gi'), null);
  });

  it('3600m of 4 at a 10% floor passes: exactly 10% is left', () => {
    const verdict = evaluateQuotas([quota('compute', { 'requests.cpu': '4' }, { 'requests.cpu': '3600m' })], 10, 'shop');
    assert.equal(verdict.ok, true, verdict.detail);
    assert.match(verdict.detail, /\(10% headroom\)/);
    assert.equal(evaluateQuotas([quota('compute', { 'requests.cpu': '4' }, { 'requests.cpu': '3601m' })], 10, 'shop').ok, false);
  });

  it('a scoped quota counts only when the rollout pods match its scopes', () => {
    const bestEffortOnly = quota('best-effort', { pods: '10' }, { pods: '10' }, { scopes: ['BestEffort'] });
    const burstable: PodShape = { bestEffort: false, terminating: false, priorityClassName: null };
    assert.equal(evaluateQuotas([bestEffortOnly], 10, 'shop', [burstable]).ok, true, 'a full BestEffort quota does not gate pods with requests');
    assert.equal(evaluateQuotas([bestEffortOnly], 10, 'shop', [{ ...burstable, bestEffort: true }]).ok, false);
    const highPriority = quota('high', { pods: '5' }, { pods: '5' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } });
    assert.equal(evaluateQuotas([highPriority], 10, 'shop', [burstable]).ok, true);
    assert.equal(evaluateQuotas([highPriority], 10, 'shop', [{ ...burstable, priorityClassName: 'high' }]).ok, false);
    assert.equal(quotaApplies(quota('terminating', {}, {}, { scopes: ['Terminating'] }), [burstable]), false);
  });
});
