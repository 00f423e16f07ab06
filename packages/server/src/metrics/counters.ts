/**
 * Counters of the rollups and the rates the API derives from them. A rate whose denominator is 0
 * is `null`, never 0 and never NaN.
 */
import { ROLLUP_COUNTERS, type RollupCounters } from '../storage/telemetry-store.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Every counter at 0. */
export function zeroCounters(): Mutable<RollupCounters> {
  return Object.fromEntries(ROLLUP_COUNTERS.map((name) => [name, 0])) as Mutable<RollupCounters>;
}

/** Adds `row`'s counters into `into`. */
export function addCounters(into: Mutable<RollupCounters>, row: RollupCounters): void {
  for (const name of ROLLUP_COUNTERS) into[name] += row[name];
}

/** Only the counters of a row (without its dimensions). */
export function countersOf(row: RollupCounters): RollupCounters {
  const out = zeroCounters();
  addCounters(out, row);
  return out;
}

/** The rates of the metrics API (docs/metrics-api.md). */
export interface Rates {
  readonly completionRate: number | null;
  readonly dropOffRate: number | null;
  readonly tlsErrorRate: number | null;
  readonly pinFailureRate: number | null;
}

/** `part / whole` rounded to 4 decimals, `null` when `whole` is 0. */
export function ratio(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

/** TLS connection attempts: handshakes that completed plus those that failed. */
export function attemptsOf(c: RollupCounters): number {
  return c.tlsOk + c.tlsErrors;
}

/**
 * Pin failures (both modes) over TLS connection attempts. Failures reported through the TrustKit/HPKP
 * endpoint arrive without TLS events, so the base is never counted below the failures: the rate
 * stays within 0..1.
 */
export function pinFailureRateOf(failures: number, attempts: number): number | null {
  return ratio(failures, Math.max(attempts, failures));
}

export function ratesOf(c: RollupCounters): Rates {
  const completion = ratio(Math.min(c.completes, c.scans), c.scans);
  return {
    completionRate: completion,
    dropOffRate: completion === null ? null : Math.round((1 - completion) * 10_000) / 10_000,
    tlsErrorRate: ratio(c.tlsErrors, attemptsOf(c)),
    pinFailureRate: pinFailureRateOf(c.pinFailuresEnforce + c.pinFailuresReport, attemptsOf(c)),
  };
}
