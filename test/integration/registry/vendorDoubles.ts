// Local doubles of the registries teams use, each reproducing the documented behaviour lockstep must
// cope with (host names, challenges, token services, credential formats, redirects), one HTTPS server
// behind a forward proxy, with certificates from a private CA made here. None of them is the real
// service: they are named doubles, and every host below is fictional except Docker Hub's, whose
// mapping (docker.io → registry-1.docker.io, auth.docker.io) is the very rule under test. The proxy
// routes only the names it knows, to loopback, so nothing ever leaves this machine.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export type ChallengeScope = 'exact' | 'none' | 'pull,push';

export interface VendorDouble {
  /** For the table: what it stands in for. */
  title: string;
  /** The host the registry API answers on. */
  host: string;
  auth:
    | { kind: 'none' }
    | { kind: 'basic'; users: Record<string, string> }
    | {
        kind: 'bearer';
        /** https://<tokenHost><realmPath> */
        tokenHost: string;
        realmPath: string;
        service: string;
        challengeScope: ChallengeScope;
        /** Basic users the token service accepts (GET). */
        users: Record<string, string>;
        /** Refresh tokens accepted by the OAuth2 POST grant (ACR). */
        refreshTokens?: string[];
        /** Users allowed per repository name prefix; absent: every accepted user for every repository. */
        repositoryUsers?: Record<string, string[]>;
      };
  /** How HEAD on a manifest behaves. */
  head?: 'normal' | '405' | 'no-digest' | 'other-digest';
  /** Blobs answer 307 to this storage host with a signed URL (ECR → S3). */
  blobStorageHost?: string;
  /** A host that only redirects to a web site (what docker.io itself does). */
  websiteRedirect?: boolean;
}

export interface SeenRequest {
  host: string;
  method: string;
  path: string;
  /** The user of a Basic header, `bearer` for a token, or null when none was sent. */
  credentials: string | null;
}

export interface TokenGrant {
  host: string;
  method: string;
  scope: string;
  user: string | null;
}

export interface PushedDouble {
  digest: string;
  configDigest: string;
}

interface Repo {
  tags: Map<string, string>;
  manifests: Map<string, Buffer>;
  blobs: Map<string, Buffer>;
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A private CA and one server certificate naming every host (subjectAltName), made with openssl. */
export async function makePki(dir: string, hosts: readonly string[]): Promise<{ caFile: string; keyFile: string; certFile: string }> {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const certFile = join(dir, 'server.pem');
  const ext = join(dir, 'san.ext');
  await execFileAsync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=lockstep test private CA']);
  await execFileAsync('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', '/CN=lockstep registry doubles']);
  await writeFile(ext, `subjectAltName=${hosts.map((host) => `DNS:${host}`).join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  await execFileAsync('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', ext]);
  return { caFile, keyFile, certFile };
}

export class RegistryDoubles {
  readonly requests: SeenRequest[] = [];
  readonly grants: TokenGrant[] = [];
  private readonly repos = new Map<string, Repo>();
  private readonly tokens = new Map<string, { host: string; scopes: string[]; user: string | null }>();
  private readonly byHost = new Map<string, VendorDouble>();
  private readonly tokenHosts = new Map<string, VendorDouble>();
  private server!: Server;
  port = 0;

  constructor(readonly vendors: readonly VendorDouble[]) {
    for (const vendor of vendors) {
      this.byHost.set(vendor.host, vendor);
      if (vendor.auth.kind === 'bearer' && vendor.auth.tokenHost !== vendor.host) this.tokenHosts.set(vendor.auth.tokenHost, vendor);
    }
  }

  /** Every host name the doubles answer for (for the certificate and the proxy). */
  hosts(): string[] {
    return [...new Set([...this.byHost.keys(), ...this.tokenHosts.keys(), ...this.vendors.flatMap((vendor) => (vendor.blobStorageHost ? [vendor.blobStorageHost] : []))])];
  }

  /** Over https with the given certificate, or plain http (a loopback registry) without one. */
  async start(pki?: { keyFile: string; certFile: string }): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.server = pki ? createHttpsServer({ key: await readFile(pki.keyFile), cert: await readFile(pki.certFile) }, handler) : createHttpServer(handler);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stores an image (OCI manifest + config with the revision label) and tags it. */
  push(host: string, repository: string, tag: string, labels: Record<string, string>, created = '2026-01-02T03:04:05Z'): PushedDouble {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created, config: { Labels: labels }, rootfs: { type: 'layers', diff_ids: [] } }));
    const configDigest = sha256(config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: [],
      }),
    );
    const digest = sha256(manifest);
    const key = `${host}/${repository}`;
    const repo = this.repos.get(key) ?? { tags: new Map(), manifests: new Map(), blobs: new Map() };
    repo.tags.set(tag, digest);
    repo.manifests.set(digest, manifest);
    repo.blobs.set(configDigest, config);
    this.repos.set(key, repo);
    return { digest, configDigest };
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const url = new URL(req.url ?? '/', `https://${host}`);
    this.requests.push({ host, method: req.method ?? '', path: url.pathname, credentials: describeCredentials(req.headers.authorization) });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (this.vendors.some((vendor) => vendor.blobStorageHost === host)) return this.serveStorage(req, res, url);
      const tokenVendor = this.tokenHosts.get(host);
      const vendor = this.byHost.get(host);
      if (vendor?.websiteRedirect) return send(res, 301, { location: 'https://www.docker.com/' }, '');
      const bearer = vendor?.auth.kind === 'bearer' ? vendor.auth : tokenVendor?.auth.kind === 'bearer' ? tokenVendor.auth : undefined;
      if (bearer && url.pathname === bearer.realmPath && (tokenVendor ?? vendor)) return this.serveToken(tokenVendor ?? vendor!, req, res, url, body);
      if (!vendor) return send(res, 404, {}, 'no such host');
      this.serveRegistry(vendor, req, res, url);
    });
  }

  private serveToken(vendor: VendorDouble, req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const auth = vendor.auth;
    if (auth.kind !== 'bearer') return send(res, 404, {}, '');
    let user: string | null = null;
    let scope: string;
    if (req.method === 'POST') {
      const form = new URLSearchParams(body);
      scope = form.get('scope') ?? '';
      const refresh = form.get('refresh_token') ?? '';
      if (form.get('grant_type') !== 'refresh_token' || form.get('service') !== auth.service || !auth.refreshTokens?.includes(refresh)) {
        this.grants.push({ host: vendor.host, method: 'POST', scope, user: null });
        return sendJson(res, 401, { error: 'invalid_grant' });
      }
      user = 'refresh-token';
    } else {
      scope = url.searchParams.get('scope') ?? '';
      if (url.searchParams.get('service') !== auth.service) return sendJson(res, 400, { error: 'wrong service' });
      const basic = decodeBasic(req.headers.authorization);
      if (basic) {
        if (auth.users[basic.user] !== basic.password) {
          this.grants.push({ host: vendor.host, method: 'GET', scope, user: null });
          return sendJson(res, 401, { error: 'unauthorized' });
        }
        user = basic.user;
      }
    }
    this.grants.push({ host: vendor.host, method: req.method ?? '', scope, user });
    const token = randomBytes(16).toString('hex');
    this.tokens.set(token, { host: vendor.host, scopes: scope.split(' '), user });
    sendJson(res, 200, { token, access_token: token, expires_in: 300 });
  }

  /** Whether the request may pull `repository`, by the vendor's scheme. */
  private allowed(vendor: VendorDouble, req: IncomingMessage, repository: string): boolean {
    const auth = vendor.auth;
    if (auth.kind === 'none') return true;
    if (auth.kind === 'basic') {
      const basic = decodeBasic(req.headers.authorization);
      return basic !== null && auth.users[basic.user] === basic.password;
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const grant = token ? this.tokens.get(token) : undefined;
    if (!grant || grant.host !== vendor.host || grant.user === null) return false;
    const pulls = grant.scopes.some((scope) => {
      const [type, name, actions] = [scope.slice(0, scope.indexOf(':')), scope.slice(scope.indexOf(':') + 1, scope.lastIndexOf(':')), scope.slice(scope.lastIndexOf(':') + 1)];
      return type === 'repository' && name === repository && actions.split(',').includes('pull');
    });
    if (!pulls) return false;
    const limits = auth.repositoryUsers && Object.entries(auth.repositoryUsers).find(([prefix]) => repository.startsWith(prefix));
    return !limits || limits[1].includes(grant.user);
  }

  private challenge(vendor: VendorDouble, repository: string): Record<string, string> {
    const auth = vendor.auth;
    if (auth.kind === 'basic') return { 'www-authenticate': `Basic realm="https://${vendor.host}/",service="${vendor.host}"` };
    if (auth.kind !== 'bearer') return {};
    const scope = auth.challengeScope === 'none' || repository === '' ? '' : `,scope="repository:${repository}:${auth.challengeScope === 'exact' ? 'pull' : 'pull,push'}"`;
    return { 'www-authenticate': `Bearer realm="https://${auth.tokenHost}${auth.realmPath}",service="${auth.service}"${scope}` };
  }

  private serveRegistry(vendor: VendorDouble, req: IncomingMessage, res: ServerResponse, url: URL): void {
    const base = { 'docker-distribution-api-version': 'registry/2.0' };
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      return this.allowed(vendor, req, '') || vendor.auth.kind === 'none' ? send(res, 200, base, '{}') : send(res, 401, { ...base, ...this.challenge(vendor, '') }, '');
    }
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    if (!match) return sendJson(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: 'unknown path' }] });
    const [, repository = '', kind, reference = ''] = match;
    if (!this.allowed(vendor, req, repository)) {
      return send(res, 401, { ...base, ...this.challenge(vendor, repository), 'content-type': 'application/json' }, JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    }
    const repo = this.repos.get(`${vendor.host}/${repository}`);
    if (kind === 'blobs') {
      const blob = repo?.blobs.get(reference);
      if (!blob) return sendJson(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown' }] });
      if (vendor.blobStorageHost) {
        const signed = `https://${vendor.blobStorageHost}/layers/${encodeURIComponent(`${vendor.host}/${repository}`)}/${reference}?X-Amz-Signature=${randomBytes(8).toString('hex')}`;
        return send(res, 307, { ...base, location: signed }, '');
      }
      return send(res, 200, { ...base, 'content-type': 'application/octet-stream', 'docker-content-digest': reference }, blob);
    }
    const digest = reference.startsWith('sha256:') ? reference : repo?.tags.get(reference);
    const manifest = digest ? repo?.manifests.get(digest) : undefined;
    if (req.method === 'HEAD' && vendor.head === '405') return send(res, 405, base, '');
    if (!manifest || !digest) return sendJson(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] });
    const headers: Record<string, string> = { ...base, 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'content-length': String(manifest.length) };
    if (!(req.method === 'HEAD' && vendor.head === 'no-digest')) headers['docker-content-digest'] = digest;
    if (req.method === 'HEAD' && vendor.head === 'other-digest') headers['docker-content-digest'] = `sha256:${'0'.repeat(64)}`;
    if (req.method === 'HEAD') return send(res, 200, headers, '');
    send(res, 200, headers, manifest);
  }

  /** S3 refuses a presigned URL that also carries an Authorization header ("only one auth mechanism"). */
  private serveStorage(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.headers.authorization) return send(res, 400, { 'content-type': 'application/xml' }, '<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>');
    const match = /^\/layers\/([^/]+)\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
    const blob = match && url.searchParams.has('X-Amz-Signature') ? this.repos.get(decodeURIComponent(match[1]!))?.blobs.get(match[2]!) : undefined;
    if (!blob) return send(res, 403, {}, '<Error><Code>AccessDenied</Code></Error>');
    send(res, 200, { 'content-type': 'application/octet-stream' }, blob);
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  res.writeHead(status, headers).end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, { 'content-type': 'application/json' }, JSON.stringify(body));
}

function decodeBasic(header: string | undefined): { user: string; password: string } | null {
  const value = /^Basic (.+)$/i.exec(header ?? '')?.[1];
  if (!value) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function describeCredentials(header: string | undefined): string | null {
  if (!header) return null;
  if (/^Bearer /i.test(header)) return 'bearer';
  return decodeBasic(header)?.user ?? 'malformed';
}

/**
 * A forward proxy as corporate networks run them: CONNECT tunnels for https (to the doubles' port for
 * the names it knows, 403 for anything else) and absolute-form requests for plain http to loopback.
 */
export class ForwardProxy {
  readonly connects: string[] = [];
  readonly plain: string[] = [];
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly routes: Map<string, number>) {}

  async start(): Promise<void> {
    this.server = createHttpServer((req, res) => {
      // Absolute-form: only loopback targets, which is all a test may reach.
      this.plain.push(req.url ?? '');
      let target: URL;
      try {
        target = new URL(req.url ?? '');
      } catch {
        return send(res, 400, {}, 'absolute-form only');
      }
      if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') return send(res, 403, {}, 'not routed');
      const upstream = connect(Number(target.port || 80), '127.0.0.1', () => {
        upstream.write(`${req.method} ${target.pathname}${target.search} HTTP/1.1\r\n${Object.entries(req.headers).map(([name, value]) => `${name}: ${String(value)}\r\n`).join('')}connection: close\r\n\r\n`);
        req.pipe(upstream);
        upstream.pipe(res.socket!);
      });
      upstream.on('error', () => res.destroy());
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      const authority = req.url ?? '';
      this.connects.push(authority);
      const [hostname = '', port = '443'] = authority.split(':');
      const targetPort = port === '443' ? this.routes.get(hostname) : undefined;
      if (targetPort === undefined) {
        client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      this.sockets.add(upstream);
      upstream.on('close', () => this.sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
