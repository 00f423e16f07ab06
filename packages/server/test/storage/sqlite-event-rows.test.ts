// How SQLite keeps an event: the fields with columns of their own only there, the rest as JSON in
// `body`. These tests store events in a real migrated database and read them back: every event
// comes back as it was validated, rows written whole (as before) read back the same, and a row that
// holds no event stays out of the rollups.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import { TELEMETRY_EVENT_TYPES, validateTelemetryEvent, type TelemetryEvent } from '@qrpin/core';
import { openSqliteStore } from '../../src/storage/sqlite/store.ts';
import {
  READ_EVENT_COLUMNS,
  STORED_EVENT_COLUMNS,
  eventOfRow,
  storedEventRow,
} from '../../src/storage/sqlite/event-rows.ts';
import { EVENT_COLUMNS, eventRow } from '../../src/storage/telemetry/records.ts';

const PIN = `sha256/${'A'.repeat(43)}=`;
const RECEIVED = '2026-12-02T10:00:00.000Z';

/** Raw events with every optional field present or not, validated as the server validates them. */
const eventArb: fc.Arbitrary<TelemetryEvent> = fc
  .record(
    {
      type: fc.constantFrom(...TELEMETRY_EVENT_TYPES),
      time: fc.constantFrom('2026-12-02T09:59:58.123Z', '2026-12-02T09:00:00Z'),
      project: fc.constantFrom('rows'),
      appId: fc.constantFrom('kiosk', 'app "quoted" \\ <b>'),
      appVersion: fc.constantFrom('1.0.0', '2.0.0-beta'),
      platform: fc.constantFrom('ios', 'android'),
      sessionId: fc.stringMatching(/^[0-9a-f]{32}$/),
      destination: fc.string({ minLength: 1, maxLength: 20 }),
      campaign: fc.constantFrom('spring', 'ünïcödé ☃'),
      pinsetSeq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      cohort: fc.integer({ min: 0, max: 99 }),
      host: fc.constantFrom('promo.example.com'),
      url: fc.constantFrom('https://promo.example.com/spring'),
      hop: fc.integer({ min: 0, max: 100 }),
      status: fc.integer({ min: 100, max: 599 }),
      code: fc.constantFrom('ERR_TLS_CERT_ALTNAME_INVALID'),
      chainPins: fc.array(fc.constant(PIN), { maxLength: 3 }),
      mode: fc.constantFrom('enforce', 'report'),
      durationMs: fc.integer({ min: 0, max: 86_400_000 }),
    },
    {
      requiredKeys: ['type', 'time', 'project', 'appId', 'appVersion', 'platform', 'sessionId'],
    },
  )
  .filter((raw) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(raw.destination ?? ''))
  .map((raw) => validateTelemetryEvent(raw));

describe('SQLite event rows', () => {
  let directory: string;
  let db: DatabaseSync;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'qrpin-event-rows-'));
    const store = openSqliteStore({ directory });
    await store.migrate();
    await store.createProject('rows');
    await store.close();
    db = new DatabaseSync(join(directory, 'qrpin.db'));
  });
  after(() => {
    db.close();
    rmSync(directory, { recursive: true, force: true });
  });

  /** Inserts one row of `values` into `columns` and reads it back as an event. */
  function roundTrip(columns: string, values: (string | null)[]): TelemetryEvent {
    const placeholders = values.map(() => '?').join(', ');
    const { lastInsertRowid } = db
      .prepare(`INSERT INTO events (${columns}) VALUES (${placeholders})`)
      .run(...values);
    const row = db.prepare(`SELECT ${READ_EVENT_COLUMNS} FROM events WHERE id = ?`).get(lastInsertRowid);
    assert.ok(row !== undefined);
    return eventOfRow(row);
  }

  const ways = [
    ['reads back every event as it was validated', STORED_EVENT_COLUMNS, storedEventRow],
    ['reads rows written whole (the event in `body` too) as the same event', EVENT_COLUMNS, eventRow],
  ] as const;
  for (const [name, columns, rowOf] of ways) {
    it(name, () => {
      fc.assert(
        fc.property(eventArb, (event) => {
          assert.deepEqual(roundTrip(columns, rowOf(event, RECEIVED)), event);
        }),
        { numRuns: 200 },
      );
    });
  }

  it('keeps out of `body` what the columns hold', () => {
    const event = validateTelemetryEvent({
      type: 'tls_error',
      time: '2026-12-02T09:59:58.123Z',
      project: 'rows',
      appId: 'kiosk',
      appVersion: '1.0.0',
      platform: 'ios',
      sessionId: 'a'.repeat(32),
      destination: 'promo',
      campaign: 'spring',
      pinsetSeq: 7,
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    const row = storedEventRow(event, RECEIVED);
    assert.deepEqual(row, [
      'rows',
      'kiosk',
      'tls_error',
      '2026-12-02T09:59:58.123Z',
      'a'.repeat(32),
      'promo',
      'spring',
      '{"appVersion":"1.0.0","platform":"ios","pinsetSeq":7,"code":"ERR_TLS_CERT_ALTNAME_INVALID"}',
      RECEIVED,
    ]);
  });

  it('gives an event no rollup counts for a row that holds no valid event', () => {
    const columns = ['rows', 'kiosk', 'scan', '2026-12-02T09:59:58.123Z', 'a'.repeat(32), 'promo', null];
    for (const body of [
      '',
      'not json',
      '[1, 2]',
      'null',
      '42',
      '"text"',
      '{"appVersion": "1.0.0"',
      // JSON objects, but with the columns no valid event: a field missing, one unknown, one bad.
      '{}',
      '{"platform": "ios"}',
      '{"appVersion": "1.0.0", "platform": "ios", "teleport": true}',
      '{"appVersion": "1.0.0", "platform": "ios", "cohort": 100}',
    ]) {
      assert.deepEqual(
        roundTrip(STORED_EVENT_COLUMNS, [...columns, body, RECEIVED]),
        {},
        `body ${JSON.stringify(body)}`,
      );
    }
  });
});
