import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../src/http/create-server.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import { FACTORIES, type StoreFixture } from '../helpers/stores.ts';
import { stubVerify } from '../helpers/stub-verifier.ts';

const KEY = 'ingest-key-for-the-kiosk-app-0001';
const OTHER_KEY = 'ingest-key-for-the-other-app-0002';
const hash = (text: string): string => createHash('sha256').update(text).digest('hex');

function event(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'scan',
    time: new Date(Date.UTC(2026, 10, 24, 12, 0, n % 60)).toISOString(),
    project: 'spring',
    appId: 'kiosk',
    appVersion: '1.4.2',
    platform: 'node',
    sessionId: `session-${n}`,
    destination: 'spring-poster',
    ...extra,
  };
}

for (const [name, factory] of FACTORIES) {
  describe(`POST /v1/events on ${name}`, () => {
    let fixture: StoreFixture;
    let store: PinsetStore;
    let app: FastifyInstance;
    let clock = 1_000_000;
    before(async () => {
      fixture = await factory();
      store = fixture.open();
      await store.migrate();
      await store.createProject('spring');
      await store.createProject('autumn');
      await store.addIngestKey('spring', 'kiosk', hash(KEY));
      await store.addIngestKey('autumn', 'poster-app', hash(OTHER_KEY));
      app = createServer({
        store,
        verify: stubVerify,
        logger: false,
        nowMs: () => clock,
        limits: { ingestBurst: 20, ingestRefillPerSecond: 1 },
      });
    });
    after(async () => {
      await app.close();
      await fixture.cleanup();
    });

    const post = (events: unknown, key: string | null = KEY) =>
      app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: key === null ? {} : { 'x-qrpin-ingest-key': key },
        payload: { events },
      });

    it('acknowledges a batch only with every event stored', async () => {
      const before = await store.countEvents('spring');
      const res = await post(Array.from({ length: 250 }, (_, i) => event(i)));
      assert.equal(res.statusCode, 202, res.body);
      assert.deepEqual(res.json(), { accepted: 250 });
      assert.equal(await store.countEvents('spring'), before + 250);
    });

    const refusals: Array<[string, () => Promise<{ statusCode: number; body: string }>, number, RegExp]> = [
      ['no ingest key', () => post([event(1)], null), 401, /x-qrpin-ingest-key/],
      ['an unknown ingest key', () => post([event(1)], 'not-a-known-key-0000000'), 401, /unknown ingest key/],
      ['an empty batch', () => post([]), 400, /at least one event/],
      [
        'an event with a query string in its URL',
        () => post([event(1), event(2, { url: 'https://promo.example.com/?email=a@b.c' })]),
        400,
        /events\[1\]: event url must not carry a query string/,
      ],
      [
        'an event with an IP address field',
        () => post([event(1, { ip: '203.0.113.7' })]),
        400,
        /event ip is not a field/,
      ],
      [
        'an event of another app',
        () => post([event(1, { appId: 'someone-else' })]),
        403,
        /this key reports for spring\/kiosk/,
      ],
      [
        'an event of another project',
        () => post([event(1, { project: 'spring' })], OTHER_KEY),
        403,
        /this key reports for autumn\/poster-app/,
      ],
      [
        'more than 1000 events',
        () => post(Array.from({ length: 1001 }, (_, i) => event(i))),
        413,
        /at most 1000 events/,
      ],
    ];
    for (const [what, send, status, message] of refusals) {
      it(`answers ${what} with ${status} and stores nothing`, async () => {
        const before = await store.countEvents('spring');
        const res = await send();
        assert.equal(res.statusCode, status, res.body);
        assert.match(res.body, message);
        assert.ok('error' in (JSON.parse(res.body) as object));
        assert.equal(await store.countEvents('spring'), before);
      });
    }

    it('answers a body over 1 MiB with 413', async () => {
      const res = await post([event(1, { destination: 'x'.repeat(100) })].concat(Array(9000).fill(event(2))));
      assert.equal(res.statusCode, 413);
    });

    it('answers a burst beyond the key’s budget with 429 and Retry-After', async () => {
      clock += 60_000;
      const answers: number[] = [];
      for (let i = 0; i < 25; i++) answers.push((await post([event(i)])).statusCode);
      assert.ok(answers.slice(0, 20).every((s) => s === 202));
      const limited = await post([event(99)]);
      assert.equal(limited.statusCode, 429);
      assert.ok(limited.headers['retry-after'] !== undefined);
    });

    it('sheds load with 503 and Retry-After while the store holds too many events, then takes them again', async () => {
      // The real store, its commits held back until the test lets them go: a store falling behind.
      const held: (() => void)[] = [];
      const slow = {
        ...store,
        insertEvents: (events: Parameters<PinsetStore['insertEvents']>[0]) =>
          new Promise<void>((release) => held.push(release)).then(() => store.insertEvents(events)),
      } as PinsetStore;
      const shedding = createServer({
        store: slow,
        verify: stubVerify,
        logger: false,
        limits: { ingestPendingEvents: 10 },
      });
      const send = (events: unknown) =>
        shedding.inject({
          method: 'POST',
          url: '/v1/events',
          headers: { 'x-qrpin-ingest-key': KEY },
          payload: { events },
        });
      try {
        const before = await store.countEvents('spring');
        const first = send(Array.from({ length: 6 }, (_, i) => event(200 + i)));
        const second = send(Array.from({ length: 4 }, (_, i) => event(210 + i)));
        while (held.length < 2) await new Promise((resolve) => setImmediate(resolve));
        const refused = await send([event(220)]);
        assert.equal(refused.statusCode, 503, refused.body);
        assert.equal(refused.headers['retry-after'], '1');
        assert.equal(refused.json().error.code, 'ERR_HTTP_UNAVAILABLE');
        for (const release of held.splice(0)) release();
        assert.equal((await first).statusCode, 202);
        assert.equal((await second).statusCode, 202);
        const again = send([event(221)]);
        while (held.length < 1) await new Promise((resolve) => setImmediate(resolve));
        for (const release of held.splice(0)) release();
        assert.equal((await again).statusCode, 202);
        assert.equal(await store.countEvents('spring'), before + 11);
      } finally {
        await shedding.close();
      }
    });

    it('answers 503, not a crash, when the store cannot take the batch', async () => {
      const failing = createServer({
        store: { ...store, insertEvents: () => Promise.reject(new Error('disk full')) } as PinsetStore,
        verify: stubVerify,
        logger: false,
      });
      try {
        const res = await failing.inject({
          method: 'POST',
          url: '/v1/events',
          headers: { 'x-qrpin-ingest-key': KEY },
          payload: { events: [event(1)] },
        });
        assert.equal(res.statusCode, 503);
        assert.equal(res.headers['retry-after'], '5');
        assert.doesNotMatch(res.body, /disk full/);
      } finally {
        await failing.close();
      }
    });
  });
}
