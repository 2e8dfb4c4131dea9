import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { InputError } from '../../../src/errors.js';
import { createCredentialLookup, credentialsFromDockerConfig, hostOfAuthKey } from '../../../src/registry/credentials.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-creds-'));
  dirs.push(dir);
  return dir;
};
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('docker config credentials', () => {
  it('normalises auths keys to host[:port]', () => {
    assert.equal(hostOfAuthKey('https://Registry.Test:5000/v1/'), 'registry.test:5000');
    assert.equal(hostOfAuthKey('http://localhost:5000'), 'localhost:5000');
    assert.equal(hostOfAuthKey('registry.test'), 'registry.test');
  });
  it('decodes `auth` (base64 user:password, the password may hold colons) for the matching host only', () => {
    const config = { auths: { 'https://registry.test/v1/': { auth: b64('robot:pa:ss') }, 'other.test': { auth: b64('x:y') } } };
    assert.deepEqual(credentialsFromDockerConfig('c.json', config, 'registry.test'), { username: 'robot', password: 'pa:ss', source: 'c.json' });
    assert.equal(credentialsFromDockerConfig('c.json', config, 'registry.test:5000'), undefined, 'a port makes another host');
    assert.equal(credentialsFromDockerConfig('c.json', {}, 'registry.test'), undefined);
  });
  it('accepts username/password fields', () => {
    const config = { auths: { 'localhost:5000': { username: 'u', password: 'p' } } };
    assert.deepEqual(credentialsFromDockerConfig('c.json', config, 'localhost:5000'), { username: 'u', password: 'p', source: 'c.json' });
  });
  it('refuses malformed entries with the file and field', () => {
    assert.throws(() => credentialsFromDockerConfig('c.json', { auths: { h: { auth: b64('nocolon') } } }, 'h'), (error: unknown) => error instanceof InputError && error.message === 'c.json: auths.h.auth: must be base64 of "username:password"');
    assert.throws(() => credentialsFromDockerConfig('c.json', { auths: [] }, 'h'), /c\.json: auths: must be an object/);
    assert.throws(() => credentialsFromDockerConfig('c.json', 'text', 'h'), /must hold a JSON object/);
  });
});

describe('credential lookup order', () => {
  // Issue 14.3: these were once offered to every host; now only to the hosts they are bound to.
  it('prefers LOCKSTEP_REGISTRY_USERNAME/PASSWORD for the hosts they are bound to, and offers them to no other', async () => {
    const lookup = createCredentialLookup({ LOCKSTEP_REGISTRY_USERNAME: 'ci', LOCKSTEP_REGISTRY_PASSWORD: 's3cret' }, () => '/nonexistent', { hosts: ['any.test'] });
    assert.deepEqual(await lookup('any.test'), { username: 'ci', password: 's3cret', source: 'LOCKSTEP_REGISTRY_USERNAME/LOCKSTEP_REGISTRY_PASSWORD' });
    assert.equal(await lookup('attacker.test'), undefined, 'a host that merely answers 401 gets nothing');
    const named = createCredentialLookup({ LOCKSTEP_REGISTRY_USERNAME: 'ci', LOCKSTEP_REGISTRY_PASSWORD: 's3cret', LOCKSTEP_REGISTRY_HOST: 'b.test, docker.io' }, () => '/nonexistent');
    assert.equal((await named('b.test'))?.username, 'ci');
    assert.equal((await named('index.docker.io'))?.username, 'ci', 'Hub aliases share one binding');
    assert.equal(await named('any.test'), undefined);
  });
  it('refuses half of the env pair without echoing the value', () => {
    assert.throws(
      () => createCredentialLookup({ LOCKSTEP_REGISTRY_PASSWORD: 'hunter2' }, () => '/nonexistent'),
      (error: unknown) => error instanceof InputError && error.message.startsWith('LOCKSTEP_REGISTRY_USERNAME: is not set') && !error.message.includes('hunter2'),
    );
  });
  it('reads LOCKSTEP_REGISTRY_AUTH_FILE before the docker config, and DOCKER_CONFIG before ~/.docker', async () => {
    const dir = await tempDir();
    const authFile = join(dir, 'auth.json');
    await writeFile(authFile, JSON.stringify({ auths: { 'a.test': { auth: b64('from-file:1') } } }));
    const dockerDir = join(dir, 'docker');
    await mkdir(dockerDir);
    await writeFile(join(dockerDir, 'config.json'), JSON.stringify({ auths: { 'a.test': { auth: b64('from-docker:2') }, 'b.test': { auth: b64('docker-b:3') } } }));
    const home = join(dir, 'home');
    await mkdir(join(home, '.docker'), { recursive: true });
    await writeFile(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'c.test': { auth: b64('home-c:4') } } }));

    const lookup = createCredentialLookup({ LOCKSTEP_REGISTRY_AUTH_FILE: authFile, DOCKER_CONFIG: dockerDir }, () => home);
    assert.equal((await lookup('a.test'))?.username, 'from-file');
    assert.equal((await lookup('b.test'))?.username, 'docker-b');
    assert.equal(await lookup('c.test'), undefined, 'DOCKER_CONFIG replaces ~/.docker');
    const homeOnly = createCredentialLookup({}, () => home);
    assert.equal((await homeOnly('c.test'))?.username, 'home-c');
  });
  it('fails when LOCKSTEP_REGISTRY_AUTH_FILE is missing, but not when ~/.docker/config.json is', async () => {
    const dir = await tempDir();
    const missing = join(dir, 'nope.json');
    await assert.rejects(createCredentialLookup({ LOCKSTEP_REGISTRY_AUTH_FILE: missing }, () => dir)('a.test'), new RegExp(`${missing}: file not found`));
    assert.equal(await createCredentialLookup({}, () => dir)('a.test'), undefined);
  });
  it('reports a docker config that is not JSON', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'config.json'), '{ auths: ');
    await assert.rejects(createCredentialLookup({ DOCKER_CONFIG: dir }, () => dir)('a.test'), /config\.json: is not valid JSON/);
  });
});

describe('credentials under every key Docker and podman write (issue 19.2)', () => {
  it("finds Docker Hub's entry under the legacy https://index.docker.io/v1/ key that docker login writes", () => {
    const config = { auths: { 'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') } } };
    assert.equal(credentialsFromDockerConfig('c.json', config, 'docker.io', 'acme/app')?.username, 'hubuser');
    assert.equal(credentialsFromDockerConfig('c.json', config, 'registry-1.docker.io', 'library/nginx')?.username, 'hubuser');
  });
  it('matches keys with or without a scheme, and the most specific namespace wins whatever the order', () => {
    const config = {
      auths: {
        'quay.io': { auth: b64('org-wide:1') },
        'https://quay.io/org-b': { auth: b64('org-b-bot:2') },
        'quay.io/org-b/team': { auth: b64('team-bot:3') },
      },
    };
    assert.equal(credentialsFromDockerConfig('c.json', config, 'quay.io', 'org-b/app')?.username, 'org-b-bot');
    assert.equal(credentialsFromDockerConfig('c.json', config, 'quay.io', 'org-b/team/app')?.username, 'team-bot');
    assert.equal(credentialsFromDockerConfig('c.json', config, 'quay.io', 'org-a/app')?.username, 'org-wide');
    assert.equal(credentialsFromDockerConfig('c.json', config, 'quay.io', 'org-bb/app')?.username, 'org-wide', 'a namespace is a path prefix, not a string prefix');
  });
  it('returns an identitytoken as a refresh token, not as a password', () => {
    const config = { auths: { 'acme.azurecr.test': { username: '00000000-0000-0000-0000-000000000000', password: '', identitytoken: 'refresh-xyz' } } };
    const found = credentialsFromDockerConfig('c.json', config, 'acme.azurecr.test');
    assert.equal(found?.identityToken, 'refresh-xyz');
    assert.equal(found?.password, '');
  });
});

describe('credential helpers (issue 14.3)', () => {
  it('asks credHelpers[host] before credsStore, with the Hub legacy URL for Docker Hub, and never runs a helper name with a path', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ credsStore: 'desktop', credHelpers: { 'ecr.test': 'ecr-login' }, auths: { 'ecr.test': { auth: b64('stale:1') } } }),
    );
    const asked: Array<[string, string]> = [];
    const runHelper = async (helper: string, serverUrl: string) => {
      asked.push([helper, serverUrl]);
      if (helper === 'ecr-login') return { ok: true as const, stdout: JSON.stringify({ ServerURL: serverUrl, Username: 'AWS', Secret: 'ecr-token' }) };
      if (serverUrl === 'https://index.docker.io/v1/') return { ok: true as const, stdout: JSON.stringify({ ServerURL: serverUrl, Username: '<token>', Secret: 'hub-refresh' }) };
      return { ok: false as const, message: 'credentials not found in native keychain' };
    };
    const lookup = createCredentialLookup({ DOCKER_CONFIG: dir }, () => dir, { runHelper });
    assert.deepEqual(await lookup('ecr.test', 'app'), { username: 'AWS', password: 'ecr-token', source: 'docker-credential-ecr-login' });
    assert.deepEqual(await lookup('docker.io', 'library/nginx'), { username: '', password: '', identityToken: 'hub-refresh', source: 'docker-credential-desktop' });
    assert.equal(await lookup('other.test'), undefined, '"credentials not found" means anonymous');
    await lookup('ecr.test', 'other');
    assert.deepEqual(asked, [['ecr-login', 'ecr.test'], ['desktop', 'https://index.docker.io/v1/'], ['desktop', 'other.test']], 'each helper asked once per registry');

    await writeFile(join(dir, 'config.json'), JSON.stringify({ credsStore: '../../bin/sh' }));
    await assert.rejects(createCredentialLookup({ DOCKER_CONFIG: dir }, () => dir, { runHelper })('x.test'), /config\.json: credsStore: must name a credential helper/);
  });
  it('runs a real docker-credential-<name> program with the server URL on stdin', async () => {
    const dir = await tempDir();
    const bin = join(dir, 'bin');
    await mkdir(bin);
    // A helper speaking the protocol: reads the server URL from stdin, answers JSON on stdout.
    await writeFile(join(bin, 'docker-credential-fake'), '#!/bin/sh\nread url\nprintf \'{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}\' "$url"\n', { mode: 0o755 });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ credsStore: 'fake' }));
    const previousPath = process.env.PATH;
    process.env.PATH = `${bin}:${previousPath}`;
    try {
      const found = await createCredentialLookup({ DOCKER_CONFIG: dir }, () => dir)('registry.test');
      assert.deepEqual(found, { username: 'helper-user', password: 'helper-secret', source: 'docker-credential-fake' });
    } finally {
      process.env.PATH = previousPath;
    }
  });
});
