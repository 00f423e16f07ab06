import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyRouter } from '../../src/proxy/route.ts';

describe('ProxyRouter.from', () => {
  it('reads nothing from process.env unless asked', () => {
    const saved = process.env.HTTPS_PROXY;
    process.env.HTTPS_PROXY = 'http://127.0.0.1:9';
    try {
      assert.equal(ProxyRouter.from({}), undefined);
      assert.equal(
        ProxyRouter.from({ proxyFromEnv: true })?.route('https:', 'a.test', 443)?.display,
        'http://127.0.0.1:9',
      );
    } finally {
      if (saved === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved;
    }
  });

  const envCases: Array<[string, Record<string, string>, string, string | undefined]> = [
    [
      'prefers https_proxy to HTTPS_PROXY',
      { https_proxy: 'http://low:1', HTTPS_PROXY: 'http://up:2' },
      'https:',
      'http://low:1',
    ],
    ['takes HTTPS_PROXY alone', { HTTPS_PROXY: 'http://up:2' }, 'https:', 'http://up:2'],
    [
      'adds http:// to a bare host:port',
      { https_proxy: 'proxy.test:3128' },
      'https:',
      'http://proxy.test:3128',
    ],
    ['uses http_proxy for http: origins', { http_proxy: 'http://p:3' }, 'http:', 'http://p:3'],
    ['ignores upper-case HTTP_PROXY (httpoxy)', { HTTP_PROXY: 'http://p:3' }, 'http:', undefined],
    ['does not use http_proxy for https: origins', { http_proxy: 'http://p:3' }, 'https:', undefined],
    ['honours NO_PROXY', { HTTPS_PROXY: 'http://p:4', NO_PROXY: 'a.test' }, 'https:', undefined],
    [
      'honours no_proxy before NO_PROXY',
      { HTTPS_PROXY: 'http://p:4', no_proxy: 'b.test', NO_PROXY: 'a.test' },
      'https:',
      'http://p:4',
    ],
  ];
  for (const [name, env, protocol, expected] of envCases) {
    it(`${name}`, () => {
      assert.equal(ProxyRouter.from({ env })?.route(protocol, 'a.test', 443)?.display, expected);
    });
  }

  it('takes an explicit proxy over the environment, with its own noProxy', () => {
    const router = ProxyRouter.from({
      proxy: { uri: 'http://user:p%40ss@explicit.test:8080', token: undefined },
      noProxy: 'direct.test',
      env: { HTTPS_PROXY: 'http://env.test:1' },
    });
    const route = router?.route('https:', 'a.test', 443);
    assert.equal(route?.display, 'http://explicit.test:8080', 'credentials never appear in the display form');
    assert.equal(route?.authorization, `Basic ${Buffer.from('user:p@ss').toString('base64')}`);
    assert.equal(router?.route('https:', 'x.direct.test', 443), undefined);
  });

  it('sends a token as the whole Proxy-Authorization value', () => {
    const route = ProxyRouter.from({ proxy: { uri: 'http://u:p@proxy.test:1', token: 'Bearer abc' } })?.route(
      'https:',
      'a.test',
      443,
    );
    assert.equal(route?.authorization, 'Bearer abc');
  });

  const bad: Array<[string, string]> = [
    ['socks5://proxy.test:1080', 'proxy scheme "socks5:" is not supported'],
    ['http://[bad', 'is not a URL'],
  ];
  for (const [uri, message] of bad) {
    it(`refuses the proxy ${uri} with ERR_DISPATCHER_OPTIONS`, () => {
      assert.throws(
        () => ProxyRouter.from({ proxy: uri }),
        (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERR_DISPATCHER_OPTIONS');
          assert.ok(err.message.includes(message), err.message);
          return true;
        },
      );
    });
  }
});
