import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetch, request } from 'undici';
import { createPinnedDispatcher } from '../../src/dispatcher/pinned-agent.ts';
import { PinMismatchError } from '../../src/errors/pin-mismatch-error.ts';
import type { PinFailureReport } from '../../src/pin/report.ts';
import { makeCa, makeLeaf, strangerPin, type TestCa, type TestLeaf } from '../helpers/pki.ts';
import { loopback, startOrigin, startProxy, type TestOrigin, type TestProxy } from '../helpers/servers.ts';

describe('the pinned dispatcher through a CONNECT proxy', () => {
  let ca: TestCa;
  let leaf: TestLeaf;
  let origin: TestOrigin;
  let proxy: TestProxy;
  const names = ['via.qrpin.test', 'direct.qrpin.test'];

  before(async () => {
    ca = makeCa('qrpin Proxy Test CA');
    leaf = makeLeaf(ca, names);
    origin = await startOrigin({ cert: leaf.pem, key: leaf.keyPem });
    proxy = await startProxy();
  });
  after(async () => {
    await Promise.all([origin.close(), proxy.close()]);
  });

  it('passes the right pin end to end through the tunnel', async () => {
    const tunnels = proxy.tunnels.length;
    const dispatcher = createPinnedDispatcher({
      pins: { 'via.qrpin.test': [leaf.pin] },
      connect: { ca: ca.pem },
      proxy: proxy.url,
    });
    try {
      const res = await fetch(`https://via.qrpin.test:${origin.port}/through`, { dispatcher });
      assert.equal(await res.text(), 'ok');
      assert.deepEqual(proxy.tunnels.slice(tunnels), [`via.qrpin.test:${origin.port}`]);
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses a wrong pin end to end, reporting the proxy, with no request sent', async () => {
    const tunnels = proxy.tunnels.length;
    const requests = origin.requests.length;
    const reports: PinFailureReport[] = [];
    const dispatcher = createPinnedDispatcher({
      pins: { 'via.qrpin.test': [strangerPin()] },
      connect: { ca: ca.pem },
      proxy: { uri: proxy.url },
      onPinFailure: (report) => reports.push(report),
    });
    try {
      await assert.rejects(
        request(`https://via.qrpin.test:${origin.port}/`, { dispatcher }),
        PinMismatchError,
      );
      assert.equal(proxy.tunnels.length, tunnels + 1, 'the proxy was used');
      assert.equal(origin.requests.length, requests);
      assert.equal(reports[0]?.proxy, proxy.url);
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses an intercepting proxy whose CA the client trusts, while validation alone would accept it', async () => {
    const corporate = makeCa('Corporate Inspection CA');
    const forged = makeLeaf(corporate, ['via.qrpin.test']);
    const interceptor = await startOrigin({ cert: forged.pem, key: forged.keyPem });
    const middlebox = await startProxy({ interceptTo: interceptor.port });
    const pinned = createPinnedDispatcher({
      pins: { 'via.qrpin.test': [leaf.pin, ca.pin] },
      connect: { ca: [ca.pem, corporate.pem] },
      proxy: middlebox.url,
    });
    const unpinned = createPinnedDispatcher({
      pins: { 'other.qrpin.test': [leaf.pin] },
      connect: { ca: [ca.pem, corporate.pem] },
      proxy: middlebox.url,
    });
    try {
      const url = `https://via.qrpin.test:${origin.port}/`;
      const seen = await request(url, { dispatcher: unpinned });
      assert.equal(await seen.body.text(), 'ok', 'without pins the interception goes unnoticed');
      await assert.rejects(request(url, { dispatcher: pinned }), (err: unknown) => {
        assert.ok(err instanceof PinMismatchError);
        assert.deepEqual(
          err.chain.map((c) => c.pin),
          [forged.pin, corporate.pin],
        );
        return true;
      });
      assert.equal(interceptor.requests.length, 1, 'only the unpinned request reached the interceptor');
    } finally {
      await Promise.all([pinned.close(), unpinned.close()]);
      await Promise.all([interceptor.close(), middlebox.close()]);
    }
  });

  it('takes HTTPS_PROXY from the env option and bypasses NO_PROXY hosts', async () => {
    const tunnels = proxy.tunnels.length;
    const dispatcher = createPinnedDispatcher({
      pins: { '**.qrpin.test': [ca.pin] },
      connect: { ca: ca.pem, lookup: loopback },
      env: { HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost,direct.qrpin.test' },
    });
    try {
      const direct = await request(`https://direct.qrpin.test:${origin.port}/`, { dispatcher });
      assert.equal(await direct.body.text(), 'ok');
      assert.equal(proxy.tunnels.length, tunnels, 'the NO_PROXY host went direct');
      const via = await request(`https://via.qrpin.test:${origin.port}/`, { dispatcher });
      assert.equal(await via.body.text(), 'ok');
      assert.deepEqual(proxy.tunnels.slice(tunnels), [`via.qrpin.test:${origin.port}`]);
    } finally {
      await dispatcher.close();
    }
  });

  it('fails with ERR_PROXY_CONNECT when the proxy refuses the tunnel', async () => {
    const refusing = await startProxy({ refuse: 403 });
    const dispatcher = createPinnedDispatcher({
      pins: { 'via.qrpin.test': [leaf.pin] },
      connect: { ca: ca.pem },
      proxy: refusing.url,
    });
    try {
      await assert.rejects(
        request(`https://via.qrpin.test:${origin.port}/`, { dispatcher }),
        (err: Error) => {
          assert.equal((err as Error & { code?: string }).code, 'ERR_PROXY_CONNECT');
          assert.equal(
            err.message,
            `proxy ${refusing.url} did not open a tunnel to via.qrpin.test:${origin.port}: it answered 403 Refused`,
          );
          return true;
        },
      );
    } finally {
      await dispatcher.close();
      await refusing.close();
    }
  });

  it('tunnels plain http: origins through http_proxy too', async () => {
    const plain = createServer((_req, res) => res.end('plain'));
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    const port = (plain.address() as AddressInfo).port;
    const tunnels = proxy.tunnels.length;
    const dispatcher = createPinnedDispatcher({ pins: {}, env: { http_proxy: proxy.url } });
    try {
      const res = await request(`http://plain.qrpin.test:${port}/`, { dispatcher });
      assert.equal(await res.body.text(), 'plain');
      assert.deepEqual(proxy.tunnels.slice(tunnels), [`plain.qrpin.test:${port}`]);
    } finally {
      await dispatcher.close();
      plain.close();
    }
  });
});
