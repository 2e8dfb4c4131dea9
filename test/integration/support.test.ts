// Proves the test-support helpers against a real registry container and the real docker daemon.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { docker, dockerUnavailableReason, projectResources, removeProjectResources, testImages } from '../../support/docker.js';
import { dockerBuild, dockerPush } from '../support/dockerBuild.js';
import { fetchBlobJson, fetchManifest, listTags, MEDIA_TYPES, pushImage, pushImages } from '../../support/ociPush.js';
import { startRegistry } from '../../support/registry.js';

const REVISION = 'org.opencontainers.image.revision';

test('test-support helpers against a real registry', { timeout: 600_000 }, async (t) => {
  const unavailable = await dockerUnavailableReason();
  if (unavailable) {
    t.skip(`docker daemon not reachable: ${unavailable}`);
    return;
  }

  await t.test('anonymous registry: OCI image and index read back by tag and digest', async (t) => {
    const registry = await startRegistry();
    t.after(() => registry.stop());
    assert.match(registry.host, /^localhost:\d+$/);
    assert.equal((await fetch(`${registry.url}/v2/`)).status, 200);

    const pushed = await pushImage(registry.host, {
      repository: 'shop/api',
      tag: '1.0.0',
      labels: { [REVISION]: 'abc123' },
      created: '2025-03-04T05:06:07Z',
    });
    const byTag = await fetchManifest(registry.host, 'shop/api', '1.0.0');
    assert.equal(byTag.digest, pushed.digest);
    assert.equal(byTag.mediaType, MEDIA_TYPES.oci.manifest);
    assert.equal(byTag.json.config?.digest, pushed.configDigest);
    const byDigest = await fetchManifest(registry.host, 'shop/api', pushed.digest);
    assert.deepEqual(byDigest.body, byTag.body);
    const config = await fetchBlobJson<{ created: string; config: { Labels: Record<string, string> } }>(
      registry.host, 'shop/api', pushed.configDigest,
    );
    assert.equal(config.config.Labels[REVISION], 'abc123');
    assert.equal(config.created, '2025-03-04T05:06:07.000Z');

    const docker2 = await pushImage(registry.host, { repository: 'shop/api', tag: 'docker', mediaType: 'docker' });
    assert.equal((await fetchManifest(registry.host, 'shop/api', 'docker')).mediaType, MEDIA_TYPES.docker.manifest);
    assert.notEqual(docker2.digest, pushed.digest);

    const index = await pushImage(registry.host, { repository: 'shop/web', tag: 'multi', index: true, labels: { [REVISION]: 'def456' } });
    const indexByTag = await fetchManifest(registry.host, 'shop/web', 'multi');
    assert.equal(indexByTag.digest, index.digest);
    assert.equal(indexByTag.mediaType, MEDIA_TYPES.oci.index);
    assert.deepEqual(indexByTag.json.manifests?.map((m) => m.platform?.architecture), ['amd64', 'arm64']);
    for (const child of index.manifests) {
      const manifest = await fetchManifest(registry.host, 'shop/web', child.digest);
      assert.equal(manifest.digest, child.digest);
      assert.equal(manifest.mediaType, MEDIA_TYPES.oci.manifest);
    }
  });

  await t.test('500 tags push in seconds', async (t) => {
    const registry = await startRegistry();
    t.after(() => registry.stop());
    const started = Date.now();
    const images = Array.from({ length: 500 }, (_, i) => ({
      repository: 'bulk/app',
      tag: `1.0.${i}`,
      labels: { [REVISION]: `rev${i}` },
    }));
    const pushed = await pushImages(registry.host, images);
    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(`pushed 500 tags in ${seconds.toFixed(1)} s`);
    assert.equal(new Set(pushed.map((p) => p.digest)).size, 500);
    assert.equal((await listTags(registry.host, 'bulk/app')).length, 500);
    // A few seconds on a quiet machine; the bound only catches a regression to per-tag slowness.
    assert.ok(seconds < 120, `500 tags took ${seconds} s`);
  });

  await t.test('htpasswd registry: 401 without credentials, push with them, pause/unpause', async (t) => {
    const auth = { username: 'ci', password: 's3cret pass' };
    const registry = await startRegistry({ auth });
    t.after(() => registry.stop());

    const anonymous = await fetch(`${registry.url}/v2/`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    const basic = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    assert.equal((await fetch(`${registry.url}/v2/`, { headers: { authorization: basic } })).status, 200);

    await assert.rejects(pushImage(registry.host, { repository: 'secure/app', tag: 'x' }), /HTTP 401/);
    const wrong = { username: 'ci', password: 'nope' };
    await assert.rejects(pushImage(registry.host, { repository: 'secure/app', tag: 'x', auth: wrong }), /HTTP 401/);
    const pushed = await pushImage(registry.host, { repository: 'secure/app', tag: '2.0.0', auth, index: true });
    assert.equal((await fetchManifest(registry.host, 'secure/app', '2.0.0', auth)).digest, pushed.digest);

    await registry.pause();
    await assert.rejects(fetch(`${registry.url}/v2/`, { signal: AbortSignal.timeout(1500) }));
    await registry.unpause();
    assert.equal((await fetch(`${registry.url}/v2/`, { headers: { authorization: basic } })).status, 200);
  });

  await t.test('docker build FROM the base image and docker push', async (t) => {
    const auth = { username: 'builder', password: 'pw' };
    const [open, secured] = await Promise.all([startRegistry(), startRegistry({ auth })]);
    const context = await mkdtemp(join(tmpdir(), 'lockstep-build-'));
    const tags: string[] = [];
    t.after(async () => {
      await Promise.all([open.stop(), secured.stop(), rm(context, { recursive: true, force: true })]);
      if (tags.length > 0) await docker(['image', 'rm', '--force', ...tags]).catch(() => undefined);
    });
    await writeFile(
      join(context, 'Dockerfile'),
      'ARG BASE\nFROM ${BASE}\nARG GREETING\nRUN echo "$GREETING" > /greeting\n',
    );

    const ref = `${open.host}/demo/hello:1`;
    tags.push(ref);
    const imageId = await dockerBuild(context, {
      tag: ref,
      buildArgs: { BASE: testImages().base, GREETING: 'hello from lockstep' },
      labels: { [REVISION]: 'build123' },
    });
    assert.match(imageId, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await docker(['image', 'inspect', '--format', `{{index .Config.Labels "${REVISION}"}}`, ref]), 'build123');
    assert.equal(await docker(['run', '--rm', ref, 'cat', '/greeting']), 'hello from lockstep');

    const digest = await dockerPush(ref);
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal((await fetchManifest(open.host, 'demo/hello', '1')).digest, digest);

    const securedRef = `${secured.host}/demo/hello:1`;
    tags.push(securedRef);
    await docker(['tag', ref, securedRef]);
    await assert.rejects(dockerPush(securedRef), /no basic auth credentials|unauthorized|authentication required/i);
    const securedDigest = await dockerPush(securedRef, { auth });
    assert.equal((await fetchManifest(secured.host, 'demo/hello', '1', auth)).digest, securedDigest);
  });

  await t.test('compose project resources are listed and removed by label', async (t) => {
    const project = `lockstep-support-${process.pid}`;
    const label = `com.docker.compose.project=${project}`;
    t.after(() => removeProjectResources(project));
    await docker(['network', 'create', '--label', label, `${project}_default`]);
    await docker(['volume', 'create', '--label', label, `${project}_data`]);
    await docker(['create', '--label', label, '--name', `${project}-app-1`, testImages().base, 'true']);

    assert.deepEqual(await projectResources(project), {
      containers: [`${project}-app-1`],
      networks: [`${project}_default`],
      volumes: [`${project}_data`],
    });
    await removeProjectResources(project);
    assert.deepEqual(await projectResources(project), { containers: [], networks: [], volumes: [] });
  });
});

// No token-auth registry image is available offline, so a minimal fake exercises the Bearer dance.
test('pushImage answers a Bearer token challenge', async (t) => {
  const basic = `Basic ${Buffer.from('robot:token-pw').toString('base64')}`;
  const scopes: string[] = [];
  const manifests = new Map<string, Buffer>();
  const readBody = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (url.pathname === '/token') {
        scopes.push(url.searchParams.get('scope') ?? '');
        if (req.headers.authorization !== basic) return res.writeHead(401).end();
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"T0K"}');
      }
      if (req.headers.authorization !== 'Bearer T0K') {
        const { port } = server.address() as AddressInfo;
        return res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="fake"` }).end();
      }
      if (req.method === 'POST') return res.writeHead(202, { location: '/upload/1?_state=abc' }).end();
      if (req.method === 'PUT' && url.pathname.startsWith('/upload/')) {
        const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
        return res.writeHead(url.searchParams.get('digest') === digest ? 201 : 400).end();
      }
      const manifest = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
      if (manifest && req.method === 'PUT') {
        manifests.set(manifest[2]!, body);
        return res.writeHead(201).end();
      }
      if (manifest && req.method === 'GET' && manifests.has(manifest[2]!)) {
        return res.writeHead(200, { 'content-type': req.headers['content-type'] ?? '' }).end(manifests.get(manifest[2]!));
      }
      return res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  await assert.rejects(pushImage(host, { repository: 'acme/app', tag: 'v1', auth: { username: 'robot', password: 'wrong' } }), /token from .*HTTP 401/);
  const pushed = await pushImage(host, { repository: 'acme/app', tag: 'v1', auth: { username: 'robot', password: 'token-pw' } });
  assert.ok(scopes.includes('repository:acme/app:pull,push'), scopes.join(' '));
  assert.equal(
    `sha256:${createHash('sha256').update(manifests.get('v1') ?? '').digest('hex')}`,
    pushed.digest,
  );
});
