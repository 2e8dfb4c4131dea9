// Pushes small but real images straight over the distribution API (no docker daemon), fast enough to
// seed hundreds of tags. Every image is pullable: a valid config, one gzipped tar layer, a manifest.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface PushImageOptions {
  repository: string;
  tag: string;
  /** Written to the config's `config.Labels`, e.g. `org.opencontainers.image.revision`. */
  labels?: Record<string, string>;
  /** Image creation time (config `created`); default 2024-01-01T00:00:00Z so digests are stable. */
  created?: string | Date;
  auth?: RegistryCredentials;
  /** Manifest flavour: OCI (default) or Docker schema 2. */
  mediaType?: 'oci' | 'docker';
  /** Tag an index (manifest list) of linux/amd64 + linux/arm64 images instead of a single manifest. */
  index?: boolean;
}

export interface PushedImage {
  /** Digest of what the tag points at: the manifest, or the index when `index` was set. */
  digest: string;
  /** Config digest of the (linux/amd64) image. */
  configDigest: string;
  /** Digests of the per-platform manifests inside the index (empty without `index`). */
  manifests: { digest: string; platform: { os: string; architecture: string } }[];
}

export const MEDIA_TYPES = {
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    index: 'application/vnd.oci.image.index.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
} as const;

export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.oci.index,
  MEDIA_TYPES.oci.manifest,
  MEDIA_TYPES.docker.index,
  MEDIA_TYPES.docker.manifest,
].join(', ');

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** Pushes one image (or index) and tags it. */
export async function pushImage(registryHost: string, options: PushImageOptions): Promise<PushedImage> {
  const client = new RegistryClient(registryHost, options.auth);
  try {
    return await pushWith(client, options);
  } catch (error) {
    // The shared-layer cache is stale when a registry lost its storage (restart, new one on a reused port).
    if (!(error instanceof Error) || !error.message.includes('BLOB_UNKNOWN')) throw error;
    client.forgetBlobs();
    return pushWith(client, options);
  }
}

async function pushWith(client: RegistryClient, options: PushImageOptions): Promise<PushedImage> {
  const types = MEDIA_TYPES[options.mediaType ?? 'oci'];
  const platforms = options.index ? (['amd64', 'arm64'] as const) : (['amd64'] as const);
  const images = await Promise.all(platforms.map((architecture) => pushPlatformImage(client, options, architecture)));
  const first = images[0]!;
  if (!options.index) {
    const digest = await client.putManifest(options.repository, options.tag, types.manifest, first.manifest);
    return { digest, configDigest: first.configDigest, manifests: [] };
  }
  const manifests = images.map((image) => ({
    mediaType: types.manifest,
    digest: image.digest,
    size: image.manifest.length,
    platform: { os: 'linux', architecture: image.architecture },
  }));
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: types.index, manifests }));
  const digest = await client.putManifest(options.repository, options.tag, types.index, index);
  return {
    digest,
    configDigest: first.configDigest,
    manifests: manifests.map(({ digest: d, platform }) => ({ digest: d, platform })),
  };
}

/** Pushes many images with bounded concurrency; results are in input order. */
export async function pushImages(
  registryHost: string,
  images: PushImageOptions[],
  { concurrency = 32 }: { concurrency?: number } = {},
): Promise<PushedImage[]> {
  const results: PushedImage[] = new Array(images.length);
  let next = 0;
  const worker = async () => {
    while (next < images.length) {
      const i = next++;
      results[i] = await pushImage(registryHost, images[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, images.length) }, worker));
  return results;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  body: Buffer;
  json: {
    mediaType?: string;
    config?: { digest: string };
    layers?: { digest: string }[];
    manifests?: { digest: string; platform?: { os: string; architecture: string } }[];
  };
}

/** GETs a manifest or index by tag or digest. */
export async function fetchManifest(
  registryHost: string,
  repository: string,
  reference: string,
  auth?: RegistryCredentials,
): Promise<FetchedManifest> {
  const client = new RegistryClient(registryHost, auth);
  const res = await client.request('GET', `/v2/${repository}/manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT } });
  await expectStatus(res, [200], `GET manifest ${repository}:${reference}`);
  const body = Buffer.from(await res.arrayBuffer());
  return {
    digest: res.headers.get('docker-content-digest') ?? sha256(body),
    mediaType: res.headers.get('content-type') ?? '',
    body,
    json: JSON.parse(body.toString('utf8')) as FetchedManifest['json'],
  };
}

/** GETs a blob (e.g. an image config) as parsed JSON. */
export async function fetchBlobJson<T = unknown>(
  registryHost: string,
  repository: string,
  digest: string,
  auth?: RegistryCredentials,
): Promise<T> {
  const client = new RegistryClient(registryHost, auth);
  const res = await client.request('GET', `/v2/${repository}/blobs/${digest}`);
  await expectStatus(res, [200], `GET blob ${repository}@${digest}`);
  return (await res.json()) as T;
}

/** All tags of a repository (follows pagination). */
export async function listTags(registryHost: string, repository: string, auth?: RegistryCredentials): Promise<string[]> {
  const client = new RegistryClient(registryHost, auth);
  const tags: string[] = [];
  let path: string | undefined = `/v2/${repository}/tags/list?n=1000`;
  while (path) {
    const res = await client.request('GET', path);
    await expectStatus(res, [200], `GET tags ${repository}`);
    tags.push(...((await res.json()) as { tags: string[] | null }).tags ?? []);
    const link = res.headers.get('link');
    path = link ? /<([^>]+)>/.exec(link)?.[1] : undefined;
  }
  return tags;
}

// --- image construction ------------------------------------------------------------------------

const LAYER = makeLayer();

function makeLayer(): { tar: Buffer; gz: Buffer; diffId: string; digest: string } {
  const tar = tarWithOneFile('lockstep.txt', 'synthetic image pushed by lockstep tests\n');
  const gz = gzipSync(tar);
  return { tar, gz, diffId: sha256(tar), digest: sha256(gz) };
}

/** A POSIX ustar archive holding a single regular file. */
function tarWithOneFile(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0');
  field(0, 100, name);
  field(100, 8, octal(0o644, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(data.length, 12));
  field(136, 12, octal(0, 12));
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let checksum = 0;
  for (const byte of header) checksum += byte;
  field(148, 8, `${octal(checksum, 7)}\0`);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding, Buffer.alloc(1024)]);
}

async function pushPlatformImage(client: RegistryClient, options: PushImageOptions, architecture: 'amd64' | 'arm64') {
  const types = MEDIA_TYPES[options.mediaType ?? 'oci'];
  const created = new Date(options.created ?? '2024-01-01T00:00:00Z').toISOString();
  const config = Buffer.from(
    JSON.stringify({
      created,
      architecture,
      os: 'linux',
      config: {
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        Labels: options.labels ?? {},
      },
      rootfs: { type: 'layers', diff_ids: [LAYER.diffId] },
      history: [{ created, created_by: 'lockstep test/support/ociPush.ts' }],
    }),
  );
  const configDigest = sha256(config);
  await Promise.all([
    client.uploadBlob(options.repository, LAYER.digest, LAYER.gz),
    client.uploadBlob(options.repository, configDigest, config),
  ]);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: types.manifest,
      config: { mediaType: types.config, digest: configDigest, size: config.length },
      layers: [{ mediaType: types.layer, digest: LAYER.digest, size: LAYER.gz.length }],
    }),
  );
  const digest = sha256(manifest);
  // Index children are pushed by digest; the tag goes on the index.
  if (options.index) await client.putManifest(options.repository, digest, types.manifest, manifest);
  return { architecture, manifest, digest, configDigest };
}

// --- HTTP with registry auth -------------------------------------------------------------------

// Blobs known to exist per registry+repository, so the shared layer is uploaded once, not per tag.
const knownBlobs = new Map<string, Promise<void>>();
// Authorization header that last worked, per registry + credentials + scope.
const authCache = new Map<string, string>();

class RegistryClient {
  private readonly base: string;

  constructor(
    registryHost: string,
    private readonly auth: RegistryCredentials | undefined,
  ) {
    // Test registries are plain HTTP on localhost; pass a URL with https:// for anything else.
    this.base = registryHost.includes('://') ? registryHost.replace(/\/+$/, '') : `http://${registryHost}`;
  }

  forgetBlobs(): void {
    for (const key of knownBlobs.keys()) if (key.startsWith(`${this.base}|`)) knownBlobs.delete(key);
  }

  uploadBlob(repository: string, digest: string, data: Buffer): Promise<void> {
    // Keyed by credentials too: an in-flight upload that is about to fail with 401 must not be shared.
    const key = `${this.base}|${this.auth?.username ?? ''}:${this.auth?.password ?? ''}|${repository}@${digest}`;
    let pending = knownBlobs.get(key);
    if (!pending) {
      pending = this.doUploadBlob(repository, digest, data);
      pending.catch(() => knownBlobs.delete(key));
      knownBlobs.set(key, pending);
    }
    return pending;
  }

  private async doUploadBlob(repository: string, digest: string, data: Buffer): Promise<void> {
    // Small blobs are cheaper to re-upload than to ask about first.
    if (data.length > 64 * 1024) {
      const head = await this.request('HEAD', `/v2/${repository}/blobs/${digest}`);
      if (head.status === 200) return;
    }
    const started = await this.request('POST', `/v2/${repository}/blobs/uploads/`);
    await expectStatus(started, [202], `start upload ${repository}`);
    const location = new URL(started.headers.get('location') ?? '', `${this.base}/`);
    location.searchParams.set('digest', digest);
    const done = await this.request('PUT', location.href, {
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
    });
    await expectStatus(done, [201], `upload ${repository}@${digest}`);
  }

  async putManifest(repository: string, reference: string, mediaType: string, body: Buffer): Promise<string> {
    const res = await this.request('PUT', `/v2/${repository}/manifests/${reference}`, {
      headers: { 'content-type': mediaType },
      body,
    });
    await expectStatus(res, [201], `PUT manifest ${repository}:${reference}`);
    const digest = sha256(body);
    const stored = res.headers.get('docker-content-digest');
    if (stored && stored !== digest) throw new Error(`registry stored ${stored}, expected ${digest}`);
    return digest;
  }

  /** A request that answers the registry's 401 challenge (Basic or Bearer token) once and retries. */
  async request(
    method: string,
    pathOrUrl: string,
    init: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<Response> {
    const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const scope = scopeFor(new URL(url).pathname, method);
    const cacheKey = `${this.base}|${this.auth?.username ?? ''}:${this.auth?.password ?? ''}|${scope}`;
    const send = (authorization: string | undefined) =>
      fetch(url, {
        method,
        headers: { ...init.headers, ...(authorization ? { authorization } : {}) },
        ...(init.body ? { body: init.body } : {}),
        redirect: 'follow',
      });
    const res = await send(authCache.get(cacheKey));
    if (res.status !== 401) return res;
    const authorization = await this.answer(res.headers.get('www-authenticate') ?? '', scope);
    if (!authorization) return res;
    await res.body?.cancel();
    authCache.set(cacheKey, authorization);
    return send(authorization);
  }

  private async answer(challenge: string, scope: string): Promise<string | undefined> {
    const basic = this.auth
      ? `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString('base64')}`
      : undefined;
    if (/^basic/i.test(challenge)) return basic;
    if (!/^bearer/i.test(challenge)) return undefined;
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params.realm) return undefined;
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set('service', params.service);
    tokenUrl.searchParams.set('scope', params.scope ?? scope);
    const res = await fetch(tokenUrl, { headers: basic ? { authorization: basic } : {} });
    await expectStatus(res, [200], `token from ${tokenUrl.origin}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    return token ? `Bearer ${token}` : undefined;
  }
}

function scopeFor(path: string, method: string): string {
  const repository = /^\/v2\/(.+?)\/(?:blobs|manifests|tags)\//.exec(path)?.[1];
  if (!repository) return 'registry:catalog:*';
  return `repository:${repository}:${method === 'GET' || method === 'HEAD' ? 'pull' : 'pull,push'}`;
}

async function expectStatus(res: Response, expected: number[], what: string): Promise<void> {
  if (expected.includes(res.status)) return;
  const text = await res.text().catch(() => '');
  throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 500)}`);
}
