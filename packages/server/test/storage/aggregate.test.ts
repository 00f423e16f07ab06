// The rollup aggregator both stores count with: held to a plain reference (every event counted
// into every span by a key string, the way one would write it without caring for speed), across
// batches and merges, including dimensions that share their 32-bit hash.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TELEMETRY_EVENT_TYPES, type TelemetryEvent } from '@qrpin/core';
import {
  NO_NUMBER,
  NO_TEXT,
  RollupAggregator,
  rollupHash,
  rollupSlice,
  type Aggregate,
} from '../../src/storage/telemetry/aggregate.ts';
import { ROLLUP_COUNTERS, ROLLUP_SPANS } from '../../src/storage/telemetry-store.ts';

type Counter = (typeof ROLLUP_COUNTERS)[number];

const COUNTER: Record<TelemetryEvent['type'], Counter> = {
  scan: 'scans',
  hop: 'hops',
  tls_ok: 'tlsOk',
  tls_error: 'tlsErrors',
  pin_failure: 'pinFailuresEnforce',
  redirect_blocked: 'redirectsBlocked',
  complete: 'completes',
  abandon: 'abandons',
};

const floorTo = (second: number, span: number): number => second - (((second % span) + span) % span);

/** The aggregate of `events`, computed the plain way. */
function reference(events: readonly TelemetryEvent[], seconds: readonly number[]): Aggregate {
  const rollups = new Map<string, Aggregate['rollups'][number]>();
  const cohorts = new Map<string, Aggregate['cohorts'][number]>();
  const hosts = new Map<string, Aggregate['hosts'][number]>();
  events.forEach((e, i) => {
    const second = seconds[i] as number;
    const destination = e.destination ?? NO_TEXT;
    const campaign = e.campaign ?? NO_TEXT;
    const pinsetSeq = e.pinsetSeq ?? NO_NUMBER;
    const counter = e.type === 'pin_failure' && e.mode === 'report' ? 'pinFailuresReport' : COUNTER[e.type];
    for (const span of ROLLUP_SPANS) {
      const bucket = floorTo(second, span);
      const key = JSON.stringify([
        span,
        bucket,
        e.project,
        destination,
        campaign,
        e.appVersion,
        e.platform,
        pinsetSeq,
      ]);
      let row = rollups.get(key);
      if (row === undefined) {
        row = {
          project: e.project,
          span,
          bucket,
          destination,
          campaign,
          appVersion: e.appVersion,
          platform: e.platform,
          pinsetSeq,
          counts: ROLLUP_COUNTERS.map(() => 0),
          slice: rollupSlice(destination, campaign, e.appVersion, e.platform, pinsetSeq),
        };
        rollups.set(key, row);
      }
      (row.counts[0] as number)++;
      (row.counts[ROLLUP_COUNTERS.indexOf(counter)] as number)++;
      if (e.type === 'tls_ok' || e.type === 'tls_error' || e.type === 'pin_failure') {
        const cohort = e.cohort ?? NO_NUMBER;
        const cohortKey = JSON.stringify([span, bucket, e.project, destination, pinsetSeq, cohort]);
        let c = cohorts.get(cohortKey);
        if (c === undefined) {
          c = {
            project: e.project,
            span,
            bucket,
            destination,
            pinsetSeq,
            cohort,
            attempts: 0,
            pinFailuresEnforce: 0,
            pinFailuresReport: 0,
          };
          cohorts.set(cohortKey, c);
        }
        if (e.type !== 'pin_failure') c.attempts++;
        else if (counter === 'pinFailuresReport') c.pinFailuresReport++;
        else c.pinFailuresEnforce++;
      }
    }
    if (e.destination !== undefined && e.host !== undefined) {
      const hostKey = JSON.stringify([e.project, e.destination, e.host]);
      const seen = hosts.get(hostKey);
      if (seen === undefined) {
        hosts.set(hostKey, {
          project: e.project,
          destination: e.destination,
          host: e.host,
          lastSeen: second,
        });
      } else {
        seen.lastSeen = Math.max(seen.lastSeen, second);
      }
    }
  });
  return { rollups: [...rollups.values()], cohorts: [...cohorts.values()], hosts: [...hosts.values()] };
}

/** An aggregate as sorted lists of JSON texts: equal whatever order the rows came in. */
function normal(aggregate: Aggregate): Record<keyof Aggregate, string[]> {
  const texts = (rows: readonly unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();
  return {
    rollups: texts(aggregate.rollups),
    cohorts: texts(aggregate.cohorts),
    hosts: texts(aggregate.hosts),
  };
}

interface Timed {
  readonly event: TelemetryEvent;
  readonly second: number;
}

const timed: fc.Arbitrary<Timed> = fc
  .record({
    type: fc.constantFrom(...TELEMETRY_EVENT_TYPES),
    project: fc.constantFrom('promo', 'other'),
    appVersion: fc.constantFrom('1.0.0', '2.0.0'),
    platform: fc.constantFrom('ios', 'android'),
    destination: fc.option(fc.constantFrom('checkout', 'menu', 'check', 'outmenu'), { nil: undefined }),
    campaign: fc.option(fc.constantFrom('spring', 'summer'), { nil: undefined }),
    pinsetSeq: fc.option(fc.constantFrom(0, 1, 7, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER), { nil: undefined }),
    cohort: fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }),
    host: fc.option(fc.constantFrom('a.example', 'b.example'), { nil: undefined }),
    mode: fc.option(fc.constantFrom('enforce', 'report') as fc.Arbitrary<'enforce' | 'report'>, {
      nil: undefined,
    }),
    second: fc.constantFrom(0, 59, 60, 3599, 3600, 86_400 * 3 + 5, -61, 2 ** 32 + 5, 1_800_000_000),
  })
  .map(({ second, ...fields }) => {
    const event = { time: '', appId: 'kiosk', sessionId: 's', ...fields } as TelemetryEvent;
    return { event, second };
  });

const addAll = (aggregator: RollupAggregator, batch: readonly Timed[]): void =>
  aggregator.add(
    batch.map((t) => t.event),
    Float64Array.from(batch.map((t) => t.second)),
  );

describe('the rollup aggregator', () => {
  it('counts what the plain reference counts, in every span, across batches and merges', () => {
    fc.assert(
      fc.property(fc.array(fc.array(timed, { maxLength: 40 }), { maxLength: 6 }), (batches) => {
        const [first, second] = [new RollupAggregator(), new RollupAggregator()];
        batches.forEach((batch, k) => addAll(k % 2 === 0 ? first : second, batch));
        first.merge(second);
        const all = batches.flat();
        const expected = reference(
          all.map((t) => t.event),
          all.map((t) => t.second),
        );
        assert.deepEqual(normal(first.result()), normal(expected));
        const minuteRows =
          expected.rollups.filter((r) => r.span === 60).length +
          expected.cohorts.filter((c) => c.span === 60).length;
        assert.equal(first.rows, minuteRows);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps apart two destinations whose rows share a hash', () => {
    // Look for two destination names with the same 32-bit hash (the birthday bound: a few
    // hundred thousand names), and count an event for each.
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined && i < 2_000_000; i++) {
      const destination = `d${i}`;
      const hash = rollupHash(60, 'promo', destination, 'spring', '1.0.0', 'ios', 7);
      const other = seen.get(hash);
      if (other === undefined) seen.set(hash, destination);
      else pair = [other, destination];
    }
    assert.ok(pair !== undefined, 'two destinations share a hash');
    const events = pair.map((destination): Timed => ({
      event: {
        type: 'scan',
        time: '',
        project: 'promo',
        appId: 'kiosk',
        appVersion: '1.0.0',
        platform: 'ios',
        sessionId: 's',
        destination,
        campaign: 'spring',
        pinsetSeq: 7,
      },
      second: 60,
    }));
    const aggregator = new RollupAggregator();
    addAll(aggregator, [...events, ...events, events[0] as Timed]);
    const minutes = aggregator.result({ spans: [60] }).rollups;
    assert.deepEqual(
      minutes.map((r) => [r.destination, r.counts[0]]),
      [
        [pair[0], 3],
        [pair[1], 2],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });
});
