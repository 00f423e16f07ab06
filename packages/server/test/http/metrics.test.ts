import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import {
  buildPinsetPayload,
  buildRollback,
  compilePolicy,
  signPinset,
  type TelemetryEvent,
} from '@qrpin/core';
import { createServer } from '../../src/http/create-server.ts';
import { corePinsetVerifier } from '../../src/serve/core-verifier.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import { FACTORIES, type StoreFixture } from '../helpers/stores.ts';

const TOKEN = 'metrics-admin-token-0123456789abcdef';
const hash = (text: string): string => createHash('sha256').update(text).digest('hex');
const pin = (label: string): string => `sha256/${createHash('sha256').update(label).digest('base64')}`;

/** "Now" for every server of this file: 2026-12-03T12:00:00Z. */
const NOW_MS = Date.UTC(2026, 11, 3, 12, 0, 0);
const at = (iso: string): string => new Date(iso).toISOString();

let counter = 0;
function event(
  type: TelemetryEvent['type'],
  time: string,
  extra: Partial<TelemetryEvent> = {},
): TelemetryEvent {
  return {
    type,
    time: at(time),
    project: 'spring',
    appId: 'kiosk',
    appVersion: '1.4.2',
    platform: 'ios',
    sessionId: `s-${++counter}`,
    destination: 'poster',
    campaign: 'launch',
    pinsetSeq: 1,
    ...extra,
  } as TelemetryEvent;
}

/** A journey: scan, TLS attempt, and (when it completes) a hop and complete. */
function journey(
  time: string,
  outcome: 'complete' | 'tls_error' | 'pin_failure',
  extra: Partial<TelemetryEvent> = {},
) {
  const events = [event('scan', time, extra)];
  if (outcome === 'tls_error') return [...events, event('tls_error', time, { ...extra, code: 'ERR_TLS' })];
  events.push(event('tls_ok', time, { ...extra, host: 'promo.example.com' }));
  if (outcome === 'pin_failure') {
    return [...events, event('pin_failure', time, { ...extra, host: 'promo.example.com', mode: 'enforce' })];
  }
  return [
    ...events,
    event('hop', time, { ...extra, host: 'promo.example.com' }),
    event('complete', time, extra),
  ];
}

function signedDocument(seq: number) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const payload = buildPinsetPayload(
    compilePolicy({
      version: 1,
      project: 'spring',
      destinations: [],
      hosts: [
        { pattern: '**.example.com', pins: [pin('leaf')], backupPins: [pin('backup')], mode: 'enforce' },
        { pattern: 'api.example.net', pins: [pin('api')], backupPins: [pin('api-b')], mode: 'enforce' },
      ],
      signingKeys: [],
    }),
    { seq, iat: NOW_MS / 1000 - 3600, exp: NOW_MS / 1000 + 30 * 86_400 },
  );
  return {
    jwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    jws: signPinset(payload, { privateKey, kid: 'primary' }),
    rollbackJws: signPinset(buildRollback(payload), { privateKey, kid: 'primary' }),
  };
}

for (const [name, factory] of FACTORIES) {
  describe(`the metrics API on ${name}`, () => {
    let fixture: StoreFixture;
    let store: PinsetStore;
    let app: FastifyInstance;
    before(async () => {
      fixture = await factory();
      store = fixture.open();
      await store.migrate();
      await store.createProject('spring');
      await store.createProject('autumn');
      await store.addAdminToken('spring', hash(TOKEN));
      const doc = signedDocument(1);
      await store.addSigningKey('spring', { kid: 'primary', alg: 'EdDSA', jwk: doc.jwk });
      app = createServer({
        store,
        verify: corePinsetVerifier(() => new Date(NOW_MS)),
        logger: false,
        nowMs: () => NOW_MS,
      });
      const published = await app.inject({
        method: 'POST',
        url: '/v1/projects/spring/pinsets',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: { jws: doc.jws, rollbackJws: doc.rollbackJws },
      });
      assert.equal(published.statusCode, 201, published.body);
      await store.insertEvents([
        // poster: 8 journeys yesterday and today, one TLS error, one pin failure
        ...journey('2026-12-02T09:15:00Z', 'complete'),
        ...journey('2026-12-02T23:59:00Z', 'complete', { appVersion: '1.5.0' }),
        ...journey('2026-12-03T00:00:00Z', 'complete', { platform: 'android' }),
        ...journey('2026-12-03T10:10:00Z', 'complete', { campaign: 'summer', cohort: 7 }),
        ...journey('2026-12-03T10:20:00Z', 'tls_error'),
        ...journey('2026-12-03T11:30:00Z', 'pin_failure', { cohort: 7 }),
        ...journey('2026-12-03T11:31:00Z', 'complete', { pinsetSeq: 2, cohort: 3 }),
        ...journey('2026-12-03T11:59:00Z', 'complete', { pinsetSeq: undefined }),
        // menu: a quiet destination with a hostile name, and an event without destination
        ...journey('2026-12-03T08:00:00Z', 'complete', {
          destination: '<img src=x onerror=alert(1)>',
          host: 'api.example.net',
        }),
        event('abandon', '2026-12-03T08:05:00Z', { destination: undefined, campaign: undefined }),
        // another project's events never show
        ...journey('2026-12-03T10:00:00Z', 'complete', { project: 'autumn' }),
      ]);
    });
    after(async () => {
      await app.close();
      await fixture.cleanup();
    });

    const get = (
      url: string,
      headers: Record<string, string | undefined> = { authorization: `Bearer ${TOKEN}` },
    ) => app.inject({ method: 'GET', url, headers });

    it('refuses a caller without the admin token or a session, naming how to sign in', async () => {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong-token-000000000000' },
        { cookie: 'qrpin_session=abcdefghijklmnopqrstuvwxyz012345' },
      ]) {
        const res = await get('/v1/projects/spring/metrics/overview', headers);
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().error.code, 'ERR_HTTP_UNAUTHORIZED');
      }
    });

    it('sums the overview of the last 24 hours per destination with its rates, hosts and pins', async () => {
      const res = await get('/v1/projects/spring/metrics/overview');
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      const body = res.json();
      assert.equal(body.from, '2026-12-02T12:00:00Z');
      assert.equal(body.to, '2026-12-03T12:00:00Z');
      assert.equal(body.exact, true);
      assert.equal(body.pinset.seq, 1);
      assert.equal(body.pinset.exp, '2027-01-02T12:00:00.000Z');
      const [poster, menu] = body.destinations;
      assert.equal(poster.destination, 'poster');
      // 09:15 yesterday is outside the range: 7 journeys remain
      assert.equal(poster.counters.scans, 7);
      assert.equal(poster.counters.completes, 5);
      assert.equal(poster.counters.tlsErrors, 1);
      assert.equal(poster.counters.pinFailuresEnforce, 1);
      assert.deepEqual(poster.rates, {
        completionRate: 0.7143,
        dropOffRate: 0.2857,
        tlsErrorRate: 0.1429,
        pinFailureRate: 0.1429,
      });
      assert.equal(poster.status, 'warning');
      assert.deepEqual(poster.hosts, ['promo.example.com']);
      assert.deepEqual(
        poster.pins.map((p: { pattern: string }) => p.pattern),
        ['**.example.com'],
      );
      assert.equal(poster.pinsExpireAt, '2027-01-02T12:00:00.000Z');
      assert.equal(menu.destination, '<img src=x onerror=alert(1)>');
      assert.equal(menu.status, 'ok');
      assert.equal(body.totals.scans, 8);
      assert.equal(body.totals.abandons, 1);
      assert.equal(body.destinations.length, 2);
    });

    it('filters the overview by campaign, app version and platform', async () => {
      const scans = async (query: string) =>
        (await get(`/v1/projects/spring/metrics/overview?from=2026-12-01T00:00:00Z&${query}`)).json().totals
          .scans;
      assert.equal(await scans('campaign=summer'), 1);
      assert.equal(await scans('appVersion=1.5.0'), 1);
      assert.equal(await scans('platform=android'), 1);
      assert.equal(await scans('platform=android&campaign=summer'), 0);
    });

    it('counts every event of a range once, whatever days, hours and minutes it spans', async () => {
      const all: TelemetryEvent[] = [];
      const base = Date.UTC(2026, 10, 20);
      for (let i = 0; i < 300; i++) {
        const time = new Date(base + ((i * 7919) % (5 * 86_400)) * 1000).toISOString();
        all.push(event('scan', time, { destination: 'sweep', campaign: 'sweep' }));
      }
      await store.insertEvents(all);
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 5 * 1440 }),
          fc.integer({ min: 1, max: 5 * 1440 }),
          async (a, b) => {
            const from = base / 1000 + Math.min(a, b) * 60;
            const to = base / 1000 + Math.max(a, b + a) * 60;
            const expected = all.filter((e) => {
              const t = Date.parse(e.time) / 1000;
              return t >= from && t < to;
            }).length;
            const body = (
              await get(`/v1/projects/spring/metrics/overview?from=${from}&to=${to}&campaign=sweep`)
            ).json();
            assert.equal(body.totals.scans, expected);
          },
        ),
        { numRuns: 25 },
      );
    });

    it('draws a zero-filled series per minute, hour or day', async () => {
      const res = await get(
        '/v1/projects/spring/metrics/series?destination=poster&from=2026-12-03T10:00:00Z&to=2026-12-03T12:00:00Z',
      );
      const body = res.json();
      assert.equal(body.step, 'minute');
      assert.equal(body.points.length, 120);
      const point = body.points.find((p: { t: string }) => p.t === '2026-12-03T10:20:00Z');
      assert.deepEqual(point, {
        t: '2026-12-03T10:20:00Z',
        scans: 1,
        completes: 0,
        attempts: 1,
        tlsErrors: 1,
        pinFailures: 0,
      });
      const hourly = (await get('/v1/projects/spring/metrics/series?destination=poster&step=hour')).json();
      assert.equal(hourly.points.length, 24);
      assert.equal(
        hourly.points.reduce((n: number, p: { scans: number }) => n + p.scans, 0),
        7,
      );
    });

    it('refuses a series without destination, with an unknown step, or with too many points', async () => {
      const cases: ReadonlyArray<readonly [string, RegExp]> = [
        ['/v1/projects/spring/metrics/series', /destination is required/],
        [
          '/v1/projects/spring/metrics/series?destination=poster&step=week',
          /step must be minute, hour or day/,
        ],
        [
          '/v1/projects/spring/metrics/series?destination=poster&step=minute&from=2026-11-01T00:00:00Z',
          /over the limit of 1500/,
        ],
      ];
      for (const [url, message] of cases) {
        const res = await get(url);
        assert.equal(res.statusCode, 400, url);
        assert.equal(res.json().error.code, 'ERR_HTTP_BAD_REQUEST');
        assert.match(res.json().error.message, message);
      }
    });

    it('shows the funnel per campaign: journeys over scans, TLS connections over attempts', async () => {
      const body = (await get('/v1/projects/spring/metrics/funnel?destination=poster')).json();
      const launch = body.campaigns.find((c: { campaign: string }) => c.campaign === 'launch');
      // In the range: four complete journeys, one TLS error, one pin failure after a TLS handshake.
      assert.deepEqual(launch, {
        campaign: 'launch',
        scans: 6,
        tlsOk: 5,
        hops: 4,
        completes: 4,
        abandons: 0,
        redirectsBlocked: 0,
        dropOff: 2,
        completionRate: 0.6667,
        dropOffRate: 0.3333,
        attempts: 6,
        tlsErrors: 1,
        pinFailures: 1,
        tlsErrorRate: 0.1667,
      });
      assert.equal(
        body.campaigns.find((c: { campaign: string }) => c.campaign === 'summer').completionRate,
        1,
      );
    });

    it('shows the adoption of each pinset seq and pin failures by seq, mode and cohort', async () => {
      const body = (await get('/v1/projects/spring/metrics/pinsets?destination=poster')).json();
      assert.deepEqual(
        body.adoption.map((a: { pinsetSeq: number | null }) => a.pinsetSeq),
        [2, 1, null],
      );
      assert.deepEqual(body.byMode, { enforce: 1, report: 0 });
      const cohort7 = body.byCohort.find((c: { cohort: number | null }) => c.cohort === 7);
      assert.deepEqual(cohort7, {
        cohort: 7,
        attempts: 2,
        pinFailuresEnforce: 1,
        pinFailuresReport: 0,
        pinFailureRate: 0.5,
      });
    });

    it('keeps a pin failure rate within 0..1 when failures come without TLS events (TrustKit, HPKP reports)', async () => {
      // a week before every other event: three report-only failures and one TLS attempt, seq 9, cohort 4
      await store.insertEvents([
        event('tls_ok', '2026-11-20T10:00:00Z', {
          destination: 'legacy',
          pinsetSeq: 9,
          cohort: 4,
          host: 'a.example.com',
        }),
        ...[1, 2, 3].map((i) =>
          event('pin_failure', `2026-11-20T10:0${i}:00Z`, {
            destination: 'legacy',
            pinsetSeq: 9,
            cohort: 4,
            host: 'a.example.com',
            mode: 'report',
          }),
        ),
      ]);
      const range = 'from=2026-11-20T00:00:00Z&to=2026-11-21T00:00:00Z';
      const overview = (await get(`/v1/projects/spring/metrics/overview?${range}`)).json();
      const legacy = overview.destinations.find((d: { destination: string }) => d.destination === 'legacy');
      assert.equal(legacy.counters.pinFailuresReport, 3);
      assert.equal(legacy.rates.pinFailureRate, 1);
      const pinsets = (await get(`/v1/projects/spring/metrics/pinsets?${range}&destination=legacy`)).json();
      assert.deepEqual(pinsets.bySeq, [
        { pinsetSeq: 9, attempts: 1, pinFailuresEnforce: 0, pinFailuresReport: 3, pinFailureRate: 1 },
      ]);
      assert.deepEqual(pinsets.byCohort, [
        { cohort: 4, attempts: 1, pinFailuresEnforce: 0, pinFailuresReport: 3, pinFailureRate: 1 },
      ]);
    });

    it('lists the values seen for the filter menus', async () => {
      const body = (await get('/v1/projects/spring/metrics/dimensions')).json();
      assert.deepEqual(body.platforms.sort(), ['android', 'ios']);
      assert.ok(body.campaigns.includes('summer'));
      assert.ok(body.destinations.includes('<img src=x onerror=alert(1)>'));
    });

    it('lists alerts newest first and marks the destination in alert', async () => {
      await store.insertAlert(
        {
          project: 'spring',
          destination: 'poster',
          kind: 'pin_failure_rate',
          windowStart: NOW_MS / 1000 - 600,
          windowSeconds: 60,
          observed: { errors: 30, attempts: 100 },
          baseline: { errors: 2, attempts: 5000 },
          pValue: 1e-20,
        },
        NOW_MS,
      );
      const alerts = (await get('/v1/projects/spring/alerts')).json().alerts;
      assert.equal(alerts[0].kind, 'pin_failure_rate');
      assert.deepEqual(alerts[0].observed, { errors: 30, attempts: 100, rate: 0.3 });
      const overview = (await get('/v1/projects/spring/metrics/overview')).json();
      assert.equal(overview.destinations[0].status, 'alert');
      assert.equal(overview.destinations[0].lastAlert.kind, 'pin_failure_rate');
    });

    const hostile: ReadonlyArray<readonly [string, string]> = [
      ['a repeated parameter', '/v1/projects/spring/metrics/overview?campaign=a&campaign=b'],
      ['a control character', '/v1/projects/spring/metrics/overview?campaign=%0a'],
      ['an oversized filter', `/v1/projects/spring/metrics/overview?platform=${'x'.repeat(200)}`],
      ['a malformed time', '/v1/projects/spring/metrics/overview?from=yesterday'],
      ['a limit out of range', '/v1/projects/spring/alerts?limit=0'],
      ['a limit with junk', '/v1/projects/spring/alerts?limit=5;DROP'],
    ];
    for (const [what, url] of hostile) {
      it(`answers ${what} with a coded 400`, async () => {
        const res = await get(url);
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.code, 'ERR_HTTP_BAD_REQUEST');
      });
    }

    it('answers an unknown project like a wrong token', async () => {
      const res = await get('/v1/projects/nobody/metrics/overview');
      assert.equal(res.statusCode, 401);
    });
  });
}
