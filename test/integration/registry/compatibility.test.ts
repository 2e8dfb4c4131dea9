// The registry compatibility suite (issue 19.6): `lock generate` and `lock verify --registry`, run as a
// user runs them (the built CLI, a docker config in $HOME, a proxy in HTTPS_PROXY, a private CA),
// against local doubles of each registry's documented behaviour (vendorDoubles.ts). The table it
// prints at the end is the one docs/lock.md quotes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { cleanAuthEnv, git, removeTempDirs, runCli, tempDir, writeConfig } from '../lock/fixtures.js';
import { ForwardProxy, makePki, RegistryDoubles, type VendorDouble } from './vendorDoubles.js';

const execFileAsync = promisify(execFile);
const unavailable = await execFileAsync('openssl', ['version']).then(
  () => undefined,
  () => 'openssl is not installed (it makes the private CA)',
);

const b64 = (text: string) => Buffer.from(text).toString('base64');

const hub: VendorDouble = {
  title: 'Docker Hub',
  host: 'registry-1.docker.io',
  auth: { kind: 'bearer', tokenHost: 'auth.docker.io', realmPath: '/token', service: 'registry.docker.io', challengeScope: 'exact', users: { hubuser: 'hub-pass' } },
};
// docker.io itself only redirects to the web site: a client that asks it for /v2/ has not mapped the name.
const hubWebsite: VendorDouble = { title: 'docker.io web site', host: 'docker.io', auth: { kind: 'none' }, websiteRedirect: true };
const ghcr: VendorDouble = {
  title: 'GitHub Container Registry',
  host: 'ghcr.test',
  auth: { kind: 'bearer', tokenHost: 'ghcr.test', realmPath: '/token', service: 'ghcr.test', challengeScope: 'exact', users: { 'octo-bot': 'ghp_personal-access-token' } },
};
const ecr: VendorDouble = {
  title: 'Amazon ECR',
  host: '123456789012.dkr.ecr.eu-west-1.amazonaws.test',
  auth: { kind: 'basic', users: { AWS: 'ecr-authorization-token' } },
  blobStorageHost: 'starport-layer-bucket.s3.test',
};
const gar: VendorDouble = {
  title: 'Google Artifact Registry',
  host: 'europe-docker.pkg.test',
  auth: { kind: 'bearer', tokenHost: 'europe-docker.pkg.test', realmPath: '/v2/token', service: 'europe-docker.pkg.test', challengeScope: 'exact', users: { oauth2accesstoken: 'ya29.access-token' } },
};
const acr: VendorDouble = {
  title: 'Azure Container Registry',
  host: 'acme.azurecr.test',
  auth: { kind: 'bearer', tokenHost: 'acme.azurecr.test', realmPath: '/oauth2/token', service: 'acme.azurecr.test', challengeScope: 'exact', users: {}, refreshTokens: ['acr-refresh-token'] },
};
const harbor: VendorDouble = {
  title: 'Harbor',
  host: 'harbor.test',
  auth: { kind: 'bearer', tokenHost: 'harbor.test', realmPath: '/service/token', service: 'harbor-registry', challengeScope: 'pull,push', users: { 'robot$ci+lockstep': 'robot-secret' } },
};
const quay: VendorDouble = {
  title: 'Quay',
  host: 'quay.test',
  auth: {
    kind: 'bearer',
    tokenHost: 'quay.test',
    realmPath: '/v2/auth',
    service: 'quay.test',
    challengeScope: 'none',
    users: { 'org-a+bot': 'a-secret', 'org-b+bot': 'b-secret' },
    repositoryUsers: { 'org-a/': ['org-a+bot'], 'org-b/': ['org-b+bot'] },
  },
};
const noHead: VendorDouble = { title: 'registry without HEAD', host: 'nohead.registry.test', auth: { kind: 'none' }, head: '405' };
const noDigest: VendorDouble = { title: 'registry without digest header on HEAD', host: 'nodigest.registry.test', auth: { kind: 'none' }, head: 'no-digest' };
const liar: VendorDouble = { title: 'registry answering HEAD for another digest', host: 'liar.registry.test', auth: { kind: 'none' }, head: 'other-digest' };
const attacker: VendorDouble = { title: 'untrusted host', host: 'attacker.test', auth: { kind: 'basic', users: {} } };
const vendors = [hub, hubWebsite, ghcr, ecr, gar, acr, harbor, quay, noHead, noDigest, liar, attacker];

type Trust = 'SSL_CERT_FILE' | 'SSL_CERT_DIR' | 'certs.d' | 'none';

interface Case {
  vendor: VendorDouble;
  /** Service name → the image as a person writes it in the config. */
  images: Record<string, string>;
  /** What Docker or podman would have written into ~/.docker/config.json. */
  dockerConfig?: unknown;
  env?: Record<string, string>;
  trust: Trust;
  /** For the table: how credentials reach lockstep. */
  credentials: string;
}

interface Row {
  registry: string;
  auth: string;
  credentials: string;
  trust: string;
  generate: string;
  verify: string;
  requests: number;
}

const rows: Row[] = [];

describe('registry compatibility suite (local doubles of each registry, a forward proxy, a private CA)', { skip: unavailable ? `cannot run: ${unavailable}` : false }, () => {
  let root: string;
  let caFile: string;
  let doubles: RegistryDoubles;
  let proxy: ForwardProxy;
  let helperBin: string;

  before(async () => {
    root = await tempDir('compat');
    doubles = new RegistryDoubles(vendors);
    const pki = await makePki(root, doubles.hosts());
    caFile = pki.caFile;
    await doubles.start(pki);
    proxy = new ForwardProxy(new Map(doubles.hosts().map((host) => [host, doubles.port])));
    await proxy.start();
    // Credential helpers as Docker runs them: docker-credential-<name> get, server URL on stdin.
    helperBin = join(root, 'bin');
    await mkdir(helperBin);
    await writeFile(
      join(helperBin, 'docker-credential-ecr-login'),
      `#!/bin/sh\nread url\nif [ "$url" = "${ecr.host}" ]; then printf '{"ServerURL":"%s","Username":"AWS","Secret":"ecr-authorization-token"}' "$url"; exit 0; fi\necho "credentials not found in native keychain"; exit 1\n`,
      { mode: 0o755 },
    );
  });

  after(async () => {
    await proxy?.stop();
    await doubles?.stop();
    await removeTempDirs();
    if (rows.length > 0) {
      const header = '| registry | auth | credentials | CA | lock generate | lock verify --registry | requests |';
      const lines = rows.map((row) => `| ${row.registry} | ${row.auth} | ${row.credentials} | ${row.trust} | ${row.generate} | ${row.verify} | ${row.requests} |`);
      process.stdout.write(`\nregistry compatibility (through a CONNECT proxy, private CA):\n${header}\n|---|---|---|---|---|---|---|\n${lines.join('\n')}\n`);
    }
  });

  /** An orchestrator whose gitlinks pin one random commit per service; the doubles hold images built from them. */
  async function system(name: string, images: Record<string, string>, repositoryOf: (image: string) => { host: string; repository: string }) {
    const dir = join(root, `${name}-${randomBytes(3).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    await git(dir, 'init', '-q');
    const services: Record<string, { path: string; image: string; tag: string }> = {};
    const pushed: Record<string, { digest: string; commit: string }> = {};
    for (const [service, image] of Object.entries(images)) {
      const commit = randomBytes(20).toString('hex');
      await git(dir, 'update-index', '--add', '--cacheinfo', `160000,${commit},services/${service}`);
      const { host, repository } = repositoryOf(image);
      const tag = `sha-${commit.slice(0, 7)}`;
      pushed[service] = { digest: doubles.push(host, repository, tag, { 'org.opencontainers.image.revision': commit, 'org.opencontainers.image.version': '1.2.3' }).digest, commit };
      services[service] = { path: `services/${service}`, image, tag: 'sha-{shortCommit}' };
    }
    await writeFile(join(dir, '.gitmodules'), Object.keys(images).map((service) => `[submodule "${service}"]\n\tpath = services/${service}\n\turl = ../${service}.git\n`).join(''));
    await git(dir, 'add', '.gitmodules');
    await git(dir, '-c', 'user.name=t', '-c', 'user.email=t@lockstep.invalid', 'commit', '-q', '-m', 'pin');
    const config = await writeConfig(dir, { services });
    return { dir, config, pushed };
  }

  /** The environment of a CI runner behind the proxy, trusting the private CA the way `trust` says. */
  async function userEnv(name: string, trust: Trust, dockerConfig: unknown, extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
    const home = join(root, `home-${name}-${randomBytes(3).toString('hex')}`);
    await mkdir(join(home, '.docker'), { recursive: true });
    if (dockerConfig !== undefined) await writeFile(join(home, '.docker', 'config.json'), JSON.stringify(dockerConfig));
    const env = cleanAuthEnv(home);
    for (const variable of ['SSL_CERT_FILE', 'SSL_CERT_DIR', 'NODE_EXTRA_CA_CERTS', 'XDG_CONFIG_HOME', 'LOCKSTEP_CERTS_D', 'NO_PROXY', 'no_proxy', 'HTTP_PROXY', 'http_proxy', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'LOCKSTEP_REGISTRY_HOST']) {
      delete env[variable];
    }
    env.HTTPS_PROXY = `http://127.0.0.1:${proxy.port}`;
    env.PATH = `${helperBin}:${process.env.PATH ?? ''}`;
    if (trust === 'SSL_CERT_FILE') env.SSL_CERT_FILE = caFile;
    if (trust === 'SSL_CERT_DIR') {
      const dir = join(home, 'ca-dir');
      await mkdir(dir);
      await copyFile(caFile, join(dir, 'private-ca.pem'));
      env.SSL_CERT_DIR = dir;
    }
    if (trust === 'certs.d') {
      // Rootless Docker's per-registry folder: ~/.config/docker/certs.d/<host>/ca.crt
      for (const host of doubles.hosts()) {
        await mkdir(join(home, '.config', 'docker', 'certs.d', host), { recursive: true });
        await copyFile(caFile, join(home, '.config', 'docker', 'certs.d', host, 'ca.crt'));
      }
    }
    return { ...env, ...extra };
  }

  // Where the double stores a Hub image, worked out by hand (not by the code under test).
  const hubRepository = (image: string) => {
    const path = image.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
    return { host: hub.host, repository: path.includes('/') ? path : `library/${path}` };
  };
  const hostRepository = (image: string) => ({ host: image.slice(0, image.indexOf('/')), repository: image.slice(image.indexOf('/') + 1) });

  const cases: Case[] = [
    {
      vendor: hub,
      images: { app: 'acme/app', web: 'docker.io/acme/web', proxy: 'nginx', cache: 'index.docker.io/redis' },
      dockerConfig: { auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:hub-pass') } } },
      trust: 'SSL_CERT_FILE',
      credentials: '`docker login` (legacy `https://index.docker.io/v1/` key)',
    },
    {
      vendor: ghcr,
      images: { api: `${ghcr.host}/acme/api` },
      env: { LOCKSTEP_REGISTRY_USERNAME: 'octo-bot', LOCKSTEP_REGISTRY_PASSWORD: 'ghp_personal-access-token' },
      trust: 'SSL_CERT_FILE',
      credentials: 'LOCKSTEP_REGISTRY_USERNAME/PASSWORD (bound to the config host)',
    },
    {
      vendor: ecr,
      images: { orders: `${ecr.host}/shop/orders` },
      dockerConfig: { credHelpers: { [ecr.host]: 'ecr-login' } },
      trust: 'SSL_CERT_FILE',
      credentials: '`credHelpers` → docker-credential-ecr-login',
    },
    {
      vendor: gar,
      images: { billing: `${gar.host}/acme-project/images/billing` },
      dockerConfig: { auths: { [`https://${gar.host}`]: { username: 'oauth2accesstoken', password: 'ya29.access-token' } } },
      trust: 'certs.d',
      credentials: '`auths` with a scheme (oauth2accesstoken)',
    },
    {
      vendor: acr,
      images: { search: `${acr.host}/team/search` },
      dockerConfig: { auths: { [acr.host]: { username: '00000000-0000-0000-0000-000000000000', identitytoken: 'acr-refresh-token' } } },
      trust: 'SSL_CERT_FILE',
      credentials: '`identitytoken` (refresh-token grant)',
    },
    {
      vendor: harbor,
      images: { ledger: `${harbor.host}/finance/ledger` },
      dockerConfig: { auths: { [harbor.host]: { auth: b64('robot$ci+lockstep:robot-secret') } } },
      trust: 'SSL_CERT_DIR',
      credentials: 'robot account `robot$ci+lockstep`',
    },
    {
      vendor: quay,
      images: { reports: `${quay.host}/org-b/reports`, audit: `${quay.host}/org-a/audit` },
      dockerConfig: { auths: { [quay.host]: { auth: b64('org-a+bot:a-secret') }, [`${quay.host}/org-b`]: { auth: b64('org-b+bot:b-secret') } } },
      trust: 'certs.d',
      credentials: 'namespaced `auths` keys (most specific wins)',
    },
    { vendor: noHead, images: { legacy: `${noHead.host}/old/legacy` }, trust: 'SSL_CERT_FILE', credentials: 'anonymous' },
    { vendor: noDigest, images: { proxied: `${noDigest.host}/mirror/proxied` }, trust: 'SSL_CERT_FILE', credentials: 'anonymous' },
  ];

  const authOf = (vendor: VendorDouble) =>
    vendor.auth.kind === 'bearer'
      ? `Bearer (${vendor.auth.challengeScope === 'none' ? 'challenge without scope' : vendor.auth.challengeScope === 'pull,push' ? 'challenge names pull,push' : 'token service'}${vendor.auth.refreshTokens ? ', OAuth2 refresh token' : ''})`
      : vendor.auth.kind === 'basic'
        ? `Basic${vendor.blobStorageHost ? ', blobs redirected to storage' : ''}`
        : `anonymous${vendor.head === '405' ? ', HEAD answers 405' : vendor.head === 'no-digest' ? ', HEAD without digest' : ''}`;

  for (const testCase of cases) {
    it(`${testCase.vendor.title}: lock generate and lock verify --registry`, async () => {
      const { vendor } = testCase;
      const { dir, config, pushed } = await system(vendor.host.split('.')[0]!, testCase.images, vendor === hub ? hubRepository : hostRepository);
      const env = await userEnv(vendor.host, testCase.trust, testCase.dockerConfig, testCase.env);
      const before = doubles.requests.length;
      const out = join(dir, 'release.lock.yaml');
      const generated = await runCli(['-c', config, '--json', 'lock', 'generate', '--repo', dir, '--out', out], { env });
      assert.equal(generated.code, 0, generated.stderr);
      const summary = JSON.parse(generated.stdout) as { registryRequests: number };
      const lock = parse(await readFile(out, 'utf8')) as { services: Record<string, { image: string; digest: string; commit: string; version?: string }> };
      for (const [service, expected] of Object.entries(pushed)) {
        assert.equal(lock.services[service]?.digest, expected.digest, service);
        assert.equal(lock.services[service]?.version, '1.2.3', service);
      }
      const verified = await runCli(['-c', config, 'lock', 'verify', '--registry', out], { env });
      assert.equal(verified.code, 0, verified.stderr);
      const seen = doubles.requests.slice(before);
      assert.ok(seen.every((request) => request.host !== 'docker.io'), 'docker.io itself is never asked for the registry API');
      if (vendor.blobStorageHost) {
        const storage = seen.filter((request) => request.host === vendor.blobStorageHost);
        assert.ok(storage.length > 0, 'the config blob was fetched from the storage host');
        assert.ok(storage.every((request) => request.credentials === null), 'registry credentials never reach the storage host');
      }
      rows.push({
        registry: vendor.title,
        auth: authOf(vendor),
        credentials: testCase.credentials,
        trust: testCase.trust,
        generate: '✔',
        verify: '✔',
        requests: summary.registryRequests,
      });
    });
  }

  it('Docker Hub: records the canonical repository, shows what a person wrote, and goes to registry-1.docker.io', async () => {
    const { dir, config } = await system('hubnames', { app: 'acme/app', proxy: 'nginx', web: 'registry-1.docker.io/acme/web' }, hubRepository);
    const env = await userEnv('hubnames', 'SSL_CERT_FILE', { auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:hub-pass') } } });
    const connectsBefore = proxy.connects.length;
    const out = join(dir, 'release.lock.yaml');
    const generated = await runCli(['-c', config, 'lock', 'generate', '--repo', dir, '--out', out], { env });
    assert.equal(generated.code, 0, generated.stderr);
    const lock = parse(await readFile(out, 'utf8')) as { services: Record<string, { image: string }> };
    assert.deepEqual(
      Object.fromEntries(Object.entries(lock.services).map(([name, service]) => [name, service.image])),
      { app: 'docker.io/acme/app', proxy: 'docker.io/library/nginx', web: 'docker.io/acme/web' },
    );
    const shown = await runCli(['lock', 'show', out], { env });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /\bproxy\s+\S+\s+nginx\s/);
    assert.match(shown.stdout, /\bapp\s+\S+\s+acme\/app\s/);
    const connects = proxy.connects.slice(connectsBefore);
    assert.ok(connects.includes('registry-1.docker.io:443') && connects.includes('auth.docker.io:443'), connects.join(' '));
    assert.ok(!connects.includes('docker.io:443'));
  });

  it('Harbor and Quay: one token per repository although the challenge names another scope or none', async () => {
    for (const [vendor, images] of [
      [harbor, { a: `${harbor.host}/finance/a`, b: `${harbor.host}/finance/b` }],
      [quay, { c: `${quay.host}/org-b/c` }],
    ] as const) {
      const { dir, config } = await system(`tokens-${vendor.host.split('.')[0]}`, images, hostRepository);
      const auths = vendor === harbor ? { [harbor.host]: { auth: b64('robot$ci+lockstep:robot-secret') } } : { [`${quay.host}/org-b`]: { auth: b64('org-b+bot:b-secret') } };
      const env = await userEnv('tokens', 'SSL_CERT_FILE', { auths });
      const before = doubles.grants.length;
      const generated = await runCli(['-c', config, 'lock', 'generate', '--repo', dir, '--out', join(dir, 'l.yaml')], { env });
      assert.equal(generated.code, 0, generated.stderr);
      const grants = doubles.grants.slice(before).filter((grant) => grant.host === vendor.host);
      assert.deepEqual(
        grants.map((grant) => grant.scope).sort(),
        Object.values(images).map((image) => `repository:${hostRepository(image).repository}:pull`).sort(),
        'exactly one token request per repository, for pull only',
      );
    }
  });

  it('incremental generation: an unchanged service costs one HEAD and keeps its entry', async () => {
    const { dir, config, pushed } = await system('incremental', { a: 'acme/inc-a', b: 'acme/inc-b', c: 'acme/inc-c' }, hubRepository);
    const env = await userEnv('incremental', 'SSL_CERT_FILE', { auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:hub-pass') } } });
    const base = join(dir, 'base.lock.yaml');
    assert.equal((await runCli(['-c', config, 'lock', 'generate', '--repo', dir, '--out', base], { env })).code, 0);
    const before = doubles.requests.length;
    const out = join(dir, 'next.lock.yaml');
    const next = await runCli(['-c', config, '--json', 'lock', 'generate', '--repo', dir, '--base', base, '--out', out], { env });
    assert.equal(next.code, 0, next.stderr);
    const summary = JSON.parse(next.stdout) as { reused: string[]; registryRequests: number };
    assert.deepEqual(summary.reused, ['a', 'b', 'c']);
    const registry = doubles.requests.slice(before).filter((request) => request.host === hub.host);
    assert.equal(registry.filter((request) => request.method === 'GET').length, 0, 'no manifest or config is read again');
    const authorizedHeads = registry.filter((request) => request.method === 'HEAD' && request.credentials !== null);
    assert.equal(authorizedHeads.length, 3, 'one (authorized) HEAD per unchanged service');
    const lock = parse(await readFile(out, 'utf8')) as { services: Record<string, { digest: string; builtAt: string; version: string }> };
    assert.equal(lock.services.a?.digest, pushed.a?.digest);
    assert.equal(lock.services.a?.version, '1.2.3');
  });

  it('a registry whose HEAD answers for another digest is refused', async () => {
    const { dir, config } = await system('liar', { x: `${liar.host}/team/x` }, hostRepository);
    const env = await userEnv('liar', 'SSL_CERT_FILE', undefined);
    const out = join(dir, 'l.yaml');
    assert.equal((await runCli(['-c', config, 'lock', 'generate', '--repo', dir, '--out', out], { env })).code, 0);
    const verified = await runCli(['-c', config, 'lock', 'verify', '--registry', out], { env });
    assert.notEqual(verified.code, 0);
    assert.match(verified.stderr, /answered for another digest/);
  });

  it('a TLS failure names the host, the CAs tried and how to add one', async () => {
    const { dir, config } = await system('untrusted', { app: 'acme/app' }, hubRepository);
    const env = await userEnv('untrusted', 'none', undefined);
    const generated = await runCli(['-c', config, 'lock', 'generate', '--repo', dir, '--out', join(dir, 'l.yaml')], { env });
    assert.notEqual(generated.code, 0);
    assert.match(generated.stderr, /registry-1\.docker\.io: TLS failure \([A-Z_]+\); trusted: Node's bundled CAs/);
    assert.match(generated.stderr, /SSL_CERT_FILE/);
    assert.match(generated.stderr, /\/etc\/docker\/certs\.d\/registry-1\.docker\.io\/ca\.crt/);
  });

  it('credentials from the environment never reach a host the lock names but the config does not', async () => {
    // The config (in the working folder, not named) knows only ghcr; the lock under check names another host.
    const { dir } = await system('bound', { api: `${attacker.host}/acme/api` }, hostRepository);
    const lockDir = join(dir, 'lock');
    await mkdir(lockDir);
    await writeConfig(lockDir, { services: { api: { path: 'services/api', image: `${ghcr.host}/acme/api` } } });
    const { sealLock } = await import('../../../src/lock/integrity.js');
    const { renderLockFile } = await import('../../../src/lock/write.js');
    const lock = sealLock({
      apiVersion: 'lockstep/v1',
      kind: 'ReleaseLock',
      createdAt: '2026-01-01T00:00:00Z',
      source: { repository: 'acme/system', ref: 'refs/heads/staging', commit: 'a'.repeat(40) },
      services: { api: { commit: 'b'.repeat(40), image: `${attacker.host}/acme/api`, tag: 'v1', digest: `sha256:${'c'.repeat(64)}`, builtAt: null } },
    });
    await writeFile(join(lockDir, 'untrusted.lock.yaml'), renderLockFile(lock, 'yaml'));
    const env = await userEnv('bound', 'SSL_CERT_FILE', undefined, { LOCKSTEP_REGISTRY_USERNAME: 'octo-bot', LOCKSTEP_REGISTRY_PASSWORD: 'ghp_personal-access-token' });
    const before = doubles.requests.length;
    const verified = await runCli(['lock', 'verify', '--registry', 'untrusted.lock.yaml'], { env, cwd: lockDir });
    assert.notEqual(verified.code, 0);
    assert.match(verified.stderr, /attacker\.test requires credentials and none are configured/);
    const seen = doubles.requests.slice(before).filter((request) => request.host === attacker.host);
    assert.ok(seen.length > 0 && seen.every((request) => request.credentials === null), 'the untrusted host was asked, and got no credentials');
  });

  it('NO_PROXY as curl reads it: a listed loopback registry is reached directly, an unlisted one through the proxy', async () => {
    const plain = new RegistryDoubles([{ title: 'loopback registry', host: '127.0.0.1', auth: { kind: 'none' } }]);
    await plain.start();
    try {
      const image = `127.0.0.1:${plain.port}/plain/app`;
      const commit = randomBytes(20).toString('hex');
      const dir = join(root, `noproxy-${randomBytes(3).toString('hex')}`);
      await mkdir(dir);
      await git(dir, 'init', '-q');
      await git(dir, 'update-index', '--add', '--cacheinfo', `160000,${commit},services/app`);
      await git(dir, '-c', 'user.name=t', '-c', 'user.email=t@lockstep.invalid', 'commit', '-q', '-m', 'pin');
      plain.push('127.0.0.1', 'plain/app', `sha-${commit.slice(0, 7)}`, { 'org.opencontainers.image.revision': commit });
      const config = await writeConfig(dir, { services: { app: { path: 'services/app', image } } });
      const viaProxy = await userEnv('noproxy', 'none', undefined, { HTTP_PROXY: `http://127.0.0.1:${proxy.port}` });
      const before = proxy.plain.length;
      assert.equal((await runCli(['-c', config, 'lock', 'generate', '--repo', dir, '--out', join(dir, 'a.yaml')], { env: viaProxy })).code, 0);
      assert.ok(proxy.plain.length > before, 'without NO_PROXY, plain http goes through HTTP_PROXY');
      const direct = { ...viaProxy, NO_PROXY: 'example.test,127.0.0.0/8' };
      const beforeDirect = proxy.plain.length;
      assert.equal((await runCli(['-c', config, 'lock', 'generate', '--repo', dir, '--out', join(dir, 'b.yaml')], { env: direct })).code, 0);
      assert.equal(proxy.plain.length, beforeDirect, 'a NO_PROXY CIDR match bypasses the proxy');
    } finally {
      await plain.stop();
    }
  });
});
