import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildPinsetPayload,
  buildRollback,
  HostPattern,
  Pin,
  signPinset,
  type PinsetPayload,
  type PinsetTrustedKey,
  type Policy,
} from '@qrpin/core';
import {
  FileLastGoodStore,
  MemoryLastGoodStore,
  PinnedAgent,
  PinsetUpdater,
  type PinsetUpdaterEvent,
  type PinsetUpdaterOptions,
} from '@qrpin/client';
import { makeCa, makeLeaf, strangerPin, type TestCa, type TestLeaf } from '../helpers/pki.ts';
import { loopback, startOrigin, type TestOrigin } from '../helpers/servers.ts';

const CONFIG = 'pins.updater.test';
const PROMO = 'promo.updater.test';
const DAY = 86_400;
const T0 = Math.floor(Date.UTC(2026, 10, 24, 12) / 1000);

describe('PinsetUpdater', () => {
  const signing = generateKeyPairSync('ed25519');
  const rogue = generateKeyPairSync('ed25519');
  const trustedKeys: PinsetTrustedKey[] = [
    {
      kid: 'primary',
      alg: 'EdDSA',
      jwk: signing.publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    },
  ];
  let ca: TestCa;
  let leaf: TestLeaf;
  let origin: TestOrigin;
  let served: { status: number; body: string };
  let basePolicy: Policy;
  let dir: string;
  let clock = new Date(T0 * 1000);

  const promoPolicy = (pin: string): Policy => ({
    project: 'spring',
    destinations: [],
    hosts: [
      {
        pattern: HostPattern.parse(PROMO),
        pins: [Pin.parse(pin)],
        backupPins: [Pin.parse(strangerPin())],
        mode: 'enforce',
      },
    ],
  });
  const payload = (seq: number, pin: string, extra: Partial<PinsetPayload> = {}): PinsetPayload => ({
    ...buildPinsetPayload(promoPolicy(pin), { seq, iat: T0, exp: T0 + 30 * DAY }),
    ...extra,
  });
  const sign = (p: PinsetPayload, key = signing.privateKey): string =>
    signPinset(p, { privateKey: key, kid: 'primary' });
  const pinA = strangerPin();
  const pinB = strangerPin();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qrpin-updater-'));
    ca = makeCa('updater CA');
    leaf = makeLeaf(ca, [CONFIG, PROMO]);
    served = { status: 200, body: '' };
    origin = await startOrigin({
      cert: leaf.pem,
      key: leaf.keyPem,
      handler: (req, res) => {
        const etag = `"${createHash('sha256').update(served.body).digest('base64url')}"`;
        if (served.status !== 200) return void res.writeHead(served.status).end();
        if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
        res.writeHead(200, { 'content-type': 'application/jose', etag }).end(served.body);
      },
    });
    basePolicy = {
      project: 'spring',
      destinations: [],
      hosts: [
        {
          pattern: HostPattern.parse(CONFIG),
          pins: [Pin.parse(leaf.pin)],
          backupPins: [Pin.parse(ca.pin)],
          mode: 'enforce',
        },
      ],
    };
  });
  after(async () => {
    await origin.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function updater(extra: Partial<PinsetUpdaterOptions> = {}): {
    updater: PinsetUpdater;
    dispatcher: PinnedAgent;
    events: PinsetUpdaterEvent[];
  } {
    const dispatcher = new PinnedAgent({ policy: basePolicy, connect: { ca: ca.pem, lookup: loopback } });
    const events: PinsetUpdaterEvent[] = [];
    const u = new PinsetUpdater({
      url: `https://${CONFIG}:${origin.port}/v1/projects/spring/pinset`,
      dispatcher,
      project: 'spring',
      trustedKeys,
      bootstrap: sign(payload(1, pinA)),
      basePolicy,
      store: new MemoryLastGoodStore(),
      cohort: 50,
      now: () => clock,
      random: () => 0.5,
      setTimer: () => undefined,
      clearTimer: () => undefined,
      onEvent: (e) => events.push(e),
      ...extra,
    });
    return { updater: u, dispatcher, events };
  }
  const pinsOf = (dispatcher: PinnedAgent, host: string): string[] => {
    const h = dispatcher.policy.hosts.find((x) => x.pattern.matches(host));
    return h === undefined ? [] : h.pins.map((p) => p.toString());
  };
  const modeOf = (dispatcher: PinnedAgent, host: string): string | undefined =>
    dispatcher.policy.hosts.find((x) => x.pattern.matches(host))?.mode;

  it('starts from the bootstrap, then applies the newer document from the server, keeping the config host pinned', async () => {
    served = { status: 200, body: sign(payload(2, pinB)) };
    const { updater: u, dispatcher, events } = updater();
    await u.start();
    assert.equal(u.current?.seq, 2);
    assert.deepEqual(pinsOf(dispatcher, PROMO), [pinB]);
    assert.deepEqual(pinsOf(dispatcher, CONFIG), [leaf.pin]);
    assert.deepEqual(
      events.map((e) => e.type === 'applied' && `${e.source}:${e.seq}`),
      ['bootstrap:1', 'server:2'],
    );
    await dispatcher.close();
  });

  it('answers an unchanged document with If-None-Match and keeps it', async () => {
    served = { status: 200, body: sign(payload(2, pinB)) };
    const { updater: u, dispatcher } = updater();
    await u.start();
    const before = origin.requests.length;
    assert.equal(await u.refresh(), 'unchanged');
    assert.equal(origin.requests.length, before + 1);
    await dispatcher.close();
  });

  const tampered: Array<[string, () => string, string]> = [
    ['a flipped payload byte', () => flip(sign(payload(3, pinA))), 'ERR_PINSET_SIGNATURE'],
    [
      'a signature from an untrusted key',
      () => sign(payload(3, pinA), rogue.privateKey),
      'ERR_PINSET_SIGNATURE',
    ],
    ['a replayed older document', () => sign(payload(1, pinA)), 'ERR_PINSET_ROLLBACK'],
    [
      'a document for another project',
      () => sign(payload(3, pinA, { project: 'autumn' })),
      'ERR_PINSET_PROJECT',
    ],
    [
      'an expired document',
      () => sign(payload(3, pinA, { exp: T0 - DAY, iat: T0 - 2 * DAY })),
      'ERR_PINSET_EXPIRED',
    ],
  ];
  for (const [name, make, code] of tampered) {
    it(`rejects ${name} with ${code} and keeps the last good document`, async () => {
      served = { status: 200, body: sign(payload(2, pinB)) };
      const { updater: u, dispatcher, events } = updater();
      await u.start();
      served = { status: 200, body: make() };
      assert.equal(await u.refresh(), 'rejected');
      const rejected = events.find((e) => e.type === 'rejected');
      assert.equal(rejected?.type === 'rejected' && rejected.code, code);
      assert.equal(u.current?.seq, 2);
      assert.deepEqual(pinsOf(dispatcher, PROMO), [pinB]);
      await dispatcher.close();
    });
  }

  it('catches up to the newest document after missing several, and persists it to a file', async () => {
    const store = new FileLastGoodStore(join(dir, 'state', 'pinset.jws'));
    served = { status: 200, body: sign(payload(2, pinB)) };
    const first = updater({ store });
    await first.updater.start();
    served = { status: 200, body: sign(payload(4, pinA)) };
    assert.equal(await first.updater.refresh(), 'applied');
    assert.equal(first.updater.current?.seq, 4);
    assert.equal(readFileSync(store.path, 'utf8'), served.body);
    await first.dispatcher.close();

    // A restart with the server down starts from the stored seq 4, not the bootstrap's seq 1.
    served = { status: 503, body: '' };
    const second = updater({ store });
    await second.updater.start();
    assert.equal(second.updater.current?.seq, 4);
    assert.deepEqual(pinsOf(second.dispatcher, PROMO), [pinA]);
    assert.ok(second.events.some((e) => e.type === 'fetch-failed'));
    await second.dispatcher.close();
  });

  it('backs off with growing delays on failure and returns to the interval on success', async () => {
    served = { status: 503, body: '' };
    const { updater: u, dispatcher } = updater({
      intervalMs: 600_000,
      minBackoffMs: 30_000,
      maxBackoffMs: 120_000,
    });
    await u.start(); // one failure
    assert.equal(u.nextDelayMs(), 22_500); // 30 s backoff, jittered into [15 s, 30 s] by random() = 0.5
    await u.refresh();
    assert.equal(u.nextDelayMs(), 45_000);
    await u.refresh();
    await u.refresh();
    assert.equal(u.nextDelayMs(), 90_000); // capped at 120 s
    served = { status: 200, body: sign(payload(2, pinB)) };
    await u.refresh();
    assert.equal(u.nextDelayMs(), 600_000);
    await dispatcher.close();
  });

  it('applies a released rollback document: same pins, report-only', async () => {
    const published = payload(2, pinB);
    served = { status: 200, body: sign(published) };
    const { updater: u, dispatcher } = updater();
    await u.start();
    assert.equal(modeOf(dispatcher, PROMO), 'enforce');
    served = { status: 200, body: sign(buildRollback(published)) };
    assert.equal(await u.refresh(), 'applied');
    assert.equal(u.current?.seq, 3);
    assert.equal(modeOf(dispatcher, PROMO), 'report');
    assert.deepEqual(pinsOf(dispatcher, PROMO), [pinB]);
    await dispatcher.close();
  });

  it('enforces a beta rollout only in the cohorts below its percentage', async () => {
    served = {
      status: 200,
      body: sign(payload(2, pinB, { rollout: { stage: 'beta', enforcePercent: 10 } })),
    };
    const outside = updater({ cohort: 50 });
    await outside.updater.start();
    assert.equal(modeOf(outside.dispatcher, PROMO), 'report');
    const inside = updater({ cohort: 5 });
    await inside.updater.start();
    assert.equal(modeOf(inside.dispatcher, PROMO), 'enforce');
    await outside.dispatcher.close();
    await inside.dispatcher.close();
  });

  it('stops enforcing and keeps reporting when the last good document expires with nothing newer', async () => {
    served = { status: 200, body: sign(payload(2, pinB)) };
    const { updater: u, dispatcher, events } = updater();
    await u.start();
    clock = new Date((T0 + 31 * DAY) * 1000);
    try {
      served = { status: 503, body: '' };
      await u.refresh();
      assert.equal(modeOf(dispatcher, PROMO), 'report');
      assert.deepEqual(pinsOf(dispatcher, PROMO), [pinB]);
      assert.ok(events.some((e) => e.type === 'expired' && e.seq === 2 && e.policy === 'report'));
    } finally {
      clock = new Date(T0 * 1000);
      await dispatcher.close();
    }
  });

  it('keeps enforcing an expired document that declares onExpiry: enforce', async () => {
    served = { status: 200, body: sign(payload(2, pinB, { onExpiry: 'enforce' })) };
    const { updater: u, dispatcher, events } = updater();
    await u.start();
    clock = new Date((T0 + 31 * DAY) * 1000);
    try {
      served = { status: 503, body: '' };
      await u.refresh();
      assert.equal(modeOf(dispatcher, PROMO), 'enforce');
      assert.ok(events.some((e) => e.type === 'expired' && e.policy === 'enforce'));
    } finally {
      clock = new Date(T0 * 1000);
      await dispatcher.close();
    }
  });

  it('does not fetch from a configuration host whose key does not match its pins', async () => {
    const wrongBase: Policy = {
      ...basePolicy,
      hosts: [{ ...basePolicy.hosts[0]!, pins: [Pin.parse(strangerPin())], backupPins: [] }],
    };
    served = { status: 200, body: sign(payload(2, pinB)) };
    const { updater: u, dispatcher, events } = updater({ basePolicy: wrongBase });
    // The dispatcher starts with the right pins; the bootstrap then keeps the wrong base pins.
    await u.start();
    assert.equal(u.current?.seq, 1);
    const failed = events.find((e) => e.type === 'fetch-failed');
    assert.match(failed?.type === 'fetch-failed' ? failed.message : '', /Certificate pinning failure/);
    await dispatcher.close();
  });
});

function flip(jws: string): string {
  const [h, p, s] = jws.split('.');
  const bytes = Buffer.from(p ?? '', 'base64url');
  bytes[5] = (bytes[5] ?? 0) ^ 1;
  return `${h}.${bytes.toString('base64url')}.${s}`;
}
