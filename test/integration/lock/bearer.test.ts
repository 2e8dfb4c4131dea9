// The Bearer token flow on a real registry in token-auth mode with a real token server (tokenRegistry.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LockstepError } from '../../../src/errors.js';
import { createRegistryClient } from '../../../src/registry/client.js';
import { dockerUnavailableReason } from '../../../support/docker.js';
import { pushImage } from '../../../support/ociPush.js';
import { cleanAuthEnv, orchestratorRepo, removeTempDirs, runCli, serviceRepo, tempDir, writeConfig } from './fixtures.js';
import { startTokenRegistry, tokenRegistryUnavailable, type TokenRegistry } from './tokenRegistry.js';

const unavailable = (await dockerUnavailableReason()) ?? (await tokenRegistryUnavailable());
const user = { username: 'ci-bot', password: 'tok3n-Secret' };
const credentials = async () => ({ ...user, source: 'the test' });

describe('registry Bearer token flow (real registry in token-auth mode, real token server)', { skip: unavailable ? `cannot run: ${unavailable}` : false }, () => {
  let registry: TokenRegistry;
  const digests: Record<string, string> = {};
  const repositories = ['acme/catalog', 'acme/cart', 'acme/gateway'];

  before(async () => {
    registry = await startTokenRegistry({ [user.username]: user.password });
    for (const repository of repositories) {
      digests[repository] = (await pushImage(registry.host, { repository, tag: 'v1', auth: user, index: repository === 'acme/cart' })).digest;
    }
  });

  after(async () => {
    await registry?.stop();
    await removeTempDirs();
  });

  const pullRequestsSince = (start: number) => registry.requests.slice(start).filter((request) => request.scopes.some((scope) => scope.endsWith(':pull')));

  it('gets one token per repository scope and reuses it for every later request', async () => {
    const start = registry.requests.length;
    const client = createRegistryClient({ credentials });
    try {
      for (let round = 0; round < 2; round += 1) {
        const inspected = await Promise.all(repositories.map((repository) => client.inspectTag(`${registry.host}/${repository}`, 'v1')));
        inspected.forEach((inspection, index) => assert.equal(inspection.digest, digests[repositories[index]!]));
      }
      assert.equal(await client.manifestExists(`${registry.host}/acme/catalog`, digests['acme/catalog']!), true);
    } finally {
      client.close();
    }
    const requests = pullRequestsSince(start);
    assert.deepEqual(
      requests.map((request) => request.scopes.join(' ')).sort(),
      repositories.map((repository) => `repository:${repository}:pull`).sort(),
      'exactly one token request per scope, although each repository saw several registry requests',
    );
    assert.ok(requests.every((request) => request.user === user.username && request.service === 'lockstep-test-registry'));
  });

  it('renews, once, a token the registry refuses after the client learned the host wants tokens', async () => {
    const client = createRegistryClient({ credentials });
    try {
      await client.resolveTag(`${registry.host}/acme/catalog`, 'v1');
      const start = registry.requests.length;
      registry.expireNextTokenFor.add('repository:acme/gateway:pull');
      assert.equal((await client.resolveTag(`${registry.host}/acme/gateway`, 'v1')).digest, digests['acme/gateway']);
      assert.equal(pullRequestsSince(start).length, 2, 'the token that was refused, then a fresh one');
    } finally {
      client.close();
    }
  });

  it('treats a freshly issued token that is refused as access denied, not as something to retry', async () => {
    const client = createRegistryClient({ credentials });
    try {
      const start = registry.requests.length;
      registry.expireNextTokenFor.add('repository:acme/gateway:pull');
      await assert.rejects(client.resolveTag(`${registry.host}/acme/gateway`, 'v1'), (error: unknown) =>
        error instanceof LockstepError && error.message === `${registry.host}/acme/gateway:v1: access denied by ${registry.host} (no such repository, or the credentials from the test may not pull it)`,
      );
      assert.equal(pullRequestsSince(start).length, 1);
    } finally {
      client.close();
    }
  });

  it('names the token service when it refuses missing or wrong credentials, without the secret', async () => {
    const anonymous = createRegistryClient({ credentials: async () => undefined, retries: 0 });
    const wrong = createRegistryClient({ credentials: async () => ({ username: user.username, password: 'not-the-Secret', source: 'LOCKSTEP_REGISTRY_AUTH_FILE' }), retries: 0 });
    try {
      const origin = new URL(registry.realm).origin;
      await assert.rejects(anonymous.inspectTag(`${registry.host}/acme/catalog`, 'v1'), (error: unknown) =>
        error instanceof LockstepError && error.message === `the token service of ${registry.host} (${origin}) requires credentials and none are configured`,
      );
      await assert.rejects(wrong.inspectTag(`${registry.host}/acme/catalog`, 'v1'), (error: unknown) =>
        error instanceof LockstepError &&
        error.message === `the token service of ${registry.host} (${origin}) rejected the credentials from LOCKSTEP_REGISTRY_AUTH_FILE` &&
        !JSON.stringify({ message: error.message, details: error.details, hint: error.hint }).includes('not-the-Secret'),
      );
    } finally {
      anonymous.close();
      wrong.close();
    }
  });

  it('generates a lock through the CLI with credentials from the environment', async () => {
    const root = await tempDir('lock-bearer');
    const catalog = await serviceRepo(root, 'catalog');
    const orchestrator = await orchestratorRepo(root, { catalog: catalog.dir });
    const tag = `sha-${catalog.commit.slice(0, 7)}`;
    const { digest } = await pushImage(registry.host, { repository: 'acme/catalog', tag, auth: user });
    const config = await writeConfig(root, { services: { catalog: { path: 'services/catalog', image: `${registry.host}/acme/catalog` } } });
    const env = { ...cleanAuthEnv(root), LOCKSTEP_REGISTRY_USERNAME: user.username, LOCKSTEP_REGISTRY_PASSWORD: user.password };
    const result = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--json'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { services: { catalog: { digest: string } } }).services.catalog.digest, digest);
    assert.ok(!(result.stdout + result.stderr).includes(user.password));
  });
});
