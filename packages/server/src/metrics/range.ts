/**
 * Time ranges of the metrics API: parsing `from`/`to`, and cutting a range into the coarsest
 * rollup segments that cover it, so a month is summed from 30 day rows rather than 43,200 minutes.
 */
import { HttpError } from '../http/http-error.ts';
import type { RollupSpan } from '../storage/telemetry-store.ts';

const badRequest = (message: string): HttpError => new HttpError(400, 'ERR_HTTP_BAD_REQUEST', message);

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/** The longest range the API answers, in seconds (400 days). */
export const MAX_RANGE_SECONDS = 400 * DAY;

/** A rollup span over `[from, to)`, both multiples of the span. */
export interface Segment {
  readonly span: RollupSpan;
  readonly from: number;
  readonly to: number;
}

/**
 * From when (unix seconds) rollups of each finer span still exist: minute rollups are purged
 * sooner than hour rollups. A segment starting before its span's floor is answered one span coarser.
 */
export interface RollupFloors {
  readonly minute: number;
  readonly hour: number;
}

/** What {@link planSegments} decided. */
export interface Plan {
  readonly segments: readonly Segment[];
  /** `false` when purged fine rollups made the plan widen an edge to a coarser bucket. */
  readonly exact: boolean;
  /** The range actually covered (wider than asked when `exact` is false). */
  readonly from: number;
  readonly to: number;
}

const floorTo = (t: number, span: number): number => Math.floor(t / span) * span;
const ceilTo = (t: number, span: number): number => Math.ceil(t / span) * span;

/**
 * Cuts `[from, to)` (whole minutes) into day, hour and minute segments: whole days from day
 * rollups, whole hours from hour rollups, the minutes at the edges from minute rollups. Where the
 * finer rollups are already purged (before `floors`), the edge widens to the coarser bucket.
 *
 * @example
 * ```ts
 * planSegments(Date.parse('2026-12-01T22:30:00Z') / 1000, Date.parse('2026-12-03T01:15:00Z') / 1000);
 * // minutes 22:30–23:00, hour 23–24, day 2 Dec, hour 00–01, minutes 01:00–01:15
 * ```
 */
export function planSegments(
  from: number,
  to: number,
  floors: RollupFloors = { minute: -Infinity, hour: -Infinity },
): Plan {
  let start = floorTo(from, MINUTE);
  let end = ceilTo(to, MINUTE);
  // Widen an edge whose fine rollups are gone: minutes → the enclosing hour, hours → the day.
  if (start < floors.minute) start = floorTo(start, HOUR);
  if (end <= floors.minute) end = ceilTo(end, HOUR);
  if (start < floors.hour) start = floorTo(start, DAY);
  if (end <= floors.hour) end = ceilTo(end, DAY);
  const segments: Segment[] = [];
  cut(start, end, [DAY, HOUR, MINUTE], segments);
  return {
    segments,
    exact: start === floorTo(from, MINUTE) && end === ceilTo(to, MINUTE),
    from: start,
    to: end,
  };
}

function cut(from: number, to: number, spans: readonly RollupSpan[], out: Segment[]): void {
  if (from >= to) return;
  const [span, ...finer] = spans;
  if (span === undefined) return;
  const inner = { from: ceilTo(from, span), to: floorTo(to, span) };
  if (finer.length === 0 || inner.from < inner.to) {
    if (finer.length === 0) {
      out.push({ span, from, to });
      return;
    }
    cut(from, inner.from, finer, out);
    out.push({ span, from: inner.from, to: inner.to });
    cut(inner.to, to, finer, out);
    return;
  }
  cut(from, to, finer, out);
}

/**
 * Reads a time: ISO 8601 UTC (`2026-12-01T10:00:00Z`, seconds and milliseconds optional) or unix
 * seconds. Returns unix seconds.
 */
export function parseTime(parameter: string, text: string): number {
  if (/^\d{1,11}$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw badRequest(`${parameter} must be an ISO 8601 UTC time (2026-12-01T10:00:00Z) or unix seconds`);
}

/**
 * The `[from, to)` of a request in whole minutes: the given bounds, or the last 24 hours up to the
 * next whole minute. Refuses an empty, reversed or over-long range.
 */
export function requestRange(
  query: { readonly from?: string | undefined; readonly to?: string | undefined },
  nowSeconds: number,
): { from: number; to: number } {
  const to = ceilTo(query.to === undefined ? nowSeconds : parseTime('to', query.to), MINUTE);
  const from = floorTo(query.from === undefined ? to - DAY : parseTime('from', query.from), MINUTE);
  if (to <= from) throw badRequest('to must be after from');
  if (to - from > MAX_RANGE_SECONDS) throw badRequest('the range may not exceed 400 days');
  return { from, to };
}

/** The series step names of the API and their spans. */
export const STEPS = { minute: MINUTE, hour: HOUR, day: DAY } as const satisfies Record<string, RollupSpan>;
export type StepName = keyof typeof STEPS;

/** The default step of a series: minutes up to 6 hours, hours up to 14 days, else days. */
export function defaultStep(from: number, to: number): StepName {
  const length = to - from;
  if (length <= 6 * HOUR) return 'minute';
  if (length <= 14 * DAY) return 'hour';
  return 'day';
}
