// The SQLite roller's tail: batches the writer hands over after their commit are counted in memory
// and folded together, instead of being read back from the events table. These tests prove the
// tail counts exactly what reading back counts — the same rollup rows, to the last counter — and
// that it steps aside (rows of another connection, a failed fold, too many rows in memory) without
// losing or double-counting an event.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import fc from 'fast-check';
import type { TelemetryEvent } from '@qrpin/core';
import { openSqliteStore } from '../../src/storage/sqlite/store.ts';
import { startRoller, type Roller } from '../../src/storage/sqlite/roller.ts';
import { createEventWriter, type EventWriter } from '../../src/storage/sqlite/event-writer.ts';
import { statementCache, type StatementCache } from '../../src/storage/sqlite/statement-cache.ts';
import { EVENT_COLUMNS, eventRow } from '../../src/storage/telemetry/records.ts';
import { READ_EVENT_COLUMNS } from '../../src/storage/sqlite/event-rows.ts';
import { checkEvents } from '../../src/lib/store-input.ts';
import { ROLLUP_SPANS } from '../../src/storage/telemetry-store.ts';
import { ROLLUP_SLICES } from '../../src/storage/telemetry/aggregate.ts';

/** Fold cursors: each span's main rollups (one per slice) and cohort rollups, and the hosts. */
const FOLD_TARGETS = ROLLUP_SPANS.length * (ROLLUP_SLICES + 1) + 1;
/** The minute rollups' cursors (a slice each) and the minute cohorts' and the hosts'. */
const FAST_TARGETS = ROLLUP_SLICES + 2;
const isFast = (target: string): boolean =>
  target.startsWith('rollups/60#') || target === 'cohorts/60' || target === 'hosts';

/** Every fold cursor, by target. */
function cursorsOf(db: DatabaseSync): Map<string, number> {
  const rows = db.prepare('SELECT target, last_event_id FROM rollup_progress ORDER BY target').all() as {
    target: string;
    last_event_id: number;
  }[];
  return new Map(rows.map((r) => [r.target, Number(r.last_event_id)]));
}

const BASE = Date.UTC(2026, 10, 30, 23, 58, 30);
const TYPES = [
  'scan',
  'tls_ok',
  'hop',
  'complete',
  'tls_error',
  'pin_failure',
  'abandon',
  'redirect_blocked',
] as const;

/** One event from small pools, so that batches share rollup rows; times cross minutes, an hour and a day. */
const eventArb: fc.Arbitrary<TelemetryEvent> = fc
  .record({
    type: fc.constantFrom(...TYPES),
    offset: fc.integer({ min: 0, max: 240 }),
    destination: fc.option(fc.constantFrom('d1', 'd2', 'd3'), { nil: undefined }),
    campaign: fc.option(fc.constantFrom('spring', 'autumn'), { nil: undefined }),
    appVersion: fc.constantFrom('1.0.0', '1.1.0'),
    platform: fc.constantFrom('ios', 'android'),
    pinsetSeq: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    cohort: fc.option(fc.integer({ min: 0, max: 99 }), { nil: undefined }),
    host: fc.option(fc.constantFrom('a.example.com', 'b.example.com'), { nil: undefined }),
    mode: fc.constantFrom('enforce', 'report'),
  })
  .map(
    (r) =>
      ({
        type: r.type,
        time: new Date(BASE + r.offset * 1000).toISOString(),
        project: 'tail',
        appId: 'kiosk',
        appVersion: r.appVersion,
        platform: r.platform,
        sessionId: 'session-0123456789',
        ...(r.destination === undefined ? {} : { destination: r.destination }),
        ...(r.campaign === undefined ? {} : { campaign: r.campaign }),
        ...(r.pinsetSeq === undefined ? {} : { pinsetSeq: r.pinsetSeq }),
        ...(r.cohort === undefined ? {} : { cohort: r.cohort }),
        ...(r.host === undefined ? {} : { host: r.host }),
        ...(r.type === 'tls_error' ? { code: 'ERR_TLS_CERT_HAS_EXPIRED' } : {}),
        ...(r.type === 'pin_failure' ? { mode: r.mode } : {}),
      }) as TelemetryEvent,
  );

/** `count` scans a minute apart from minute `from` after BASE: each its own minute rollup row. */
function scansByMinute(from: number, count: number): TelemetryEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    type: 'scan',
    time: new Date(BASE + (from + i) * 60_000).toISOString(),
    project: 'tail',
    appId: 'kiosk',
    appVersion: '1.0.0',
    platform: 'ios',
    sessionId: 'session-0123456789',
  }));
}

/**
 * What happens between batches: nothing, a query's catch-up, a background roll, rows of another
 * connection, or a row of another connection deleted again (its id is never handed out again).
 */
type Between = 'none' | 'catchUp' | 'pace' | 'foreign' | 'vanished';
const stepArb = fc.record({
  batches: fc.array(fc.array(eventArb, { minLength: 1, maxLength: 60 }), { minLength: 1, maxLength: 3 }),
  between: fc.constantFrom<Between>('none', 'none', 'catchUp', 'pace', 'foreign', 'vanished'),
});

/** Every rollup row, cohort row and host, in key order: what two ways of rolling up must agree on. */
function snapshot(db: DatabaseSync): unknown[] {
  return [
    'SELECT * FROM rollups ORDER BY project, span, bucket, destination, campaign, app_version, platform, pinset_seq',
    'SELECT * FROM cohort_rollups ORDER BY project, span, bucket, destination, pinset_seq, cohort',
    'SELECT * FROM destination_hosts ORDER BY project, destination, host',
  ].map((sql) =>
    db
      .prepare(sql)
      .all()
      .map((row) => ({ ...row })),
  );
}

/** The rollups of `file` recomputed from scratch by reading every event back, on a copy. */
function recomputed(file: string, copy: string): unknown[] {
  rmSync(copy, { force: true });
  const source = new DatabaseSync(file);
  source.exec(`VACUUM INTO '${copy}'`);
  source.close();
  const db = new DatabaseSync(copy);
  try {
    db.exec(
      'DELETE FROM rollups; DELETE FROM cohort_rollups; DELETE FROM destination_hosts; DELETE FROM rollup_progress',
    );
    const roller = startRoller({ db, statement: statementCache(db), intervalMs: 3_600_000 });
    roller.catchUp();
    roller.stop();
    return snapshot(db);
  } finally {
    db.close();
  }
}

interface Harness {
  readonly db: DatabaseSync;
  readonly roller: Roller;
  /** The writer, submitting each batch with its events' seconds as the store does (`checkEvents`). */
  readonly writer: { submit(events: readonly TelemetryEvent[]): Promise<number> };
  /** Events the roller has read back from the table so far. */
  readBack(): number;
  close(): void;
}

describe('the SQLite roller’s tail', () => {
  let directory: string;
  let file: string;

  /** A new database, migrated, with the project `tail`. */
  async function freshDatabase(): Promise<void> {
    directory = mkdtempSync(join(tmpdir(), 'qrpin-tail-'));
    file = join(directory, 'qrpin.db');
    const store = openSqliteStore({ directory });
    await store.migrate();
    await store.createProject('tail');
    await store.close();
  }

  beforeEach(freshDatabase);
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  /** A writer and a roller on their own connection, wired as the store wires them. */
  function open(
    options: { chunkEvents?: number; intervalMs?: number; failing?: (sql: string) => boolean } = {},
  ): Harness {
    const db = new DatabaseSync(file);
    db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON',
    );
    const cache = statementCache(db);
    let readBack = 0;
    const statement: StatementCache = (sql) => {
      if (options.failing?.(sql) === true) throw new Error('injected failure');
      const prepared = cache(sql);
      if (!sql.startsWith(`SELECT id, ${READ_EVENT_COLUMNS} FROM events`)) return prepared;
      return {
        all: (...params: never[]) => {
          const rows = prepared.all(...params);
          readBack += rows.length;
          return rows;
        },
      } as unknown as StatementSync;
    };
    const roller = startRoller({
      db,
      statement,
      chunkEvents: options.chunkEvents,
      intervalMs: options.intervalMs ?? 3_600_000,
    });
    const writer: EventWriter = createEventWriter({
      db,
      statement,
      projectExists: (project) => project === 'tail',
      maxGroupEvents: 20_000,
      onStored: (events, seconds, firstId, lastId) => roller.stored(events, seconds, firstId, lastId),
    });
    return {
      db,
      roller,
      writer: {
        submit: (events) => writer.submit(events, checkEvents(events), new Date(BASE).toISOString()),
      },
      readBack: () => readBack,
      close() {
        writer.drain();
        roller.stop();
        roller.catchUp();
        db.close();
      },
    };
  }

  /**
   * Inserts `events` as rows of another connection (the writer hands nothing over for them), and
   * deletes them again if `vanish`. Their rows are written whole (the event in `body` as well as in
   * the columns), as SQLite rows were before `body` kept only the rest: both read back alike.
   */
  function insertForeign(events: readonly TelemetryEvent[], vanish = false): void {
    const db = new DatabaseSync(file);
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      const insert = db.prepare(`INSERT INTO events (${EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const e of events) {
        const { lastInsertRowid } = insert.run(...eventRow(e, new Date(BASE).toISOString()));
        if (vanish) db.prepare('DELETE FROM events WHERE id = ?').run(lastInsertRowid);
      }
    } finally {
      db.close();
    }
  }

  it('counts what reading back counts, to the last counter, whatever comes between the batches', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 8 }), async (steps) => {
        rmSync(directory, { recursive: true, force: true });
        await freshDatabase();

        const h = open();
        let handed = 0;
        let foreign = 0;
        let gaps = false;
        try {
          h.roller.catchUp(); // the tail starts with the first commit after it
          for (const step of steps) {
            // Batches submitted together commit in one group, each in its own savepoint.
            await Promise.all(step.batches.map((batch) => h.writer.submit(batch)));
            handed += step.batches.reduce((n, batch) => n + batch.length, 0);
            if (step.between === 'catchUp') h.roller.catchUp();
            if (step.between === 'pace') h.roller.pace(1);
            if (step.between === 'foreign') {
              insertForeign(step.batches[0] as TelemetryEvent[]);
              foreign += (step.batches[0] as TelemetryEvent[]).length;
            }
            if (step.between === 'vanished') {
              insertForeign(step.batches[0] as TelemetryEvent[], true);
              gaps = true;
            }
          }
          h.roller.catchUp();
          const expected = recomputed(file, join(directory, 'copy.db'));
          assert.deepEqual(snapshot(h.db), expected);
          // Rows of another connection are read back, and with them at most the tail before them;
          // ids a row of another connection took and gave up, at most that tail.
          if (foreign === 0 && !gaps) assert.equal(h.readBack(), 0);
          else assert.ok(h.readBack() >= foreign && h.readBack() <= foreign + handed);
        } finally {
          h.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('folds the minutes’ tail once it holds a chunk’s worth of rows, without a query asking', async () => {
    const h = open({ chunkEvents: 40 });
    try {
      h.roller.catchUp();
      // Each event its own rollup row (its own minute): 50 rows, past the chunk of 40.
      const batch = scansByMinute(0, 50);
      await h.writer.submit(batch);
      assert.deepEqual(cursorsOf(h.db), new Map());
      h.roller.pace(batch.length);
      // One step per turn of the event loop: wait for them (the runner's timeout bounds this).
      const fast = (): number[] => [...cursorsOf(h.db)].filter(([t]) => isFast(t)).map(([, c]) => c);
      while (!(fast().length === FAST_TARGETS && fast().every((c) => c === 50))) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      // The hours and days wait in the slow tail: no fold of theirs yet.
      assert.deepEqual(
        [...cursorsOf(h.db).keys()].filter((t) => !isFast(t)),
        [],
      );
      h.roller.catchUp(); // a query: every span counts every event
      assert.deepEqual([...cursorsOf(h.db).values()], Array(FOLD_TARGETS).fill(50));
      assert.equal(h.readBack(), 0);
      assert.deepEqual(snapshot(h.db), recomputed(file, join(directory, 'copy.db')));
    } finally {
      h.close();
    }
  });

  it('folds the hours’ and days’ tail every ten intervals, or once it holds four chunks’ worth of rows', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
    const h = open({ chunkEvents: 40, intervalMs: 1000 });
    const slowAt = (): number[] => [...cursorsOf(h.db)].filter(([name]) => !isFast(name)).map(([, c]) => c);
    const slowTargets = FOLD_TARGETS - FAST_TARGETS;
    /** Lets `ms` of mocked time pass, 5 ms at a time, with turns of the event loop between. */
    const settle = async (ms: number): Promise<void> => {
      for (let i = 0; i < ms / 5; i++) {
        t.mock.timers.tick(5);
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    try {
      h.roller.catchUp();
      await h.writer.submit(scansByMinute(0, 1));
      h.roller.catchUp();
      assert.deepEqual(slowAt(), Array(slowTargets).fill(1));
      // An event a second: the minutes are folded every interval, the hours and days on the tenth
      // (counted from their last fold, the catch-up above).
      for (let second = 1; second <= 9; second++) {
        await h.writer.submit(scansByMinute(second, 1));
        await settle(1000);
        assert.deepEqual(slowAt(), Array(slowTargets).fill(1), `after ${second} s`);
      }
      await h.writer.submit(scansByMinute(10, 1));
      await settle(1500); // the roll of the tenth second, its steps 15 ms apart
      assert.deepEqual(slowAt(), Array(slowTargets).fill(11));
      // 170 events in as many hours: 170 rows in the slow tail (it holds minutes, folded into hours
      // and days), past four chunks of 40: gathered by one roll, folded by the next.
      const hours = Array.from(
        { length: 170 },
        (_, i) => scansByMinute(60 * (100 + i), 1)[0] as TelemetryEvent,
      );
      await h.writer.submit(hours);
      await settle(2000);
      assert.deepEqual(slowAt(), Array(slowTargets).fill(181));
      assert.equal(h.readBack(), 0);
      assert.deepEqual(snapshot(h.db), recomputed(file, join(directory, 'copy.db')));
    } finally {
      h.close();
    }
  });

  it('spreads the background fold of a due tail over time, a step at a time', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const h = open({ chunkEvents: 40 });
    const cursors = (): number[] => [...cursorsOf(h.db).values()];
    const turns = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    try {
      h.roller.catchUp();
      await h.writer.submit(scansByMinute(0, 1));
      h.roller.catchUp(); // the first tail is folded: from here on nothing is read back
      assert.deepEqual(cursors(), Array(FOLD_TARGETS).fill(1));
      // 50 rows (each event its own minute): a chunk's worth of 40, not two.
      const batch = scansByMinute(10, 50);
      await h.writer.submit(batch);
      h.roller.pace(batch.length);
      // The background roll planned the fold; its steps wait for their timers, not for the next
      // turns of the event loop.
      await turns(20);
      assert.equal(cursors().filter((c) => c === 51).length, 0);
      // The first step hands the minutes on to the slow tail; then a fold per step.
      t.mock.timers.tick(15);
      await turns(2);
      assert.equal(cursors().filter((c) => c === 51).length, 0);
      for (let step = 1; step <= FAST_TARGETS; step++) {
        t.mock.timers.tick(15);
        await turns(2);
        assert.equal(cursors().filter((c) => c === 51).length, step);
      }
      h.roller.catchUp();
      assert.equal(h.readBack(), 0);
      assert.deepEqual(snapshot(h.db), recomputed(file, join(directory, 'copy.db')));
    } finally {
      h.close();
    }
  });

  it('folds the tail once a roll, however many rolls share the steps', async () => {
    const h = open({ chunkEvents: 40 });
    const cursor = (): number =>
      Number(
        // Every slice of the minute rollups (the lowest cursor, once all eight have one).
        (
          h.db
            .prepare(
              `SELECT CASE WHEN COUNT(*) = ${ROLLUP_SLICES} THEN MIN(last_event_id) END AS last_event_id
               FROM rollup_progress WHERE target LIKE 'rollups/60#%'`,
            )
            .get() as { last_event_id: number | null }
        ).last_event_id ?? 0,
      );
    try {
      await h.roller.catchUp();
      await h.writer.submit(scansByMinute(0, 50)); // 50 rows: past the chunk of 40, the tail is due
      h.roller.pace(50);
      // While that roll's steps run, more events come and each commit's pace() joins in.
      for (let i = 0; i < 5; i++) {
        await h.writer.submit(scansByMinute(100 + i, 1));
        h.roller.pace(1);
      }
      for (let i = 0; i < 100; i++) await new Promise((resolve) => setImmediate(resolve));
      // The tail of the first 50 is folded; what came during its fold waits for the next roll.
      assert.equal(cursor(), 50);
      await h.roller.catchUp();
      assert.equal(cursor(), 55);
      assert.deepEqual(snapshot(h.db), await recomputed(file, join(directory, 'copy.db')));
    } finally {
      await h.close();
    }
  });

  it('drops a tail past its bound of rows in memory, and reads its events back', async () => {
    // A chunk of 5 bounds the tail at 40 rows; 100 events in 100 minutes pass it.
    const h = open({ chunkEvents: 5 });
    try {
      h.roller.catchUp();
      for (let i = 0; i < 100; i += 10) {
        await h.writer.submit(scansByMinute(i, 10));
      }
      h.roller.catchUp();
      assert.ok(h.readBack() > 0, 'the dropped tail’s events are read back');
      assert.deepEqual(snapshot(h.db), recomputed(file, join(directory, 'copy.db')));
      const [minutes] = snapshot(h.db) as { events: number }[][];
      assert.equal(minutes?.filter((r) => (r as { span?: number }).span === 60).length, 100);
    } finally {
      h.close();
    }
  });

  it('counts every event once when a fold of the tail fails between two targets', async () => {
    let fail = false;
    const h = open({ failing: (sql) => fail && sql.includes('INSERT INTO cohort_rollups') });
    const events = fc.sample(eventArb, { numRuns: 300, seed: 7 });
    try {
      h.roller.catchUp();
      await h.writer.submit(events.slice(0, 150));
      fail = true;
      assert.throws(() => h.roller.catchUp(), /injected failure/);
      fail = false;
      await h.writer.submit(events.slice(150));
      h.roller.catchUp();
      assert.deepEqual(snapshot(h.db), recomputed(file, join(directory, 'copy.db')));
      const total = h.db.prepare('SELECT SUM(events) AS n FROM rollups WHERE span = 60').get() as {
        n: number;
      };
      assert.equal(Number(total.n), 300);
    } finally {
      h.close();
    }
  });
});
