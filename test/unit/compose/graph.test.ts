import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { parseComposeGraph } from '../../../src/compose/graph.js';
import { InputError } from '../../../src/errors.js';

const file = 'compose.yaml';

/**
 * The graph's records are null-prototype (a service may be called `constructor`); as plain JSON they
 * compare with object literals.
 */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function graph(text: string, env: Record<string, string> = {}) {
  return plain(parseComposeGraph(file, text, env));
}

/** Asserts the exact one-line message an InputError renders. */
function rejects(text: string, message: string, env: Record<string, string> = {}) {
  assert.throws(
    () => graph(text, env),
    (error: unknown) => {
      assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
      assert.equal(error.message, message);
      return true;
    },
  );
}

describe('compose graph: the example system', () => {
  it('reads compose/compose.yaml into four services in dependency order', async () => {
    const text = await readFile(new URL('../../../compose/compose.yaml', import.meta.url), 'utf8');
    const parsed = plain(parseComposeGraph('compose/compose.yaml', text, { LOCKSTEP_NODE_IMAGE: 'local/node:20' }));
    assert.deepEqual(Object.keys(parsed.services), ['cart', 'catalog', 'gateway', 'redis']);
    assert.ok(parsed.startOrder.indexOf('redis') < parsed.startOrder.indexOf('cart'));
    assert.ok(parsed.startOrder.indexOf('cart') < parsed.startOrder.indexOf('gateway'));
    const cart = parsed.services.cart!;
    assert.deepEqual(cart.dependsOn, { catalog: { condition: 'service_started' }, redis: { condition: 'service_healthy' } });
    assert.deepEqual(cart.build, { context: 'services/cart', dockerfile: null, args: { NODE_IMAGE: 'local/node:20' } });
    assert.equal(parsed.services.redis!.build!.args.BASE_IMAGE, 'debian:bookworm-slim', 'the default applies when LOCKSTEP_BASE_IMAGE is unset');
    assert.deepEqual(parsed.services.redis!.volumes, [{ type: 'volume', source: 'redis-data', target: '/data', readOnly: false }]);
    assert.deepEqual(parsed.services.gateway!.ports, [{ target: 8080, published: null, hostIp: '127.0.0.1', protocol: 'tcp' }]);
    for (const service of Object.values(parsed.services)) {
      assert.equal(service.healthcheck?.intervalMs, 2000, `${service.name} healthcheck interval`);
      assert.ok(!service.healthcheck.test!.join(' ').includes('curl'), `${service.name} must not need curl`);
    }
  });
});

describe('compose graph: values', () => {
  it('normalises environment in list and map form, with pass-through from the environment', () => {
    const parsed = graph(
      [
        'services:',
        '  a:',
        '    image: x',
        '    environment:',
        '      - B=2',
        '      - A=1=one',
        '      - FROM_ENV',
        '      - MISSING',
        '  b:',
        '    image: x',
        '    environment:',
        '      PORT: 8080',
        '      DEBUG: true',
        '      FROM_ENV:',
        '      EMPTY: ""',
      ].join('\n'),
      { FROM_ENV: 'outside' },
    );
    assert.deepEqual(parsed.services.a!.environment, { A: '1=one', B: '2', FROM_ENV: 'outside' });
    assert.deepEqual(parsed.services.b!.environment, { DEBUG: 'true', EMPTY: '', FROM_ENV: 'outside', PORT: '8080' });
    assert.deepEqual(Object.keys(parsed.services.a!.environment), ['A', 'B', 'FROM_ENV'], 'keys are sorted for a stable plan');
  });

  it('splits string commands like a shell and keeps list commands as they are', () => {
    const parsed = graph(
      [
        'services:',
        '  a:',
        '    image: x',
        `    command: node -e "console.log('hi there')" --flag=a\\ b`,
        '    entrypoint: ["/bin/tini", "--"]',
        '  b:',
        '    image: x',
        '    command: [node, 8080, true]',
        '    entrypoint: []',
      ].join('\n'),
    );
    assert.deepEqual(parsed.services.a!.command, ['node', '-e', "console.log('hi there')", '--flag=a b']);
    assert.deepEqual(parsed.services.a!.entrypoint, ['/bin/tini', '--']);
    assert.deepEqual(parsed.services.b!.command, ['node', '8080', 'true']);
    assert.deepEqual(parsed.services.b!.entrypoint, []);
  });

  it('reads every port form', () => {
    const parsed = graph(
      [
        'services:',
        '  a:',
        '    image: x',
        '    ports:',
        '      - 80',
        '      - "8080:80"',
        '      - "127.0.0.1:9000:90/udp"',
        '      - "127.0.0.1::91"',
        '      - "[::1]:9200:92"',
        '      - target: 93',
        '        published: "9300"',
        '        host_ip: 0.0.0.0',
        '        protocol: udp',
        '    expose: [3000, "3001/tcp"]',
      ].join('\n'),
    );
    assert.deepEqual(parsed.services.a!.ports, [
      { target: 80, published: null, hostIp: null, protocol: 'tcp' },
      { target: 80, published: 8080, hostIp: null, protocol: 'tcp' },
      { target: 90, published: 9000, hostIp: '127.0.0.1', protocol: 'udp' },
      { target: 91, published: null, hostIp: '127.0.0.1', protocol: 'tcp' },
      { target: 92, published: 9200, hostIp: '::1', protocol: 'tcp' },
      { target: 93, published: 9300, hostIp: '0.0.0.0', protocol: 'udp' },
    ]);
    assert.deepEqual(parsed.services.a!.expose, [3000, 3001]);
  });

  it('reads healthchecks with defaults, string tests and disabling', () => {
    const parsed = graph(
      [
        'services:',
        '  a:',
        '    image: x',
        '    healthcheck:',
        '      test: wget -q -O- localhost/healthz',
        '      interval: 1m30s',
        '      start_period: 500ms',
        '  b:',
        '    image: x',
        '    healthcheck:',
        '      disable: true',
        '  c:',
        '    image: x',
        '    healthcheck:',
        '      test: [NONE]',
        '  d:',
        '    image: x',
        '    healthcheck:',
        '      retries: 0',
        '      timeout: 1.5s',
      ].join('\n'),
    );
    assert.deepEqual(parsed.services.a!.healthcheck, {
      test: ['CMD-SHELL', 'wget -q -O- localhost/healthz'],
      disabled: false,
      intervalMs: 90_000,
      timeoutMs: 30_000,
      retries: 3,
      startPeriodMs: 500,
    });
    assert.deepEqual(parsed.services.b!.healthcheck?.test, ['NONE']);
    assert.equal(parsed.services.b!.healthcheck?.disabled, true);
    assert.equal(parsed.services.c!.healthcheck?.disabled, true);
    assert.equal(parsed.services.d!.healthcheck?.test, null, 'no test keeps the image healthcheck command');
    assert.equal(parsed.services.d!.healthcheck?.retries, 0);
    assert.equal(parsed.services.d!.healthcheck?.timeoutMs, 1500);
    assert.equal(graph('services:\n  a:\n    image: x\n').services.a!.healthcheck, null);
  });

  it('reads depends_on in list and map form with all three conditions', () => {
    const parsed = graph(
      [
        'services:',
        '  migrate: {image: x}',
        '  db: {image: x}',
        '  cache: {image: x}',
        '  api:',
        '    image: x',
        '    depends_on:',
        '      db: {condition: service_healthy}',
        '      migrate: {condition: service_completed_successfully}',
        '      cache:',
        '  web:',
        '    image: x',
        '    depends_on: [api]',
      ].join('\n'),
    );
    assert.deepEqual(parsed.services.api!.dependsOn, {
      cache: { condition: 'service_started' },
      db: { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
    });
    assert.deepEqual(parsed.services.web!.dependsOn, { api: { condition: 'service_started' } });
    assert.deepEqual(parsed.startOrder, ['cache', 'db', 'migrate', 'api', 'web']);
  });

  it('reads named and anonymous volumes, long and short', () => {
    const parsed = graph(
      [
        'services:',
        '  a:',
        '    image: x',
        '    volumes:',
        '      - data:/var/lib/data:ro',
        '      - /scratch',
        '      - type: volume',
        '        source: logs',
        '        target: /logs',
        '        read_only: false',
        'volumes:',
        '  data:',
        '  logs:',
        '    name: shared-logs',
        '    external: true',
      ].join('\n'),
    );
    assert.deepEqual(parsed.services.a!.volumes, [
      { type: 'volume', source: 'data', target: '/var/lib/data', readOnly: true },
      { type: 'volume', source: null, target: '/scratch', readOnly: false },
      { type: 'volume', source: 'logs', target: '/logs', readOnly: false },
    ]);
    assert.deepEqual(parsed.volumes, { data: { name: null, external: false }, logs: { name: 'shared-logs', external: true } });
  });

  it('accepts the default network spelled out, the version key and x- extensions', () => {
    const parsed = graph(
      [
        'version: "3.8"',
        'x-common: &common {anything: [1, 2]}',
        'services:',
        '  a:',
        '    image: x',
        '    x-owner: team-a',
        '    networks: [default]',
        '  b:',
        '    image: x',
        '    networks:',
        '      default:',
        'networks:',
        '  default:',
      ].join('\n'),
    );
    assert.deepEqual(Object.keys(parsed.services), ['a', 'b']);
  });

  it('reads build as a string or a mapping, with list args taken from the environment', () => {
    const parsed = graph(
      [
        'services:',
        '  a:',
        '    build: ./services/a/',
        '  b:',
        '    build:',
        '      context: ../b',
        '      dockerfile: docker/Dockerfile.prod',
        '      args: [VERSION=1.2.3, NODE_IMAGE, UNSET]',
      ].join('\n'),
      { NODE_IMAGE: 'local/node:20' },
    );
    assert.deepEqual(parsed.services.a!.build, { context: 'services/a', dockerfile: null, args: {} });
    assert.deepEqual(parsed.services.b!.build, {
      context: '../b',
      dockerfile: 'docker/Dockerfile.prod',
      args: { NODE_IMAGE: 'local/node:20', VERSION: '1.2.3' },
    });
  });

  it('interpolates values (not keys) with defaults, alternatives and $$', () => {
    const parsed = graph(
      [
        'services:',
        '  a:',
        '    image: ${REGISTRY:-localhost:5000}/shop/${NAME}:${TAG-latest}',
        '    environment:',
        '      PRICE: $$5',
        '      MODE: ${DEBUG:+debug}',
        '      NESTED: ${MISSING:-${FALLBACK:-deep}}',
        '      $KEEP: as-is',
      ].join('\n'),
      { NAME: 'cart', DEBUG: '1' },
    );
    assert.equal(parsed.services.a!.image, 'localhost:5000/shop/cart:latest');
    assert.deepEqual(parsed.services.a!.environment, { $KEEP: 'as-is', MODE: 'debug', NESTED: 'deep', PRICE: '$5' });
  });
});

describe('compose graph: what compose runs and lockstep does not model passes through', () => {
  it('accepts every compose key, reading only what lockstep needs', () => {
    // These were refused while lockstep modelled only its own subset; compose runs them every day.
    const parsed = graph(
      [
        'name: shop',
        'services:',
        '  a: {image: x}',
        '  cart:',
        '    image: x',
        '    deploy: {replicas: 2}',
        '    privileged: true',
        '    container_name: cart',
        '    init: true',
        '    healthcheck: {test: [CMD, "true"], start_interval: 1s}',
        '    build: {context: ., target: prod}',
        '    depends_on:',
        '      a: {condition: service_started, restart: true}',
        'secrets: {}',
      ].join('\n'),
    );
    assert.deepEqual(parsed.services.cart!.build, { context: '.', dockerfile: null, args: {} });
    assert.deepEqual(parsed.services.cart!.dependsOn, { a: { condition: 'service_started' } });
    assert.deepEqual(parsed.services.cart!.healthcheck!.test, ['CMD', 'true']);
  });

  it('refuses keys compose itself does not know', () => {
    rejects('services:\n  cart:\n    image: x\n    imagee: y\n', 'compose.yaml: services.cart.imagee: is not a compose service key (compose refuses it too)');
    rejects('services:\n  cart:\n    image: x\nservice: {}\n', 'compose.yaml: service: is not a compose key (compose refuses it too)');
    rejects('services:\n  cart:\n    build: {context: ., targett: prod}\n', 'compose.yaml: services.cart.build.targett: is not a compose build key (compose refuses it too)');
  });

  it('reads custom networks and aliases, and refuses a network no one declared', () => {
    const parsed = graph('services:\n  cart:\n    image: x\n    networks:\n      backend: {aliases: [shop]}\n  web: {image: x}\nnetworks:\n  backend: {internal: true}\n');
    assert.deepEqual(parsed.services.cart!.networks, { backend: { aliases: ['shop'] } });
    assert.deepEqual(parsed.services.web!.networks, { default: { aliases: [] } });
    assert.deepEqual(parsed.networks, { backend: { name: null, external: false, internal: true }, default: { name: null, external: false, internal: false } });
    rejects(
      'services:\n  cart:\n    image: x\n    networks: [backend]\n',
      'compose.yaml: services.cart.networks[0]: network "backend" is not declared under the top-level networks key (compose refuses it too)',
    );
  });

  it('reads bind mounts and mount modes, and refuses undeclared named volumes', () => {
    const parsed = graph('services:\n  cart:\n    image: x\n    volumes: ["./src:/app:ro,z", {type: bind, source: /etc, target: /etc}, "data:/data:z"]\nvolumes: {data: }\n');
    assert.deepEqual(parsed.services.cart!.volumes, [
      { type: 'bind', source: 'src', target: '/app', readOnly: true },
      { type: 'bind', source: '/etc', target: '/etc', readOnly: false },
      { type: 'volume', source: 'data', target: '/data', readOnly: false },
    ]);
    rejects(
      'services:\n  cart:\n    image: x\n    volumes: ["data:/data"]\n',
      'compose.yaml: services.cart.volumes[0]: named volume "data" is not declared under the top-level volumes key (compose refuses it too)',
    );
  });

  it('accepts compose service names (capitals, "_", "."), refusing only what compose refuses', () => {
    assert.deepEqual(Object.keys(graph('services:\n  Cart_1:\n    image: x\n').services), ['Cart_1']);
    rejects('services:\n  "cart 1":\n    image: x\n', 'compose.yaml: services["cart 1"]: must be a compose service name: letters, digits, ".", "_" and "-"');
  });
});

describe('compose graph: refusals name the file and the key path', () => {
  it('refuses dependencies on unknown services, on itself, and cycles', () => {
    rejects('services:\n  cart:\n    image: x\n    depends_on: [redis]\n', 'compose.yaml: services.cart.depends_on.redis: no service named "redis"');
    rejects('services:\n  cart:\n    image: x\n    depends_on: [cart]\n', 'compose.yaml: services.cart.depends_on.cart: a service cannot depend on itself');
    rejects(
      'services:\n  a: {image: x, depends_on: [b]}\n  b: {image: x, depends_on: [c]}\n  c: {image: x, depends_on: [a]}\n  d: {image: x}\n',
      'compose.yaml: services.a.depends_on: dependency cycle: a -> b -> c -> a',
    );
    rejects(
      'services:\n  a: {image: x}\n  b:\n    image: x\n    depends_on:\n      a: {condition: service_ready}\n',
      'compose.yaml: services.b.depends_on.a.condition: must be one of service_started, service_healthy, service_completed_successfully',
    );
  });

  it('refuses malformed values with the path of the value', () => {
    rejects('services:\n  cart:\n    image: x\n    ports: ["8000-8010:80-81"]\n', 'compose.yaml: services.cart.ports[0]: maps 11 host ports onto 2 container ports');
    rejects(
      'services:\n  cart:\n    image: x\n    ports: ["http"]\n',
      'compose.yaml: services.cart.ports[0]: must be a port mapping such as "8080", "8080:80", "127.0.0.1:8080:80" or "8000-8009:80-89"',
    );
    rejects('services:\n  cart:\n    image: x\n    ports: [70000]\n', 'compose.yaml: services.cart.ports[0]: port 70000 is outside 1-65535');
    rejects(
      'services:\n  cart:\n    image: x\n    healthcheck:\n      interval: 10\n',
      'compose.yaml: services.cart.healthcheck.interval: must be a duration such as 10s, 1m30s or 500ms',
    );
    rejects(
      'services:\n  cart:\n    image: x\n    healthcheck:\n      test: [CURL, x]\n',
      'compose.yaml: services.cart.healthcheck.test: must be a string or a list starting with CMD, CMD-SHELL or NONE',
    );
    rejects('services:\n  cart:\n    image: x\n    command: node "unterminated\n', 'compose.yaml: services.cart.command: unterminated double quote in "node \\"unterminated"');
    rejects('services:\n  cart:\n    image: x\n    environment: [A=1, A=2]\n', 'compose.yaml: services.cart.environment[1]: sets A twice');
    rejects('services:\n  cart:\n    restart: sometimes\n    image: x\n', 'compose.yaml: services.cart.restart: must be no, always, on-failure[:N] or unless-stopped');
    rejects('services:\n  cart:\n    build: https://github.com/acme/cart.git\n', 'compose.yaml: services.cart.build: a remote build context cannot be tied to a commit of this repository: build from a folder of it');
    rejects('services:\n  cart:\n    environment: {A: "1"}\n', 'compose.yaml: services.cart: needs an image or a build: compose cannot start it and lockstep has nothing to pin');
    rejects('services: {}\n', 'compose.yaml: services: must map at least one service name to its definition');
    rejects('- a\n- b\n', 'compose.yaml: must be a mapping with a services key');
  });

  it('refuses failed interpolation with the path of the value', () => {
    rejects('services:\n  cart:\n    image: ${IMAGE:?set IMAGE to the cart image}\n', 'compose.yaml: services.cart.image: required variable IMAGE is not set: set IMAGE to the cart image');
    rejects('services:\n  cart:\n    image: shop/cart:${TAG}\n', 'compose.yaml: services.cart.image: "shop/cart:" has an empty tag (is a variable unset?)');
    rejects('services:\n  cart:\n    image: ${IMAGE\n', 'compose.yaml: services.cart.image: unterminated "${" in "${IMAGE"');
  });

  it('refuses YAML that compose would read differently (duplicate keys)', () => {
    assert.throws(() => graph('services:\n  cart:\n    image: x\n    image: y\n'), /duplicate key/);
  });
});
