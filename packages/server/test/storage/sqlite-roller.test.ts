// The SQLite roller folds committed events into the rollups after the fact: these tests prove it
// counts every event exactly once when it fails between two targets' commits, when two handles on
// one database roll at once, and in the background without any query asking.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { TelemetryEvent } from '@qrpin/core';
import { openSqliteStore } from '../../src/storage/sqlite/store.ts';
import { startRoller } from '../../src/storage/sqlite/roller.ts';
import { statementCache } from '../../src/storage/sqlite/statement-cache.ts';
import { ROLLUP_SPANS } from '../../src/storage/telemetry-store.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import { ROLLUP_SLICES } from '../../src/storage/telemetry/aggregate.ts';

/** Fold cursors: each span's main rollups (one per slice) and cohort rollups, and the hosts. */
const FOLD_TARGETS = ROLLUP_SPANS.length * (ROLLUP_SLICES + 1) + 1;

const DAY = 86_400;
const BASE = Date.UTC(2026, 10, 30, 22, 0, 0);

let sessions = 0;
/** `n` events spread over three hours across midnight, of every type, on three destinations. */
function events(n: number, salt: number): TelemetryEvent[] {
  const types = ['scan', 'tls_ok', 'hop', 'complete', 'tls_error', 'pin_failure', 'abandon'] as const;
  return Array.from({ length: n }, (_, i) => {
    const type = types[(i + salt) % types.length] as TelemetryEvent['type'];
    return {
      type,
      time: new Date(BASE + ((i * 7919 + salt * 104_729) % (3 * 3600)) * 1000).toISOString(),
      project: 'roll',
      appId: 'kiosk',
      appVersion: '2.0.0',
      platform: i % 2 === 0 ? 'ios' : 'android',
      sessionId: `s-${++sessions}`,
      destination: `d${i % 3}`,
      campaign: 'launch',
      pinsetSeq: 4,
      cohort: i % 100,
      host: `d${i % 3}.example.com`,
      ...(type === 'tls_error' ? { code: 'ERR_TLS_CERT_ALTNAME_INVALID' } : {}),
      ...(type === 'pin_failure' ? { mode: i % 2 === 0 ? 'enforce' : 'report' } : {}),
    } as TelemetryEvent;
  });
}

/** The sums of every span and of the cohort rollup over the whole range, per span. */
async function totals(store: PinsetStore): Promise<{ events: number; attempts: number; failures: number }[]> {
  const from = Math.floor(BASE / 1000 / DAY) * DAY - DAY;
  const to = from + 4 * DAY;
  const out = [];
  for (const span of ROLLUP_SPANS) {
    const [row] = await store.queryRollups('roll', { span, from, to, groupBy: [] });
    const [cohorts] = await store.queryCohorts('roll', { span, from, to, groupBy: [] });
    out.push({
      events: row?.events ?? 0,
      attempts: cohorts?.attempts ?? 0,
      failures: (cohorts?.pinFailuresEnforce ?? 0) + (cohorts?.pinFailuresReport ?? 0),
    });
  }
  return out;
}

function expected(all: readonly TelemetryEvent[]): { events: number; attempts: number; failures: number } {
  return {
    events: all.length,
    attempts: all.filter((e) => e.type === 'tls_ok' || e.type === 'tls_error').length,
    failures: all.filter((e) => e.type === 'pin_failure').length,
  };
}

describe('the SQLite rollup roller', () => {
  let directory: string;
  let stores: PinsetStore[];

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'qrpin-roller-'));
    stores = [];
  });
  afterEach(async () => {
    for (const store of stores) await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function open(): Promise<PinsetStore> {
    const store = openSqliteStore({ directory });
    stores.push(store);
    await store.migrate();
    return store;
  }

  it('counts every event once when a roll fails between two targets and another resumes it', async () => {
    const store = await open();
    await store.createProject('roll');
    const first = events(3000, 1);
    await store.insertEvents(first);
    assert.deepEqual(
      await totals(store),
      ROLLUP_SPANS.map(() => expected(first)),
    );
    const second = events(7000, 2);
    await store.insertEvents(second);

    // A roller on its own connection whose first cohort upsert fails: the minute rollup of the
    // chunk is committed with its cursor, the other targets are not.
    const db = new DatabaseSync(join(directory, 'qrpin.db'));
    db.exec('PRAGMA busy_timeout = 5000');
    db.exec('PRAGMA synchronous = FULL');
    const statement = statementCache(db);
    let failed = 0;
    const failing = (sql: string) => {
      if (sql.includes('INSERT INTO cohort_rollups') && failed === 0) {
        failed++;
        throw new Error('injected failure between targets');
      }
      return statement(sql);
    };
    const broken = startRoller({ db, statement: failing, chunkEvents: 4000, intervalMs: 3_600_000 });
    assert.throws(() => broken.catchUp(), /injected failure/);
    // Folds commit with synchronous NORMAL; the connection is back to FULL after each, even a
    // failed one, so the event commits that acknowledge batches still fsync.
    assert.deepEqual({ ...db.prepare('PRAGMA synchronous').get() }, { synchronous: 2 });
    broken.stop();
    db.close();
    assert.equal(failed, 1);

    // The store's own roller resumes each target from its own cursor.
    assert.deepEqual(
      await totals(store),
      ROLLUP_SPANS.map(() => expected([...first, ...second])),
    );
  });

  it('counts every event once when two handles on one database ingest and roll at once', async () => {
    const a = await open();
    const b = await open();
    await a.createProject('roll');
    const all: TelemetryEvent[] = [];
    const writes: Promise<number>[] = [];
    for (let i = 0; i < 12; i++) {
      const batch = events(500, 10 + i);
      all.push(...batch);
      writes.push((i % 2 === 0 ? a : b).insertEvents(batch));
    }
    // Both roll while the other writes: each query catches up under the write lock.
    const reads = [totals(a), totals(b)];
    await Promise.all(writes);
    await Promise.all(reads);
    assert.deepEqual(
      await totals(a),
      ROLLUP_SPANS.map(() => expected(all)),
    );
    assert.deepEqual(
      await totals(b),
      ROLLUP_SPANS.map(() => expected(all)),
    );
  });

  it('leaves out a stored row that is no event (edited by hand) instead of stopping for good', async () => {
    const store = await open();
    await store.createProject('roll');
    const good = events(200, 5);
    await store.insertEvents(good);
    const db = new DatabaseSync(join(directory, 'qrpin.db'));
    try {
      const insert = db.prepare(
        `INSERT INTO events (project, app_id, type, time, session_id, destination, campaign, body, received_at)
         VALUES ('roll', 'kiosk', 'scan', ?, 's', NULL, NULL, ?, ?)`,
      );
      const time = new Date(BASE).toISOString();
      for (const body of [
        '{not json',
        '"a string"',
        '{"type":"scan","time":"yesterday"}',
        '{"type":"teleport"}',
      ]) {
        insert.run(time, body, time);
      }
    } finally {
      db.close();
    }
    const more = events(300, 6);
    await store.insertEvents(more);
    assert.deepEqual(
      await totals(store),
      ROLLUP_SPANS.map(() => expected([...good, ...more])),
    );
  });

  it('catches up in the background, without a query asking', async () => {
    const store = await open();
    await store.createProject('roll');
    await store.insertEvents(events(2000, 3));
    const db = new DatabaseSync(join(directory, 'qrpin.db'), { readOnly: true });
    try {
      const newest = Number((db.prepare('SELECT MAX(id) AS id FROM events').get() as { id: number }).id);
      const cursors = (): number[] =>
        (db.prepare('SELECT last_event_id FROM rollup_progress').all() as { last_event_id: number }[]).map(
          (r) => Number(r.last_event_id),
        );
      // The background roll runs every two seconds, the hours' and days' tail every tenth; wait for
      // it (the test runner's timeout bounds this).
      while (!(cursors().length === FOLD_TARGETS && cursors().every((c) => c === newest))) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual(cursors(), Array(FOLD_TARGETS).fill(newest));
    } finally {
      db.close();
    }
  });
});
