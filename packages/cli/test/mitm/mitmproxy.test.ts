import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { computePins } from '@qrpin/core';
import { PinMismatchError, PinnedAgent } from '@qrpin/client';
import { startDemoWorld, type DemoWorld } from '../../src/demo/world.ts';
import { startMitmproxy, type Mitmproxy } from '../helpers/mitmproxy.ts';
import { testPort } from '../helpers/openssl-server.ts';

// The real mitmproxy (Debian's mitmdump) between the pinned client and a real TLS server.
describe('the pinned client against the real mitmproxy', () => {
  let dir: string;
  let world: DemoWorld;
  let mitm: Mitmproxy;
  let url: string;
  let genuinePin: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qrpin-mitmproxy-'));
    world = await startDemoWorld(
      [{ host: 'localhost', keyType: 'ec-p256', body: 'the real promo page' }],
      new Date(),
    );
    writeFileSync(join(dir, 'genuine-ca.pem'), world.caPem);
    mitm = await startMitmproxy(testPort(40), join(dir, 'mitm'), join(dir, 'genuine-ca.pem'));
    url = `https://localhost:${world.servers[0]?.port}/spring`;
    genuinePin = computePins(world.servers[0]?.certPem ?? '')[0]?.pin.toString() ?? '';
  });
  after(async () => {
    await mitm.stop();
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const agent = (pins: Record<string, string[]>): PinnedAgent =>
    new PinnedAgent({ pins, proxy: mitm.url, connect: { ca: [world.caPem, mitm.caPem] } });

  it('is intercepted without pins: the client that trusts mitmproxy gets the real page through it', async () => {
    const client = agent({});
    try {
      const res = await request(url, { dispatcher: client });
      assert.equal(res.statusCode, 200);
      assert.match(await res.body.text(), /the real promo page/);
    } finally {
      await client.close();
    }
    assert.match(mitm.output(), /GET https:\/\/localhost:\d+\/spring/);
  });

  it('is rejected with ERR_PIN_MISMATCH when the client pins the real server key', async () => {
    const client = agent({ localhost: [genuinePin] });
    const seen = (mitm.output().match(/GET https:\/\/localhost/g) ?? []).length;
    try {
      await assert.rejects(request(url, { dispatcher: client }), (err: unknown) => {
        assert.ok(err instanceof PinMismatchError, String(err));
        assert.equal(err.code, 'ERR_PIN_MISMATCH');
        assert.match(err.message, /Certificate pinning failure for localhost!/);
        assert.match(err.message, /issued by .*mitmproxy/);
        assert.ok(err.message.includes(genuinePin), 'the configured pin is listed');
        return true;
      });
    } finally {
      await client.close();
    }
    assert.equal(
      (mitm.output().match(/GET https:\/\/localhost/g) ?? []).length,
      seen,
      'no request went through',
    );
  });
});
