// The telemetry storage contract: one suite, run against every TelemetryStore implementation.
// Expected figures are computed here from the raw events the test generated, never copied from a
// store, so both stores are held to the same arithmetic.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TelemetryEvent } from '@qrpin/core';
import { StoreError } from '../../src/storage/error.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import {
  ROLLUP_COUNTERS,
  ROLLUP_SPANS,
  type AlertInput,
  type CohortQuery,
  type RollupQuery,
  type RollupSpan,
  type TelemetryStore,
} from '../../src/storage/telemetry-store.ts';
import { mulberry32, type Random } from '../alerts/helpers/random.ts';
import type { StoreFactory, StoreFixture } from '../helpers/stores.ts';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Midnight UTC, 2 November 2026, in unix seconds. */
const DAY0 = Date.UTC(2026, 10, 2) / 1000;
const DAY = 86_400;

function storeError(code: string, message?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  };
}

// ── events and what they should count ────────────────────────────────────────────────────────────

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface EventSpec {
  readonly type?: TelemetryEvent['type'];
  /** Unix ms. */
  readonly atMs: number;
  readonly project?: string;
  readonly destination?: string | undefined;
  readonly campaign?: string | undefined;
  readonly appVersion?: string;
  readonly platform?: string;
  readonly pinsetSeq?: number | undefined;
  readonly cohort?: number | undefined;
  readonly host?: string | undefined;
  readonly mode?: 'enforce' | 'report' | undefined;
}

let sessions = 0;
function event(spec: EventSpec): TelemetryEvent {
  const e: Mutable<TelemetryEvent> = {
    type: spec.type ?? 'scan',
    time: new Date(spec.atMs).toISOString(),
    project: spec.project ?? 'spring',
    appId: 'kiosk',
    appVersion: spec.appVersion ?? '1.0.0',
    platform: spec.platform ?? 'ios',
    sessionId: `s-${(sessions += 1)}`,
  };
  if (spec.destination !== undefined) e.destination = spec.destination;
  if (spec.campaign !== undefined) e.campaign = spec.campaign;
  if (spec.pinsetSeq !== undefined) e.pinsetSeq = spec.pinsetSeq;
  if (spec.cohort !== undefined) e.cohort = spec.cohort;
  if (spec.host !== undefined) e.host = spec.host;
  if (spec.mode !== undefined) e.mode = spec.mode;
  return e;
}

const second = (e: TelemetryEvent): number => Math.floor(Date.parse(e.time) / 1000);
const floorTo = (value: number, width: number): number => Math.floor(value / width) * width;

type CounterName = (typeof ROLLUP_COUNTERS)[number];
const COUNTER_OF: Readonly<Record<Exclude<TelemetryEvent['type'], 'pin_failure'>, CounterName>> = {
  scan: 'scans',
  hop: 'hops',
  tls_ok: 'tlsOk',
  tls_error: 'tlsErrors',
  redirect_blocked: 'redirectsBlocked',
  complete: 'completes',
  abandon: 'abandons',
};

function counterOf(e: TelemetryEvent): CounterName {
  if (e.type === 'pin_failure') return e.mode === 'report' ? 'pinFailuresReport' : 'pinFailuresEnforce';
  return COUNTER_OF[e.type];
}

function zeroCounters(): Record<CounterName, number> {
  return Object.fromEntries(ROLLUP_COUNTERS.map((c) => [c, 0])) as Record<CounterName, number>;
}

const DIMENSION_OF = {
  destination: (e: TelemetryEvent) => e.destination ?? null,
  campaign: (e: TelemetryEvent) => e.campaign ?? null,
  appVersion: (e: TelemetryEvent) => e.appVersion,
  platform: (e: TelemetryEvent) => e.platform,
  pinsetSeq: (e: TelemetryEvent) => e.pinsetSeq ?? null,
  cohort: (e: TelemetryEvent) => e.cohort ?? null,
} as const;
type Dimension = keyof typeof DIMENSION_OF;

function matches(e: TelemetryEvent, filters: object | undefined): boolean {
  for (const [name, value] of Object.entries(filters ?? {}) as [string, unknown][]) {
    if (value === undefined) continue;
    if (DIMENSION_OF[name as Dimension](e) !== value) return false;
  }
  return true;
}

/** Groups `events` as a query would and sums each group with `add`. */
function groupEvents<T extends object>(
  events: readonly TelemetryEvent[],
  project: string,
  query: RollupQuery | CohortQuery,
  counters: () => T,
  add: (sums: T, e: TelemetryEvent) => void,
): Record<string, unknown>[] {
  const groups = new Map<string, Record<string, unknown>>();
  const sums = new Map<string, T>();
  if (query.groupBy.length === 0) {
    groups.set('{}', {});
    sums.set('{}', counters());
  }
  const step = query.step ?? query.span;
  for (const e of events) {
    const t = second(e);
    if (e.project !== project || t < query.from || t >= query.to || !matches(e, query.filters)) continue;
    const dims: Record<string, unknown> = {};
    for (const name of query.groupBy) {
      dims[name] = name === 'bucket' ? floorTo(floorTo(t, query.span), step) : DIMENSION_OF[name](e);
    }
    const key = JSON.stringify(dims);
    if (!groups.has(key)) {
      groups.set(key, dims);
      sums.set(key, counters());
    }
    add(sums.get(key) as T, e);
  }
  return [...groups].map(([key, dims]) => ({ ...dims, ...(sums.get(key) as T) }));
}

function expectedRollups(
  events: readonly TelemetryEvent[],
  project: string,
  query: RollupQuery,
): Record<string, unknown>[] {
  return sorted(
    groupEvents(events, project, query, zeroCounters, (sums, e) => {
      sums.events += 1;
      sums[counterOf(e)] += 1;
    }),
  );
}

function expectedCohorts(
  events: readonly TelemetryEvent[],
  project: string,
  query: CohortQuery,
): Record<string, unknown>[] {
  const pinEvents = events.filter(
    (e) => e.type === 'tls_ok' || e.type === 'tls_error' || e.type === 'pin_failure',
  );
  return sorted(
    groupEvents(
      pinEvents,
      project,
      query,
      () => ({ attempts: 0, pinFailuresEnforce: 0, pinFailuresReport: 0 }),
      (sums, e) => {
        if (e.type !== 'pin_failure') sums.attempts += 1;
        else if (e.mode === 'report') sums.pinFailuresReport += 1;
        else sums.pinFailuresEnforce += 1;
      },
    ),
  );
}

function expectedHosts(events: readonly TelemetryEvent[], project: string) {
  const hosts = new Map<string, { destination: string; host: string; lastSeen: number }>();
  for (const e of events) {
    if (e.project !== project || e.destination === undefined || e.host === undefined) continue;
    const key = `${e.destination}\u0000${e.host}`;
    const seen = hosts.get(key);
    if (seen === undefined) hosts.set(key, { destination: e.destination, host: e.host, lastSeen: second(e) });
    else seen.lastSeen = Math.max(seen.lastSeen, second(e));
  }
  return [...hosts.values()].sort((a, b) =>
    a.destination === b.destination ? compare(a.host, b.host) : compare(a.destination, b.destination),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Rows in a canonical order (stores return them in no particular order). */
function sorted<T extends object>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => compare(JSON.stringify(a), JSON.stringify(b)));
}

/** A row with its keys in a fixed order, so `JSON.stringify` compares by value. */
function canonical(row: object): Record<string, unknown> {
  const entries = Object.entries(row).sort(([a], [b]) => compare(a, b));
  return Object.fromEntries(entries);
}

async function rollups(store: TelemetryStore, project: string, query: RollupQuery) {
  return sorted((await store.queryRollups(project, query)).map(canonical));
}

async function cohorts(store: TelemetryStore, project: string, query: CohortQuery) {
  return sorted((await store.queryCohorts(project, query)).map(canonical));
}

const expectRollups = (events: readonly TelemetryEvent[], project: string, query: RollupQuery) =>
  expectedRollups(events, project, query)
    .map(canonical)
    .sort((a, b) => compare(JSON.stringify(a), JSON.stringify(b)));
const expectCohorts = (events: readonly TelemetryEvent[], project: string, query: CohortQuery) =>
  expectedCohorts(events, project, query)
    .map(canonical)
    .sort((a, b) => compare(JSON.stringify(a), JSON.stringify(b)));

// ── a seeded stream of events ────────────────────────────────────────────────────────────────────

const TYPES = [
  'scan',
  'scan',
  'hop',
  'tls_ok',
  'tls_ok',
  'tls_error',
  'pin_failure',
  'redirect_blocked',
  'complete',
  'abandon',
] as const;

function pick<T>(random: Random, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)] as T;
}

/** `count` random events for `project` over `days` days from `startS` (unix seconds). */
function randomEvents(random: Random, project: string, startS: number, days: number, count: number) {
  return Array.from({ length: count }, () =>
    event({
      type: pick(random, TYPES),
      atMs: startS * 1000 + Math.floor(random() * days * DAY * 1000),
      project,
      destination: pick(random, ['poster', 'flyer', 'bus-stop', undefined]),
      campaign: pick(random, ['spring', 'summer', undefined]),
      appVersion: pick(random, ['1.0.0', '1.1.0']),
      platform: pick(random, ['ios', 'android', 'node']),
      pinsetSeq: pick(random, [3, 4, undefined]),
      cohort: pick(random, [0, 7, 42, 99, undefined]),
      host: pick(random, ['a.example.com', 'b.example.com', undefined]),
      mode: pick(random, ['enforce', 'report', undefined]),
    }),
  );
}

/** Splits `events` into batches of 1 to `max` events and stores them all concurrently. */
async function insertConcurrently(
  store: TelemetryStore,
  random: Random,
  events: readonly TelemetryEvent[],
  max: number,
): Promise<number> {
  const batches: TelemetryEvent[][] = [];
  for (let i = 0; i < events.length;) {
    const n = 1 + Math.floor(random() * max);
    batches.push(events.slice(i, i + n));
    i += n;
  }
  const stored = await Promise.all(batches.map((batch) => store.insertEvents(batch)));
  return stored.reduce((a, b) => a + b, 0);
}

// ── alerts, webhooks, sessions ───────────────────────────────────────────────────────────────────

function alertInput(partial: Partial<AlertInput> = {}): AlertInput {
  return {
    project: 'spring',
    destination: 'poster',
    kind: 'tls_error_rate',
    windowStart: DAY0,
    windowSeconds: 300,
    observed: { errors: 30, attempts: 100 },
    baseline: { errors: 10, attempts: 1000 },
    pValue: 1e-9,
    ...partial,
  };
}

const SECRET = 'whsec-test-secret';
/** When the tests raise their alerts, unix ms: the caller's clock, never the store's, dates them. */
const RAISED_AT_MS = Date.UTC(2026, 10, 3, 12);

export function telemetryContract(name: string, factory: StoreFactory): void {
  describe(`the ${name} telemetry store`, () => {
    let fixture: StoreFixture;
    let store: PinsetStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.open();
      await store.migrate();
      await store.createProject('spring');
      await store.createProject('autumn');
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('ingest keys', () => {
      it('finds an app by the hash of its key, and nothing for an unknown hash', async () => {
        await store.addIngestKey('spring', 'kiosk', sha('key-1'));
        await store.addIngestKey('autumn', 'scanner-app', sha('key-2'));
        assert.deepEqual(await store.findIngestKey(sha('key-1')), { project: 'spring', appId: 'kiosk' });
        assert.deepEqual(await store.findIngestKey(sha('key-2')), {
          project: 'autumn',
          appId: 'scanner-app',
        });
        assert.equal(await store.findIngestKey(sha('key-3')), undefined);
      });

      it('keeps the first owner when a key hash is added again', async () => {
        await store.addIngestKey('spring', 'kiosk', sha('key-1'));
        await store.addIngestKey('spring', 'kiosk', sha('key-1'));
        await store.addIngestKey('autumn', 'other', sha('key-1'));
        assert.deepEqual(await store.findIngestKey(sha('key-1')), { project: 'spring', appId: 'kiosk' });
      });

      it('refuses a key for a project that does not exist', async () => {
        await assert.rejects(
          store.addIngestKey('ghost', 'kiosk', sha('key-1')),
          storeError('ERR_STORE_UNKNOWN_PROJECT', /"ghost" does not exist/),
        );
        assert.equal(await store.findIngestKey(sha('key-1')), undefined);
      });

      it('lists a project’s keys by key id and app, oldest first, never with a hash', async () => {
        await store.addIngestKey('spring', 'kiosk', sha('key-1'));
        await store.addIngestKey('spring', 'poster-app', sha('key-2'));
        await store.addIngestKey('spring', 'kiosk', sha('key-3'));
        await store.addIngestKey('autumn', 'scanner-app', sha('key-4'));
        const listed = await store.listIngestKeys('spring');
        assert.deepEqual(
          listed.map((k) => [k.keyId, k.appId]).sort(),
          [
            [sha('key-1').slice(0, 12), 'kiosk'],
            [sha('key-2').slice(0, 12), 'poster-app'],
            [sha('key-3').slice(0, 12), 'kiosk'],
          ].sort(),
        );
        for (const k of listed) {
          assert.deepEqual(Object.keys(k).sort(), ['appId', 'createdAt', 'keyId']);
          assert.equal(new Date(k.createdAt).toISOString(), k.createdAt);
        }
        const byAge = [...listed].sort(
          (a, b) => compare(a.createdAt, b.createdAt) || compare(a.keyId, b.keyId),
        );
        assert.deepEqual(listed, byAge);
        assert.doesNotMatch(JSON.stringify(listed), new RegExp(sha('key-1')));
        assert.deepEqual(
          (await store.listIngestKeys('autumn')).map((k) => k.keyId),
          [sha('key-4').slice(0, 12)],
        );
        assert.deepEqual(await store.listIngestKeys('ghost'), []);
      });

      it('removes a key by its id within its project only, and the key is unknown at once', async () => {
        await store.addIngestKey('spring', 'kiosk', sha('key-1'));
        await store.addIngestKey('spring', 'kiosk', sha('key-2'));
        await store.addIngestKey('autumn', 'scanner-app', sha('key-3'));
        const id1 = sha('key-1').slice(0, 12);
        assert.equal(await store.removeIngestKey('autumn', id1), false);
        assert.equal(await store.removeIngestKey('spring', sha('key-3').slice(0, 12)), false);
        assert.equal(await store.removeIngestKey('spring', id1), true);
        assert.equal(await store.findIngestKey(sha('key-1')), undefined);
        assert.equal(await store.removeIngestKey('spring', id1), false);
        assert.deepEqual(await store.findIngestKey(sha('key-2')), { project: 'spring', appId: 'kiosk' });
        assert.deepEqual(
          (await store.listIngestKeys('spring')).map((k) => k.keyId),
          [sha('key-2').slice(0, 12)],
        );
        assert.deepEqual(await store.findIngestKey(sha('key-3')), {
          project: 'autumn',
          appId: 'scanner-app',
        });
      });

      it('refuses to remove by an id two keys of the project share, and removes neither', async () => {
        const prefix = 'abcdef012345';
        const first = `${prefix}${'0'.repeat(52)}`;
        const second = `${prefix}${'1'.repeat(52)}`;
        await store.addIngestKey('spring', 'kiosk', first);
        await store.addIngestKey('spring', 'poster-app', second);
        await assert.rejects(
          store.removeIngestKey('spring', prefix),
          storeError('ERR_STORE_CONFLICT', /more than one ingest key with id abcdef012345; none was removed/),
        );
        assert.deepEqual(await store.findIngestKey(first), { project: 'spring', appId: 'kiosk' });
        assert.deepEqual(await store.findIngestKey(second), { project: 'spring', appId: 'poster-app' });
        assert.equal((await store.listIngestKeys('spring')).length, 2);
      });
      it('holds a project to the cap it is given, concurrent adds from two handles included', async () => {
        const second = fixture.open();
        const results = await Promise.allSettled(
          Array.from({ length: 12 }, (_, i) =>
            (i % 2 === 0 ? store : second).addIngestKey('spring', `app-${i}`, sha(`capped-${i}`), 5),
          ),
        );
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
        for (const r of results) {
          if (r.status === 'rejected') {
            assert.ok(
              storeError('ERR_STORE_LIMIT', /at most 5 ingest keys; project "spring" has 5/)(r.reason),
            );
          }
        }
        assert.equal((await store.listIngestKeys('spring')).length, 5);
        // Another project has its own count; without a cap, nothing is refused.
        await store.addIngestKey('autumn', 'kiosk', sha('autumn-1'), 1);
        await store.addIngestKey('spring', 'kiosk', sha('uncapped'));
        assert.equal((await store.listIngestKeys('spring')).length, 6);
        for (const bad of [0, -1, 1.5, Number.NaN]) {
          await assert.rejects(
            store.addIngestKey('spring', 'kiosk', sha(`bad-${bad}`), bad),
            storeError('ERR_STORE_OPTIONS'),
          );
        }
      });
    });

    describe('events and rollups', () => {
      for (const [seed, startS] of [
        [1, DAY0],
        [2, DAY0 + 7 * DAY],
        // Across 1970: buckets before the epoch floor towards minus infinity, as after it.
        [3, Date.UTC(1969, 11, 30) / 1000],
      ] as const) {
        it(`counts a seeded stream (seed ${seed}) alike in every span, dimension and step`, async () => {
          const random = mulberry32(seed);
          const days = 3;
          const project = `prop-${seed}`;
          await store.createProject(project);
          const mine = randomEvents(random, project, startS, days, 500);
          const noise = randomEvents(random, 'autumn', startS, days, 60);
          // Batches mixing two projects, all in flight at once.
          const mixed = [...mine, ...noise].sort(() => random() - 0.5);
          assert.equal(await insertConcurrently(store, random, mixed, 40), mixed.length);
          assert.equal(await store.countEvents(project), mine.length);

          const from = startS;
          const to = startS + days * DAY;
          const dimensions = ['destination', 'campaign', 'appVersion', 'platform', 'pinsetSeq'] as const;
          const bySpan: Record<string, unknown>[][] = [];
          for (const span of ROLLUP_SPANS) {
            const all = await rollups(store, project, { span, from, to, groupBy: [] });
            assert.deepEqual(all, expectRollups(mine, project, { span, from, to, groupBy: [] }));
            assert.equal(all[0]?.events, mine.length);
            for (const dimension of dimensions) {
              const query: RollupQuery = { span, from, to, groupBy: [dimension] };
              const rows = await rollups(store, project, query);
              assert.deepEqual(rows, expectRollups(mine, project, query), `${dimension} by ${span}`);
              if (dimension === 'destination') bySpan.push(rows);
            }
            for (const step of [span, span * 2, span * 7]) {
              const query: RollupQuery = { span, from, to, groupBy: ['bucket', 'platform'], step };
              assert.deepEqual(
                await rollups(store, project, query),
                expectRollups(mine, project, query),
                `bucket every ${step} by ${span}`,
              );
            }
            // A sub-range, filtered, grouped by two dimensions.
            const a = floorTo(from + Math.floor(random() * (to - from)), span);
            const b = floorTo(from + Math.floor(random() * (to - from)), span);
            const sub: RollupQuery = {
              span,
              from: Math.min(a, b),
              to: Math.max(a, b) + span,
              filters: { platform: 'ios', campaign: pick(random, ['spring', null]) },
              groupBy: ['destination', 'pinsetSeq'],
            };
            assert.deepEqual(await rollups(store, project, sub), expectRollups(mine, project, sub));

            for (const groupBy of [['cohort'], ['destination', 'pinsetSeq'], ['bucket', 'cohort']] as const) {
              const query: CohortQuery = { span, from, to, groupBy, step: span * 3 };
              assert.deepEqual(
                await cohorts(store, project, query),
                expectCohorts(mine, project, query),
                `cohorts by ${groupBy.join('+')} at ${span}`,
              );
            }
          }
          // Minutes, hours and days sum to the same per destination.
          assert.deepEqual(bySpan[0], bySpan[1]);
          assert.deepEqual(bySpan[1], bySpan[2]);

          assert.deepEqual(await store.destinationHosts(project), expectedHosts(mine, project));
          assert.deepEqual(await store.destinationHosts('autumn'), expectedHosts(noise, 'autumn'));
        });
      }

      it('counts events without a destination, campaign or pinset seq under null, and filters by null', async () => {
        const at = (DAY0 + 30) * 1000;
        const events = [
          event({ atMs: at }),
          event({ atMs: at, type: 'complete' }),
          event({ atMs: at, destination: 'poster', campaign: 'spring', pinsetSeq: 4 }),
          event({ atMs: at, destination: 'poster' }),
        ];
        await store.insertEvents(events);
        const range = { span: 60, from: DAY0, to: DAY0 + 60 } as const;
        assert.deepEqual(
          await rollups(store, 'spring', { ...range, groupBy: ['destination', 'campaign', 'pinsetSeq'] }),
          [
            canonical({
              ...zeroCounters(),
              destination: null,
              campaign: null,
              pinsetSeq: null,
              events: 2,
              scans: 1,
              completes: 1,
            }),
            canonical({
              ...zeroCounters(),
              destination: 'poster',
              campaign: 'spring',
              pinsetSeq: 4,
              events: 1,
              scans: 1,
            }),
            canonical({
              ...zeroCounters(),
              destination: 'poster',
              campaign: null,
              pinsetSeq: null,
              events: 1,
              scans: 1,
            }),
          ].sort((a, b) => compare(JSON.stringify(a), JSON.stringify(b))),
        );
        const only = async (filters: RollupQuery['filters']) =>
          (await store.queryRollups('spring', { ...range, filters, groupBy: [] }))[0]?.events;
        assert.equal(await only({ destination: null }), 2);
        assert.equal(await only({ campaign: null }), 3);
        assert.equal(await only({ pinsetSeq: null }), 3);
        assert.equal(await only({ destination: 'poster', campaign: null }), 1);
        assert.equal(await only({ pinsetSeq: 4 }), 1);
        assert.equal(await only({ destination: 'flyer' }), 0);
      });

      it('counts pin failures in report mode apart from enforced ones (no mode counts as enforced)', async () => {
        const at = (DAY0 + 5) * 1000;
        await store.insertEvents([
          event({ atMs: at, type: 'pin_failure', mode: 'report', cohort: 3 }),
          event({ atMs: at, type: 'pin_failure', mode: 'report', cohort: 3 }),
          event({ atMs: at, type: 'pin_failure', mode: 'enforce', cohort: 3 }),
          event({ atMs: at, type: 'pin_failure', cohort: 3 }),
          event({ atMs: at, type: 'tls_ok', cohort: 3 }),
          event({ atMs: at, type: 'tls_error', cohort: 3 }),
          event({ atMs: at, type: 'tls_ok' }),
          event({ atMs: at, type: 'scan', cohort: 3 }),
        ]);
        const [row] = await store.queryRollups('spring', {
          span: 3600,
          from: DAY0,
          to: DAY0 + 3600,
          groupBy: [],
        });
        assert.equal(row?.pinFailuresReport, 2);
        assert.equal(row?.pinFailuresEnforce, 2);
        assert.equal(row?.events, 8);
        assert.deepEqual(
          sorted(
            await store.queryCohorts('spring', { span: 60, from: DAY0, to: DAY0 + 60, groupBy: ['cohort'] }),
          ),
          [
            { cohort: 3, attempts: 2, pinFailuresEnforce: 2, pinFailuresReport: 2 },
            { cohort: null, attempts: 1, pinFailuresEnforce: 0, pinFailuresReport: 0 },
          ].sort((a, b) => compare(JSON.stringify(a), JSON.stringify(b))),
        );
      });

      it('keeps the newest time each destination was seen at each host', async () => {
        await store.insertEvents([
          event({ atMs: (DAY0 + 100) * 1000, destination: 'poster', host: 'a.example.com' }),
          event({ atMs: (DAY0 + 50) * 1000, destination: 'poster', host: 'a.example.com' }),
          event({ atMs: (DAY0 + 10) * 1000, host: 'lonely.example.com' }),
        ]);
        // An older event in a later batch leaves lastSeen alone; a newer one moves it.
        await store.insertEvents([
          event({ atMs: (DAY0 + 70) * 1000, destination: 'poster', host: 'a.example.com' }),
        ]);
        await store.insertEvents([
          event({ atMs: (DAY0 + 900) * 1000 + 999, destination: 'flyer', host: 'a.example.com' }),
        ]);
        assert.deepEqual(await store.destinationHosts('spring'), [
          { destination: 'flyer', host: 'a.example.com', lastSeen: DAY0 + 900 },
          { destination: 'poster', host: 'a.example.com', lastSeen: DAY0 + 100 },
        ]);
        assert.deepEqual(await store.destinationHosts('autumn'), []);
      });

      it('refuses a batch naming an unknown project whole, while concurrent good batches commit', async () => {
        const at = (DAY0 + 1) * 1000;
        const good = (n: number) =>
          Array.from({ length: n }, () => event({ atMs: at, destination: 'poster' }));
        const bad = [...good(3), event({ atMs: at, project: 'ghost' }), ...good(2)];
        const results = await Promise.allSettled([
          store.insertEvents(good(4)),
          store.insertEvents(bad),
          store.insertEvents(good(5)),
          store.insertEvents([event({ atMs: at, project: 'ghost-too' })]),
          store.insertEvents(good(1)),
        ]);
        assert.deepEqual(
          results.map((r) => r.status),
          ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'],
        );
        assert.deepEqual(
          results.map((r) => (r.status === 'fulfilled' ? r.value : undefined)),
          [4, undefined, 5, undefined, 1],
        );
        const [, refused, , refusedToo] = results as PromiseRejectedResult[];
        storeError('ERR_STORE_UNKNOWN_PROJECT', /"ghost" does not exist/)(refused?.reason);
        storeError('ERR_STORE_UNKNOWN_PROJECT', /"ghost-too" does not exist/)(refusedToo?.reason);
        assert.equal(await store.countEvents('spring'), 10);
        const [row] = await store.queryRollups('spring', {
          span: 60,
          from: DAY0,
          to: DAY0 + 60,
          groupBy: [],
        });
        assert.equal(row?.events, 10);
        assert.deepEqual(await store.activeProjects(DAY0, DAY0 + DAY), ['spring']);
      });

      it('counts every event of many concurrent batches exactly once, from two handles', async () => {
        const random = mulberry32(99);
        const second = fixture.open();
        const all = randomEvents(random, 'spring', DAY0, 1, 1200);
        const half = all.length / 2;
        const [a, b] = await Promise.all([
          insertConcurrently(store, random, all.slice(0, half), 12),
          insertConcurrently(second, random, all.slice(half), 12),
        ]);
        assert.equal(a + b, all.length);
        assert.equal(await store.countEvents('spring'), all.length);
        for (const reader of [store, second]) {
          for (const span of ROLLUP_SPANS) {
            const query: RollupQuery = { span, from: DAY0, to: DAY0 + DAY, groupBy: ['destination'] };
            assert.deepEqual(await rollups(reader, 'spring', query), expectRollups(all, 'spring', query));
          }
        }
      });

      it('stores nothing for an empty batch', async () => {
        assert.equal(await store.insertEvents([]), 0);
        assert.equal(await store.countEvents('spring'), 0);
      });

      it('answers a range without data with one row of zeros, and grouped queries with no rows', async () => {
        assert.deepEqual(
          await store.queryRollups('spring', { span: 60, from: DAY0, to: DAY0 + 60, groupBy: [] }),
          [zeroCounters()],
        );
        assert.deepEqual(
          await store.queryRollups('spring', { span: 60, from: DAY0, to: DAY0 + 60, groupBy: ['bucket'] }),
          [],
        );
        assert.deepEqual(
          await store.queryCohorts('spring', { span: 60, from: DAY0, to: DAY0 + 60, groupBy: [] }),
          [{ attempts: 0, pinFailuresEnforce: 0, pinFailuresReport: 0 }],
        );
      });

      const badQueries: ReadonlyArray<readonly [string, unknown, RegExp]> = [
        [
          'a span that is not kept',
          { span: 300, from: DAY0, to: DAY0 + 600, groupBy: [] },
          /span 300 must be one of 60, 3600, 86400/,
        ],
        ['a span given as text', { span: '60', from: DAY0, to: DAY0 + 60, groupBy: [] }, /span/],
        [
          'from not a multiple of the span',
          { span: 3600, from: DAY0 + 60, to: DAY0 + 7200, groupBy: [] },
          /from \d+ must be a multiple of the span 3600/,
        ],
        [
          'to not a multiple of the span',
          { span: 60, from: DAY0, to: DAY0 + 61, groupBy: [] },
          /to \d+ must be a multiple of the span 60/,
        ],
        ['to before from', { span: 60, from: DAY0 + 60, to: DAY0, groupBy: [] }, /to \d+ must be after from/],
        ['to equal to from', { span: 60, from: DAY0, to: DAY0, groupBy: [] }, /must be after from/],
        ['a fractional from', { span: 60, from: 0.5, to: 60, groupBy: [] }, /from 0.5 must be an integer/],
        [
          'an unknown filter',
          { span: 60, from: DAY0, to: DAY0 + 60, filters: { country: 'fr' }, groupBy: [] },
          /filters.country is not a filter/,
        ],
        [
          'a null platform filter',
          { span: 60, from: DAY0, to: DAY0 + 60, filters: { platform: null }, groupBy: [] },
          /filters.platform must be a non-empty string/,
        ],
        [
          'a negative pinset seq filter',
          { span: 60, from: DAY0, to: DAY0 + 60, filters: { pinsetSeq: -1 }, groupBy: [] },
          /filters.pinsetSeq/,
        ],
        [
          'an empty destination filter',
          { span: 60, from: DAY0, to: DAY0 + 60, filters: { destination: '' }, groupBy: [] },
          /filters.destination/,
        ],
        [
          'filters that are not an object',
          { span: 60, from: DAY0, to: DAY0 + 60, filters: 'x', groupBy: [] },
          /filters/,
        ],
        [
          'an unknown groupBy',
          { span: 60, from: DAY0, to: DAY0 + 60, groupBy: ['country'] },
          /groupBy holds "country"/,
        ],
        [
          'a groupBy naming a dimension twice',
          { span: 60, from: DAY0, to: DAY0 + 60, groupBy: ['platform', 'platform'] },
          /names platform twice/,
        ],
        [
          'a groupBy that is not a list',
          { span: 60, from: DAY0, to: DAY0 + 60, groupBy: 'bucket' },
          /groupBy must be a list/,
        ],
        [
          'a step that is not a multiple of the span',
          { span: 3600, from: DAY0, to: DAY0 + DAY, groupBy: ['bucket'], step: 5400 },
          /step 5400 must be a positive multiple of the span 3600/,
        ],
        ['a zero step', { span: 60, from: DAY0, to: DAY0 + 60, groupBy: ['bucket'], step: 0 }, /step 0/],
        ['no query at all', null, /must be an object/],
      ];
      for (const [what, query, message] of badQueries) {
        it(`refuses a rollup query with ${what} (ERR_STORE_OPTIONS)`, async () => {
          await assert.rejects(
            store.queryRollups('spring', query as RollupQuery),
            storeError('ERR_STORE_OPTIONS', message),
          );
        });
      }

      const badCohortQueries: ReadonlyArray<readonly [string, unknown, RegExp]> = [
        [
          'a campaign filter (not a cohort dimension)',
          { span: 60, from: DAY0, to: DAY0 + 60, filters: { campaign: 'x' }, groupBy: [] },
          /filters.campaign is not a filter: use destination, pinsetSeq/,
        ],
        [
          'a cohort filter (group by it instead)',
          { span: 60, from: DAY0, to: DAY0 + 60, filters: { cohort: 3 }, groupBy: [] },
          /filters.cohort is not a filter/,
        ],
        [
          'a platform groupBy',
          { span: 60, from: DAY0, to: DAY0 + 60, groupBy: ['platform'] },
          /groupBy holds "platform"/,
        ],
        [
          'a step off the span',
          { span: 60, from: DAY0, to: DAY0 + 600, groupBy: ['bucket'], step: 90 },
          /step 90/,
        ],
      ];
      for (const [what, query, message] of badCohortQueries) {
        it(`refuses a cohort query with ${what} (ERR_STORE_OPTIONS)`, async () => {
          await assert.rejects(
            store.queryCohorts('spring', query as CohortQuery),
            storeError('ERR_STORE_OPTIONS', message),
          );
        });
      }

      it('lists the projects with rollups in a range', async () => {
        await store.createProject('winter');
        await store.insertEvents([
          event({ atMs: (DAY0 + 10) * 1000 }),
          event({ atMs: (DAY0 + 2 * DAY) * 1000, project: 'autumn' }),
        ]);
        assert.deepEqual(await store.activeProjects(DAY0, DAY0 + 60), ['spring']);
        assert.deepEqual(await store.activeProjects(DAY0, DAY0 + 3 * DAY), ['autumn', 'spring']);
        assert.deepEqual(await store.activeProjects(DAY0 + 2 * DAY, DAY0 + 2 * DAY + 60), ['autumn']);
        assert.deepEqual(await store.activeProjects(DAY0 + 60, DAY0 + 2 * DAY - DAY), []);
      });
    });

    describe('alerts and their webhook outbox', () => {
      const CLAIM_AT = RAISED_AT_MS + 3_600_000;

      it('stores an alert once per project, destination, kind and window, exactly one of concurrent inserts winning', async () => {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (i % 2 === 0 ? store : fixture.open()).insertAlert(alertInput(), RAISED_AT_MS),
          ),
        );
        const won = results.filter((r) => r !== undefined);
        assert.equal(won.length, 1);
        const [alert] = won;
        assert.deepEqual(
          { ...alert, id: 0 },
          { ...alertInput(), id: 0, createdAt: new Date(RAISED_AT_MS).toISOString() },
        );
        // Another kind, destination, window or project is another alert.
        for (const other of [
          alertInput({ kind: 'pin_failure_rate' }),
          alertInput({ destination: 'flyer' }),
          alertInput({ windowStart: DAY0 + 300 }),
          alertInput({ project: 'autumn' }),
        ]) {
          assert.notEqual(await store.insertAlert(other, RAISED_AT_MS), undefined);
        }
        assert.equal(await store.insertAlert(alertInput({ pValue: 0.5 }), RAISED_AT_MS), undefined);
        assert.equal((await store.listAlerts('spring', { limit: 100 })).length, 4);
      });

      it('queues one pending delivery per webhook of the project, due at once', async () => {
        const hookA = await store.addWebhook('spring', 'https://hooks.example.com/a', SECRET);
        const hookB = await store.addWebhook('spring', 'https://hooks.example.com/b', SECRET);
        await store.addWebhook('autumn', 'https://hooks.example.com/a', SECRET);
        const alert = await store.insertAlert(alertInput(), RAISED_AT_MS);
        assert.ok(alert !== undefined);
        const due = RAISED_AT_MS;
        assert.deepEqual(await store.deliveries(alert.id), [
          { webhookId: hookA.id, state: 'pending', attempts: 0, lastError: null, nextAttemptAt: due },
          { webhookId: hookB.id, state: 'pending', attempts: 0, lastError: null, nextAttemptAt: due },
        ]);
        // A losing duplicate queues nothing more.
        assert.equal(await store.insertAlert(alertInput(), RAISED_AT_MS), undefined);
        assert.equal((await store.deliveries(alert.id)).length, 2);
        // Without webhooks, an alert queues nothing.
        const quiet = await store.insertAlert(
          alertInput({ project: 'autumn', destination: 'x' }),
          RAISED_AT_MS,
        );
        assert.equal((await store.deliveries(quiet!.id)).length, 1);
        await store.removeWebhook('autumn', (await store.listWebhooks('autumn'))[0]!.id);
        const silent = await store.insertAlert(
          alertInput({ project: 'autumn', destination: 'y' }),
          RAISED_AT_MS,
        );
        assert.deepEqual(await store.deliveries(silent!.id), []);
      });

      it('lists alerts newest window first, with a limit, by destination and since a time', async () => {
        const inserted = [];
        for (const [destination, offset] of [
          ['poster', 0],
          ['flyer', 600],
          ['poster', 1200],
          ['poster', 300],
          ['flyer', 1200],
        ] as const) {
          inserted.push(
            await store.insertAlert(alertInput({ destination, windowStart: DAY0 + offset }), RAISED_AT_MS),
          );
        }
        await store.insertAlert(alertInput({ project: 'autumn', windowStart: DAY0 + 5000 }), RAISED_AT_MS);
        const windows = (list: { destination: string; windowStart: number }[]) =>
          list.map((a) => `${a.destination}@${a.windowStart - DAY0}`);
        const all = await store.listAlerts('spring', { limit: 100 });
        // Same window: the later insert (higher id) first.
        assert.deepEqual(windows(all), ['flyer@1200', 'poster@1200', 'flyer@600', 'poster@300', 'poster@0']);
        assert.deepEqual(windows(await store.listAlerts('spring', { limit: 2 })), [
          'flyer@1200',
          'poster@1200',
        ]);
        assert.deepEqual(windows(await store.listAlerts('spring', { limit: 10, destination: 'poster' })), [
          'poster@1200',
          'poster@300',
          'poster@0',
        ]);
        assert.deepEqual(windows(await store.listAlerts('spring', { limit: 10, since: DAY0 + 600 })), [
          'flyer@1200',
          'poster@1200',
          'flyer@600',
        ]);
        assert.deepEqual(
          windows(await store.listAlerts('spring', { limit: 1, destination: 'poster', since: DAY0 + 1 })),
          ['poster@1200'],
        );
        assert.deepEqual(await store.listAlerts('winter', { limit: 10 }), []);
        assert.deepEqual(
          all.find((a) => a.destination === 'flyer' && a.windowStart === DAY0 + 600),
          inserted[1],
        );
      });

      it('adds, lists and removes webhooks, refusing a URL twice in a project', async () => {
        const a = await store.addWebhook('spring', 'https://hooks.example.com/a', SECRET);
        const b = await store.addWebhook('spring', 'http://10.0.0.1:8080/b', 'other');
        assert.equal(a.project, 'spring');
        assert.equal(a.url, 'https://hooks.example.com/a');
        assert.ok(!Number.isNaN(Date.parse(a.createdAt)));
        assert.ok(b.id > a.id);
        await assert.rejects(
          store.addWebhook('spring', 'https://hooks.example.com/a', 'another'),
          storeError('ERR_STORE_CONFLICT', /"spring" has a webhook with this URL already/),
        );
        // The same URL in another project is another webhook.
        await store.addWebhook('autumn', 'https://hooks.example.com/a', SECRET);
        assert.deepEqual(await store.listWebhooks('spring'), [a, b]);
        assert.equal('secret' in ((await store.listWebhooks('spring'))[0] as object), false);
        assert.equal(await store.removeWebhook('autumn', a.id), false, 'not the project of the webhook');
        assert.equal(await store.removeWebhook('spring', a.id), true);
        assert.equal(await store.removeWebhook('spring', a.id), false);
        assert.deepEqual(await store.listWebhooks('spring'), [b]);
        // Removed, its URL may be added again.
        await store.addWebhook('spring', 'https://hooks.example.com/a', SECRET);
        await assert.rejects(
          store.addWebhook('ghost', 'https://hooks.example.com/a', SECRET),
          storeError('ERR_STORE_UNKNOWN_PROJECT'),
        );
      });

      it('holds a project to the cap on webhooks it is given, concurrent adds included', async () => {
        const second = fixture.open();
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            (i % 2 === 0 ? store : second).addWebhook('spring', `https://hooks.example.com/${i}`, SECRET, 3),
          ),
        );
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
        for (const r of results) {
          if (r.status === 'rejected') {
            assert.ok(storeError('ERR_STORE_LIMIT', /at most 3 webhooks/)(r.reason));
          }
        }
        assert.equal((await store.listWebhooks('spring')).length, 3);
        await store.addWebhook('autumn', 'https://hooks.example.com/0', SECRET, 1);
      });

      it('drops the pending deliveries of a removed webhook', async () => {
        const a = await store.addWebhook('spring', 'https://hooks.example.com/a', SECRET);
        const b = await store.addWebhook('spring', 'https://hooks.example.com/b', SECRET);
        const alert = await store.insertAlert(alertInput(), RAISED_AT_MS);
        await store.removeWebhook('spring', a.id);
        assert.deepEqual(
          (await store.deliveries(alert!.id)).map((d) => d.webhookId),
          [b.id],
        );
        const claimed = await store.claimDeliveries(CLAIM_AT, 10, 60_000);
        assert.deepEqual(
          claimed.map((d) => d.webhookId),
          [b.id],
        );
      });

      it('claims due deliveries up to the limit with the webhook, secret and alert, leased until the lease ends', async () => {
        const hook = await store.addWebhook('spring', 'https://hooks.example.com/a', SECRET);
        const alerts = [];
        for (let i = 0; i < 5; i++)
          alerts.push(await store.insertAlert(alertInput({ windowStart: DAY0 + i * 300 }), RAISED_AT_MS));
        const lease = 60_000;
        const first = await store.claimDeliveries(CLAIM_AT, 3, lease);
        assert.equal(first.length, 3);
        for (const d of first) {
          assert.equal(d.webhookId, hook.id);
          assert.equal(d.url, hook.url);
          assert.equal(d.secret, SECRET);
          assert.equal(d.attempts, 0);
          assert.deepEqual(
            d.alert,
            alerts.find((a) => a?.id === d.alert.id),
          );
        }
        const rest = await store.claimDeliveries(CLAIM_AT, 10, lease);
        assert.equal(rest.length, 2);
        assert.equal(new Set([...first, ...rest].map((d) => d.id)).size, 5);
        // Leased: not claimed again before the lease ends, claimed again when it has.
        assert.deepEqual(await store.claimDeliveries(CLAIM_AT + lease - 1, 10, lease), []);
        const again = await store.claimDeliveries(CLAIM_AT + lease, 10, lease);
        assert.deepEqual(
          again.map((d) => d.id).sort((x, y) => x - y),
          [...first, ...rest].map((d) => d.id).sort((x, y) => x - y),
        );
        // Each claim carries a claim of its own.
        for (const d of again) {
          const before = [...first, ...rest].find((e) => e.id === d.id);
          assert.notEqual(d.claim, before?.claim);
        }
      });

      it('claims nothing before a delivery is due', async () => {
        await store.addWebhook('spring', 'https://hooks.example.com/a', SECRET);
        await store.insertAlert(alertInput(), RAISED_AT_MS);
        assert.deepEqual(await store.claimDeliveries(RAISED_AT_MS - 1, 10, 1000), []);
        assert.equal((await store.claimDeliveries(RAISED_AT_MS, 10, 1000)).length, 1);
      });

      it('dates an alert and its first delivery by the clock of the caller, however far from the real one', async () => {
        await store.addWebhook('spring', 'https://hooks.example.com/a', SECRET);
        const past = Date.UTC(2001, 0, 1);
        const future = Date.UTC(2301, 0, 1);
        const early = await store.insertAlert(alertInput(), past);
        const late = await store.insertAlert(alertInput({ windowStart: DAY0 + 300 }), future);
        assert.equal(early?.createdAt, new Date(past).toISOString());
        assert.equal(late?.createdAt, new Date(future).toISOString());
        assert.deepEqual(await store.claimDeliveries(past - 1, 10, 1000), []);
        const [first, ...none] = await store.claimDeliveries(past, 10, 1000);
        assert.deepEqual([first?.alert.id, none], [early?.id, []]);
        assert.equal(await store.settleDelivery(first!.id, first!.claim, { ok: true }, past + 1), true);
        assert.deepEqual(await store.claimDeliveries(future - 1, 10, 1000), []);
        assert.deepEqual(
          (await store.claimDeliveries(future, 10, 1000)).map((d) => d.alert.id),
          [late?.id],
        );
      });

      it('gives two concurrent claims disjoint deliveries', async () => {
        await store.addWebhook('spring', 'https://hooks.example.com/a', SECRET);
        await store.addWebhook('spring', 'https://hooks.example.com/b', SECRET);
        for (let i = 0; i < 10; i++)
          await store.insertAlert(alertInput({ windowStart: DAY0 + i * 300 }), RAISED_AT_MS);
        const other = fixture.open();
        const claims = await Promise.all([
          store.claimDeliveries(CLAIM_AT, 6, 60_000),
          other.claimDeliveries(CLAIM_AT, 6, 60_000),
          store.claimDeliveries(CLAIM_AT, 6, 60_000),
          other.claimDeliveries(CLAIM_AT, 6, 60_000),
        ]);
        const ids = claims.flat().map((d) => d.id);
        assert.equal(new Set(ids).size, ids.length, 'no delivery claimed twice');
        const left = await store.claimDeliveries(CLAIM_AT, 100, 60_000);
        assert.equal(ids.length + left.length, 20);
      });

      it('settles a delivery as delivered, to retry at a time, or failed for good', async () => {
        const hook = await store.addWebhook('spring', 'https://hooks.example.com/a', SECRET);
        const ok = await store.insertAlert(alertInput({ windowStart: DAY0 }), RAISED_AT_MS);
        const retry = await store.insertAlert(alertInput({ windowStart: DAY0 + 300 }), RAISED_AT_MS);
        const fail = await store.insertAlert(alertInput({ windowStart: DAY0 + 600 }), RAISED_AT_MS);
        const claimed = await store.claimDeliveries(CLAIM_AT, 10, 60_000);
        const of = (alertId: number) => claimed.find((d) => d.alert.id === alertId)!;
        const retryAt = CLAIM_AT + 5000;
        assert.equal(
          await store.settleDelivery(of(ok!.id).id, of(ok!.id).claim, { ok: true }, CLAIM_AT + 10),
          true,
        );
        assert.equal(
          await store.settleDelivery(
            of(retry!.id).id,
            of(retry!.id).claim,
            { ok: false, retryAt, error: 'HTTP 503' },
            CLAIM_AT + 10,
          ),
          true,
        );
        assert.equal(
          await store.settleDelivery(
            of(fail!.id).id,
            of(fail!.id).claim,
            { ok: false, retryAt: undefined, error: 'HTTP 410' },
            CLAIM_AT + 10,
          ),
          true,
        );
        assert.deepEqual(await store.deliveries(ok!.id), [
          {
            webhookId: hook.id,
            state: 'delivered',
            attempts: 1,
            lastError: null,
            nextAttemptAt: CLAIM_AT + 60_000,
          },
        ]);
        assert.deepEqual(await store.deliveries(retry!.id), [
          {
            webhookId: hook.id,
            state: 'pending',
            attempts: 1,
            lastError: 'HTTP 503',
            nextAttemptAt: retryAt,
          },
        ]);
        assert.deepEqual(await store.deliveries(fail!.id), [
          {
            webhookId: hook.id,
            state: 'failed',
            attempts: 1,
            lastError: 'HTTP 410',
            nextAttemptAt: CLAIM_AT + 60_000,
          },
        ]);
        // Only the retry comes back, at its time, its attempt counted.
        assert.deepEqual(await store.claimDeliveries(retryAt - 1, 10, 1000), []);
        const back = await store.claimDeliveries(CLAIM_AT + 10 * 60_000, 10, 1000);
        assert.deepEqual(
          back.map((d) => [d.alert.id, d.attempts]),
          [[retry!.id, 1]],
        );
        // A long error is cut to 200 characters.
        await store.settleDelivery(
          back[0]!.id,
          back[0]!.claim,
          { ok: false, retryAt: undefined, error: 'x'.repeat(500) },
          CLAIM_AT,
        );
        assert.equal((await store.deliveries(retry!.id))[0]?.lastError, 'x'.repeat(200));
      });

      it('settles a delivery only with its current claim: a late attempt changes nothing', async () => {
        await store.addWebhook('spring', 'https://hooks.example.com/a', SECRET);
        const alert = await store.insertAlert(alertInput(), RAISED_AT_MS);
        const lease = 30_000;
        const [stale] = await store.claimDeliveries(CLAIM_AT, 1, lease);
        // The lease runs out; another replica claims the delivery again.
        const [fresh] = await store.claimDeliveries(CLAIM_AT + lease, 1, lease);
        assert.equal(fresh?.id, stale?.id);
        assert.notEqual(fresh?.claim, stale?.claim);
        // The first attempt's late answer is not recorded.
        assert.equal(
          await store.settleDelivery(stale!.id, stale!.claim, { ok: true }, CLAIM_AT + lease + 1),
          false,
        );
        assert.equal(
          await store.settleDelivery(
            stale!.id,
            stale!.claim,
            { ok: false, retryAt: undefined, error: 'late' },
            CLAIM_AT + lease + 1,
          ),
          false,
        );
        const [pending] = await store.deliveries(alert!.id);
        assert.deepEqual([pending?.state, pending?.attempts, pending?.lastError], ['pending', 0, null]);
        // The current claim settles it, once.
        assert.equal(
          await store.settleDelivery(fresh!.id, fresh!.claim, { ok: true }, CLAIM_AT + lease + 2),
          true,
        );
        assert.equal(
          await store.settleDelivery(fresh!.id, fresh!.claim, { ok: true }, CLAIM_AT + lease + 3),
          false,
        );
        assert.equal(
          await store.settleDelivery(
            fresh!.id,
            fresh!.claim,
            { ok: false, retryAt: CLAIM_AT, error: 'again' },
            CLAIM_AT + lease + 3,
          ),
          false,
        );
        const [done] = await store.deliveries(alert!.id);
        assert.deepEqual([done?.state, done?.attempts, done?.lastError], ['delivered', 1, null]);
        // A settled retry's claim is spent too: the next claim gets a new one.
        assert.equal(
          await store.settleDelivery(fresh!.id + 1000, fresh!.claim, { ok: true }, CLAIM_AT),
          false,
        );
      });
    });

    describe('sessions', () => {
      const NOW_MS = Date.UTC(2026, 11, 1, 12);

      it('finds a session until it expires, and not after it is deleted', async () => {
        const session = { project: 'spring', expiresAt: NOW_MS + 60_000, csrfToken: 'csrf-1' };
        await store.createSession(sha('cookie-1'), session);
        assert.deepEqual(await store.findSession(sha('cookie-1'), NOW_MS), session);
        assert.deepEqual(await store.findSession(sha('cookie-1'), NOW_MS + 59_999), session);
        assert.equal(await store.findSession(sha('cookie-1'), NOW_MS + 60_000), undefined);
        assert.equal(await store.findSession(sha('cookie-2'), NOW_MS), undefined);
        await store.deleteSession(sha('cookie-1'));
        assert.equal(await store.findSession(sha('cookie-1'), NOW_MS), undefined);
        await store.deleteSession(sha('cookie-1'));
      });

      it('refuses a session hash twice and a session of an unknown project', async () => {
        const session = { project: 'spring', expiresAt: NOW_MS + 60_000, csrfToken: 'csrf-1' };
        await store.createSession(sha('cookie-1'), session);
        await assert.rejects(
          store.createSession(sha('cookie-1'), { ...session, csrfToken: 'csrf-2' }),
          storeError('ERR_STORE_CONFLICT', /session exists already/),
        );
        assert.equal((await store.findSession(sha('cookie-1'), NOW_MS))?.csrfToken, 'csrf-1');
        await assert.rejects(
          store.createSession(sha('cookie-2'), { ...session, project: 'ghost' }),
          storeError('ERR_STORE_UNKNOWN_PROJECT'),
        );
        assert.equal(await store.findSession(sha('cookie-2'), NOW_MS), undefined);
      });
    });

    describe('purge', () => {
      const NOW_S = DAY0 + 40 * DAY;

      it('deletes what is past each cut-off, at most the batch limit of each kind per call', async () => {
        // Events: 23 old, 4 recent; rollups at every span come with them.
        const old = Array.from({ length: 23 }, (_, i) =>
          event({
            atMs: (DAY0 + i * 3700) * 1000,
            destination: `d${i % 5}`,
            host: 'a.example.com',
            cohort: i % 3,
            type: 'tls_ok',
          }),
        );
        const recent = Array.from({ length: 4 }, (_, i) =>
          event({ atMs: (NOW_S - 100 + i) * 1000, destination: 'fresh', host: 'b.example.com' }),
        );
        await store.insertEvents([...old, ...recent]);
        await store.addWebhook('spring', 'https://hooks.example.com/a', SECRET);
        const oldAlert = await store.insertAlert(alertInput({ windowStart: DAY0 }), RAISED_AT_MS);
        const oldAlert2 = await store.insertAlert(alertInput({ windowStart: DAY0 + 300 }), RAISED_AT_MS);
        const newAlert = await store.insertAlert(alertInput({ windowStart: NOW_S - 600 }), RAISED_AT_MS);
        const nowMs = NOW_S * 1000;
        await store.createSession(sha('expired'), {
          project: 'spring',
          expiresAt: nowMs - 1,
          csrfToken: 'a',
        });
        await store.createSession(sha('expires-now'), {
          project: 'spring',
          expiresAt: nowMs,
          csrfToken: 'b',
        });
        await store.createSession(sha('live'), { project: 'spring', expiresAt: nowMs + 1, csrfToken: 'c' });

        const cutoffs = {
          events: NOW_S - 30 * DAY,
          // Not on a bucket edge: a bucket goes only once all of it is older.
          minuteRollups: NOW_S - 14 * DAY + 30,
          hourRollups: NOW_S - 14 * DAY + 30,
          dayRollups: NOW_S - 14 * DAY + 30,
          alerts: NOW_S - 30 * DAY,
          nowMs,
        };
        const limit = 4;
        const totals = { events: 0, rollups: 0, alerts: 0, sessions: 0 };
        let calls = 0;
        for (;;) {
          const result = await store.purge(cutoffs, limit);
          calls += 1;
          for (const kind of ['events', 'rollups', 'alerts', 'sessions'] as const) {
            assert.ok(result[kind] <= limit, `${kind}: ${result[kind]} > ${limit}`);
            totals[kind] += result[kind];
          }
          if (Object.values(result).every((n) => n === 0)) break;
          assert.ok(calls < 200, 'purge keeps finding rows');
        }
        assert.ok(calls > 6, 'the limit spread the work over several calls');
        assert.equal(totals.events, 23);
        assert.equal(totals.alerts, 2);
        assert.equal(totals.sessions, 2);
        assert.equal(await store.countEvents('spring'), 4);

        // Rollups: the old ones are gone at every span, the recent ones stay.
        for (const span of ROLLUP_SPANS) {
          const from = floorTo(DAY0 - DAY, span);
          const to = floorTo(NOW_S + DAY, span);
          const rows = await store.queryRollups('spring', { span, from, to, groupBy: ['destination'] });
          assert.deepEqual(
            rows.map((r) => [r.destination, r.events]),
            [['fresh', 4]],
            `span ${span}`,
          );
          assert.deepEqual(await store.queryCohorts('spring', { span, from, to, groupBy: ['bucket'] }), []);
        }
        assert.deepEqual(await store.destinationHosts('spring'), [
          { destination: 'fresh', host: 'b.example.com', lastSeen: NOW_S - 100 + 3 },
        ]);
        // The old alerts went with their deliveries.
        assert.deepEqual(
          (await store.listAlerts('spring', { limit: 10 })).map((a) => a.id),
          [newAlert!.id],
        );
        assert.deepEqual(await store.deliveries(oldAlert!.id), []);
        assert.deepEqual(await store.deliveries(oldAlert2!.id), []);
        assert.equal((await store.deliveries(newAlert!.id)).length, 1);
        assert.equal((await store.claimDeliveries(Date.now() + 3_600_000, 10, 1000)).length, 1);
        assert.equal((await store.findSession(sha('live'), nowMs))?.csrfToken, 'c');
        // Rollups after the purge still count new events once.
        await store.insertEvents([event({ atMs: (NOW_S - 50) * 1000, destination: 'fresh' })]);
        const [day] = await store.queryRollups('spring', {
          span: 86_400,
          from: floorTo(NOW_S - DAY, DAY),
          to: floorTo(NOW_S, DAY) + DAY,
          groupBy: [],
        });
        assert.equal(day?.events, 5);
      });

      it('keeps each rollup span to its own cut-off', async () => {
        const events = Array.from({ length: 6 }, (_, i) => event({ atMs: (DAY0 + i * 3600) * 1000 + 1 }));
        await store.insertEvents(events);
        const nowMs = (DAY0 + 100 * DAY) * 1000;
        // Minutes before the 3rd hour, hours before the 5th hour and days before DAY0 (none).
        await store.purge(
          {
            events: DAY0,
            minuteRollups: DAY0 + 2 * 3600 + 60,
            hourRollups: DAY0 + 4 * 3600 + 1,
            dayRollups: DAY0 + DAY - 1,
            alerts: 0,
            nowMs,
          },
          1000,
        );
        const count = async (span: RollupSpan) =>
          (await store.queryRollups('spring', { span, from: DAY0, to: DAY0 + DAY, groupBy: [] }))[0]?.events;
        assert.equal(await count(60), 3);
        assert.equal(await count(3600), 2);
        assert.equal(await count(86_400), 6);
        assert.equal(await store.countEvents('spring'), 6);
      });

      it('deletes the events of the cut-off day before the cut-off time only', async () => {
        const cutoff = DAY0 + 5 * DAY + 12 * 3600; // noon
        const at = (seconds: number): TelemetryEvent => event({ atMs: seconds * 1000, destination: 'd' });
        await store.insertEvents([
          at(cutoff - DAY),
          at(cutoff - 12 * 3600),
          at(cutoff - 1),
          at(cutoff),
          at(cutoff + 1),
        ]);
        const result = await store.purge(
          {
            events: cutoff,
            minuteRollups: 0,
            hourRollups: 0,
            dayRollups: 0,
            alerts: 0,
            nowMs: cutoff * 1000,
          },
          1000,
        );
        assert.equal(result.events, 3);
        assert.equal(await store.countEvents('spring'), 2);
      });
    });

    describe('malformed input', () => {
      const NOW_MS = Date.UTC(2026, 11, 1, 12);
      const HASH = sha('cookie');
      const base = event({ atMs: (DAY0 + 1) * 1000 });
      const hostileEvents: ReadonlyArray<readonly [string, unknown, string, RegExp]> = [
        ['not a list', null, 'ERR_STORE_OPTIONS', /events must be a list/],
        [
          'an event that is not an object',
          [base, 'scan'],
          'ERR_STORE_OPTIONS',
          /events\[1\] must be an event object/,
        ],
        ['an unknown type', [{ ...base, type: 'drop' }], 'ERR_STORE_OPTIONS', /events\[0\]\.type/],
        ['an unreadable time', [{ ...base, time: 'yesterday' }], 'ERR_STORE_OPTIONS', /events\[0\]\.time/],
        [
          'a time with an offset',
          [{ ...base, time: '2026-11-02T00:00:00+02:00' }],
          'ERR_STORE_OPTIONS',
          /events\[0\]\.time/,
        ],
        [
          'an invalid project id',
          [base, { ...base, project: 'Spring; DROP TABLE events' }],
          'ERR_STORE_OPTIONS',
          /project id/,
        ],
        [
          'an empty destination',
          [{ ...base, destination: '' }],
          'ERR_STORE_OPTIONS',
          /events\[0\]\.destination/,
        ],
        [
          'a NUL in a campaign',
          [{ ...base, campaign: 'a\u0000b' }],
          'ERR_STORE_OPTIONS',
          /events\[0\]\.campaign/,
        ],
        [
          'a control character in a host',
          [{ ...base, host: 'a\nb' }],
          'ERR_STORE_OPTIONS',
          /events\[0\]\.host/,
        ],
        [
          'a numeric app version',
          [{ ...base, appVersion: 5 }],
          'ERR_STORE_OPTIONS',
          /events\[0\]\.appVersion/,
        ],
        [
          'a missing platform',
          [{ ...base, platform: undefined }],
          'ERR_STORE_OPTIONS',
          /events\[0\]\.platform/,
        ],
        [
          'a negative pinset seq',
          [{ ...base, pinsetSeq: -1 }],
          'ERR_STORE_OPTIONS',
          /events\[0\]\.pinsetSeq/,
        ],
        [
          'a fractional pinset seq',
          [{ ...base, pinsetSeq: 1.5 }],
          'ERR_STORE_OPTIONS',
          /events\[0\]\.pinsetSeq/,
        ],
        ['a cohort over 99', [{ ...base, cohort: 100 }], 'ERR_STORE_OPTIONS', /events\[0\]\.cohort/],
        ['an unknown mode', [{ ...base, mode: 'block' }], 'ERR_STORE_OPTIONS', /events\[0\]\.mode/],
        [
          'an unknown project after good events',
          [base, base, { ...base, project: 'ghost' }],
          'ERR_STORE_UNKNOWN_PROJECT',
          /"ghost"/,
        ],
      ];
      const alert = alertInput({ windowStart: DAY0 + 900 });
      const hostileAlerts: ReadonlyArray<readonly [string, unknown, string, RegExp]> = [
        ['an invalid project id', { ...alert, project: 'No Such' }, 'ERR_STORE_OPTIONS', /project id/],
        ['an unknown project', { ...alert, project: 'ghost' }, 'ERR_STORE_UNKNOWN_PROJECT', /"ghost"/],
        ['an empty destination', { ...alert, destination: '' }, 'ERR_STORE_OPTIONS', /destination/],
        [
          'a NUL in the destination',
          { ...alert, destination: 'a\u0000b' },
          'ERR_STORE_OPTIONS',
          /destination/,
        ],
        ['an unknown kind', { ...alert, kind: 'cpu' }, 'ERR_STORE_OPTIONS', /kind "cpu"/],
        ['a fractional window start', { ...alert, windowStart: 1.5 }, 'ERR_STORE_OPTIONS', /windowStart/],
        ['a zero window', { ...alert, windowSeconds: 0 }, 'ERR_STORE_OPTIONS', /windowSeconds/],
        ['a window of years', { ...alert, windowSeconds: 2 ** 40 }, 'ERR_STORE_OPTIONS', /windowSeconds/],
        [
          'negative errors',
          { ...alert, observed: { errors: -1, attempts: 10 } },
          'ERR_STORE_OPTIONS',
          /observed\.errors/,
        ],
        ['no baseline', { ...alert, baseline: null }, 'ERR_STORE_OPTIONS', /baseline/],
        ['a NaN p-value', { ...alert, pValue: Number.NaN }, 'ERR_STORE_OPTIONS', /pValue/],
        ['a p-value over 1', { ...alert, pValue: 1.5 }, 'ERR_STORE_OPTIONS', /pValue/],
      ];

      async function snapshot(alertId: number) {
        return {
          events: await store.countEvents('spring'),
          rollups: await store.queryRollups('spring', {
            span: 86_400,
            from: DAY0 - DAY,
            to: DAY0 + 2 * DAY,
            groupBy: ['destination'],
          }),
          cohorts: await store.queryCohorts('spring', {
            span: 60,
            from: DAY0,
            to: DAY0 + 3600,
            groupBy: ['cohort'],
          }),
          hosts: await store.destinationHosts('spring'),
          alerts: await store.listAlerts('spring', { limit: 100 }),
          otherAlerts: await store.listAlerts('ghost', { limit: 100 }),
          webhooks: await store.listWebhooks('spring'),
          deliveries: await store.deliveries(alertId),
          session: await store.findSession(HASH, NOW_MS),
          key: await store.findIngestKey(sha('key')),
          ingestKeys: await store.listIngestKeys('spring'),
        };
      }

      it('refuses each hostile call with a coded StoreError and changes nothing', async () => {
        await store.insertEvents([
          event({
            atMs: (DAY0 + 1) * 1000,
            destination: 'poster',
            host: 'a.example.com',
            cohort: 1,
            type: 'tls_ok',
          }),
        ]);
        const hook = await store.addWebhook('spring', 'https://hooks.example.com/a', SECRET);
        const stored = await store.insertAlert(alertInput(), RAISED_AT_MS);
        await store.createSession(HASH, { project: 'spring', expiresAt: NOW_MS + 60_000, csrfToken: 'csrf' });
        await store.addIngestKey('spring', 'kiosk', sha('key'));
        const [delivery] = await store.claimDeliveries(RAISED_AT_MS + 3_600_000, 1, 1000);
        const before = await snapshot(stored!.id);

        const calls: [string, () => Promise<unknown>, string, RegExp][] = [
          ...hostileEvents.map(
            ([what, events, code, message]) =>
              [
                `insertEvents with ${what}`,
                () => store.insertEvents(events as TelemetryEvent[]),
                code,
                message,
              ] as [string, () => Promise<unknown>, string, RegExp],
          ),
          ...hostileAlerts.map(
            ([what, input, code, message]) =>
              [
                `insertAlert with ${what}`,
                () => store.insertAlert(input as AlertInput, RAISED_AT_MS),
                code,
                message,
              ] as [string, () => Promise<unknown>, string, RegExp],
          ),
          ...(
            [
              ['a fractional time', 1.5],
              ['a time before 1970', -1],
              ['a time past year 9999', Date.UTC(10_000, 0, 1)],
              ['no time', undefined],
            ] as const
          ).map(
            ([what, nowMs]) =>
              [
                `insertAlert at ${what}`,
                () => store.insertAlert(alert, nowMs as number),
                'ERR_STORE_OPTIONS',
                /alert nowMs .* must be an integer unix time in ms from 1970 through year 9999/,
              ] as [string, () => Promise<unknown>, string, RegExp],
          ),
          [
            'addIngestKey with an upper-case project',
            () => store.addIngestKey('Spring', 'kiosk', sha('k2')),
            'ERR_STORE_OPTIONS',
            /project id/,
          ],
          [
            'addIngestKey with a short hash',
            () => store.addIngestKey('spring', 'kiosk', 'abc'),
            'ERR_STORE_OPTIONS',
            /ingest key hash/,
          ],
          [
            'addIngestKey with an upper-case hash',
            () => store.addIngestKey('spring', 'kiosk', sha('k2').toUpperCase()),
            'ERR_STORE_OPTIONS',
            /ingest key hash/,
          ],
          [
            'addIngestKey with a spaced app id',
            () => store.addIngestKey('spring', 'my app', sha('k2')),
            'ERR_STORE_OPTIONS',
            /app id/,
          ],
          [
            'addIngestKey for an unknown project',
            () => store.addIngestKey('ghost', 'kiosk', sha('k2')),
            'ERR_STORE_UNKNOWN_PROJECT',
            /"ghost"/,
          ],
          [
            'listIngestKeys with an upper-case project',
            () => store.listIngestKeys('Spring'),
            'ERR_STORE_OPTIONS',
            /project id/,
          ],
          [
            'removeIngestKey with a whole hash',
            () => store.removeIngestKey('spring', sha('key')),
            'ERR_STORE_OPTIONS',
            /ingest key id .* is not 12 lower-case hex digits/,
          ],
          [
            'removeIngestKey with an upper-case id',
            () => store.removeIngestKey('spring', sha('key').slice(0, 12).toUpperCase()),
            'ERR_STORE_OPTIONS',
            /ingest key id/,
          ],
          [
            'removeIngestKey with a LIKE pattern',
            () => store.removeIngestKey('spring', '%'),
            'ERR_STORE_OPTIONS',
            /ingest key id/,
          ],
          [
            'removeIngestKey with an invalid project id',
            () => store.removeIngestKey('a b', sha('key').slice(0, 12)),
            'ERR_STORE_OPTIONS',
            /project id/,
          ],
          [
            'listAlerts with a zero limit',
            () => store.listAlerts('spring', { limit: 0 }),
            'ERR_STORE_OPTIONS',
            /alerts limit/,
          ],
          [
            'listAlerts with a fractional limit',
            () => store.listAlerts('spring', { limit: 1.5 }),
            'ERR_STORE_OPTIONS',
            /alerts limit/,
          ],
          [
            'listAlerts with a text since',
            () => store.listAlerts('spring', { limit: 5, since: 'today' as unknown as number }),
            'ERR_STORE_OPTIONS',
            /alerts since/,
          ],
          [
            'addWebhook with an ftp URL',
            () => store.addWebhook('spring', 'ftp://hooks.example.com/', SECRET),
            'ERR_STORE_OPTIONS',
            /http or https/,
          ],
          [
            'addWebhook with a relative URL',
            () => store.addWebhook('spring', '/hook', SECRET),
            'ERR_STORE_OPTIONS',
            /http or https/,
          ],
          [
            'addWebhook with a huge URL',
            () => store.addWebhook('spring', `https://x.example.com/${'a'.repeat(3000)}`, SECRET),
            'ERR_STORE_OPTIONS',
            /2048/,
          ],
          [
            'addWebhook with an empty secret',
            () => store.addWebhook('spring', 'https://hooks.example.com/b', ''),
            'ERR_STORE_OPTIONS',
            /secret/,
          ],
          [
            'addWebhook with a NUL in the secret',
            () => store.addWebhook('spring', 'https://hooks.example.com/b', 'a\u0000b'),
            'ERR_STORE_OPTIONS',
            /secret/,
          ],
          [
            'addWebhook for an invalid project id',
            () => store.addWebhook('a b', 'https://hooks.example.com/b', SECRET),
            'ERR_STORE_OPTIONS',
            /project id/,
          ],
          [
            'addWebhook for an unknown project',
            () => store.addWebhook('ghost', 'https://hooks.example.com/b', SECRET),
            'ERR_STORE_UNKNOWN_PROJECT',
            /"ghost"/,
          ],
          [
            'removeWebhook with id 0',
            () => store.removeWebhook('spring', 0),
            'ERR_STORE_OPTIONS',
            /webhook id/,
          ],
          [
            'removeWebhook with a fractional id',
            () => store.removeWebhook('spring', hook.id + 0.5),
            'ERR_STORE_OPTIONS',
            /webhook id/,
          ],
          [
            'claimDeliveries at NaN',
            () => store.claimDeliveries(Number.NaN, 1, 1000),
            'ERR_STORE_OPTIONS',
            /claim nowMs/,
          ],
          [
            'claimDeliveries with a zero limit',
            () => store.claimDeliveries(NOW_MS, 0, 1000),
            'ERR_STORE_OPTIONS',
            /claim limit/,
          ],
          [
            'claimDeliveries with a negative lease',
            () => store.claimDeliveries(NOW_MS, 1, -5),
            'ERR_STORE_OPTIONS',
            /claim leaseMs/,
          ],
          [
            'settleDelivery with id 0',
            () => store.settleDelivery(0, delivery!.claim, { ok: true }, NOW_MS),
            'ERR_STORE_OPTIONS',
            /delivery id/,
          ],
          [
            'settleDelivery with a text claim',
            () => store.settleDelivery(delivery!.id, 'x' as unknown as number, { ok: true }, NOW_MS),
            'ERR_STORE_OPTIONS',
            /delivery claim/,
          ],
          [
            'settleDelivery with a negative claim',
            () => store.settleDelivery(delivery!.id, -1, { ok: true }, NOW_MS),
            'ERR_STORE_OPTIONS',
            /delivery claim/,
          ],
          [
            'settleDelivery with no outcome',
            () => store.settleDelivery(delivery!.id, delivery!.claim, null as never, NOW_MS),
            'ERR_STORE_OPTIONS',
            /delivery outcome/,
          ],
          [
            'settleDelivery with ok as text',
            () => store.settleDelivery(delivery!.id, delivery!.claim, { ok: 'yes' } as never, NOW_MS),
            'ERR_STORE_OPTIONS',
            /delivery outcome/,
          ],
          [
            'settleDelivery with a fractional retryAt',
            () =>
              store.settleDelivery(
                delivery!.id,
                delivery!.claim,
                { ok: false, retryAt: 1.5, error: 'x' },
                NOW_MS,
              ),
            'ERR_STORE_OPTIONS',
            /retryAt/,
          ],
          [
            'settleDelivery with a numeric error',
            () =>
              store.settleDelivery(
                delivery!.id,
                delivery!.claim,
                { ok: false, retryAt: undefined, error: 5 } as never,
                NOW_MS,
              ),
            'ERR_STORE_OPTIONS',
            /delivery error/,
          ],
          [
            'settleDelivery at NaN',
            () => store.settleDelivery(delivery!.id, delivery!.claim, { ok: true }, Number.NaN),
            'ERR_STORE_OPTIONS',
            /settle nowMs/,
          ],
          [
            'deliveries of a text id',
            () => store.deliveries('x' as unknown as number),
            'ERR_STORE_OPTIONS',
            /alert id/,
          ],
          [
            'createSession with a bad hash',
            () => store.createSession('nope', { project: 'spring', expiresAt: NOW_MS + 1, csrfToken: 'c' }),
            'ERR_STORE_OPTIONS',
            /session hash/,
          ],
          [
            'createSession with a fractional expiry',
            () => store.createSession(sha('s2'), { project: 'spring', expiresAt: 1.5, csrfToken: 'c' }),
            'ERR_STORE_OPTIONS',
            /expiresAt/,
          ],
          [
            'createSession with an empty CSRF token',
            () => store.createSession(sha('s2'), { project: 'spring', expiresAt: NOW_MS + 1, csrfToken: '' }),
            'ERR_STORE_OPTIONS',
            /csrfToken/,
          ],
          [
            'createSession with a NUL in the CSRF token',
            () =>
              store.createSession(sha('s2'), {
                project: 'spring',
                expiresAt: NOW_MS + 1,
                csrfToken: 'a\u0000',
              }),
            'ERR_STORE_OPTIONS',
            /csrfToken/,
          ],
          [
            'createSession for an unknown project',
            () => store.createSession(sha('s2'), { project: 'ghost', expiresAt: NOW_MS + 1, csrfToken: 'c' }),
            'ERR_STORE_UNKNOWN_PROJECT',
            /"ghost"/,
          ],
          [
            'findSession at NaN',
            () => store.findSession(HASH, Number.NaN),
            'ERR_STORE_OPTIONS',
            /session nowMs/,
          ],
          [
            'activeProjects from NaN',
            () => store.activeProjects(Number.NaN, 60),
            'ERR_STORE_OPTIONS',
            /activeProjects from/,
          ],
          [
            'purge with a NaN cut-off',
            () =>
              store.purge(
                { events: Number.NaN, minuteRollups: 0, hourRollups: 0, dayRollups: 0, alerts: 0, nowMs: 0 },
                10,
              ),
            'ERR_STORE_OPTIONS',
            /retention events/,
          ],
          [
            'purge with a zero batch limit',
            () =>
              store.purge(
                {
                  events: DAY0 + DAY,
                  minuteRollups: DAY0 + DAY,
                  hourRollups: DAY0 + DAY,
                  dayRollups: DAY0 + DAY,
                  alerts: DAY0 + DAY,
                  nowMs: NOW_MS * 2,
                },
                0,
              ),
            'ERR_STORE_OPTIONS',
            /batchLimit/,
          ],
          [
            'queryRollups for an invalid project id',
            () => store.queryRollups('Spring', { span: 60, from: DAY0, to: DAY0 + 60, groupBy: [] }),
            'ERR_STORE_OPTIONS',
            /project id/,
          ],
        ];
        for (const [what, call, code, message] of calls) {
          await assert.rejects(call(), storeError(code, message), what);
        }
        assert.deepEqual(await snapshot(stored!.id), before);
        assert.equal(await store.settleDelivery(delivery!.id, delivery!.claim, { ok: true }, NOW_MS), true);
      });
    });
  });
}
