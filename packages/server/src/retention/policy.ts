/**
 * How long the server keeps each kind of telemetry data. Raw events are kept the shortest: every
 * figure is answered from rollups, and rollups hold no session ids, hosts' URLs or pins.
 */
import { QrpinError } from '@qrpin/core';
import type { RetentionCutoffs } from '../storage/telemetry-store.ts';

/** Days each kind of data is kept. */
export interface RetentionPolicy {
  /** Raw events (with session ids, URLs without query, pins of failures): default 30. */
  readonly eventsDays: number;
  /** Per-minute rollups: default 14. */
  readonly minuteRollupsDays: number;
  /** Per-hour rollups: default 400. */
  readonly hourRollupsDays: number;
  /** Per-day rollups: default 1825 (five years). */
  readonly dayRollupsDays: number;
  /** Alerts and their webhook deliveries: default 400. */
  readonly alertsDays: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  eventsDays: 30,
  minuteRollupsDays: 14,
  hourRollupsDays: 400,
  dayRollupsDays: 1825,
  alertsDays: 400,
};

const DAY = 86_400;

/** The policy with defaults filled in; refuses a value that is not a whole number of days ≥ 1. */
export function retentionPolicy(partial: Partial<RetentionPolicy> = {}): RetentionPolicy {
  const policy = { ...DEFAULT_RETENTION, ...partial };
  for (const [name, days] of Object.entries(policy)) {
    if (!Number.isSafeInteger(days) || days < 1 || days > 36_500) {
      throw new QrpinError(
        'ERR_RETENTION_OPTIONS',
        `retention ${name} must be a whole number of days from 1 to 36500`,
      );
    }
  }
  if (policy.minuteRollupsDays > policy.hourRollupsDays || policy.hourRollupsDays > policy.dayRollupsDays) {
    throw new QrpinError(
      'ERR_RETENTION_OPTIONS',
      'retention must keep coarser rollups at least as long as finer ones (minute ≤ hour ≤ day)',
    );
  }
  return policy;
}

/** The cut-offs of a purge run at `nowMs`. */
export function cutoffsAt(policy: RetentionPolicy, nowMs: number): RetentionCutoffs {
  const now = Math.floor(nowMs / 1000);
  return {
    events: now - policy.eventsDays * DAY,
    minuteRollups: now - policy.minuteRollupsDays * DAY,
    hourRollups: now - policy.hourRollupsDays * DAY,
    dayRollups: now - policy.dayRollupsDays * DAY,
    alerts: now - policy.alertsDays * DAY,
    nowMs,
  };
}
