import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '@aws-sdk/client-ecs';
import { lockstepConfig } from '../../../src/config/schema.js';
import { InputError } from '../../../src/errors.js';
import { validate } from '../../../src/io/readDocument.js';
import { evaluateCapacity, taskNeed } from '../../../src/environments/targets/ecs/healthGate.js';
import { lockFromRecord, nextRevision, recordLabel, recordRevision } from '../../../src/environments/targets/ecs/records.js';
import { assessRollout, isSteady } from '../../../src/environments/targets/ecs/rollout.js';
import { claimsOf, claimTag, judgeClaims, tagHolder } from '../../../src/environments/targets/ecs/tagLease.js';
import { makeLock, service } from '../../support/lockFixtures.js';

const lock = makeLock({ catalog: service('catalog') });
const arn = (revision: number) => `arn:aws:ecs:eu-west-1:123456789012:task-definition/shop-catalog:${revision}`;

function config(target: unknown) {
  return { apiVersion: 'lockstep/v1', kind: 'Config', services: { catalog: { path: 'services/catalog', image: 'localhost:5000/acme/catalog' } }, environments: { prod: { target } } };
}

function problem(target: unknown): string {
  try {
    validate('lockstep.config.yaml', lockstepConfig, config(target));
  } catch (error) {
    assert.ok(error instanceof InputError);
    return error.message;
  }
  assert.fail('the config was accepted');
}

describe('ecs config', () => {
  it('accepts a cluster by name or ARN with services mapped to containers, and fills defaults', () => {
    const parsed = validate('lockstep.config.yaml', lockstepConfig, config({ type: 'ecs', cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/shop', region: 'eu-west-1', services: { catalog: { service: 'shop-catalog', container: 'app' } } }));
    const target = parsed.environments.prod!.target;
    assert.ok(target.type === 'ecs');
    assert.equal(target.rolloutTimeoutMs, 1_200_000);
    assert.deepEqual(target.services.catalog, { service: 'shop-catalog', container: 'app' });
  });

  it('names the field of each mistake in one line', () => {
    assert.equal(problem({ type: 'ecs', cluster: 'shop prod' }), 'lockstep.config.yaml: environments.prod.target.cluster: must be an ECS cluster name or cluster ARN');
    assert.equal(problem({ type: 'ecs', cluster: 'shop', region: 'Europe' }), 'lockstep.config.yaml: environments.prod.target.region: must be an AWS region such as eu-west-1');
    assert.equal(problem({ type: 'ecs', cluster: 'shop', services: { catalog: { container: 'a b' } } }), 'lockstep.config.yaml: environments.prod.target.services.catalog.container: must be 1-255 letters, digits, "-" and "_"');
    assert.equal(problem({ type: 'ecs', cluster: 'shop', taskDefinition: 'x' }), 'lockstep.config.yaml: environments.prod.target.taskDefinition: unknown field');
    assert.equal(problem({ type: 'ecs' }), 'lockstep.config.yaml: environments.prod.target.cluster: is required');
  });
});

describe('ecs records', () => {
  const running = {
    taskDefinition: {
      taskDefinitionArn: arn(4),
      family: 'shop-catalog',
      revision: 4,
      status: 'ACTIVE' as const,
      compatibilities: ['EC2' as const, 'FARGATE' as const],
      requiresAttributes: [{ name: 'ecs.capability.execution-role-awslogs' }],
      registeredAt: new Date(),
      registeredBy: 'arn:aws:iam::123456789012:role/deployer',
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc' as const,
      containerDefinitions: [
        { name: 'catalog', image: 'repo/catalog:v1', environment: [{ name: 'A', value: '1' }] },
        { name: 'envoy', image: 'repo/envoy:v1' },
      ],
    },
    tags: [{ key: 'team', value: 'shop' }, { key: 'lockstep:lock-integrity', value: 'sha256:old' }, { key: 'aws:cloudformation:stack-name', value: 'shop' }],
  };

  it('the next revision copies the running one, sets the image and drops what ECS assigns', () => {
    const input = nextRevision(running, { catalog: 'repo/catalog@sha256:abc' }, lock);
    assert.deepEqual(Object.keys(input).sort(), ['containerDefinitions', 'cpu', 'family', 'memory', 'networkMode', 'tags']);
    assert.deepEqual(input.containerDefinitions, [
      { name: 'catalog', image: 'repo/catalog@sha256:abc', environment: [{ name: 'A', value: '1' }] },
      { name: 'envoy', image: 'repo/envoy:v1' },
    ]);
    assert.deepEqual(input.tags, [{ key: 'team', value: 'shop' }, { key: 'lockstep:lock-integrity', value: lock.integrity }, { key: 'lockstep:lock-id', value: lock.integrity.slice(7, 19) }]);
    assert.throws(() => nextRevision(running, { web: 'x@sha256:1' }, lock), /has no container web/);
  });

  it('the record round-trips the lock and refuses one edited in place', () => {
    const record = recordRevision('lockstep-prod-lock', 'prod', lock);
    const definition = { taskDefinitionArn: arn(1), containerDefinitions: record.containerDefinitions };
    assert.deepEqual(lockFromRecord(definition), lock);
    const edited = { ...lock, services: { catalog: { ...lock.services.catalog!, digest: `sha256:${'0'.repeat(64)}` } } };
    const tampered = recordRevision('lockstep-prod-lock', 'prod', edited);
    assert.throws(() => lockFromRecord({ taskDefinitionArn: arn(2), containerDefinitions: tampered.containerDefinitions }), /integrity: does not match/);
    assert.throws(() => lockFromRecord({ taskDefinitionArn: arn(3), containerDefinitions: [{ name: 'lock', dockerLabels: { [recordLabel]: 'not base64 gzip' } }] }), /is not a gzipped, base64-encoded lock/);
  });
});

describe('ecs rollout', () => {
  const deployment = (overrides: object) => ({ status: 'PRIMARY', taskDefinition: arn(5), desiredCount: 2, runningCount: 2, rolloutState: 'COMPLETED', createdAt: new Date(2000), ...overrides });
  const serviceWith = (deployments: object[], overrides: object = {}): Service => ({ status: 'ACTIVE', desiredCount: 2, runningCount: 2, deployments, ...overrides }) as Service;

  it('complete only when ours is the one steady primary deployment', () => {
    assert.equal(assessRollout(serviceWith([deployment({})]), arn(5)).state, 'complete');
    assert.equal(assessRollout(serviceWith([deployment({ rolloutState: 'IN_PROGRESS', runningCount: 1 }), deployment({ status: 'ACTIVE', taskDefinition: arn(4) })], { runningCount: 1 }), arn(5)).state, 'in-progress');
  });

  it('failed as soon as the circuit breaker says so, or ECS replaced our deployment', () => {
    const failed = assessRollout(serviceWith([deployment({ rolloutState: 'FAILED', rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.', failedTasks: 3, runningCount: 0 })]), arn(5));
    assert.equal(failed.state, 'failed');
    assert.match(failed.detail, /circuit breaker.*3 failed/);
    assert.equal(assessRollout(serviceWith([deployment({ taskDefinition: arn(4), rolloutState: 'IN_PROGRESS' }), deployment({ status: 'ACTIVE', rolloutState: 'IN_PROGRESS' })]), arn(5)).state, 'failed');
    assert.equal(assessRollout(serviceWith([deployment({ taskDefinition: arn(4) })]), arn(5)).state, 'failed');
    assert.equal(assessRollout(undefined, arn(5)).state, 'failed');
  });

  it('steady needs one deployment with every task running', () => {
    assert.equal(isSteady(serviceWith([deployment({})])), true);
    assert.equal(isSteady(serviceWith([deployment({ runningCount: 1 })])), false);
    assert.equal(isSteady(serviceWith([deployment({ rolloutState: undefined })])), true, 'services without rolloutState are judged by counts');
  });
});

describe('ecs capacity', () => {
  const revision = { taskDefinitionArn: arn(1), containerDefinitions: [{ name: 'a', cpu: 128, memory: 256 }, { name: 'b', cpu: 128, memoryReservation: 128 }] };
  const ec2 = { serviceName: 'catalog', launchType: 'EC2', taskDefinition: arn(1), deploymentConfiguration: { minimumHealthyPercent: 100 } } as Service;
  const instance = (cpu: number, memory: number) => ({ remainingResources: [{ name: 'CPU', integerValue: cpu }, { name: 'MEMORY', integerValue: memory }] });

  it('sums container reservations when the task sets no size', () => {
    assert.deepEqual(taskNeed(revision), { cpu: 256, memory: 384 });
  });

  it('needs one instance with room for one more task, unless the service may replace in place or brings its own capacity', () => {
    const revisions = new Map([[arn(1), revision]]);
    assert.equal(evaluateCapacity([ec2], revisions, [instance(512, 256), instance(128, 4096)]).ok, false);
    assert.equal(evaluateCapacity([ec2], revisions, [instance(512, 256), instance(256, 384)]).ok, true);
    assert.equal(evaluateCapacity([{ ...ec2, deploymentConfiguration: { minimumHealthyPercent: 50 } }], revisions, []).ok, true);
    assert.equal(evaluateCapacity([{ ...ec2, launchType: 'FARGATE' }], revisions, []).ok, true);
  });
});

describe('ecs tag lease', () => {
  const now = new Date('2026-12-01T10:00:00Z');
  const claim = (id: string, holder: string, state: 'pending' | 'held', expiresAt = '2026-12-01T10:15:00.000Z') =>
    claimTag('prod', id, { holder, state, acquiredAt: '2026-12-01T10:00:00.000Z', expiresAt });

  it('claims round-trip through tags within the tag limits', () => {
    const tag = claim('aa', 'github:acme/shop/actions/runs/1/1 (retry #2)', 'held');
    assert.ok(tag.key!.length <= 128 && tag.value!.length <= 256);
    assert.match(tag.value!, /^[\p{L}\p{N} _.:/=+\-@]*$/u);
    const [read] = claimsOf([tag, { key: 'team', value: 'shop' }, { key: 'lockstep:lease:staging:cc', value: 'held' }], 'prod');
    assert.deepEqual(read, { key: 'lockstep:lease:prod:aa', state: 'held', holder: tagHolder('github:acme/shop/actions/runs/1/1 (retry #2)'), acquiredAt: '2026-12-01T10:00:00.000Z', expiresAt: '2026-12-01T10:15:00.000Z' });
    assert.equal(claimsOf([tag], 'staging').length, 0, 'another environment’s claims are not ours');
  });

  it('wins alone, yields to a held claim, backs off from a pending one, clears expired and own claims', () => {
    const mine = 'lockstep:lease:prod:me';
    const claims = (tags: ReturnType<typeof claim>[]) => claimsOf(tags, 'prod');
    assert.equal(judgeClaims(claims([claim('me', 'a', 'pending')]), mine, 'a', now).outcome, 'won');
    assert.equal(judgeClaims(claims([claim('me', 'a', 'pending'), claim('x', 'b', 'held')]), mine, 'a', now).outcome, 'held');
    assert.equal(judgeClaims(claims([claim('me', 'a', 'pending'), claim('x', 'b', 'pending')]), mine, 'a', now).outcome, 'contended');
    const expired = judgeClaims(claims([claim('me', 'a', 'pending'), claim('x', 'b', 'held', '2026-12-01T09:00:00.000Z'), claim('y', 'a', 'held')]), mine, 'a', now);
    assert.equal(expired.outcome, 'won');
    assert.deepEqual(expired.stale.map((item) => item.key), ['lockstep:lease:prod:x', 'lockstep:lease:prod:y']);
    assert.equal(expired.outcome === 'won' && expired.tookOver?.holder, 'b');
    const unreadable = judgeClaims(claimsOf([{ key: 'lockstep:lease:prod:z', value: 'garbage' }], 'prod'), mine, 'a', now);
    assert.equal(unreadable.outcome, 'won', 'a claim nobody can read the expiry of does not block forever');
  });
});
