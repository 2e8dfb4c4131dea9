import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseStackPlan, suiteEnvironment, suiteSourcePath, type StackPlan } from '../../../dagger/src/stackGraph.js';
import { loadConfig } from '../../../src/config/load.js';
import { writeLock } from '../../../src/lock/write.js';
import { planStack } from '../../../src/stages/stackPlan.js';
import { makeLock, service } from '../../support/lockFixtures.js';

/**
 * The contract between `lockstep --json stack plan` and the module: the real planner, on the example
 * system's config and compose file, must produce what the module reads, and the module must read it
 * as the same stack compose would start.
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const names = ['cart', 'catalog', 'gateway', 'redis'];
let work: string;
let plan: StackPlan;
let digests: Record<string, string>;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lockstep-plan-contract-'));
  const lockFile = join(work, 'lock.yaml');
  const config = await loadConfig(join(root, 'lockstep.config.yaml'));
  const lock = makeLock(Object.fromEntries(names.map((name) => [name, service(name, { image: config.services[name]!.image })])));
  digests = Object.fromEntries(names.map((name) => [name, lock.services[name]!.digest]));
  await writeLock(lockFile, lock);
  const cliPlan = await planStack({ configFile: join(root, 'lockstep.config.yaml'), config, lockFile, env: {} });
  // What `emit` prints for --json.
  plan = parseStackPlan(JSON.stringify(cliPlan, null, 2));
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('stack plan -> Dagger services (the real planner on the example shop)', () => {
  it('runs every service, dependencies first, each reaching those started before it', () => {
    assert.deepEqual(plan.services.map((entry) => entry.name), ['catalog', 'redis', 'cart', 'gateway']);
    const cart = plan.services.find((entry) => entry.name === 'cart')!;
    assert.ok(cart.binds.includes('catalog') && cart.binds.includes('redis'), 'cart reaches catalog and redis as compose declares');
    assert.deepEqual(plan.services.find((entry) => entry.name === 'gateway')!.binds.sort(), ['cart', 'catalog', 'redis']);
  });

  it('pins every service to the digest of the lock', () => {
    for (const entry of plan.services) assert.equal(entry.image, `localhost:5000/lockstep-example/${entry.name}@${digests[entry.name]}`);
  });

  it('keeps the compose environment, ports and healthchecks', () => {
    const redis = plan.services.find((entry) => entry.name === 'redis')!;
    assert.deepEqual(redis.ports, [6379]);
    assert.deepEqual(redis.healthcheck, { args: ['redis-cli', 'ping'], shell: false, interval: '2s', timeout: '10s', startPeriod: '30s', retries: 15 });
    const cart = plan.services.find((entry) => entry.name === 'cart')!;
    assert.equal(cart.environment.CATALOG_URL, 'http://catalog:8080');
    assert.equal(cart.environment.REDIS_HOST, 'redis');
    assert.deepEqual(plan.services.find((entry) => entry.name === 'gateway')!.ports, [8080]);
  });

  it('runs the configured suites from their folder with the stack addresses', () => {
    assert.deepEqual(plan.suites.map((suite) => suite.name), ['integration', 'system']);
    const suite = plan.suites[0]!;
    assert.equal(suiteSourcePath('lockstep.config.yaml', suite.directory!), 'compose/tests');
    assert.deepEqual(suite.command, ['node', '--test-reporter=tap', 'integration.test.mjs']);
    const env = suiteEnvironment(plan, suite);
    assert.equal(env.GATEWAY_URL, 'http://gateway:8080');
    assert.equal(env.REDIS_HOST, 'redis');
  });
});
