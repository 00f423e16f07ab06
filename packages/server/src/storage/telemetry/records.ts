// Rows both stores read and write alike: an alert's columns and record, an event's row, times.
import type { TelemetryEvent } from '@qrpin/core';
import type { AlertRecord } from '../telemetry-store.ts';

type Row = Record<string, unknown>;

/** The columns {@link toAlert} reads, from `alerts` aliased `a`. */
export const ALERT_COLUMNS = `a.id AS alert_id, a.project, a.destination, a.kind, a.window_start, a.window_seconds,
  a.observed_errors, a.observed_attempts, a.baseline_errors, a.baseline_attempts, a.p_value, a.created_at`;

/** `value` (a `Date` from PostgreSQL, ISO 8601 text from SQLite) as ISO 8601 text. */
export function isoOf(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

/** `seconds` as ISO 8601 text, clamped to the dates JavaScript has (for comparing event times). */
export function isoOfSeconds(seconds: number): string {
  const ms = Math.max(-8.64e15, Math.min(8.64e15, seconds * 1000));
  return new Date(ms).toISOString();
}

/** An alert read with {@link ALERT_COLUMNS}. */
export function toAlert(row: Row): AlertRecord {
  return {
    id: Number(row.alert_id),
    project: String(row.project),
    destination: String(row.destination),
    kind: row.kind === 'pin_failure_rate' ? 'pin_failure_rate' : 'tls_error_rate',
    windowStart: Number(row.window_start),
    windowSeconds: Number(row.window_seconds),
    observed: { errors: Number(row.observed_errors), attempts: Number(row.observed_attempts) },
    baseline: { errors: Number(row.baseline_errors), attempts: Number(row.baseline_attempts) },
    pValue: Number(row.p_value),
    createdAt: isoOf(row.created_at),
  };
}

/** The columns of the `events` table, in {@link eventRow}'s order. */
export const EVENT_COLUMNS =
  'project, app_id, type, time, session_id, destination, campaign, body, received_at';

/** The values of an event's row in `events`; `received` is when the batch arrived (ISO 8601). */
export function eventRow(e: TelemetryEvent, received: string): (string | null)[] {
  return [
    e.project,
    e.appId,
    e.type,
    e.time,
    e.sessionId,
    e.destination ?? null,
    e.campaign ?? null,
    JSON.stringify(e),
    received,
  ];
}
