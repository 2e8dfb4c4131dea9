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
  it('prefers LOCKSTEP_REGISTRY_USERNAME/PASSWORD for every host', async () => {
    const lookup = createCredentialLookup({ LOCKSTEP_REGISTRY_USERNAME: 'ci', LOCKSTEP_REGISTRY_PASSWORD: 's3cret' }, () => '/nonexistent');
    assert.deepEqual(await lookup('any.test'), { username: 'ci', password: 's3cret', source: 'LOCKSTEP_REGISTRY_USERNAME/LOCKSTEP_REGISTRY_PASSWORD' });
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
