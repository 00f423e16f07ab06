// The event writer's flush off the event loop: a group commits with synchronous NORMAL and is
// acknowledged only once fdatasync of the WAL returned. fs.fdatasync is replaced here (and the
// module's named import with it, through syncBuiltinESMExports) so that a test decides when the
// flush returns, and how; the database, its WAL and the commits are real.
import { describe, it, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { TelemetryEvent } from '@qrpin/core';
import { openSqliteStore } from '../../src/storage/sqlite/store.ts';
import { createEventWriter, type EventWriter } from '../../src/storage/sqlite/event-writer.ts';
import { statementCache } from '../../src/storage/sqlite/statement-cache.ts';
import { checkEvents } from '../../src/lib/store-input.ts';

type FlushCallback = (err: NodeJS.ErrnoException | null) => void;

function scans(n: number, from = 0): TelemetryEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'scan' as const,
    time: '2026-12-01T10:00:00.000Z',
    project: 'flush',
    appId: 'kiosk',
    appVersion: '1.0.0',
    platform: 'ios',
    sessionId: `session-${from + i}`,
  }));
}

const turns = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Whether a promise has settled yet. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await turns(1);
  return done;
}

describe('the SQLite event writer’s flush off the event loop', () => {
  let directory: string;
  let file: string;
  let db: DatabaseSync;
  let reader: DatabaseSync;
  /** The flushes asked for and not yet let go, each with the descriptor it was asked for. */
  let held: { fd: number; done: FlushCallback }[];

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'qrpin-flush-'));
    file = join(directory, 'qrpin.db');
    const store = openSqliteStore({ directory, checkpointThread: false });
    await store.migrate();
    await store.createProject('flush');
    await store.close();
    db = new DatabaseSync(file);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON');
    reader = new DatabaseSync(file);
    held = [];
    mock.method(fs, 'fdatasync', (fd: number, done: FlushCallback) => held.push({ fd, done }));
    syncBuiltinESMExports();
  });

  afterEach(() => {
    mock.restoreAll();
    syncBuiltinESMExports();
    reader.close();
    if (db.isOpen) db.close();
    rmSync(directory, { recursive: true, force: true });
  });

  function writer(walFile: string | undefined = `${file}-wal`, flushOverdueMs?: number): EventWriter {
    return createEventWriter({
      db,
      statement: statementCache(db),
      projectExists: (project) => project === 'flush',
      maxGroupEvents: 20_000,
      walFile,
      flushOverdueMs,
    });
  }

  const submit = (w: EventWriter, events: TelemetryEvent[]): Promise<number> =>
    w.submit(events, checkEvents(events), new Date().toISOString());
  const stored = (): number =>
    Number((reader.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n);
  const synchronous = (): number =>
    Number((db.prepare('PRAGMA synchronous').get() as { synchronous: number }).synchronous);

  it('acknowledges a batch only once the WAL holding its commit is flushed', async () => {
    const w = writer();
    const ack = submit(w, scans(3));
    await turns();
    assert.equal(stored(), 3, 'committed, as another connection sees');
    assert.equal(held.length, 1, 'one flush asked for');
    assert.equal(await settled(ack), false, 'not acknowledged before the flush returned');
    assert.equal(synchronous(), 2, 'the connection is back to synchronous FULL');
    held[0]?.done(null);
    assert.equal(await ack, 3);
    w.drain();
  });

  it('flushes the WAL file itself', async () => {
    const w = writer();
    const ack = submit(w, scans(1));
    await turns();
    const fd = held[0]?.fd as number;
    assert.equal(fs.fstatSync(fd).ino, fs.statSync(`${file}-wal`).ino);
    held[0]?.done(null);
    await ack;
    w.drain();
  });

  it('holds the next group back until the flush returns, then commits what came meanwhile in one', async () => {
    const w = writer(`${file}-wal`, 3_600_000); // never overdue here
    const first = submit(w, scans(2));
    await turns();
    const second = submit(w, scans(2, 2));
    const third = submit(w, scans(2, 4));
    await turns();
    assert.equal(stored(), 2, 'no commit while a flush is in flight');
    assert.equal(held.length, 1);
    held[0]?.done(null);
    assert.equal(await first, 2);
    await turns();
    assert.equal(stored(), 6, 'both batches that waited, committed together');
    assert.equal(held.length, 2, 'with one flush');
    held[1]?.done(null);
    assert.deepEqual(await Promise.all([second, third]), [2, 2]);
    w.drain();
  });

  it('commits beside a flush once it is overdue, and acknowledges that only after a flush asked for after it', async () => {
    const w = writer(`${file}-wal`, 0); // overdue at once
    const first = submit(w, scans(2));
    await turns();
    const second = submit(w, scans(2, 2));
    await turns();
    assert.equal(stored(), 4, 'overdue: the next group committed beside it');
    const third = submit(w, scans(3, 4));
    await turns();
    assert.equal(stored(), 7, 'and so does what comes while it stays out');
    assert.equal(held.length, 1, 'no second flush while one is out');
    held[0]?.done(null);
    assert.equal(await first, 2);
    await turns();
    assert.equal(await settled(second), false, 'the first flush may not hold the later commits');
    assert.equal(await settled(third), false);
    assert.equal(held.length, 2, 'the next flush was asked for at once');
    held[1]?.done(null);
    assert.deepEqual(await Promise.all([second, third]), [2, 3]);
    w.drain();
  });

  it('wakes up to commit beside a flush when it becomes overdue', { timeout: 30_000 }, async () => {
    const w = writer(`${file}-wal`, 20);
    void submit(w, scans(1));
    await turns();
    const beside = submit(w, scans(2, 1));
    // Nothing else happens meanwhile: the writer's own timer must commit the waiting batch.
    while (stored() < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(held.length, 1);
    held[0]?.done(null);
    await turns();
    held[1]?.done(null);
    assert.equal(await beside, 2);
    w.drain();
  });

  it('refuses the batches committed beside an overdue flush when the flush after them fails', async () => {
    const w = writer(`${file}-wal`, 0);
    const first = submit(w, scans(1));
    await turns();
    const beside = submit(w, scans(2, 1));
    await turns();
    assert.equal(stored(), 3);
    held[0]?.done(null);
    assert.equal(await first, 1);
    await turns();
    held[1]?.done(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await assert.rejects(beside, /EIO/);
    w.drain();
  });

  it('refuses the group’s batches when the flush fails (their events stay committed)', async () => {
    const w = writer();
    const ack = submit(w, scans(2));
    await turns();
    const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    held[0]?.done(eio);
    await assert.rejects(ack, /EIO/);
    assert.equal(stored(), 2);
    const next = submit(w, scans(1, 10));
    await turns();
    held[1]?.done(null);
    assert.equal(await next, 1, 'the writer goes on');
    w.drain();
  });

  it('commits with synchronous FULL on the event loop when the WAL cannot be opened', async () => {
    const w = writer(join(directory, 'no-such-dir', 'qrpin.db-wal'));
    assert.equal(await submit(w, scans(2)), 2);
    assert.equal(held.length, 0, 'no flush asked for');
    assert.equal(synchronous(), 2);
    w.drain();
  });

  it('commits what is queued at drain with its own fsync, while an earlier flush is in flight', async () => {
    const w = writer(`${file}-wal`, 3_600_000); // never overdue here
    const first = submit(w, scans(1));
    await turns();
    const queued = submit(w, scans(2, 1));
    w.drain();
    assert.equal(await queued, 2, 'committed and acknowledged at drain');
    assert.equal(stored(), 3);
    assert.equal(held.length, 1, 'no flush off the loop for the drained group');
    held[0]?.done(null);
    assert.equal(await first, 1);
  });
});
