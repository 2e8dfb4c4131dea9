import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bypassesProxy, proxyFor, ProxySettingError } from '../../../src/net/proxy.js';

const url = (text: string) => new URL(text);

describe('proxy variables (issue 19.3)', () => {
  it('picks HTTPS_PROXY for https and HTTP_PROXY for http, lower case first, ALL_PROXY last', () => {
    assert.equal(proxyFor(url('https://r.test/v2/'), { HTTPS_PROXY: 'http://p.test:3128' })?.host, 'p.test:3128');
    assert.equal(proxyFor(url('https://r.test/v2/'), { HTTP_PROXY: 'http://p.test:3128' }), undefined, 'HTTP_PROXY is not for https');
    assert.equal(proxyFor(url('http://r.test/v2/'), { http_proxy: 'lower.test:1', HTTP_PROXY: 'upper.test:2' })?.host, 'lower.test:1');
    assert.equal(proxyFor(url('https://r.test/'), { ALL_PROXY: 'all.test:8080' })?.host, 'all.test:8080');
    assert.equal(proxyFor(url('https://r.test/'), {}), undefined);
  });
  it('refuses proxies it cannot speak, naming the variable and not its value', () => {
    assert.throws(() => proxyFor(url('https://r.test/'), { HTTPS_PROXY: 'socks5://user:pw@p.test:1080' }), (error: unknown) => error instanceof ProxySettingError && error.message.includes('HTTPS_PROXY') && !error.message.includes('pw'));
  });
  it('applies NO_PROXY as curl does', () => {
    const cases: Array<[string, string, boolean]> = [
      ['https://r.example.test/', '*', true],
      ['https://r.example.test/', 'example.test', true],
      ['https://example.test/', 'example.test', true],
      ['https://r.example.test/', '.example.test', true],
      ['https://notexample.test/', 'example.test', false],
      ['https://r.example.test/', 'other.test, example.test', true],
      ['https://r.example.test/', 'other.test example.test', true],
      ['https://R.Example.Test/', 'example.TEST', true],
      ['https://r.example.test:5000/', 'r.example.test:5000', true],
      ['https://r.example.test:5001/', 'r.example.test:5000', false],
      ['https://r.example.test/', 'r.example.test:443', true],
      ['http://10.1.2.3:5000/', '10.0.0.0/8', true],
      ['http://11.1.2.3:5000/', '10.0.0.0/8', false],
      ['http://10.1.2.3/', '10.1.2.3', true],
      ['http://[::1]:5000/', '::1', true],
      ['http://[fd00::5]/', 'fd00::/8', true],
      ['http://127.0.0.1/', '', false],
      ['https://r.test/', 'a*.test', false],
    ];
    for (const [target, noProxy, expected] of cases) assert.equal(bypassesProxy(url(target), noProxy), expected, `${target} with NO_PROXY=${noProxy}`);
    assert.equal(proxyFor(url('https://r.internal.test/'), { HTTPS_PROXY: 'p.test:3128', no_proxy: 'internal.test' }), undefined);
  });
});
