import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NoProxy } from '../../src/proxy/no-proxy.ts';

describe('NoProxy', () => {
  const cases: Array<[list: string, host: string, port: number, bypass: boolean]> = [
    ['', 'example.com', 443, false],
    ['*', 'anything.example', 443, true],
    ['localhost', 'localhost', 443, true],
    ['example.com', 'example.com', 443, true],
    ['example.com', 'www.example.com', 443, true],
    ['example.com', 'notexample.com', 443, false],
    ['.example.com', 'example.com', 443, true],
    ['.example.com', 'a.b.example.com', 443, true],
    ['*.example.com', 'api.example.com', 443, true],
    ['EXAMPLE.com.', 'Www.Example.COM.', 443, true],
    ['example.com:8443', 'example.com', 8443, true],
    ['example.com:8443', 'example.com', 443, false],
    ['a.test, b.test  c.test', 'c.test', 443, true],
    ['10.0.0.0/8', '10.1.2.3', 443, true],
    ['10.0.0.0/8', '11.1.2.3', 443, false],
    ['127.0.0.1', '127.0.0.1', 80, true],
    ['127.0.0.1', 'localhost', 80, false],
    ['::1', '[::1]', 443, true],
    ['[::1]:8443', '::1', 8443, true],
    ['[::1]:8443', '::1', 443, false],
    ['fd00::/8', 'fd12::1', 443, true],
    ['10.0.0.0/99, x/y', '10.0.0.1', 443, false],
  ];
  for (const [list, host, port, bypass] of cases) {
    it(`${bypass ? 'bypasses' : 'proxies'} ${host}:${port} with NO_PROXY=${JSON.stringify(list)}`, () => {
      assert.equal(NoProxy.parse(list).matches(host, port), bypass);
    });
  }

  it('reads an empty or missing list as "proxy everything"', () => {
    assert.equal(NoProxy.parse(undefined).empty, true);
    assert.equal(NoProxy.parse(' , ').empty, true);
    assert.equal(NoProxy.parse('a.test').empty, false);
  });
});
