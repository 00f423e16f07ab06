// Group commit of event batches on SQLite. A durable commit costs an fsync of the WAL, so batches
// that arrive while one is pending are written together: they are queued, and on the next turn of
// the event loop (setImmediate, after the I/O that brought them) one transaction stores them all.
// Each batch runs in its own savepoint: a batch that fails (an unknown project) is rolled back and
// refused alone; the others commit. Every caller's promise settles only after the commit is on
// disk: after COMMIT returned with synchronous FULL, or, when the writer knows the WAL file, after
// a commit with synchronous NORMAL and then fdatasync of the WAL on libuv's pool. The flush is what
// made the commit block the event loop; off it, the event loop reads the next requests meanwhile.
// The next group waits for the flush (commits racing a flush make it long), unless the flush is
// overdue, the disk stalling: then the groups that come commit beside it, and the flush after it
// makes them all durable at once, instead of a backlog drained a group and a flush at a time.
// A power cut before the flush returned can undo the group (WAL recovery keeps a prefix of whole
// commits), but none of its batches was acknowledged.
// Rollups are not written here: the roller (roller.ts) folds committed events into them, and is
// handed each stored batch with its ids after the commit so that it need not read them back.
import { closeSync, fdatasync, openSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import type { TelemetryEvent } from '@qrpin/core';
import { unknownProject } from '../../lib/store-input.ts';
import { STORED_EVENT_COLUMNS, STORED_EVENT_WIDTH, putEventRow, storedEventRow } from './event-rows.ts';
import type { StatementCache } from './statement-cache.ts';

/** What one group commit wrote, for metrics and tests. */
export interface GroupCommitInfo {
  /** Batches stored by the commit. */
  readonly batches: number;
  /** Events stored by the commit. */
  readonly events: number;
  /** Batches refused inside the group (rolled back to their savepoint). */
  readonly refused: number;
}

export interface EventWriterOptions {
  readonly db: DatabaseSync;
  readonly statement: StatementCache;
  readonly projectExists: (project: string) => boolean;
  /** Events in one transaction at most (batches are never split); bounds how long a commit blocks. */
  readonly maxGroupEvents: number;
  readonly onGroupCommit?: ((info: GroupCommitInfo) => void) | undefined;
  /**
   * The database's WAL file. Given, a group commits without waiting for its fsync on the event
   * loop: it commits with `synchronous = NORMAL`, then the WAL is flushed by `fdatasync` on libuv's
   * pool, and the group's batches are acknowledged once that returns. The next group waits for the
   * flush (a commit racing a flush makes the flush long), but the event loop does not — unless the
   * flush is overdue (see `flushOverdueMs`).
   */
  readonly walFile?: string | undefined;
  /**
   * How long a flush may be out before the next groups commit beside it, in milliseconds (default
   * 25; flushes take 1–10 ms on a disk that is not stalling). Their batches are acknowledged once a
   * flush started after their commit returns: the next one, asked for as soon as the overdue one
   * is back. When the disk stalls, what came meanwhile is then committed by the time it recovers,
   * and one flush makes it all durable, instead of a backlog committed a group and a flush at a time.
   */
  readonly flushOverdueMs?: number | undefined;
  /**
   * Called after each commit for every batch it stored, in id order, with the unix seconds of its
   * events as submitted: the batch's events took the ids `firstId`…`lastId` (consecutive), or
   * `firstId` is `NaN` when they did not (never seen; the roller then reads them back).
   */
  readonly onStored?:
    | ((events: readonly TelemetryEvent[], seconds: Float64Array, firstId: number, lastId: number) => void)
    | undefined;
}

/** Queues batches for group commit. */
export interface EventWriter {
  /**
   * Resolves with the number of events once the batch is committed; rejects if it was not. The
   * events are checked already, and `seconds` holds the unix second of each one's time (what
   * `checkEvents` returns): the roller relies on both. `received` is when the batch arrived
   * (ISO 8601, stored with each row).
   */
  submit(events: readonly TelemetryEvent[], seconds: Float64Array, received: string): Promise<number>;
  /** Commits everything queued, now, and flushes it (before the database is closed). */
  drain(): void;
}

interface Pending {
  readonly events: readonly TelemetryEvent[];
  readonly seconds: Float64Array;
  readonly received: string;
  readonly resolve: (stored: number) => void;
  readonly reject: (err: unknown) => void;
}

/** The ids a batch's rows took: consecutive from `first` to `last`, else `first` is `NaN`. */
interface IdRange {
  first: number;
  last: number;
}

const INSERT_INTO = `INSERT INTO events (${STORED_EVENT_COLUMNS}) VALUES `;
const EVENT_ROW = `(${Array<string>(STORED_EVENT_WIDTH).fill('?').join(', ')})`;
/** Rows per multi-row INSERT: fewer statement calls, a quarter less CPU per event than one by one. */
const CHUNK = 50;
const INSERT_EVENT = INSERT_INTO + EVENT_ROW;
const INSERT_EVENTS = INSERT_INTO + Array<string>(CHUNK).fill(EVENT_ROW).join(', ');

/**
 * @example
 * ```ts
 * const writer = createEventWriter({ db, statement, projectExists, maxGroupEvents: 20_000 });
 * const received = new Date().toISOString();
 * await Promise.all([writer.submit(a, secondsOfA, received), writer.submit(b, secondsOfB, received)]); // one transaction, one fsync
 * ```
 */
export function createEventWriter(options: EventWriterOptions): EventWriter {
  const { db, statement, projectExists, maxGroupEvents, onGroupCommit, onStored, walFile } = options;
  const flushOverdueMs = options.flushOverdueMs ?? 25;
  let queue: Pending[] = [];
  let scheduled = false;
  /** The WAL, opened at the first commit to flush it off the event loop; `null` if it cannot be. */
  let wal: number | null | undefined = walFile === undefined ? null : undefined;
  /** Whether a flush is in flight: the next group waits for it, until it is overdue. */
  let flushing = false;
  /** When the flush in flight was asked for (`performance.now()`). */
  let flushStarted = 0;
  /** Batches committed while a flush was in flight: the next flush makes them durable. */
  let unflushed: Pending[] = [];
  /** Wakes the writer when the flush in flight becomes overdue and batches are waiting. */
  let overdueTimer: NodeJS.Timeout | undefined;
  let drained = false;

  function walFd(): number | null {
    if (wal !== undefined) return wal;
    try {
      wal = openSync(walFile as string, 'r+');
    } catch {
      wal = null; // every commit flushes on the event loop (synchronous FULL) instead
    }
    return wal;
  }

  function schedule(): void {
    if (scheduled) return;
    if (flushing) {
      const wait = flushStarted + flushOverdueMs - performance.now();
      if (wait > 0) {
        overdueTimer ??= setTimeout(() => {
          overdueTimer = undefined;
          schedule();
        }, wait);
        return;
      }
    }
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (queue.length === 0) return;
      commitGroup(takeGroup(), false);
      // One group per turn: whatever arrived meanwhile, and other I/O, gets its turn first.
      if (queue.length > 0) schedule();
    });
  }

  function takeGroup(): Pending[] {
    let events = 0;
    let n = 0;
    while (n < queue.length && (n === 0 || events + (queue[n] as Pending).events.length <= maxGroupEvents)) {
      events += (queue[n] as Pending).events.length;
      n++;
    }
    const group = queue.slice(0, n);
    queue = queue.slice(n);
    return group;
  }

  /** Inserts a batch's rows; returns the ids they took. */
  function insertRows(events: readonly TelemetryEvent[], received: string): IdRange {
    const ids: IdRange = { first: Number.NaN, last: Number.NaN };
    // Each statement's rows take consecutive ids (the write lock is held); `lastInsertRowid` is the
    // last of them. A statement whose rows do not follow the previous one's marks the range broken.
    const took = (rows: number, lastInsertRowid: number | bigint): void => {
      const last = Number(lastInsertRowid);
      const first = last - rows + 1;
      if (Number.isNaN(ids.last)) ids.first = first;
      else if (first !== ids.last + 1) ids.first = Number.NaN;
      ids.last = last;
    };
    let i = 0;
    if (events.length >= CHUNK) {
      const many = statement(INSERT_EVENTS);
      const params: (string | null)[] = new Array<string | null>(CHUNK * STORED_EVENT_WIDTH);
      for (; i + CHUNK <= events.length; i += CHUNK) {
        for (let j = i; j < i + CHUNK; j++) {
          putEventRow(events[j] as TelemetryEvent, received, params, (j - i) * STORED_EVENT_WIDTH);
        }
        took(CHUNK, many.run(...params).lastInsertRowid);
      }
    }
    if (i < events.length) {
      const one = statement(INSERT_EVENT);
      for (; i < events.length; i++) {
        took(1, one.run(...storedEventRow(events[i] as TelemetryEvent, received)).lastInsertRowid);
      }
    }
    return ids;
  }

  /** The error a refused batch's caller gets: an unknown project by name, else the database's. */
  function refusal(batch: Pending, err: unknown): unknown {
    if (err instanceof Error && /FOREIGN KEY constraint failed/.test(err.message)) {
      for (const e of batch.events) if (!projectExists(e.project)) return unknownProject(e.project);
    }
    return err;
  }

  /** Back to the connection's own setting, FULL (if that fails, so does the next statement). */
  function restoreFull(): void {
    try {
      db.exec('PRAGMA synchronous = FULL');
    } catch {
      // The connection is gone.
    }
  }

  /** Closes the WAL's descriptor (every group was flushed already: by its own flush, or FULL). */
  function closeWal(): void {
    if (typeof wal !== 'number') return;
    try {
      closeSync(wal);
    } catch {
      // Already gone: nothing waits on it.
    }
    wal = null;
  }

  /**
   * Flushes the WAL on libuv's pool and then acknowledges `batches`, whose commits it holds. A
   * failed flush leaves the events committed but maybe not durable: the batches are refused (the
   * client sends them again).
   */
  function flush(fd: number, batches: readonly Pending[]): void {
    flushing = true;
    flushStarted = performance.now();
    fdatasync(fd, (err) => {
      flushing = false;
      if (overdueTimer !== undefined) {
        clearTimeout(overdueTimer);
        overdueTimer = undefined;
      }
      for (const batch of batches) {
        if (err === null) batch.resolve(batch.events.length);
        else batch.reject(err);
      }
      if (unflushed.length > 0) {
        const next = unflushed;
        unflushed = [];
        flush(fd, next);
      } else if (drained) closeWal();
      if (!drained && queue.length > 0) schedule();
    });
  }

  function commitGroup(group: Pending[], flushHere: boolean): void {
    const stored: [Pending, IdRange][] = [];
    const refused: [Pending, unknown][] = [];
    const savepoints = group.length > 1;
    const fd = flushHere || drained ? null : walFd();
    try {
      // The store's connection is synchronous FULL; only this commit leaves its fsync to the pool.
      if (fd !== null) db.exec('PRAGMA synchronous = NORMAL');
      db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      if (fd !== null) restoreFull();
      for (const batch of group) batch.reject(err);
      return;
    }
    try {
      for (const batch of group) {
        if (savepoints) db.exec('SAVEPOINT batch');
        let ids: IdRange;
        try {
          ids = insertRows(batch.events, batch.received);
          if (savepoints) db.exec('RELEASE batch');
        } catch (err) {
          if (!savepoints) throw err;
          db.exec('ROLLBACK TO batch');
          db.exec('RELEASE batch');
          refused.push([batch, err]);
          continue;
        }
        stored.push([batch, ids]);
      }
      db.exec('COMMIT');
    } catch (err) {
      try {
        if (db.isTransaction) db.exec('ROLLBACK');
      } catch {
        // The connection is gone; the transaction went with it.
      }
      if (fd !== null) restoreFull();
      for (const batch of group) batch.reject(refusal(batch, err));
      return;
    }
    if (fd !== null) restoreFull();
    let events = 0;
    for (const [batch] of stored) events += batch.events.length;
    for (const [batch, err] of refused) batch.reject(refusal(batch, err));
    if (fd === null) {
      for (const [batch] of stored) batch.resolve(batch.events.length);
    } else if (flushing) {
      // Committed beside an overdue flush, which may not cover it: the next flush will.
      for (const [batch] of stored) unflushed.push(batch);
    } else {
      flush(
        fd,
        stored.map(([batch]) => batch),
      );
    }
    try {
      for (const [batch, ids] of stored) onStored?.(batch.events, batch.seconds, ids.first, ids.last);
    } catch {
      // Nor the roller's: it reads back from the database what it was not handed.
    }
    try {
      onGroupCommit?.({ batches: stored.length, events, refused: refused.length });
    } catch {
      // An observer's failure must not undo what is committed.
    }
  }

  return {
    submit(events, seconds, received) {
      if (events.length === 0) return Promise.resolve(0);
      return new Promise<number>((resolve, reject) => {
        queue.push({ events, seconds, received, resolve, reject });
        schedule();
      });
    },
    drain() {
      drained = true;
      if (overdueTimer !== undefined) {
        clearTimeout(overdueTimer);
        overdueTimer = undefined;
      }
      while (queue.length > 0) commitGroup(takeGroup(), true);
      if (!flushing) closeWal();
    },
  };
}
