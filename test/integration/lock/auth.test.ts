// Basic authentication against a real registry container configured with htpasswd: every credential
// source lockstep reads, and that no secret ever reaches its output.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LockstepError } from '../../../src/errors.js';
import { createRegistryClient } from '../../../src/registry/client.js';
import { createCredentialLookup } from '../../../src/registry/credentials.js';
import { dockerUnavailableReason } from '../../../support/docker.js';
import { pushImage } from '../../../support/ociPush.js';
import { startRegistry, type StartedRegistry } from '../../../support/registry.js';
import { cleanAuthEnv, orchestratorRepo, removeTempDirs, runCli, serviceRepo, tempDir, writeConfig } from './fixtures.js';

const unavailable = await dockerUnavailableReason();
const auth = { username: 'robot', password: 'Pa55-w0rd:with-colon' };
const secrets = [auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString('base64'), 'wrong-Secret-42'];

describe('registry basic auth (real registry with htpasswd)', { skip: unavailable ? `docker unavailable: ${unavailable}` : false }, () => {
  let registry: StartedRegistry;
  let root: string;
  let orchestrator: string;
  let config: string;
  let digest: string;
  let image: string;
  let tag: string;

  before(async () => {
    registry = await startRegistry({ auth });
    root = await tempDir('lock-auth');
    const catalog = await serviceRepo(root, 'catalog');
    orchestrator = (await orchestratorRepo(root, { catalog: catalog.dir })).dir;
    tag = `sha-${catalog.commit.slice(0, 7)}`;
    image = `${registry.host}/acme/catalog`;
    digest = (await pushImage(registry.host, { repository: 'acme/catalog', tag, auth })).digest;
    config = await writeConfig(root, { services: { catalog: { path: 'services/catalog', image } } });
  });

  after(async () => {
    await registry?.stop();
    await removeTempDirs();
  });

  const assertNoSecrets = (text: string) => {
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret leaked into the output');
  };

  it('says credentials are needed when none are configured', async () => {
    const client = createRegistryClient({ credentials: async () => undefined, retries: 0 });
    try {
      await assert.rejects(
        client.inspectTag(image, tag),
        (error: unknown) => error instanceof LockstepError && error.code === 'REGISTRY' && error.message === `${registry.host} requires credentials and none are configured`,
      );
    } finally {
      client.close();
    }
  });

  it('authenticates from LOCKSTEP_REGISTRY_USERNAME/PASSWORD through the CLI, printing no secret', async () => {
    const env = { ...cleanAuthEnv(root), LOCKSTEP_REGISTRY_USERNAME: auth.username, LOCKSTEP_REGISTRY_PASSWORD: auth.password };
    const result = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator, '--json'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { services: Record<string, { digest: string }> }).services.catalog!.digest, digest);
    assertNoSecrets(result.stdout + result.stderr);
  });

  it('authenticates from a docker-config file named by LOCKSTEP_REGISTRY_AUTH_FILE', async () => {
    const file = join(root, 'registry-auth.json');
    await writeFile(file, JSON.stringify({ auths: { [`http://${registry.host}`]: { auth: Buffer.from(`${auth.username}:${auth.password}`).toString('base64') } } }));
    const env = { ...cleanAuthEnv(root), LOCKSTEP_REGISTRY_AUTH_FILE: file };
    const result = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes(digest));
    assertNoSecrets(result.stdout + result.stderr);
  });

  it('authenticates from $DOCKER_CONFIG/config.json', async () => {
    const dockerDir = join(root, 'docker-config');
    await mkdir(dockerDir, { recursive: true });
    await writeFile(join(dockerDir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { username: auth.username, password: auth.password } } }));
    const client = createRegistryClient({ credentials: createCredentialLookup({ DOCKER_CONFIG: dockerDir }, () => root) });
    try {
      assert.equal((await client.resolveTag(image, tag)).digest, digest);
      assert.equal(await client.manifestExists(image, digest), true);
      assert.equal(await client.manifestExists(image, `sha256:${'1'.repeat(64)}`), false);
    } finally {
      client.close();
    }
  });

  it('reports rejected credentials with their source, never their value', async () => {
    const env = { ...cleanAuthEnv(root), LOCKSTEP_REGISTRY_USERNAME: auth.username, LOCKSTEP_REGISTRY_PASSWORD: 'wrong-Secret-42' };
    const out = join(root, 'never.lock.yaml');
    const result = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator, '--out', out], { env });
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes(`catalog: ${registry.host} rejected the credentials from LOCKSTEP_REGISTRY_USERNAME/LOCKSTEP_REGISTRY_PASSWORD`), result.stderr);
    assertNoSecrets(result.stdout + result.stderr);
  });
});
