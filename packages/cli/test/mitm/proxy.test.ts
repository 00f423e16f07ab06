import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { computePins } from '@qrpin/core';
import { startDemoWorld, type DemoWorld } from '../../src/demo/world.ts';
import { createRogueCa } from '../../src/mitm/rogue-ca.ts';
import { startInterceptingProxy, type InterceptingProxy } from '../../src/mitm/proxy.ts';

const HOST = 'promo.mitm.qrpin.test';

describe('the intercepting proxy of qrpin mitm-test', () => {
  let dir: string;
  let world: DemoWorld;
  let proxy: InterceptingProxy;
  let genuineCa: string;
  let rogueCa: string;
  let genuineLeafPin: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qrpin-mitm-'));
    world = await startDemoWorld(
      [{ host: HOST, keyType: 'ec-p256', body: 'the real promo page' }],
      new Date(),
    );
    const rogue = createRogueCa(new Date());
    proxy = await startInterceptingProxy({
      rogueCa: rogue,
      upstreamCa: world.caPem,
      resolve: () => '127.0.0.1',
    });
    genuineCa = join(dir, 'genuine-ca.pem');
    rogueCa = join(dir, 'rogue-ca.pem');
    writeFileSync(genuineCa, world.caPem);
    writeFileSync(rogueCa, rogue.certPem);
    genuineLeafPin = computePins(world.servers[0]?.certPem ?? '')[0]?.pin.toCurl() ?? '';
  });
  after(async () => {
    await proxy.close();
    await world.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const curl = (...args: string[]) =>
    runCurl(['--proxy', proxy.url, ...args, `https://${HOST}:${world.servers[0]?.port}/spring`]);

  it('intercepts curl when curl trusts the rogue CA: the real page comes back through it', async () => {
    const r = await curl('--cacert', rogueCa);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /the real promo page/);
    const rec = proxy.records.get(HOST);
    assert.ok(rec !== undefined && rec.bytesFromClient > 0 && rec.bytesFromServer > 0);
  });

  it('is refused by curl that trusts only the genuine CA (exit 60)', async () => {
    const r = await curl('--cacert', genuineCa);
    assert.equal(r.status, 60, r.stderr);
  });

  it('is refused by curl that trusts the rogue CA but pins the genuine key (exit 90)', async () => {
    const before = proxy.records.get(HOST)?.bytesFromClient ?? 0;
    const r = await curl('--cacert', rogueCa, '--pinnedpubkey', genuineLeafPin);
    assert.equal(r.status, 90, r.stderr);
    assert.match(r.stderr, /public key does not match pinned public key/);
    assert.equal(proxy.records.get(HOST)?.bytesFromClient, before, 'no request byte went through');
  });

  it('answers anything but CONNECT with 405 and a malformed CONNECT with 400', async () => {
    const plain = await fetch(`${proxy.url}/`);
    assert.equal(plain.status, 405);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(proxy.port, '127.0.0.1', () =>
        socket.write('CONNECT bad_host!:0 HTTP/1.1\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
  });
});

/** curl as a child process, without blocking the event loop the proxy and servers run on. */
function runCurl(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['--silent', '--show-error', '--max-time', '20', ...args], (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ status, stdout, stderr });
    });
  });
}
