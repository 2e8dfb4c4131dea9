import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../support/cli.js';
import { startEcsDouble, type EcsDouble } from '../../doubles/ecs/server.js';

// The ecs target through the built CLI (`npm run build` first), as a user runs it: credentials, region
// and endpoint from the standard AWS environment variables, answered by the ECS API double on loopback
// (test/doubles/ecs), which checks each request against the ECS API model and its SigV4 signature.

const config = (target: string) => `apiVersion: lockstep/v1
kind: Config
services:
  catalog:
    path: services/catalog
    image: localhost:5000/acme/catalog
  web:
    path: services/web
    image: localhost:5000/acme/web
environments:
  staging:
    protected: true
    target:
${target}
`;

describe('ecs environments through the lockstep CLI', () => {
  let double: EcsDouble;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-ecs-cli-'));
    double = await startEcsDouble();
    double.seedCluster('shop');
    double.seedService({ cluster: 'shop', name: 'catalog', family: 'shop-catalog', containers: [{ name: 'catalog', image: `localhost:5000/acme/catalog@sha256:${'a'.repeat(64)}` }] });
    double.seedService({ cluster: 'shop', name: 'storefront', family: 'shop-web', containers: [{ name: 'web', image: 'localhost:5000/acme/web:v1' }] });
    env = double.processEnv(dir);
  });

  after(async () => {
    await double.stop();
    await rm(dir, { recursive: true, force: true });
    assert.deepEqual(double.violations, []);
  });

  async function writeConfig(target: string): Promise<string> {
    const file = join(dir, `lockstep-${Math.random().toString(36).slice(2)}.config.yaml`);
    await writeFile(file, config(target));
    return file;
  }

  const good = `      type: ecs
      cluster: shop
      services:
        web: { service: storefront }`;

  it('health runs the cluster, services and capacity checks', async () => {
    const result = await runCli(['--config', await writeConfig(good), 'health', '--env', 'staging', '--json'], { env });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { healthy: boolean; checks: Array<{ name: string; ok: boolean }> };
    assert.deepEqual(report.checks.map((check) => [check.name, check.ok]), [['cluster', true], ['services', true], ['capacity', true]]);
  });

  it('status reads the running task definitions; --check fails while no lock is recorded', async () => {
    const file = await writeConfig(good);
    const result = await runCli(['--config', file, 'status', '--env', 'staging', '--json'], { env });
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse(result.stdout) as { lockId: string | null; target: string; services: Array<{ service: string; live: { image: string; state: string } }> };
    assert.equal(status.lockId, null);
    assert.equal(status.target, 'ecs cluster shop in eu-west-1');
    assert.deepEqual(status.services.map((entry) => [entry.service, entry.live.image, entry.live.state]), [
      ['catalog', `localhost:5000/acme/catalog@sha256:${'a'.repeat(64)}`, 'steady'],
      ['web', 'localhost:5000/acme/web:v1', 'steady'],
    ]);
    const check = await runCli(['--config', file, 'status', '--env', 'staging', '--check'], { env });
    assert.equal(check.code, 1);
    assert.match(check.stderr, /staging records no lock/);
  });

  it('without credentials the error says where they come from', async () => {
    const result = await runCli(['--config', await writeConfig(good), 'status', '--env', 'staging'], { env: { ...env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' } });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /no AWS credentials found/);
    assert.match(result.stderr, /AWS_WEB_IDENTITY_TOKEN_FILE/);
  });

  it('a bad ecs target is one line naming the file and field, exit 2, and nothing is asked of ECS', async () => {
    const before = double.requests.length;
    const file = await writeConfig(`      type: ecs
      cluster: shop
      services:
        web: { service: "store front" }`);
    const result = await runCli(['--config', file, 'status', '--env', 'staging'], { env });
    assert.equal(result.code, 2);
    assert.equal(result.stderr.trim(), `lockstep: ${file}: environments.staging.target.services.web.service: must be 1-255 letters, digits, "-" and "_"`);
    assert.equal(double.requests.length, before);
  });
});
