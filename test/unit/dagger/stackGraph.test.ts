import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseStackPlan,
  registryHostOf,
  renderSuiteTable,
  StackPlanError,
  suiteEnvironment,
  suiteSourcePath,
  summarizeTap,
} from '../../../dagger/src/stackGraph.js';

const digest = (fill: string) => `sha256:${fill.repeat(64)}`;
const hexOf: Record<string, string> = { cart: 'c', catalog: 'a', gateway: 'e', redis: 'd' };
const health = { test: ['CMD', 'node', '-e', 'ok()'], disabled: false, intervalMs: 2000, timeoutMs: 3000, retries: 15, startPeriodMs: 30_000 };

/** A plan in the shape `lockstep --json stack plan` prints (src/stack/plan.ts), for the example shop. */
function shopPlan(): Record<string, unknown> {
  const service = (name: string, extra: Record<string, unknown>) => ({
    name,
    image: `registry.example.com:5000/shop/${name}@${digest(hexOf[name]!)}`,
    build: { context: `compose/services/${name}`, dockerfile: null, args: {} },
    command: null,
    entrypoint: null,
    environment: { PORT: '8080' },
    ports: [],
    expose: [8080],
    healthcheck: health,
    dependsOn: {},
    volumes: [],
    workingDir: null,
    user: null,
    labels: {},
    restart: null,
    locked: { image: `registry.example.com:5000/shop/${name}`, tag: 'sha-abc1234', digest: digest(hexOf[name]!), commit: 'a'.repeat(40) },
    ...extra,
  });
  return {
    apiVersion: 'lockstep/v1',
    kind: 'StackPlan',
    composeFile: 'compose/compose.yaml',
    lock: { file: 'lock.yaml', id: 'abcdef012345', integrity: digest('f') },
    network: 'default',
    startOrder: ['catalog', 'redis', 'cart', 'gateway'],
    services: {
      cart: service('cart', {
        environment: { PORT: '8080', CATALOG_URL: 'http://catalog:8080', REDIS_HOST: 'redis' },
        dependsOn: { catalog: { condition: 'service_started' }, redis: { condition: 'service_healthy' } },
      }),
      catalog: service('catalog', {}),
      gateway: service('gateway', {
        ports: [{ target: 8080, published: null, hostIp: '127.0.0.1', protocol: 'tcp' }],
        expose: [8080, 9090],
        dependsOn: { cart: { condition: 'service_started' }, catalog: { condition: 'service_started' } },
      }),
      redis: service('redis', {
        environment: {},
        expose: ['6379'],
        command: ['redis-server', '/etc/redis.conf'],
        healthcheck: { ...health, test: ['CMD-SHELL', 'redis-cli ping | grep PONG'], intervalMs: 1500 },
        volumes: [{ type: 'volume', source: 'redis-data', target: '/data', readOnly: false }],
      }),
    },
    volumes: { 'redis-data': { name: null, external: false } },
    addresses: { CART_URL: 'http://cart:8080', CATALOG_URL: 'http://catalog:8080', GATEWAY_URL: 'http://gateway:8080' },
    suites: [
      { name: 'api', image: 'node:22-bookworm-slim', command: ['node', '--test', '--test-reporter=tap'], directory: 'compose/tests', env: { CATALOG_URL: 'http://override:1' }, timeoutMs: 600_000 },
    ],
  };
}

function planWith(change: (plan: Record<string, unknown>) => void): string {
  const plan = shopPlan();
  change(plan);
  return JSON.stringify(plan);
}

function refused(text: string, field: RegExp, problem: RegExp): void {
  assert.throws(
    () => parseStackPlan(text),
    (error: unknown) => error instanceof StackPlanError && field.test(error.field) && problem.test(error.problem),
  );
}

describe('the stack as Dagger services', () => {
  it('keeps the start order and lets each service reach every service started before it', () => {
    const plan = parseStackPlan(JSON.stringify(shopPlan()));
    assert.deepEqual(plan.services.map((service) => service.name), ['catalog', 'redis', 'cart', 'gateway']);
    assert.deepEqual(plan.services.map((service) => service.binds), [[], ['catalog'], ['catalog', 'redis'], ['catalog', 'redis', 'cart']]);
  });

  it('runs exactly the pinned digest, with the environment, ports and command compose gives', () => {
    const plan = parseStackPlan(JSON.stringify(shopPlan()));
    const redis = plan.services.find((service) => service.name === 'redis')!;
    assert.equal(redis.image, `registry.example.com:5000/shop/redis@${digest('d')}`);
    assert.deepEqual(redis.command, ['redis-server', '/etc/redis.conf']);
    assert.deepEqual(redis.ports, [6379]);
    const gateway = plan.services.find((service) => service.name === 'gateway')!;
    assert.deepEqual(gateway.ports, [8080, 9090], 'expose and the container side of ports, once each');
    assert.deepEqual(plan.services.find((service) => service.name === 'cart')!.environment, {
      PORT: '8080',
      CATALOG_URL: 'http://catalog:8080',
      REDIS_HOST: 'redis',
    });
  });

  it('turns compose healthchecks into engine healthchecks, shell form included', () => {
    const plan = parseStackPlan(JSON.stringify(shopPlan()));
    assert.deepEqual(plan.services[0]!.healthcheck, { args: ['node', '-e', 'ok()'], shell: false, interval: '2s', timeout: '3s', startPeriod: '30s', retries: 15 });
    assert.deepEqual(plan.services[1]!.healthcheck, {
      args: ['redis-cli ping | grep PONG'],
      shell: true,
      interval: '1500ms',
      timeout: '3s',
      startPeriod: '30s',
      retries: 15,
    });
    const disabled = parseStackPlan(
      planWith((doc) => {
        (doc.services as Record<string, Record<string, unknown>>).catalog!.healthcheck = { ...health, test: ['NONE'], disabled: true };
      }),
    );
    assert.equal(disabled.services[0]!.healthcheck, null);
  });

  it('computes the start order itself when the plan does not spell it out', () => {
    const plan = parseStackPlan(planWith((doc) => delete doc.startOrder));
    assert.deepEqual(plan.services.map((service) => service.name), ['catalog', 'redis', 'cart', 'gateway']);
  });

  it('refuses what it cannot run faithfully, naming the field', () => {
    refused(planWith((doc) => ((doc.services as Record<string, Record<string, unknown>>).cart!.image = 'registry.example.com/shop/cart:latest')), /^services\.cart\.image$/, /not pinned by digest/);
    refused(planWith((doc) => ((doc.services as Record<string, Record<string, unknown>>).cart!.image = null)), /^services\.cart\.image$/, /builds nothing/);
    refused(planWith((doc) => (doc.startOrder = ['cart', 'catalog', 'redis', 'gateway'])), /^startOrder$/, /cart starts before catalog/);
    refused(planWith((doc) => (doc.startOrder = ['catalog', 'redis', 'cart'])), /^startOrder$/, /every service exactly once/);
    refused(planWith((doc) => (doc.startOrder = ['catalog', 'catalog', 'cart', 'gateway'])), /^startOrder$/, /every service exactly once/);
    refused(
      planWith((doc) => {
        delete doc.startOrder;
        (doc.services as Record<string, Record<string, unknown>>).catalog!.dependsOn = { gateway: { condition: 'service_started' } };
      }),
      /^services$/,
      /dependency cycle among cart, catalog, gateway/,
    );
    refused(planWith((doc) => (doc.kind = 'ReleaseLock')), /^kind$/, /must be StackPlan/);
    refused('{not json', /\(document\)/, /is not JSON/);
    refused(planWith((doc) => ((doc.suites as Array<Record<string, unknown>>)[0]!.command = [])), /^suites\[0\]\.command$/, /is empty/);
    refused(planWith((doc) => ((doc.suites as Array<Record<string, unknown>>)[0]!.directory = '/etc')), /^suites\[0\]\.directory$/, /relative/);
    refused(planWith((doc) => ((doc.services as Record<string, Record<string, unknown>>).gateway!.expose = [70000])), /^services\.gateway\.expose$/, /port number/);
  });
});

describe('the suites', () => {
  it('give every suite the stack addresses, overridden by its own variables', () => {
    const plan = parseStackPlan(JSON.stringify(shopPlan()));
    const env = suiteEnvironment(plan, plan.suites[0]!);
    assert.equal(env.CATALOG_URL, 'http://override:1');
    assert.equal(env.CART_URL, 'http://cart:8080');
    assert.equal(env.STACK_PROJECT, 'dagger');
  });

  it('find the suite folder relative to the config file, and never outside the repository', () => {
    assert.equal(suiteSourcePath(undefined, 'compose/tests'), 'compose/tests');
    assert.equal(suiteSourcePath('lockstep.config.yaml', './compose/tests/'), 'compose/tests');
    assert.equal(suiteSourcePath('ops/lockstep.config.yaml', '../compose/tests'), 'compose/tests');
    assert.equal(suiteSourcePath('ops/lockstep.config.yaml', '.'), 'ops');
    assert.throws(() => suiteSourcePath('lockstep.config.yaml', '../elsewhere'), /leaves the repository/);
  });

  it('count TAP results at the top level, skips and todos apart', () => {
    const tap = [
      'TAP version 13',
      '# Subtest: catalog',
      '    ok 1 - lists products',
      '    not ok 2 - nested failure counted by its parent',
      'ok 1 - catalog lists products',
      'not ok 2 - cart total includes tax',
      'ok 3 - checkout # SKIP payment sandbox down',
      'not ok 4 - refunds # TODO not built yet',
      'ok 5 checkout without dash',
      '1..5',
    ].join('\n');
    assert.deepEqual(summarizeTap(tap), { passed: 2, failed: 1, skipped: 2, failures: ['cart total includes tax'] });
    assert.deepEqual(summarizeTap(''), { passed: 0, failed: 0, skipped: 0, failures: [] });
  });

  it('render the suite table', () => {
    assert.equal(
      renderSuiteTable([{ suite: 'api', passed: 3, failed: 1, skipped: 0, exitCode: 1 }]),
      '| suite | passed | failed | skipped | exit |\n| --- | ---: | ---: | ---: | ---: |\n| api | 3 | 1 | 0 | 1 |\n',
    );
  });
});

describe('registry hosts for pulling', () => {
  it('names the host only when the reference names one', () => {
    assert.equal(registryHostOf(`registry.example.com:5000/shop/cart@${digest('c')}`), 'registry.example.com:5000');
    assert.equal(registryHostOf('localhost:5000/cart@sha256:x'), 'localhost:5000');
    assert.equal(registryHostOf('localhost/cart'), 'localhost');
    assert.equal(registryHostOf('shop/cart@sha256:x'), null);
    assert.equal(registryHostOf('redis'), null);
  });
});
