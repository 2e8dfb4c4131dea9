import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { parseDocument } from 'yaml';
import { readLock } from '../../src/lock/read.js';
import type { RunReport } from '../../src/report/runReport.js';
import { baseImagesFromEnv, buildAndPush, untag } from '../../src/sandbox/images.js';
import { dockerUnavailableReason, removeProjectResources } from '../../support/docker.js';
import { startRegistry, type StartedRegistry } from '../../support/registry.js';
import { repoRoot, runCli } from '../support/cli.js';

/**
 * Adoption end to end (issue 16's "done when"): a team's orchestrator repository — its own layout, not
 * lockstep's: services pinned as submodules under apps/, a docker-compose.yml naming registry images,
 * a third-party database pinned by digest, a smoke suite of its own — gets `lockstep init`, fills in
 * its suite, and `lockstep run pr-check` passes on it: lock, stack on exactly the locked digests, suite,
 * comment. Real git, a real registry, real Docker.
 */

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=team', '-c', 'user.email=team@example.invalid', '-c', 'protocol.file.allow=always', ...args], { cwd, encoding: 'utf8' }).trim();

const healthcheck = (port: number) => `    healthcheck:
      test: ["CMD", "node", "-e", "require('http').get('http://127.0.0.1:${port}/healthz', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
      interval: 2s
      timeout: 10s
      retries: 20
      start_period: 30s`;

const smokeSuite = `import { test } from 'node:test';
import assert from 'node:assert/strict';

for (const name of ['CATALOG_URL', 'CART_URL']) {
  test(\`\${name} answers its health check\`, async () => {
    const response = await fetch(\`\${process.env[name]}/healthz\`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200);
  });
}
`;

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

it('a team adopts lockstep: init on its own orchestrator repository, then run pr-check passes (system test)', { timeout: 15 * 60_000 }, async (t) => {
  const unavailable = await dockerUnavailableReason();
  if (unavailable) {
    t.skip(`docker daemon not reachable: ${unavailable}`);
    return;
  }
  const root = await mkdtemp(join(tmpdir(), 'lockstep-adopt-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const registry: StartedRegistry = await startRegistry();
  cleanups.push(() => registry.stop());
  const bases = baseImagesFromEnv();

  // The services' own repositories, each image pushed by "its CI" under the tag of its commit.
  const pushed: Record<string, { commit: string; digest: string }> = {};
  for (const name of ['catalog', 'cart']) {
    const dir = join(root, 'upstream', name);
    await cp(join(repoRoot, 'compose', 'services', name), dir, { recursive: true });
    git(dir, 'init', '--quiet');
    git(dir, 'add', '.');
    git(dir, 'commit', '--quiet', '-m', `${name} service`);
    const commit = git(dir, 'rev-parse', 'HEAD');
    const repository = `${registry.host}/acme/${name}`;
    const built = await buildAndPush(dir, { repository, tag: `sha-${commit.slice(0, 7)}`, commit, bases });
    cleanups.push(() => untag([built.tagged, `${repository}@${built.digest}`]));
    pushed[name] = { commit, digest: built.digest };
  }
  // A third-party image the team pins by digest in compose; no submodule builds it.
  const redisRepository = `${registry.host}/vendor/redis`;
  const redis = await buildAndPush(join(repoRoot, 'compose', 'services', 'redis'), { repository: redisRepository, tag: '7', commit: 'vendor', bases });
  cleanups.push(() => untag([redis.tagged, `${redisRepository}@${redis.digest}`]));

  const orchestrator = join(root, 'shop-platform');
  await mkdir(orchestrator);
  git(orchestrator, 'init', '--quiet', '--initial-branch', 'main');
  git(orchestrator, 'remote', 'add', 'origin', 'git@github.com:acme/shop-platform.git');
  for (const name of ['catalog', 'cart']) git(orchestrator, 'submodule', '--quiet', 'add', join(root, 'upstream', name), `apps/${name}`);
  await writeFile(
    join(orchestrator, 'docker-compose.yml'),
    `# The shop, as the platform team runs it locally.
services:
  catalog:
    image: ${registry.host}/acme/catalog:\${CATALOG_TAG:-latest}
    build: ./apps/catalog
    environment:
      PORT: "8080"
    expose: ["8080"]
${healthcheck(8080)}
  cart:
    image: ${registry.host}/acme/cart:\${CART_TAG:-latest}
    build:
      context: ./apps/cart
    environment:
      PORT: "8080"
      CATALOG_URL: http://catalog:8080
      REDIS_HOST: redis
      REDIS_PORT: "6379"
    expose: ["8080"]
    depends_on:
      redis:
        condition: service_healthy
      catalog:
        condition: service_started
${healthcheck(8080)}
  redis:
    image: ${redisRepository}@${redis.digest}
    expose: ["6379"]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 2s
      timeout: 10s
      retries: 20
`,
  );
  await mkdir(join(orchestrator, 'tests'));
  await writeFile(join(orchestrator, 'tests', 'smoke.test.mjs'), smokeSuite);
  await writeFile(join(orchestrator, '.gitignore'), 'report/\n.lockstep/\n');
  git(orchestrator, 'add', '.');
  git(orchestrator, 'commit', '--quiet', '-m', 'Pin the shop services');

  // 1. lockstep init.
  const init = await runCli(['init'], { cwd: orchestrator });
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /catalog\s+apps\/catalog\s+\S+\/acme\/catalog\n/);
  assert.match(init.stdout, /left to compose \(no submodule\): redis/);
  assert.match(init.stdout, /Branch protection on main: .*4 approving reviews/);

  // 2. The team fills in its suite, as the proposed config's comment shows, and commits on dev.
  const configFile = join(orchestrator, 'lockstep.config.yaml');
  const config = parseDocument(await readFile(configFile, 'utf8'));
  config.setIn(['stack', 'suites'], [{ name: 'smoke', directory: 'tests', command: ['node', '--test-reporter=tap', 'smoke.test.mjs'], timeout: '3m' }]);
  await writeFile(configFile, config.toString());
  git(orchestrator, 'checkout', '--quiet', '-b', 'dev');
  git(orchestrator, 'add', '.');
  git(orchestrator, 'commit', '--quiet', '-m', 'Adopt lockstep');

  // 3. The pull-request check, on the team's machine.
  const project = `adopt-${randomBytes(4).toString('hex')}`;
  cleanups.push(() => removeProjectResources(project));
  const check = await runCli(['--json', 'run', 'pr-check', '--offline', '--project', project, '--report-dir', 'report'], { cwd: orchestrator, env: { GITHUB_TOKEN: '' } });
  const report = JSON.parse(await readFile(join(orchestrator, 'report', 'run.json'), 'utf8')) as RunReport;
  assert.equal(check.code, 0, `${check.stderr.split('\n').slice(-20).join('\n')}\n${JSON.stringify(report.stages.map((stage) => [stage.name, stage.status]))}`);
  assert.equal(report.status, 'passed');

  const stages = Object.fromEntries(report.stages.map((stage) => [stage.name, stage.status]));
  assert.equal(stages['stack test'], 'passed', JSON.stringify(stages));
  assert.match(await readFile(join(orchestrator, 'report', 'pr-comment.md'), 'utf8'), /catalog/);
  const lock = await readLock(join(orchestrator, 'report', 'lock.yaml'));
  assert.deepEqual(Object.keys(lock.services).sort(), ['cart', 'catalog']);
  for (const name of ['catalog', 'cart']) {
    assert.equal(lock.services[name]!.commit, pushed[name]!.commit, `${name}: the submodule commit`);
    assert.equal(lock.services[name]!.digest, pushed[name]!.digest, `${name}: the digest its CI pushed`);
  }
});
