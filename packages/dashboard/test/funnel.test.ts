import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { funnelStages } from '../public/funnel.js';
import type { FunnelRow } from '../public/types.js';

/** A campaign's row as the metrics API answers it, its rates computed as the API computes them. */
function row(counts: {
  scans: number;
  completes: number;
  tlsOk: number;
  tlsErrors: number;
  pinFailures?: number;
}): FunnelRow {
  const rate = (part: number, whole: number) =>
    whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
  const completionRate = rate(Math.min(counts.completes, counts.scans), counts.scans);
  const attempts = counts.tlsOk + counts.tlsErrors;
  return {
    campaign: 'spring-2026',
    scans: counts.scans,
    tlsOk: counts.tlsOk,
    hops: 0,
    completes: counts.completes,
    abandons: 0,
    redirectsBlocked: 0,
    dropOff: Math.max(0, counts.scans - counts.completes),
    completionRate,
    dropOffRate: completionRate === null ? null : Math.round((1 - completionRate) * 10_000) / 10_000,
    attempts,
    tlsErrors: counts.tlsErrors,
    pinFailures: counts.pinFailures ?? 0,
    tlsErrorRate: rate(counts.tlsErrors, attempts),
  };
}

const shares = (stages: readonly { label: string; value: number; share: number | null }[]) =>
  stages.map((s) => [s.label, s.value, s.share]);

describe('the funnel of a campaign', () => {
  it('puts journeys over scans and TLS connections over attempts, not over scans', () => {
    // 37 journeys, most through a redirect: 70 handshakes for 37 scans (189 % of scans).
    const { journeys, connections } = funnelStages(
      row({ scans: 37, completes: 33, tlsOk: 70, tlsErrors: 2, pinFailures: 1 }),
    );
    assert.deepEqual(shares(journeys), [
      ['Scanned', 37, 1],
      ['Completed', 33, 0.8919],
      ['Dropped off', 4, 0.1081],
    ]);
    assert.deepEqual(shares(connections), [
      ['TLS attempts', 72, 1],
      ['TLS ok', 70, 0.9722],
      ['TLS errors', 2, 0.0278],
      ['Pin failures', 1, null],
    ]);
  });

  it('never shows a share over 100 %, whatever the counts', () => {
    const table = [
      { scans: 1, completes: 1, tlsOk: 5, tlsErrors: 0 },
      { scans: 2, completes: 5, tlsOk: 0, tlsErrors: 9 },
      { scans: 10, completes: 0, tlsOk: 40, tlsErrors: 40, pinFailures: 200 },
      { scans: 0, completes: 3, tlsOk: 3, tlsErrors: 0 },
    ];
    for (const counts of table) {
      const { journeys, connections } = funnelStages(row(counts));
      for (const stage of [...journeys, ...connections]) {
        assert.ok(
          stage.share === null || (stage.share >= 0 && stage.share <= 1),
          `${stage.label} of ${JSON.stringify(counts)}`,
        );
      }
    }
  });

  it('gives no share without a base: no scans, no TLS attempts', () => {
    const { journeys, connections } = funnelStages(row({ scans: 0, completes: 0, tlsOk: 0, tlsErrors: 0 }));
    assert.deepEqual(
      [...journeys, ...connections].map((s) => s.share),
      [null, null, null, null, null, null, null],
    );
  });
});
