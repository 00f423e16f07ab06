import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultStep, planSegments, requestRange } from '../../src/metrics/range.ts';
import { HttpError } from '../../src/http/http-error.ts';

const t = (iso: string): number => Date.parse(iso) / 1000;

describe('planSegments', () => {
  it('sums whole days from days, whole hours from hours and the edges from minutes', () => {
    const plan = planSegments(t('2026-12-01T22:30:00Z'), t('2026-12-03T01:15:00Z'));
    assert.equal(plan.exact, true);
    assert.deepEqual(
      plan.segments.map((s) => [
        s.span,
        new Date(s.from * 1000).toISOString(),
        new Date(s.to * 1000).toISOString(),
      ]),
      [
        [60, '2026-12-01T22:30:00.000Z', '2026-12-01T23:00:00.000Z'],
        [3600, '2026-12-01T23:00:00.000Z', '2026-12-02T00:00:00.000Z'],
        [86400, '2026-12-02T00:00:00.000Z', '2026-12-03T00:00:00.000Z'],
        [3600, '2026-12-03T00:00:00.000Z', '2026-12-03T01:00:00.000Z'],
        [60, '2026-12-03T01:00:00.000Z', '2026-12-03T01:15:00.000Z'],
      ],
    );
  });

  it('uses minutes only for a range inside one hour', () => {
    const plan = planSegments(t('2026-12-01T10:05:00Z'), t('2026-12-01T10:50:00Z'));
    assert.deepEqual(plan.segments, [
      { span: 60, from: t('2026-12-01T10:05:00Z'), to: t('2026-12-01T10:50:00Z') },
    ]);
  });

  it('widens an edge to its hour once minute rollups are purged, and says it is not exact', () => {
    const plan = planSegments(t('2026-11-01T10:05:00Z'), t('2026-11-01T12:30:00Z'), {
      minute: t('2026-11-20T00:00:00Z'),
      hour: t('2025-01-01T00:00:00Z'),
    });
    assert.equal(plan.exact, false);
    assert.deepEqual(plan.segments, [
      { span: 3600, from: t('2026-11-01T10:00:00Z'), to: t('2026-11-01T13:00:00Z') },
    ]);
  });

  it('covers any range exactly once with aligned segments', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 * 86_400 }),
        fc.integer({ min: 1, max: 40 * 86_400 }),
        (offset, length) => {
          const from = 1_790_000_000 + offset;
          const to = from + length;
          const plan = planSegments(from, to);
          let cursor = Math.floor(from / 60) * 60;
          for (const segment of plan.segments) {
            assert.equal(segment.from, cursor, 'contiguous');
            assert.ok(segment.to > segment.from, 'not empty');
            assert.equal(segment.from % segment.span, 0, 'aligned start');
            assert.equal(segment.to % segment.span, 0, 'aligned end');
            cursor = segment.to;
          }
          assert.equal(cursor, Math.ceil(to / 60) * 60);
          assert.ok(plan.segments.length <= 5);
        },
      ),
    );
  });
});

describe('requestRange', () => {
  it('defaults to the last 24 hours up to the next whole minute', () => {
    const now = t('2026-12-01T10:00:30Z');
    assert.deepEqual(requestRange({}, now), {
      from: t('2026-11-30T10:01:00Z'),
      to: t('2026-12-01T10:01:00Z'),
    });
  });

  it('reads ISO 8601 and unix seconds', () => {
    assert.deepEqual(
      requestRange({ from: '2026-12-01T00:00:00Z', to: String(t('2026-12-01T06:00:00Z')) }, 0),
      {
        from: t('2026-12-01T00:00:00Z'),
        to: t('2026-12-01T06:00:00Z'),
      },
    );
  });

  const refusals: ReadonlyArray<readonly [string, { from?: string; to?: string }, RegExp]> = [
    ['a date without time', { from: '2026-12-01' }, /from must be an ISO 8601 UTC time/],
    ['a local time', { to: '2026-12-01T10:00:00+02:00' }, /to must be an ISO 8601/],
    ['a negative number', { from: '-5' }, /from must be/],
    [
      'a reversed range',
      { from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' },
      /to must be after from/,
    ],
    ['a range over 400 days', { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, /400 days/],
    ['markup', { from: '<script>' }, /from must be/],
  ];
  for (const [what, query, message] of refusals) {
    it(`refuses ${what} with 400`, () => {
      assert.throws(
        () => requestRange(query, t('2026-12-01T00:00:00Z')),
        (err: unknown) => err instanceof HttpError && err.statusCode === 400 && message.test(err.message),
      );
    });
  }
});

describe('defaultStep', () => {
  it('picks minutes up to 6 hours, hours up to 14 days, then days', () => {
    assert.equal(defaultStep(0, 6 * 3600), 'minute');
    assert.equal(defaultStep(0, 6 * 3600 + 60), 'hour');
    assert.equal(defaultStep(0, 14 * 86_400), 'hour');
    assert.equal(defaultStep(0, 15 * 86_400), 'day');
  });
});
