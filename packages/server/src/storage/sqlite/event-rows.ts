// How SQLite keeps an event in the `events` table: the fields that have a column of their own
// (project, app id, type, time, session id, destination, campaign) only there, and the rest of the
// event as JSON in `body`. Keeping the whole event in `body` as well (as PostgreSQL does, where
// `body` is JSONB) made each row about 460 bytes instead of about 260: nearly twice the bytes to
// insert, to write to the WAL at each commit and to copy again at each checkpoint, for nothing the
// columns did not hold already. Rows written whole, before this, read back the same: their columns
// hold the same values as their body.
import { validateTelemetryEvent, type TelemetryEvent } from '@qrpin/core';

/** The fields an event keeps in columns of their own, and so not in `body`. */
const IN_COLUMNS: ReadonlySet<string> = new Set([
  'project',
  'appId',
  'type',
  'time',
  'sessionId',
  'destination',
  'campaign',
]);

/** The columns of an event's row on SQLite, in {@link storedEventRow}'s order. */
export const STORED_EVENT_COLUMNS =
  'project, app_id, type, time, session_id, destination, campaign, body, received_at';

/** What {@link eventOfRow} reads: {@link STORED_EVENT_COLUMNS} but `received_at`. */
export const READ_EVENT_COLUMNS = 'project, app_id, type, time, session_id, destination, campaign, body';

/** Values in an event's row: one for each of {@link STORED_EVENT_COLUMNS}. */
export const STORED_EVENT_WIDTH = 9;

/**
 * Puts the values of an event's row into `into`, from `at` on ({@link STORED_EVENT_WIDTH} of them);
 * `received` is when the batch arrived (ISO 8601). In place, for the writer's multi-row inserts: a
 * new array an event was a tenth of what the ingest thread allocated.
 */
export function putEventRow(e: TelemetryEvent, received: string, into: (string | null)[], at: number): void {
  const rest: Record<string, unknown> = {};
  // `for…in` rather than `Object.keys`, which makes an array an event (validated events are plain
  // objects: every key is their own).
  for (const key in e) {
    if (!IN_COLUMNS.has(key)) rest[key] = (e as unknown as Record<string, unknown>)[key];
  }
  into[at] = e.project;
  into[at + 1] = e.appId;
  into[at + 2] = e.type;
  into[at + 3] = e.time;
  into[at + 4] = e.sessionId;
  into[at + 5] = e.destination ?? null;
  into[at + 6] = e.campaign ?? null;
  into[at + 7] = JSON.stringify(rest);
  into[at + 8] = received;
}

/** The values of an event's row; `received` is when the batch arrived (ISO 8601). */
export function storedEventRow(e: TelemetryEvent, received: string): (string | null)[] {
  const row = new Array<string | null>(STORED_EVENT_WIDTH);
  putEventRow(e, received, row, 0);
  return row;
}

/** A row read with {@link READ_EVENT_COLUMNS}. */
export type EventRow = Readonly<Record<string, unknown>>;

/**
 * The event a row holds, validated again as on ingestion. A row that holds no valid event (edited
 * by hand, say) becomes an object no rollup counts: reading back leaves it out instead of stopping
 * at it.
 */
export function eventOfRow(row: EventRow): TelemetryEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(row.body));
  } catch {
    return {} as TelemetryEvent;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {} as TelemetryEvent;
  const raw: Record<string, unknown> = {
    ...(parsed as Record<string, unknown>),
    project: row.project,
    appId: row.app_id,
    type: row.type,
    time: row.time,
    sessionId: row.session_id,
  };
  // A column that is null is a field the event did not have (the body of a row written whole cannot
  // hold it either: it was written from the same event).
  if (row.destination === null) delete raw.destination;
  else raw.destination = row.destination;
  if (row.campaign === null) delete raw.campaign;
  else raw.campaign = row.campaign;
  try {
    return validateTelemetryEvent(raw);
  } catch {
    return {} as TelemetryEvent;
  }
}
