import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedUrl, familiarRepository, hostName, isLoopbackHost, locateRepository, normalizeRepository, parseRepository, registryScheme } from '../../../src/registry/reference.js';
import { LockstepError } from '../../../src/errors.js';

describe('image repository parsing', () => {
  const cases: Array<[string, string, string]> = [
    ['localhost:5000/acme/catalog', 'localhost:5000', 'acme/catalog'],
    ['localhost/catalog', 'localhost', 'catalog'],
    ['registry.example.test/a/b/c', 'registry.example.test', 'a/b/c'],
    ['my-registry:443/team_a/svc.x', 'my-registry:443', 'team_a/svc.x'],
    ['[::1]:5000/acme/cart', '[::1]:5000', 'acme/cart'],
    ['127.0.0.1:5000/cart', '127.0.0.1:5000', 'cart'],
  ];
  for (const [image, host, name] of cases) {
    it(`splits ${image} into host ${host} and name ${name}`, () => {
      assert.deepEqual(parseRepository(image), { host, name });
    });
  }
  it('refuses repositories without a registry host, with a hint that names the fix', () => {
    for (const image of ['acme/catalog', 'catalog', 'team/sub/svc']) {
      assert.throws(
        () => parseRepository(image),
        (error: unknown) => error instanceof LockstepError && error.code === 'BAD_INPUT' && error.message.includes(image) && (error.hint ?? '').includes(`<registry-host>/${image}`),
      );
    }
  });
});

describe('registry scheme', () => {
  it('recognises loopback hosts, with and without ports', () => {
    for (const host of ['localhost', 'localhost:5000', 'api.localhost:80', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['registry.test:5000', '128.0.0.1', '127.0.0.256', 'localhost.example.test', '10.0.0.1:5000', '[::2]:5000']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
  it('strips ports and brackets from host names', () => {
    assert.equal(hostName('[::1]:5000'), '::1');
    assert.equal(hostName('registry.test:443'), 'registry.test');
    assert.equal(hostName('registry.test'), 'registry.test');
  });
  it('uses http only for loopback and hosts listed as insecure (case-insensitive)', () => {
    assert.equal(registryScheme('localhost:5000', []), 'http');
    assert.equal(registryScheme('registry.test:5000', []), 'https');
    assert.equal(registryScheme('Registry.Test:5000', ['registry.test:5000']), 'http');
    assert.equal(registryScheme('registry.test:5001', ['registry.test:5000']), 'https');
  });
  it('allows https everywhere and http only where the scheme rule allows it', () => {
    assert.equal(allowedUrl(new URL('https://storage.test/blob'), []), true);
    assert.equal(allowedUrl(new URL('http://storage.test/blob'), []), false);
    assert.equal(allowedUrl(new URL('http://127.0.0.1:9000/blob'), []), true);
    assert.equal(allowedUrl(new URL('http://storage.test/blob'), ['storage.test']), true);
    assert.equal(allowedUrl(new URL('ftp://127.0.0.1/blob'), []), false);
  });
});

describe('Docker reference normalisation (issue 19.1)', () => {
  const cases: Array<[string, string, string]> = [
    ['nginx', 'docker.io/library/nginx', 'nginx'],
    ['acme/app', 'docker.io/acme/app', 'acme/app'],
    ['docker.io/acme/app', 'docker.io/acme/app', 'acme/app'],
    ['docker.io/nginx', 'docker.io/library/nginx', 'nginx'],
    ['index.docker.io/nginx', 'docker.io/library/nginx', 'nginx'],
    ['registry-1.docker.io/nginx', 'docker.io/library/nginx', 'nginx'],
    ['index.docker.io/library/nginx', 'docker.io/library/nginx', 'nginx'],
    ['docker.io/library/team/app', 'docker.io/library/team/app', 'library/team/app'],
    ['localhost/app', 'localhost/app', 'localhost/app'],
    ['localhost:5000/app', 'localhost:5000/app', 'localhost:5000/app'],
    ['ghcr.example.test/acme/app', 'ghcr.example.test/acme/app', 'ghcr.example.test/acme/app'],
  ];
  for (const [written, canonical, familiar] of cases) {
    it(`${written} → ${canonical} (shown as ${familiar})`, () => {
      assert.equal(normalizeRepository(written), canonical);
      assert.equal(familiarRepository(canonical), familiar);
    });
  }
  it('serves docker.io from registry-1.docker.io, everything else from its own host', () => {
    assert.deepEqual(locateRepository('docker.io/acme/app'), { host: 'registry-1.docker.io', name: 'acme/app', registry: 'docker.io' });
    assert.deepEqual(locateRepository('nginx'), { host: 'registry-1.docker.io', name: 'library/nginx', registry: 'docker.io' });
    assert.deepEqual(locateRepository('localhost:5000/acme/app'), { host: 'localhost:5000', name: 'acme/app', registry: 'localhost:5000' });
  });
});
