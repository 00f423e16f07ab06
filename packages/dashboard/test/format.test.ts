import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { yScale } from '../public/chart.js';
import { fromInput } from '../public/filters.js';
import { formatRate, formatRelative, formatTick, formatTime } from '../public/format.js';

describe('the dashboard’s formatting', () => {
  it('prints rates as percentages, small ones with two decimals, and no denominator as a dash', () => {
    const table: Array<[number | null, string]> = [
      [null, '—'],
      [0, '0 %'],
      [0.0004, '0.04 %'],
      [0.0123, '1.2 %'],
      [0.875, '87.5 %'],
      [1, '100.0 %'],
      [Number.NaN, '—'],
    ];
    for (const [rate, text] of table) assert.equal(formatRate(rate), text, String(rate));
  });

  it('prints times in UTC, and how far they are from now', () => {
    assert.equal(formatTime('2026-12-01T10:14:59Z'), '2026-12-01 10:14 UTC');
    assert.equal(formatTime('not a time'), '—');
    assert.equal(formatTick('2026-12-01T10:14:00Z', 'datetime'), '12-01 10:14');
    const now = Date.parse('2026-12-01T10:00:00Z');
    assert.equal(formatRelative('2027-01-15T11:00:00Z', now), 'in 45 days');
    assert.equal(formatRelative('2026-12-01T09:40:00Z', now), '20 minutes ago');
    assert.equal(formatRelative('2026-12-01T10:00:20Z', now), 'in less than a minute');
    assert.equal(formatRelative('2026-12-01T09:00:00Z', now), '1 hour ago');
  });

  it('reads custom range inputs as UTC and refuses what is not a time', () => {
    assert.equal(fromInput('2026-12-01T10:00'), '2026-12-01T10:00:00.000Z');
    assert.equal(fromInput('2026-12-01T10:00:30'), '2026-12-01T10:00:30.000Z');
    for (const bad of ['', '2026-12-01', '2026-12-01T25:00', 'x2026-12-01T10:00']) {
      assert.equal(fromInput(bad), undefined, bad);
    }
  });

  it('puts at most five round steps on a chart’s y axis', () => {
    const table: Array<[number, { top: number; step: number }]> = [
      [0, { top: 1, step: 1 }],
      [1, { top: 1, step: 1 }],
      [5, { top: 5, step: 1 }],
      [7, { top: 8, step: 2 }],
      [23, { top: 25, step: 5 }],
      [1234, { top: 1500, step: 500 }],
    ];
    for (const [max, scale] of table) assert.deepEqual(yScale(max), scale, String(max));
  });
});
