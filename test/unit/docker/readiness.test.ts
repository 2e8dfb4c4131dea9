import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseComposeGraph } from '../../../src/compose/graph.js';
import type { Container } from '../../../src/docker/containers.js';
import { assessServices, countFailingStreaks, type AssessOptions } from '../../../src/docker/readiness.js';
import { waitReady } from '../../../src/docker/waitReady.js';
import { stackExpectations } from '../../../src/stack/expectations.js';

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

function container(service: string, overrides: Partial<Container> = {}): Container {
  const status = overrides.status ?? 'running';
  return {
    id: `id-${service}`,
    name: `shop_${service}_1`,
    service,
    oneOff: false,
    image: service,
    imageId: `sha256:${service}`,
    labels: {},
    status,
    running: status === 'running',
    restarting: status === 'restarting',
    exitCode: 0,
    startedAt: '2026-11-21T12:00:00Z',
    health: 'healthy',
    lastHealthOutput: null,
    healthcheck: { retries: 3, intervalMs: 2000, startPeriodMs: 0 },
    failingStreak: 0,
    probes: [],
    restartCount: 0,
    published: {},
    ...overrides,
  };
}

const at = Date.parse('2026-11-21T12:00:10Z');
const assessStack = (_graph: typeof graph, containers: Container[], options: { composeFinished: boolean }) =>
  assessServices(containers, stackExpectations(graph), { ...options, now: at, settleMs: 0 });
const detail = (containers: Container[], composeFinished = true) =>
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
      db: 'failed: healthcheck reports unhealthy (last check: connection refused)',
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

describe('rollout readiness', () => {
  const expected = [
    { service: 'cart', image: 'cart@b' },
    { service: 'catalog', image: 'catalog@b' },
  ];
  const options: AssessOptions = { composeFinished: true, now: at, settleMs: 0 };
  const judge = (catalog: Partial<Container>, extra: Partial<AssessOptions> = {}) =>
    assessServices([container('cart', { image: 'cart@b' }), container('catalog', { image: 'catalog@b', ...catalog })], expected, { ...options, ...extra }).services[1];

  it('is done when every service is healthy, or up past the settle time without a healthcheck', () => {
    assert.equal(judge({ health: null }, { settleMs: 5_000 })?.readiness, 'ready');
    assert.equal(judge({ health: null }, { settleMs: 30_000 })?.detail, 'running for less than 30000 ms');
    assert.equal(judge({ health: 'starting' })?.readiness, 'waiting');
    assert.equal(judge({ status: 'created' })?.detail, 'created');
  });

  it('fails fast on a crash, a restart loop, an unhealthy check or the wrong image', () => {
    assert.equal(judge({ status: 'exited', exitCode: 1 })?.detail, 'exited with code 1');
    assert.equal(judge({ status: 'restarting', exitCode: 2, restartCount: 3 })?.detail, 'keeps restarting (3 restarts, last exit code 2)');
    assert.equal(judge({ health: 'unhealthy' })?.detail, 'healthcheck reports unhealthy');
    const stale = assessServices([container('cart', { image: 'cart@b' }), container('catalog', { image: 'catalog@a' })], expected, options);
    assert.deepEqual([stale.ready, stale.services[1]?.detail], [false, 'runs catalog@a, not catalog@b']);
  });

  it('fails a starting healthcheck once it failed as often in a row as its retries, start period included', () => {
    const probes = (...codes: number[]) => codes.map((exitCode, index) => ({ startedAt: at - 10_000 + index * 2000, exitCode }));
    const streaks = (...reads: Array<Container['probes']>) =>
      reads.reduce((state, read) => countFailingStreaks(state, [container('catalog', { probes: read })]), new Map<string, { lastProbe: number; streak: number }>());
    // Docker keeps five probes; reads overlap, and a success resets the count.
    const failing = streaks(probes(1, 1), probes(1, 1, 1));
    assert.equal(failing.get('id-catalog')?.streak, 3);
    assert.equal(streaks(probes(1, 1), probes(1, 1, 0)).get('id-catalog')?.streak, 0);
    assert.equal(judge({ health: 'starting' }, { streaks: failing })?.detail, 'healthcheck failed 3 times in a row (retries: 3)');
    assert.equal(judge({ health: 'starting', failingStreak: 3 })?.readiness, 'failed', "docker's own streak counts too");
    const inStartPeriod = { health: 'starting' as const, healthcheck: { retries: 3, intervalMs: 2000, startPeriodMs: 60_000 } };
    assert.equal(judge(inStartPeriod, { streaks: failing })?.readiness, 'waiting', 'the start period delays the verdict');
    assert.equal(judge({ ...inStartPeriod, health: 'starting' }, { streaks: failing, now: at + 60_000 })?.readiness, 'failed');
  });
});

describe('waiting for readiness', () => {
  const expectations = [{ service: 'catalog' }];
  /** Reads that say "starting" until `healthyAfter` reads were made, counting them. */
  const reads = (healthyAfter: number) => {
    const made = { count: 0 };
    const read = async () => {
      made.count += 1;
      return [container('catalog', { health: made.count > healthyAfter ? 'healthy' : 'starting' })];
    };
    return { made, read };
  };

  it('reads again as soon as it is told something changed, not at the next poll', async () => {
    const { made, read } = reads(1);
    let unwatched = false;
    const started = performance.now();
    const outcome = await waitReady({
      read,
      expectations,
      deadline: Date.now() + 60_000,
      pollMs: 30_000,
      watch: (wake) => {
        const timer = setTimeout(wake, 20);
        return () => {
          clearTimeout(timer);
          unwatched = true;
        };
      },
    });
    assert.equal(outcome.state, 'ready');
    assert.equal(made.count, 2);
    assert.ok(performance.now() - started < 5000, 'the 30 s poll was cut short');
    assert.ok(unwatched, 'the subscription ends with the wait');
  });

  it('does not lose a wake-up that comes during a read: the next pause ends at once', async () => {
    const { made, read } = reads(1);
    let wake: () => void = () => undefined;
    const started = performance.now();
    const outcome = await waitReady({
      read: async () => {
        const containers = await read();
        if (made.count === 1) wake();
        return containers;
      },
      expectations,
      deadline: Date.now() + 60_000,
      pollMs: 30_000,
      watch: (wakeUp) => {
        wake = wakeUp;
        return () => undefined;
      },
    });
    assert.equal(outcome.state, 'ready');
    assert.equal(made.count, 2);
    assert.ok(performance.now() - started < 5000, 'the 30 s poll was skipped');
  });
});
