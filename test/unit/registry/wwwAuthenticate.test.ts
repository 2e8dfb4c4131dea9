import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseWwwAuthenticate } from '../../../src/registry/wwwAuthenticate.js';

describe('WWW-Authenticate parsing', () => {
  it('reads a registry Bearer challenge with realm, service and scope', () => {
    const header = 'Bearer realm="https://auth.example.test/token",service="registry.example.test",scope="repository:acme/catalog:pull"';
    assert.deepEqual(parseWwwAuthenticate(header), [
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.example.test/token', service: 'registry.example.test', scope: 'repository:acme/catalog:pull' },
      },
    ]);
  });
  it('keeps commas and escaped quotes inside quoted values', () => {
    const [challenge] = parseWwwAuthenticate('Bearer realm="https://a.test/t",scope="repository:a/b:pull,push",error="say \\"no\\""');
    assert.equal(challenge?.params.scope, 'repository:a/b:pull,push');
    assert.equal(challenge?.params.error, 'say "no"');
  });
  it('reads Basic with a realm, lower-casing scheme and parameter names', () => {
    assert.deepEqual(parseWwwAuthenticate('BASIC Realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  });
  it('splits several challenges in one header', () => {
    const parsed = parseWwwAuthenticate('Basic realm="r1", Bearer realm="https://a.test/token", service="svc"');
    assert.deepEqual(
      parsed.map((challenge) => [challenge.scheme, challenge.params]),
      [
        ['basic', { realm: 'r1' }],
        ['bearer', { realm: 'https://a.test/token', service: 'svc' }],
      ],
    );
  });
  it('accepts unquoted values, spaces around "=", and token68 credentials without parameters', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer realm = https://a.test/token , service=svc'), [
      { scheme: 'bearer', params: { realm: 'https://a.test/token', service: 'svc' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate('Negotiate abc123=='), [{ scheme: 'negotiate', params: {} }]);
  });
  it('returns nothing for an empty or garbage header', () => {
    assert.deepEqual(parseWwwAuthenticate(''), []);
    assert.deepEqual(parseWwwAuthenticate(' , ,'), []);
    assert.deepEqual(parseWwwAuthenticate('"quoted only"'), []);
  });
});
