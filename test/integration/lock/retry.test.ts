// Retries, timeouts, bounded concurrency and redirects, against a real registry behind a real local
// proxy that injects failures (faultProxy.ts).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LockstepError } from '../../../src/errors.js';
import { createRegistryClient, type RegistryClientOptions, type RetryEvent } from '../../../src/registry/client.js';
import { dockerUnavailableReason } from '../../../support/docker.js';
import { pushImage, pushImages } from '../../../support/ociPush.js';
import { startRegistry, type StartedRegistry } from '../../../support/registry.js';
import { startFaultProxy, type FaultProxy } from './faultProxy.js';
import { cleanAuthEnv, orchestratorRepo, removeTempDirs, runCli, serviceRepo, tempDir, writeConfig } from './fixtures.js';

const unavailable = await dockerUnavailableReason();

describe('registry retries and limits (real registry behind a fault-injecting proxy)', { skip: unavailable ? `docker unavailable: ${unavailable}` : false }, () => {
  let registry: StartedRegistry;
  let proxy: FaultProxy;
  let digest: string;
  const proxies: FaultProxy[] = [];

  const client = (options: RegistryClientOptions = {}) => createRegistryClient({ credentials: async () => undefined, retryBaseDelayMs: 20, ...options });
  const withClient = async <T>(options: RegistryClientOptions, use: (c: ReturnType<typeof client>) => Promise<T>) => {
    const c = client(options);
    try {
      return await use(c);
    } finally {
      c.close();
    }
  };
  const manifestRequests = (p: FaultProxy, from: number) => p.seen.slice(from).filter((request) => request.path.includes('/manifests/'));

  before(async () => {
    registry = await startRegistry();
    digest = (await pushImage(registry.host, { repository: 'acme/catalog', tag: 'v1', labels: { 'org.opencontainers.image.version': '2.0.0' } })).digest;
    proxy = await startFaultProxy(registry.host);
    proxies.push(proxy);
  });

  after(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await registry?.stop();
    await removeTempDirs();
  });

  it('retries 500 and 502, then succeeds', async () => {
    const from = proxy.seen.length;
    proxy.failNext(/manifests\/v1$/, { status: 500 }, { status: 502 });
    const retries: RetryEvent[] = [];
    const inspected = await withClient({ onRetry: (event) => retries.push(event) }, (c) => c.inspectTag(`${proxy.host}/acme/catalog`, 'v1'));
    assert.equal(inspected.digest, digest);
    assert.equal(inspected.config?.labels['org.opencontainers.image.version'], '2.0.0');
    assert.deepEqual(
      retries.map((event) => [event.attempt, event.problem]),
      [
        [1, `${proxy.host} answered HTTP 500 Internal Server Error`],
        [2, `${proxy.host} answered HTTP 502 Bad Gateway`],
      ],
    );
    assert.deepEqual(manifestRequests(proxy, from).map((request) => request.outcome), [500, 502, 200]);
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    proxy.failNext(/manifests\/v1$/, { status: 429, headers: { 'retry-after': '1' } });
    const retries: RetryEvent[] = [];
    const started = Date.now();
    const resolved = await withClient({ onRetry: (event) => retries.push(event) }, (c) => c.resolveTag(`${proxy.host}/acme/catalog`, 'v1'));
    assert.equal(resolved.digest, digest);
    assert.equal(retries[0]?.delayMs, 1000);
    assert.ok(Date.now() - started >= 990, 'the retry came after the second the registry asked for');
  });

  it('retries a request that hangs past the timeout, and a connection reset', async () => {
    const from = proxy.seen.length;
    proxy.failNext(/manifests\/v1$/, 'hang', 'reset');
    const retries: RetryEvent[] = [];
    const inspected = await withClient({ timeoutMs: 300, onRetry: (event) => retries.push(event) }, (c) => c.inspectTag(`${proxy.host}/acme/catalog`, 'v1'));
    assert.equal(inspected.digest, digest);
    assert.deepEqual(retries.map((event) => event.problem), [`${proxy.origin} did not answer within 300 ms`, `${proxy.host}: connection reset`]);
    assert.deepEqual(manifestRequests(proxy, from).map((request) => request.outcome), ['hang', 'reset', 200]);
  });

  it('gives up after the configured retries with one clear message', async () => {
    const from = proxy.seen.length;
    proxy.failNext(/manifests\/v1$/, { status: 503 }, { status: 503 }, { status: 503 });
    await assert.rejects(withClient({ retries: 2 }, (c) => c.inspectTag(`${proxy.host}/acme/catalog`, 'v1')), (error: unknown) =>
      error instanceof LockstepError && error.code === 'REGISTRY' && error.message === `${proxy.host}/acme/catalog:v1: ${proxy.host} answered HTTP 503 Service Unavailable (3 attempts)`,
    );
    assert.equal(manifestRequests(proxy, from).length, 3);
    proxy.failNext(/manifests\/v1$/, { status: 429, headers: { 'retry-after': '3600' } });
    await assert.rejects(withClient({}, (c) => c.resolveTag(`${proxy.host}/acme/catalog`, 'v1')), (error: unknown) =>
      error instanceof LockstepError && error.message === `${proxy.host}/acme/catalog:v1: ${proxy.host} answered HTTP 429 Too Many Requests; the registry asks to wait 3600 s before retrying`,
    );
  });

  it('reports a registry nobody listens on as connection refused, after retrying', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    await assert.rejects(withClient({ retries: 1 }, (c) => c.resolveTag(`127.0.0.1:${port}/acme/catalog`, 'v1')), (error: unknown) =>
      error instanceof LockstepError && error.message === `127.0.0.1:${port}/acme/catalog:v1: 127.0.0.1:${port}: connection refused (2 attempts)`,
    );
  });

  it('never has more requests in flight than the concurrency limit', async () => {
    const tags = Array.from({ length: 12 }, (_, index) => `many-${index}`);
    const pushed = await pushImages(registry.host, tags.map((tag) => ({ repository: 'acme/many', tag, labels: { n: tag } })), { concurrency: 4 });
    const slow = await startFaultProxy(registry.host, { delayMs: 40 });
    proxies.push(slow);
    const inspected = await withClient({ concurrency: 3 }, (c) => Promise.all(tags.map((tag) => c.inspectTag(`${slow.host}/acme/many`, tag))));
    assert.deepEqual(inspected.map((entry) => entry.digest), pushed.map((entry) => entry.digest));
    assert.equal(slow.maxInFlight, 3);
    assert.equal(slow.seen.length, 24, 'one manifest and one config request per tag');
  });

  it('follows blob redirects to another origin without sending it the credentials', async () => {
    const storage = await startFaultProxy(registry.host);
    // localhost and 127.0.0.1 are different origins to a browser and to lockstep alike.
    const guarded = await startFaultProxy(registry.host, { requireBasic: { username: 'u', password: 'p' }, redirectBlobsTo: `http://localhost:${storage.host.split(':')[1]}` });
    proxies.push(storage, guarded);
    const inspected = await withClient({ credentials: async () => ({ username: 'u', password: 'p', source: 'test' }) }, (c) => c.inspectTag(`${guarded.host}/acme/catalog`, 'v1'));
    assert.equal(inspected.digest, digest);
    assert.equal(inspected.config?.labels['org.opencontainers.image.version'], '2.0.0');
    assert.ok(guarded.seen.some((request) => request.outcome === 307), 'the config blob was redirected');
    assert.ok(storage.seen.length > 0);
    assert.ok(storage.seen.every((request) => request.authorization === undefined), 'no Authorization header crossed origins');
  });

  it('refuses a token realm over plain http on a non-loopback host, before connecting to it', async () => {
    const evil = await startFaultProxy(registry.host, { challenge: 'Bearer realm="http://192.0.2.1/token",service="registry"' });
    proxies.push(evil);
    const started = Date.now();
    const options = { credentials: async () => ({ username: 'u', password: 'p', source: 'test' }), timeoutMs: 20_000, retries: 0 };
    await assert.rejects(withClient(options, (c) => c.resolveTag(`${evil.host}/acme/catalog`, 'v1')), (error: unknown) =>
      error instanceof LockstepError && error.message === `${evil.host} names a token realm over plain http (http://192.0.2.1); refusing to send credentials there`,
    );
    // 192.0.2.1 (TEST-NET) never answers: a connection attempt would have waited out the 20 s timeout.
    assert.ok(Date.now() - started < 10_000, 'no connection attempt to the realm was made');
  });

  it('hashes the manifest when the registry sends no digest header, and refuses a header that lies', async () => {
    const silent = await startFaultProxy(registry.host, { editHeaders: (_method, _path, headers) => delete headers['docker-content-digest'] });
    const lying = await startFaultProxy(registry.host, {
      editHeaders: (_method, path, headers) => {
        if (path.includes('/manifests/')) headers['docker-content-digest'] = `sha256:${'e'.repeat(64)}`;
      },
    });
    proxies.push(silent, lying);
    const resolved = await withClient({}, (c) => c.resolveTag(`${silent.host}/acme/catalog`, 'v1'));
    assert.equal(resolved.digest, digest);
    assert.deepEqual(silent.seen.map((request) => request.method), ['HEAD', 'GET'], 'HEAD first, GET only because no digest came back');
    await assert.rejects(withClient({}, (c) => c.inspectTag(`${lying.host}/acme/catalog`, 'v1')), (error: unknown) =>
      error instanceof LockstepError && error.message === `${lying.host}/acme/catalog:v1: the registry announced digest sha256:${'e'.repeat(64)} for a manifest whose bytes hash to ${digest}`,
    );
  });

  it('lock generate rides through 500s and 429s, printing each retry', async () => {
    const root = await tempDir('lock-retry');
    const services = ['cart', 'catalog'] as const;
    const repos = Object.fromEntries(await Promise.all(services.map(async (name) => [name, await serviceRepo(root, name)] as const)));
    const orchestrator = await orchestratorRepo(root, Object.fromEntries(services.map((name) => [name, repos[name]!.dir])));
    const digests: Record<string, string> = {};
    for (const name of services) {
      digests[name] = (await pushImage(registry.host, { repository: `acme/${name}`, tag: `sha-${repos[name]!.commit.slice(0, 7)}` })).digest;
    }
    const config = await writeConfig(root, {
      services: Object.fromEntries(services.map((name) => [name, { path: `services/${name}`, image: `${proxy.host}/acme/${name}` }])),
      registry: { retries: 3 },
    });
    proxy.failNext(/\/acme\/cart\/manifests\//, { status: 500 }, { status: 429, headers: { 'retry-after': '0' } });
    proxy.failNext(/\/acme\/catalog\/manifests\//, { status: 503 });
    const result = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--json'], { env: cleanAuthEnv(root) });
    assert.equal(result.code, 0, result.stderr);
    const lock = JSON.parse(result.stdout) as { services: Record<string, { digest: string }> };
    for (const name of services) assert.equal(lock.services[name]!.digest, digests[name]);
    assert.equal(result.stderr.match(/^registry: .* retry \d in \d+ ms$/gm)?.length, 3, result.stderr);
  });
});
