import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TelemetryEvent } from '@qrpin/core';
import { QrpinError } from '@qrpin/core';
import { cutoffsAt, retentionPolicy, DEFAULT_RETENTION } from '../../src/retention/policy.ts';
import { startPurgeJob } from '../../src/retention/purge-job.ts';
import { FACTORIES } from '../helpers/stores.ts';

const DAY_MS = 86_400_000;
const NOW_MS = Date.UTC(2026, 11, 1, 12, 0, 0);

function scan(daysAgo: number, n: number): TelemetryEvent {
  return {
    type: 'scan',
    time: new Date(NOW_MS - daysAgo * DAY_MS).toISOString(),
    project: 'spring',
    appId: 'kiosk',
    appVersion: '1.0.0',
    platform: 'ios',
    sessionId: `s-${daysAgo}-${n}`,
    destination: 'poster',
  };
}

describe('retentionPolicy', () => {
  it('fills in the defaults', () => {
    assert.deepEqual(retentionPolicy(), DEFAULT_RETENTION);
    assert.equal(retentionPolicy({ eventsDays: 7 }).eventsDays, 7);
  });

  const refusals: ReadonlyArray<readonly [string, Record<string, number>, RegExp]> = [
    ['zero days', { eventsDays: 0 }, /eventsDays must be a whole number of days/],
    ['a fraction', { alertsDays: 1.5 }, /alertsDays/],
    ['minutes kept longer than hours', { minuteRollupsDays: 500 }, /minute ≤ hour ≤ day/],
    ['NaN', { dayRollupsDays: Number.NaN }, /dayRollupsDays/],
  ];
  for (const [what, partial, message] of refusals) {
    it(`refuses ${what} with ERR_RETENTION_OPTIONS`, () => {
      assert.throws(
        () => retentionPolicy(partial),
        (err: unknown) =>
          err instanceof QrpinError && err.code === 'ERR_RETENTION_OPTIONS' && message.test(err.message),
      );
    });
  }

  it('turns days into cut-offs before now', () => {
    const cutoffs = cutoffsAt(DEFAULT_RETENTION, NOW_MS);
    assert.equal(cutoffs.events, NOW_MS / 1000 - 30 * 86_400);
    assert.equal(cutoffs.minuteRollups, NOW_MS / 1000 - 14 * 86_400);
    assert.equal(cutoffs.nowMs, NOW_MS);
  });
});

for (const [name, factory] of FACTORIES) {
  describe(`the purge job on ${name}`, () => {
    it('deletes raw events and minute rollups past retention in batches, keeping coarser rollups', async () => {
      const fixture = await factory();
      const store = fixture.open();
      try {
        await store.migrate();
        await store.createProject('spring');
        const old = Array.from({ length: 35 }, (_, i) => scan(40, i));
        const recent = Array.from({ length: 5 }, (_, i) => scan(1, i));
        await store.insertEvents([...old, ...recent]);
        const runs: unknown[] = [];
        const job = startPurgeJob({
          store,
          policy: retentionPolicy(),
          batchLimit: 10,
          intervalMs: 3_600_000,
          nowMs: () => NOW_MS,
          onRun: (result) => runs.push(result),
        });
        const result = await job.runOnce();
        await job.stop();
        assert.equal(result.events, 35);
        assert.equal(await store.countEvents('spring'), 5);
        const from = (NOW_MS - 41 * DAY_MS) / 1000;
        const minute = await store.queryRollups('spring', {
          span: 60,
          from: Math.floor(from / 60) * 60,
          to: NOW_MS / 1000,
          groupBy: [],
        });
        assert.equal(
          minute.reduce((n, r) => n + r.scans, 0),
          5,
          'minute rollups of 40 days ago are gone',
        );
        const day = await store.queryRollups('spring', {
          span: 86_400,
          from: Math.floor(from / 86_400) * 86_400,
          to: Math.ceil(NOW_MS / DAY_MS) * 86_400,
          groupBy: [],
        });
        assert.equal(
          day.reduce((n, r) => n + r.scans, 0),
          40,
          'day rollups keep every scan',
        );
        assert.ok(runs.every((r) => !(r instanceof Error)));
      } finally {
        await fixture.cleanup();
      }
    });
  });
}
