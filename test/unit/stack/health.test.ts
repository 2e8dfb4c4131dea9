import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseComposeGraph } from '../../../src/compose/graph.js';
import { assessStack, type ContainerState } from '../../../src/stack/health.js';

const graph = parseComposeGraph(
  'compose.yaml',
  [
    'services:',
    '  migrate: {image: m}',
    '  db: {image: d}',
    '  api:',
    '    image: a',
    '    depends_on:',
    '      db: {condition: service_healthy}',
    '      migrate: {condition: service_completed_successfully}',
  ].join('\n'),
  {},
);

function container(service: string, overrides: Partial<ContainerState> = {}): ContainerState {
  return {
    id: `id-${service}`,
    name: `shop_${service}_1`,
    service,
    status: 'running',
    exitCode: 0,
    health: 'healthy',
    lastHealthOutput: null,
    restartCount: 0,
    image: service,
    published: {},
    ...overrides,
  };
}

const detail = (containers: ContainerState[], composeFinished = true) =>
  Object.fromEntries(assessStack(graph, containers, { composeFinished }).services.map((entry) => [entry.service, `${entry.readiness}: ${entry.detail}`]));

describe('stack readiness', () => {
  it('is ready when every service is healthy, running without healthcheck, or a completed one-shot', () => {
    const assessment = assessStack(graph, [container('db'), container('api', { health: null }), container('migrate', { status: 'exited', exitCode: 0, health: null })], {
      composeFinished: true,
    });
    assert.equal(assessment.ready, true);
    assert.deepEqual(
      assessment.services.map((entry) => [entry.service, entry.detail]),
      [
        ['db', 'healthy'],
        ['migrate', 'completed successfully'],
        ['api', 'running (no healthcheck)'],
      ],
      'services are reported in start order',
    );
  });

  it('waits while health is starting or containers are still being created', () => {
    const states = detail([container('db', { health: 'starting' }), container('migrate', { status: 'created' })], false);
    assert.deepEqual(states, { db: 'waiting: health: starting', migrate: 'waiting: created', api: 'waiting: not created yet' });
    assert.equal(assessStack(graph, [], { composeFinished: false }).ready, false);
  });

  it('fails a service whose container is missing once compose has finished', () => {
    assert.equal(detail([container('db'), container('migrate', { status: 'exited', health: null })]).api, 'failed: no container was created');
  });

  it('fails fast on a crash, a restart loop, an unhealthy report, or a one-shot that failed', () => {
    const states = detail([
      container('db', { health: 'unhealthy', lastHealthOutput: 'connection refused' }),
      container('migrate', { status: 'exited', exitCode: 3, health: null }),
      container('api', { status: 'running', restartCount: 2, exitCode: 1 }),
    ]);
    assert.deepEqual(states, {
      db: 'failed: unhealthy: connection refused',
      migrate: 'failed: exited with code 3',
      api: 'failed: keeps restarting (2 restarts, last exit code 1)',
    });
    assert.equal(detail([container('db', { status: 'exited', exitCode: 0 })]).db, 'failed: exited with code 0', 'exit 0 is a failure for a long-running service');
  });

  it('judges a service by its worst container when it has several', () => {
    const states = detail([container('db'), container('db', { id: 'second', health: 'starting' })], false);
    assert.equal(states.db, 'waiting: health: starting');
  });
});
