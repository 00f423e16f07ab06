import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computePins } from '@qrpin/core';
import { startDemoWorld, type DemoWorld } from '../../src/demo/world.ts';
import { run } from '../helpers/run.ts';

const HOST = 'promo.open.qrpin.test';
const STRANGER = `sha256/${Buffer.alloc(32, 9).toString('base64')}`;
const BACKUP = `sha256/${Buffer.alloc(32, 8).toString('base64')}`;

describe('qrpin open and qrpin mitm-test', () => {
  let cwd: string;
  let world: DemoWorld;
  let port: number;
  let leafPin: string;
  const manifest = (pins: string[], mode = 'enforce'): string => `version: 1
project: open-test
destinations:
  - id: poster
    payload: https://${HOST}:${port}/spring?src=qr
    kind: web
    campaign: spring
hosts:
  - pattern: ${HOST}
    pins: [${pins.join(', ')}]
    backupPins: [${BACKUP}]
    mode: ${mode}
`;
  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-open-'));
    world = await startDemoWorld(
      [{ host: HOST, keyType: 'ec-p256', body: 'the promo', redirects: { '/spring': '/spring/landing' } }],
      new Date(),
    );
    port = world.servers[0]?.port ?? 0;
    leafPin = computePins(world.servers[0]?.certPem ?? '')[0]?.pin.toString() ?? '';
    writeFileSync(join(cwd, 'ca.pem'), world.caPem);
    writeFileSync(
      join(cwd, 'qrpin.yaml'),
      manifest([leafPin, computePins(world.caPem)[0]?.pin.toString() ?? '']),
    );
    writeFileSync(join(cwd, 'wrong.yaml'), manifest([STRANGER, STRANGER.replace('CQkJ', 'CQkK')]));
    writeFileSync(join(cwd, 'report.yaml'), manifest([STRANGER, STRANGER.replace('CQkJ', 'CQkK')], 'report'));
  });
  after(async () => {
    await world.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  const local = ['--ca', 'ca.pem', '--resolve', `${HOST}=127.0.0.1`];

  it('open follows a destination hop by hop with its pin verdicts', async () => {
    const r = await run(['open', '--destination', 'poster', ...local, '--allow-private', '--json'], { cwd });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const json = JSON.parse(r.stdout) as {
      outcome: string;
      payload: { kind: string };
      hops: Array<{ status: number; pin: string; url: string }>;
    };
    assert.equal(json.outcome, 'complete');
    assert.equal(json.payload.kind, 'url');
    assert.deepEqual(
      json.hops.map((h) => [h.status, h.pin]),
      [
        [302, 'pass'],
        [200, 'pass'],
      ],
    );
  });

  it('open exits 1 and prints the pin failure when the pins are wrong', async () => {
    const r = await run(
      ['open', `https://${HOST}:${port}/spring`, '-m', 'wrong.yaml', ...local, '--allow-private'],
      {
        cwd,
      },
    );
    assert.equal(r.code, 1);
    assert.match(r.stdout, /pin FAIL/);
    assert.match(r.stdout, /Certificate pinning failure for promo\.open\.qrpin\.test!/);
    assert.match(r.stdout, /failed \(pin-mismatch\)/);
  });

  it('open refuses loopback without --allow-private, and a hostile payload outright', async () => {
    const guarded = await run(['open', '--destination', 'poster', ...local], { cwd });
    assert.equal(guarded.code, 1);
    assert.match(guarded.stdout, /private-address/);
    const hostile = await run(['open', 'javascript:alert(1)'], { cwd });
    assert.equal(hostile.code, 1);
    assert.match(hostile.stdout, /refused \(payload-refused\)/);
  });

  it('mitm-test rejects the interception of every pinned destination, with a working control', async () => {
    const r = await run(['mitm-test', ...local, '--json'], { cwd });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const { verdicts } = JSON.parse(r.stdout) as {
      verdicts: Array<{ mode: string; intercepted: boolean; outcome: string; controlIntercepted: boolean }>;
    };
    assert.deepEqual(
      verdicts.map((v) => [v.mode, v.intercepted, v.outcome, v.controlIntercepted]),
      [
        ['untrusted', false, 'tls-error', false],
        ['trusted', false, 'pin-mismatch', true],
      ],
    );
  });

  it('mitm-test exits 1 when a pinned destination in report-only mode is intercepted', async () => {
    const r = await run(['mitm-test', '-m', 'report.yaml', '--mode', 'trusted', ...local], { cwd });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /rogue CA trusted: INTERCEPTED/);
  });

  it('mitm-test runs a command through the proxy and tells intercepted from rejected', async () => {
    const url = `https://${HOST}:${port}/spring/landing`;
    const trusting = await run(
      [
        'mitm-test',
        ...local,
        '--',
        'sh',
        '-c',
        `curl -s -o /dev/null --cacert "$NODE_EXTRA_CA_CERTS" ${url}`,
      ],
      { cwd, env: { PATH: process.env.PATH ?? '' } },
    );
    assert.equal(trusting.code, 1, trusting.stdout);
    assert.match(trusting.stdout, new RegExp(`${HOST.replace(/\./g, '\\.')}: INTERCEPTED`));
    const pinning = await run(
      [
        'mitm-test',
        ...local,
        '--',
        'sh',
        '-c',
        `curl -s -o /dev/null --cacert "$NODE_EXTRA_CA_CERTS" --pinnedpubkey '${leafPin.replace('sha256/', 'sha256//')}' ${url}`,
      ],
      { cwd, env: { PATH: process.env.PATH ?? '' } },
    );
    assert.equal(pinning.code, 0, pinning.stdout);
    assert.match(pinning.stdout, /rejected \(1 forged handshake/);
    assert.match(pinning.stdout, /command exited 90/);
  });
});
