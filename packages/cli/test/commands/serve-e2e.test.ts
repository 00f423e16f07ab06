import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { computePins } from '@qrpin/core';
import { MemoryLastGoodStore, PinnedAgent, PinsetUpdater } from '@qrpin/client';
import { startDemoWorld, type DemoWorld } from '../../src/demo/world.ts';
import { ROOT, run } from '../helpers/run.ts';
import { posterManifest } from '../helpers/poster-manifest.ts';

const HOST = 'promo.e2e.qrpin.test';

// End to end through the real `qrpin serve` process: publish, clients follow and enforce, the
// server is killed with SIGKILL and restarted and still serves the document, the pre-signed
// rollback turns clients to report-only, and a client offline across two publishes catches up.
describe('qrpin serve end to end, across a kill -9', () => {
  let cwd: string;
  let world: DemoWorld;
  let port: number;
  let serve: ChildProcess | undefined;
  const signing = generateKeyPairSync('ed25519');
  const jwk = signing.publicKey.export({ format: 'jwk' });
  const backupJwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const base = (): string => `http://127.0.0.1:${port}/v1/projects/e2e`;

  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-e2e-'));
    world = await startDemoWorld([{ host: HOST, keyType: 'ec-p256', body: 'promo' }], new Date());
    const leafPin = computePins(world.servers[0]?.certPem ?? '')[0]?.pin.toString() ?? '';
    const caPin = computePins(world.caPem)[0]?.pin.toString() ?? '';
    writeFileSync(join(cwd, 'ca.pem'), world.caPem);
    writeFileSync(join(cwd, 'signing.key'), signing.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(
      join(cwd, 'qrpin.yaml'),
      posterManifest({
        project: 'e2e',
        host: HOST,
        pins: [leafPin, caPin],
        backupPins: [`sha256/${Buffer.alloc(32, 3).toString('base64')}`],
        signingKeys: [
          { kid: 'primary', jwk },
          { kid: 'backup', jwk: backupJwk },
        ],
      }),
    );
    port = await freePort();
  });
  after(async () => {
    serve?.kill('SIGKILL');
    await world.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  async function startServe(): Promise<ChildProcess> {
    const child = spawn(join(ROOT, 'qrpin'), ['serve', '--port', String(port), '--dir', 'state'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', QRPIN_DATABASE_URL: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('press Ctrl-C')) resolve();
      });
      child.once('exit', () => reject(new Error(`qrpin serve exited: ${stderr}`)));
    });
    return child;
  }

  const sign = async (seq: number): Promise<void> => {
    const r = await run(
      ['sign', '--key', 'signing.key', '--kid', 'primary', '--seq', String(seq), '--out', 'docs'],
      { cwd },
    );
    assert.equal(r.code, 0, r.stderr);
  };
  const publish = async (seq: number): Promise<void> => {
    const r = await run(
      [
        'publish',
        `docs/pinset-${seq}.jws`,
        `docs/pinset-${seq + 1}-rollback.jws`,
        '--server',
        `http://127.0.0.1:${port}`,
        '--token-file',
        'state/admin-token',
        '--ca',
        'ca.pem',
        '--target',
        `${HOST}=127.0.0.1:${world.servers[0]?.port}`,
      ],
      { cwd },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
  };
  const follower = (bootstrap: string): { updater: PinsetUpdater; dispatcher: PinnedAgent } => {
    const dispatcher = new PinnedAgent({ pins: {} });
    const updater = new PinsetUpdater({
      url: `${base()}/pinset`,
      dispatcher,
      project: 'e2e',
      trustedKeys: [
        { kid: 'primary', alg: 'EdDSA', jwk },
        { kid: 'backup', alg: 'EdDSA', jwk: backupJwk },
      ],
      bootstrap,
      store: new MemoryLastGoodStore(),
      cohort: 0,
      setTimer: () => undefined,
    });
    return { updater, dispatcher };
  };

  it('keeps serving what it acknowledged after SIGKILL, rolls back, and lets an offline client catch up', async () => {
    serve = await startServe();
    await sign(1);
    await publish(1);
    const bootstrap = readFileSync(join(cwd, 'docs', 'pinset-1.jws'), 'utf8');
    const online = follower(bootstrap);
    const offline = follower(bootstrap);
    try {
      await online.updater.start();
      await offline.updater.start();
      assert.equal(online.updater.current?.seq, 1);
      assert.equal(online.dispatcher.policy.hosts[0]?.mode, 'enforce');

      const before = await request(`${base()}/pinset`);
      const etag = before.headers.etag;
      const body = await before.body.text();
      serve.kill('SIGKILL');
      await new Promise((resolve) => serve?.once('exit', resolve));
      await assert.rejects(request(`${base()}/pinset`));
      serve = await startServe();
      const after = await request(`${base()}/pinset`);
      assert.equal(after.statusCode, 200);
      assert.equal(after.headers.etag, etag);
      assert.equal(await after.body.text(), body);

      const token = readFileSync(join(cwd, 'state', 'admin-token'), 'utf8').trim();
      const released = await request(`${base()}/rollback`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      await released.body.dump();
      assert.equal(await online.updater.refresh(), 'applied');
      assert.equal(online.updater.current?.seq, 2);
      assert.equal(online.dispatcher.policy.hosts[0]?.mode, 'report');

      await sign(3);
      await publish(3);
      assert.equal(await offline.updater.refresh(), 'applied');
      assert.equal(offline.updater.current?.seq, 3, 'the offline client jumps straight to the newest');
      assert.equal(offline.dispatcher.policy.hosts[0]?.mode, 'enforce');
    } finally {
      await online.dispatcher.close();
      await offline.dispatcher.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const p = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => resolve(p));
    });
  });
}
