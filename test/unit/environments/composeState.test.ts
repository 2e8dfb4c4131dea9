import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { parseComposeGraph } from '../../../src/compose/graph.js';
import { loadComposeGraph } from '../../../src/compose/loadGraph.js';
import { addMigrationService, pinServices } from '../../../src/compose/override.js';
import { toContainer } from '../../../src/docker/containers.js';
import { resolveDockerHost } from '../../../src/docker/host.js';
import { unpinnedServices } from '../../../src/environments/targets/compose/composeTarget.js';
import { liveStateFromContainers } from '../../../src/environments/targets/compose/liveState.js';
import { parseRecord } from '../../../src/environments/targets/compose/stateRecord.js';
import { canonicalJson } from '../../../src/lock/canonical.js';
import { hex, makeLock, service } from '../../support/lockFixtures.js';

const lockA = makeLock({ catalog: service('catalog'), cart: service('cart') });
const lockB = makeLock({ catalog: service('catalog', { digest: `sha256:${hex('catalog-b', 64)}` }), cart: service('cart') });
const ref = (lock: typeof lockA, name: string) => `${lock.services[name]!.image}@${lock.services[name]!.digest}`;

/** A container as `docker inspect` prints it, reduced to the fields lockstep reads. */
function inspected(service: string, image: string, options: { labels?: Record<string, string>; state?: Record<string, unknown>; restarts?: number; id?: string } = {}) {
  return {
    Id: options.id ?? hex(`${service}-${image}`, 64),
    Name: `/shop_${service}_1`,
    Image: `sha256:${hex(`${image}-id`, 64)}`,
    RestartCount: options.restarts ?? 0,
    Config: { Image: image, Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': service, ...options.labels } },
    State: { Status: 'running', Running: true, Restarting: false, ExitCode: 0, StartedAt: '2026-11-21T12:00:00.000000000Z', ...options.state },
  };
}

describe('live state of a compose project', () => {
  it('reads which digest each service runs from the reference its container was created from', () => {
    const live = liveStateFromContainers(
      [
        toContainer(inspected('catalog', ref(lockA, 'catalog'), { state: { Health: { Status: 'healthy' } } })),
        toContainer(inspected('cart', ref(lockA, 'cart'))),
        toContainer(inspected('redis', 'redis:7')),
      ],
      lockA,
    );
    assert.equal(live.lockIntegrity, lockA.integrity);
    assert.equal(live.services.catalog?.digest, lockA.services.catalog!.digest);
    assert.equal(live.services.catalog?.healthy, true);
    assert.equal(live.services.redis?.digest, null);
    assert.equal(live.services.redis?.image, 'redis:7');
  });

  it('ignores one-off containers and containers compose did not create', () => {
    const oneOff = inspected('catalog', 'migrator@x', { labels: { 'com.docker.compose.oneoff': 'True' } });
    const stray = { ...inspected('x', 'y'), Config: { Image: 'y', Labels: {} } };
    const live = liveStateFromContainers([toContainer(oneOff), toContainer(stray)], null);
    assert.deepEqual(live, { lockIntegrity: null, lock: null, services: {} });
  });

  it('marks replicas that disagree as unpinned, and stopped ones as unhealthy', () => {
    const live = liveStateFromContainers(
      [
        toContainer(inspected('cart', ref(lockA, 'cart'), { id: 'a'.repeat(64) })),
        toContainer(inspected('cart', ref(lockB, 'catalog'), { id: 'b'.repeat(64) })),
        toContainer(inspected('catalog', ref(lockA, 'catalog'), { state: { Status: 'exited', Running: false, ExitCode: 3 } })),
      ],
      null,
    );
    assert.equal(live.services.cart?.digest, null);
    assert.equal(live.services.catalog?.healthy, false);
    assert.equal(live.services.catalog?.state, 'exited (exit 3)');
  });
});

describe('the recorded lock', () => {
  const labels = (lock: typeof lockA) => ({
    'io.lockstep.state.project': 'shop',
    'io.lockstep.lock.integrity': lock.integrity,
    'io.lockstep.lock': canonicalJson(lock),
    'io.lockstep.state.recorded-at': '2026-11-21T12:00:00.000Z',
  });

  it('reads back a lock whose integrity holds', () => {
    assert.deepEqual(parseRecord(labels(lockB))?.lock, lockB);
  });

  it('records nothing when the lock label was edited or does not match its integrity label', () => {
    const edited = labels(lockA);
    edited['io.lockstep.lock'] = edited['io.lockstep.lock'].replace(lockA.services.cart!.commit, hex('evil', 40));
    assert.equal(parseRecord(edited), null);
    assert.equal(parseRecord({ ...labels(lockA), 'io.lockstep.lock.integrity': lockB.integrity }), null);
    assert.equal(parseRecord({ ...labels(lockA), 'io.lockstep.lock': '{not json' }), null);
    assert.equal(parseRecord({}), null);
  });
});

describe('compose files lockstep writes', () => {
  it('pins services by digest and keeps label values literal ($ escaped for compose)', () => {
    const text = pinServices('', { cart: { image: ref(lockA, 'cart'), labels: { note: 'costs $5' } }, catalog: { image: ref(lockA, 'catalog') } }, []);
    assert.deepEqual(parse(text), { services: { cart: { image: ref(lockA, 'cart'), labels: { note: 'costs $$5' } }, catalog: { image: ref(lockA, 'catalog') } } });
  });

  it('adds the migration as a one-off service whose secrets are passed by name only', () => {
    const text = addMigrationService('', { image: ref(lockA, 'catalog'), command: ['node', 'migrate.mjs', '--to', '$LATEST'], env: { MODE: 'up' }, passEnv: ['DB_PASSWORD'] }, []);
    assert.deepEqual(parse(text), {
      services: {
        'lockstep-migration': {
          image: ref(lockA, 'catalog'),
          command: ['node', 'migrate.mjs', '--to', '$$LATEST'],
          environment: ['MODE=up', 'DB_PASSWORD'],
        },
      },
    });
  });

  it('keeps what the override already pins and adds the rest: content in, content out', () => {
    const first = pinServices('', { cart: { image: ref(lockA, 'cart') } }, ['first']);
    const second = pinServices(first, { catalog: { image: ref(lockA, 'catalog') } }, ['second']);
    assert.ok(second.startsWith('# second\n'));
    assert.deepEqual(parse(second), { services: { cart: { image: ref(lockA, 'cart') }, catalog: { image: ref(lockA, 'catalog') } } });
    assert.equal(pinServices(second, { catalog: { image: ref(lockA, 'catalog') } }, ['second']), second, 'the same pins give the same bytes');
  });

  it('merges image and build across compose files as compose does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-compose-files-'));
    try {
      await writeFile(join(dir, 'a.yaml'), stringify({ services: { cart: { build: '.' }, redis: { image: 'redis:7' } } }));
      await writeFile(join(dir, 'b.yaml'), stringify({ services: { redis: { image: `redis@sha256:${'1'.repeat(64)}` }, extra: { build: 'tools' } } }));
      const graph = await loadComposeGraph(join(dir, 'a.yaml'), {}, { overrides: [join(dir, 'b.yaml')] });
      assert.equal(graph.services.redis?.image, `redis@sha256:${'1'.repeat(64)}`);
      assert.deepEqual(unpinnedServices(graph, ['cart']), ['extra: built from source, not an image pinned by digest']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds services outside the lock that would run a tag or a local build', () => {
    const config = { services: { cart: { image: 'cart:latest' }, catalog: { build: { context: '.' } }, redis: { image: 'redis:7' }, db: { image: `pg@sha256:${'0'.repeat(64)}` }, tools: { build: '.' } } };
    const graph = parseComposeGraph('compose.yaml', stringify(config), {});
    assert.deepEqual(unpinnedServices(graph, ['cart', 'catalog']), ['redis: redis:7 is not pinned by digest', 'tools: built from source, not an image pinned by digest']);
  });
});

describe('which docker daemon and how', () => {
  it('talks to a unix socket directly, and lets the docker CLI connect to anything else', () => {
    assert.deepEqual(resolveDockerHost(undefined, {}, () => undefined), { url: undefined, context: undefined, socketPath: '/var/run/docker.sock', local: true });
    assert.deepEqual(resolveDockerHost('unix:///run/user/1000/docker.sock', {}), { url: 'unix:///run/user/1000/docker.sock', context: undefined, socketPath: '/run/user/1000/docker.sock', local: true });
    assert.equal(resolveDockerHost('ssh://deploy@staging', { DOCKER_HOST: 'unix:///x' }).socketPath, null);
    assert.equal(resolveDockerHost(undefined, { DOCKER_HOST: 'tcp://10.0.0.5:2376' }).url, 'tcp://10.0.0.5:2376');
  });

  it('honours a docker context chosen by DOCKER_CONTEXT or `docker context use`', () => {
    assert.deepEqual(resolveDockerHost(undefined, { DOCKER_CONTEXT: 'prod' }, () => 'other'), { url: undefined, context: 'prod', socketPath: null, local: false });
    assert.equal(resolveDockerHost(undefined, {}, () => 'remote').context, 'remote');
    assert.equal(resolveDockerHost(undefined, {}, () => 'default').socketPath, '/var/run/docker.sock');
  });
});
