// A real registry container in token-auth mode plus a real local token server in front of it, the way
// Docker Hub and GHCR work: the registry answers 401 with a Bearer challenge naming our realm; the token
// server checks Basic credentials and issues ES256 JWTs whose x5c certificate the registry trusts.
import { execFile } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { testImages } from '../../../support/docker.js';
import { tempDir } from './fixtures.js';

const execFileAsync = promisify(execFile);

export interface TokenRequest {
  service: string | null;
  scopes: string[];
  /** The user whose credentials were accepted, or null for an anonymous or refused request. */
  user: string | null;
  status: number;
}

export interface TokenRegistry {
  host: string;
  realm: string;
  /** Every request the token server answered, in order. */
  requests: TokenRequest[];
  /** Scopes whose next token is issued already expired (the registry refuses it). */
  expireNextTokenFor: Set<string>;
  stop(): Promise<void>;
}

const service = 'lockstep-test-registry';
const issuer = 'lockstep-test-issuer';

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** Why the token registry cannot run here, or undefined. */
export async function tokenRegistryUnavailable(): Promise<string | undefined> {
  try {
    await execFileAsync('openssl', ['version']);
    return undefined;
  } catch {
    return 'openssl is not installed (it makes the token signing certificate)';
  }
}

export async function startTokenRegistry(users: Record<string, string>): Promise<TokenRegistry> {
  const dir = await tempDir('token-registry');
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await execFileAsync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=lockstep test token issuer',
  ]);
  const certPem = await readFile(certFile, 'utf8');
  const key = createPrivateKey(await readFile(keyFile));
  const certDer = Buffer.from(certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64').toString('base64');

  const requests: TokenRequest[] = [];
  const expireNextTokenFor = new Set<string>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const scopes = url.searchParams.getAll('scope');
    const record: TokenRequest = { service: url.searchParams.get('service'), scopes, user: null, status: 0 };
    requests.push(record);
    const answer = (status: number, body: unknown) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || url.pathname !== '/token' || record.service !== service) return answer(400, { error: 'bad request' });
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const [user, ...rest] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    if (!user || users[user] === undefined || users[user] !== rest.join(':')) return answer(401, { error: 'unauthorized' });
    record.user = user;
    const expired = scopes.some((scope) => expireNextTokenFor.delete(scope));
    answer(200, { token: issue(key, certDer, user, scopes, expired), expires_in: 300, issued_at: new Date().toISOString() });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const realm = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;

  let container: StartedTestContainer;
  try {
    container = await new GenericContainer(testImages().registry)
      .withExposedPorts(5000)
      .withEnvironment({
        REGISTRY_AUTH: 'token',
        REGISTRY_AUTH_TOKEN_REALM: realm,
        REGISTRY_AUTH_TOKEN_SERVICE: service,
        REGISTRY_AUTH_TOKEN_ISSUER: issuer,
        REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE: '/auth/token-issuer.pem',
      })
      .withCopyContentToContainer([{ content: certPem, target: '/auth/token-issuer.pem' }])
      .withWaitStrategy(Wait.forHttp('/v2/', 5000).forStatusCode(401).withStartupTimeout(60_000))
      .start();
  } catch (error) {
    await close(server);
    throw error;
  }
  return {
    host: `${container.getHost()}:${container.getMappedPort(5000)}`,
    realm,
    requests,
    expireNextTokenFor,
    stop: async () => {
      await Promise.all([container.stop({ remove: true, removeVolumes: true }), close(server)]);
    },
  };
}

/** A JWT as distribution verifies it: x5c chain to the trusted root, issuer, audience, time, access. */
function issue(key: KeyObject, certDer: string, user: string, scopes: string[], expired: boolean): string {
  const now = Math.floor(Date.now() / 1000);
  const access = scopes.flatMap((scope) => {
    const [type, name, actions] = [scope.slice(0, scope.indexOf(':')), scope.slice(scope.indexOf(':') + 1, scope.lastIndexOf(':')), scope.slice(scope.lastIndexOf(':') + 1)];
    return type && name && actions ? [{ type, name, actions: actions.split(',') }] : [];
  });
  const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer] };
  const claims = {
    iss: issuer,
    sub: user,
    aud: service,
    iat: now,
    nbf: now - 10,
    exp: expired ? now - 3600 : now + 300,
    jti: randomUUID(),
    access,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${base64url(signature)}`;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
