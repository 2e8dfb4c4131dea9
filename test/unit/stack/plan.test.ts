import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseComposeGraph } from '../../../src/compose/graph.js';
import { lockstepConfig } from '../../../src/config/schema.js';
import { InputError } from '../../../src/errors.js';
import { endpointAddresses, stackAddresses } from '../../../src/stack/addresses.js';
import { pinImages } from '../../../src/stack/pinImages.js';
import { buildStackPlan } from '../../../src/stack/plan.js';
import { checkProjectName, defaultProjectName, suiteNetwork } from '../../../src/stack/project.js';
import { suiteInvocation } from '../../../src/stack/suiteInvocation.js';
import { planSuites, resolveSuite, selectSuites } from '../../../src/stack/suites.js';
import { onRegistry, sandboxConfig } from '../../../src/sandbox/sandboxConfig.js';
import { makeLock, service } from '../../support/lockFixtures.js';

const graph = parseComposeGraph(
  'compose/compose.yaml',
  [
    'services:',
    '  redis:',
    '    build: ./services/redis',
    '    expose: ["6379"]',
    '  cart:',
    '    build: {context: ./services/cart, args: {NODE_IMAGE: node:22}}',
    '    expose: [8080]',
    '    depends_on: {redis: {condition: service_healthy}}',
    '  web-gateway:',
    '    image: localhost:5000/shop/gateway:dev',
    '    ports: ["127.0.0.1::80"]',
    '  sidecar:',
    '    image: busybox',
  ].join('\n'),
  {},
);
const lock = makeLock({ cart: service('cart'), redis: service('redis') });
const files = { composeFile: 'compose/compose.yaml', lockFile: 'release.lock.yaml' };

describe('pinning compose services to a lock', () => {
  it('pins every locked service to image@digest', () => {
    const pins = pinImages(graph, lock, files);
    assert.deepEqual(Object.keys(pins), ['cart', 'redis']);
    assert.equal(pins.cart!.reference, `${lock.services.cart!.image}@${lock.services.cart!.digest}`);
    assert.equal(pins.cart!.commit, lock.services.cart!.commit);
  });

  it('refuses a locked service compose does not have', () => {
    const extra = makeLock({ cart: service('cart'), redis: service('redis'), billing: service('billing'), audit: service('audit') });
    assert.throws(
      () => pinImages(graph, extra, files),
      (error: unknown) =>
        error instanceof InputError &&
        error.message === 'release.lock.yaml: services.audit: is not a service of compose/compose.yaml (it has cart, redis, sidecar, web-gateway); nor are billing',
    );
  });

  it('refuses a compose service built from source that the lock does not pin', () => {
    assert.throws(
      () => pinImages(graph, makeLock({ cart: service('cart') }), files),
      (error: unknown) =>
        error instanceof InputError &&
        error.message.startsWith('release.lock.yaml: services: has no entry for redis, which compose/compose.yaml builds from source; a stack runs locked images only'),
    );
  });
});

describe('the stack plan', () => {
  it('pins locked services, keeps the others, and re-bases build contexts on the repository root', () => {
    const plan = buildStackPlan({
      graph,
      composeFile: 'compose/compose.yaml',
      pins: pinImages(graph, lock, files),
      lock: { file: 'release.lock.yaml', id: 'abc', integrity: lock.integrity },
      addresses: stackAddresses(graph),
      suites: [],
    });
    assert.equal(plan.kind, 'StackPlan');
    assert.deepEqual(plan.startOrder, ['redis', 'sidecar', 'web-gateway', 'cart']);
    assert.equal(plan.services.cart!.image, `${lock.services.cart!.image}@${lock.services.cart!.digest}`);
    assert.deepEqual(plan.services.cart!.locked, {
      image: lock.services.cart!.image,
      tag: lock.services.cart!.tag,
      digest: lock.services.cart!.digest,
      commit: lock.services.cart!.commit,
    });
    assert.equal(plan.services.cart!.build!.context, 'compose/services/cart');
    assert.equal(plan.services['web-gateway']!.image, 'localhost:5000/shop/gateway:dev');
    assert.equal(plan.services['web-gateway']!.locked, null);
    assert.deepEqual({ ...plan.services.cart!.dependsOn }, { redis: { condition: 'service_healthy' } });
  });

  it('hands suites the address of every service with a port', () => {
    assert.deepEqual(stackAddresses(graph), {
      CART_HOST: 'cart',
      CART_PORT: '8080',
      CART_URL: 'http://cart:8080',
      REDIS_HOST: 'redis',
      REDIS_PORT: '6379',
      REDIS_URL: 'http://redis:6379',
      WEB_GATEWAY_HOST: 'web-gateway',
      WEB_GATEWAY_PORT: '80',
      WEB_GATEWAY_URL: 'http://web-gateway:80',
    });
  });
});

describe('suites', () => {
  const config = lockstepConfig.parse({
    apiVersion: 'lockstep/v1',
    kind: 'Config',
    services: { cart: { path: 'services/cart', image: 'localhost:5000/shop/cart' } },
    stack: {
      suites: [
        { name: 'integration', directory: 'compose/tests', command: ['node', '--test-reporter=tap', 'integration.test.mjs'], env: { LEVEL: 'deep' } },
        { name: 'system', image: 'local/runner:1', command: ['run-system'], timeout: '90s' },
      ],
    },
  });

  it('fills in the image from LOCKSTEP_NODE_IMAGE, else the public node image, and timeouts in ms', () => {
    const [integration, system] = planSuites(config.stack.suites, { LOCKSTEP_NODE_IMAGE: 'lockstep-ci/node:20' });
    assert.equal(integration!.image, 'lockstep-ci/node:20');
    assert.equal(integration!.timeoutMs, 600_000);
    assert.equal(system!.image, 'local/runner:1');
    assert.equal(system!.timeoutMs, 90_000);
    assert.equal(planSuites(config.stack.suites, {})[0]!.image, 'node:22-bookworm-slim');
  });

  it('selects suites by name in config order and refuses unknown names', () => {
    const planned = planSuites(config.stack.suites, {});
    assert.deepEqual(selectSuites(planned, ['system', 'integration'], 'lockstep.config.yaml').map((suite) => suite.name), ['integration', 'system']);
    assert.throws(() => selectSuites(planned, ['smoke'], 'lockstep.config.yaml'), /--suite: no suite named smoke in lockstep.config.yaml \(it has integration, system\)/);
    assert.throws(() => selectSuites([], undefined, 'lockstep.config.yaml'), /stack.suites: names no suite to run/);
  });

  it('refuses duplicate suite names in the config', () => {
    const duplicated = lockstepConfig.safeParse({
      apiVersion: 'lockstep/v1',
      kind: 'Config',
      services: { cart: { path: 'services/cart', image: 'localhost:5000/shop/cart' } },
      stack: { suites: [{ name: 'a', command: ['x'] }, { name: 'a', command: ['y'] }] },
    });
    assert.equal(duplicated.success, false);
  });

  it('runs a suite on the stack network with the environment passed by name only', () => {
    const suite = resolveSuite(planSuites(config.stack.suites, {})[0]!, '/repo');
    const invocation = suiteInvocation('shop-pr-7', suite, { CART_URL: 'http://cart:8080' }, 'a1b2c3');
    assert.equal(invocation.containerName, 'shop-pr-7-suite-integration-a1b2c3');
    assert.deepEqual(invocation.args, [
      'run', '--rm', '--name', 'shop-pr-7-suite-integration-a1b2c3', '--network', 'shop-pr-7_default',
      '--label', 'dev.lockstep.stack.project=shop-pr-7', '--label', 'dev.lockstep.stack.suite=integration',
      '--env', 'CART_URL', '--env', 'LEVEL', '--env', 'STACK_PROJECT',
      '--volume', '/repo/compose/tests:/suite:ro', '--workdir', '/suite',
      'node:22-bookworm-slim', 'node', '--test-reporter=tap', 'integration.test.mjs',
    ]);
    assert.deepEqual(invocation.env, { CART_URL: 'http://cart:8080', LEVEL: 'deep', STACK_PROJECT: 'shop-pr-7' });
    assert.ok(!invocation.args.some((arg) => arg.includes('deep')), 'values never appear on the command line');
  });
});

describe('project names', () => {
  it('accepts names compose v1 and v2 both keep verbatim', () => {
    assert.equal(checkProjectName('shop-pr_42'), 'shop-pr_42');
    assert.throws(() => checkProjectName('Shop'), /--project: "Shop" is not a usable project name/);
    assert.throws(() => checkProjectName('-x'), InputError);
    assert.throws(() => checkProjectName('a.b'), InputError);
    assert.throws(() => checkProjectName('x'.repeat(64)), InputError);
  });

  it('derives a default from the config folder', () => {
    assert.equal(defaultProjectName('/home/me/Shop Orchestrator'), 'lockstep-shop-orchestrator');
    assert.equal(defaultProjectName('/'), 'lockstep-stack');
    assert.doesNotThrow(() => checkProjectName(defaultProjectName(`/tmp/${'Ü'.repeat(80)}x`)));
  });
});

describe('the sandbox config', () => {
  it('moves images to the sandbox registry and compose paths to the orchestrator top level', () => {
    const example = lockstepConfig.parse({
      apiVersion: 'lockstep/v1',
      kind: 'Config',
      services: { cart: { path: 'services/cart', image: 'localhost:5000/lockstep-example/cart' } },
      stack: { composeFile: 'compose/compose.yaml', suites: [{ name: 'integration', directory: 'compose/tests', command: ['node'] }] },
    });
    const config = sandboxConfig(example, 'localhost:41234');
    assert.equal(config.services.cart!.image, 'localhost:41234/lockstep-example/cart');
    assert.equal(config.stack.composeFile, 'compose.yaml');
    assert.equal(config.stack.suites[0]!.directory, 'tests');
    assert.equal(example.stack.composeFile, 'compose/compose.yaml', 'the example config is not modified');
    assert.equal(lockstepConfig.safeParse(config).success, true);
    assert.equal(onRegistry('acme/cart', 'localhost:1'), 'localhost:1/acme/cart');
    assert.equal(onRegistry('registry.example.com/acme/cart', 'localhost:1'), 'localhost:1/acme/cart');
  });
});

describe('the network suites join', () => {
  it('is the default network when a service is on it, else the one most services share, by its compose name', () => {
    assert.equal(suiteNetwork('shop', graph), 'shop_default');
    const tiers = parseComposeGraph(
      'compose.yaml',
      [
        'services:',
        '  vote: {image: x, networks: [front-tier, back-tier]}',
        '  worker: {image: x, networks: [back-tier]}',
        '  db: {image: x, networks: [back-tier]}',
        'networks:',
        '  front-tier: {}',
        '  back-tier: {}',
      ].join('\n'),
      {},
    );
    assert.equal(suiteNetwork('shop', tiers), 'shop_back-tier');
    const named = parseComposeGraph('compose.yaml', 'services:\n  a: {image: x, networks: [edge]}\nnetworks:\n  edge: {name: shared-edge}\n', {});
    assert.equal(suiteNetwork('shop', named), 'shared-edge');
  });
});

describe('endpoint addresses', () => {
  it('gives an environment\'s endpoints as the variables the stack stage gives its services', () => {
    assert.deepEqual(endpointAddresses({ 'api-gateway': 'https://shop.example.com/', catalog: 'http://10.0.0.7:8080/v1', ipv6: 'http://[::1]:9000' }), {
      API_GATEWAY_HOST: 'shop.example.com',
      API_GATEWAY_PORT: '443',
      API_GATEWAY_URL: 'https://shop.example.com',
      CATALOG_HOST: '10.0.0.7',
      CATALOG_PORT: '8080',
      CATALOG_URL: 'http://10.0.0.7:8080/v1',
      IPV6_HOST: '::1',
      IPV6_PORT: '9000',
      IPV6_URL: 'http://[::1]:9000',
    });
  });
});
