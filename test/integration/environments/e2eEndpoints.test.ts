// `lockstep e2e` against a kubernetes and a GitOps (helm-values) environment: the stack suites run in
// real containers against the endpoints the config names, given as the stack stage's variables.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { lockstep } from './cli.js';

const suite = `import { test } from 'node:test';
import assert from 'node:assert/strict';
test('the gateway answers at the address the suite was given', async () => {
  const url = process.env.GATEWAY_URL;
  assert.equal(url, \`http://\${process.env.GATEWAY_HOST}:\${process.env.GATEWAY_PORT}\`);
  const response = await fetch(\`\${url}/health\`);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), process.env.EXPECT_BODY);
});
test('the catalog endpoint is given too', () => {
  assert.equal(process.env.CATALOG_URL, 'https://catalog.staging.example.com');
  assert.equal(process.env.CATALOG_PORT, '443');
});
`;

let work: string;
let server: Server;
let port: number;
const seen: string[] = [];

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lockstep-e2e-endpoints-'));
  await mkdir(join(work, 'suites'));
  await writeFile(join(work, 'suites', 'gateway.test.mjs'), suite);
  server = createServer((request, response) => {
    seen.push(request.url ?? '');
    response.end(request.url === '/health' ? 'gateway ok' : 'no');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const endpoints = { gateway: `http://127.0.0.1:${port}/`, catalog: 'https://catalog.staging.example.com' };
  const e2e = { endpoints, network: 'host' };
  await writeFile(
    join(work, 'lockstep.config.yaml'),
    stringify({
      apiVersion: 'lockstep/v1',
      kind: 'Config',
      repository: 'acme/orchestrator',
      services: { gateway: { path: 'services/gateway', image: 'localhost:5000/acme/gateway' } },
      stack: { suites: [{ name: 'gateway', directory: 'suites', command: ['node', '--test-reporter=tap', 'gateway.test.mjs'], env: { EXPECT_BODY: 'gateway ok' } }] },
      environments: {
        staging: { protected: true, target: { type: 'kubernetes', namespace: 'shop-staging' }, e2e },
        production: {
          protected: true,
          target: { type: 'helm-values', repository: '../shop-gitops', valuesFile: 'production/values.yaml' },
          e2e: { ...e2e, endpoints: { ...endpoints, gateway: `http://127.0.0.1:${port}` } },
        },
        dev: { target: { type: 'kubernetes', namespace: 'shop-dev' }, e2e: { suites: ['gateway'] } },
      },
    }),
  );
});

after(async () => {
  server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('e2e against the endpoints of a non-compose environment', () => {
  for (const environment of ['staging', 'production']) {
    it(`runs the suites against ${environment}'s endpoints, with the stack's variables`, async () => {
      const before = seen.length;
      const reportDir = join(work, 'report', environment);
      const run = await lockstep(['--config', join(work, 'lockstep.config.yaml'), 'e2e', '--env', environment, '--report-dir', reportDir], { cwd: work });
      assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
      assert.ok(seen.slice(before).includes('/health'), 'the suite reached the endpoint');
      const junit = await readFile(join(reportDir, 'gateway.xml'), 'utf8');
      assert.match(junit, /tests="2"/);
      assert.match(junit, /failures="0"/);
      assert.match(await readFile(join(reportDir, 'summary.md'), 'utf8'), /gateway/);
    });
  }

  it('runs the suites in the engine LOCKSTEP_SUITE_DOCKER_HOST names (the Dagger module starts one), whatever DOCKER_HOST says', async () => {
    const engine = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
    const reportDir = join(work, 'report', 'suite-engine');
    const env = { DOCKER_HOST: 'tcp://127.0.0.1:9', LOCKSTEP_SUITE_DOCKER_HOST: engine };
    const run = await lockstep(['--config', join(work, 'lockstep.config.yaml'), 'e2e', '--env', 'staging', '--report-dir', reportDir], { cwd: work, env });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const without = await lockstep(['--config', join(work, 'lockstep.config.yaml'), 'e2e', '--env', 'staging', '--report-dir', join(work, 'report', 'no-engine')], { cwd: work, env: { DOCKER_HOST: 'tcp://127.0.0.1:9' } });
    assert.equal(without.code, 1, 'without it, the suites go to DOCKER_HOST, where no engine listens');
  });

  it('fails the suite, not the command line, when the endpoint answers wrong', async () => {
    const config = join(work, 'lockstep.config.yaml');
    const text = (await readFile(config, 'utf8')).replace('EXPECT_BODY: gateway ok', 'EXPECT_BODY: something else');
    const wrong = join(work, 'wrong.config.yaml');
    await writeFile(wrong, text);
    const run = await lockstep(['--config', wrong, 'e2e', '--env', 'staging', '--report-dir', join(work, 'report', 'wrong')], { cwd: work });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /e2e suites failed against staging: gateway/);
  });

  it('refuses, naming the field, an environment without endpoints', async () => {
    const run = await lockstep(['--config', join(work, 'lockstep.config.yaml'), 'e2e', '--env', 'dev', '--report-dir', join(work, 'report', 'dev')], { cwd: work });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /lockstep\.config\.yaml: environments\.dev\.e2e\.endpoints/);
  });
});
