// Where the SQLite store writes events: the group-commit writer (event-writer.ts) and the roller
// that folds committed events into the rollups (roller.ts), over one connection, behind one small
// interface. Two ways to run them:
//
// - `localIngest`: on a connection of the caller's thread. The ingest thread runs this, and so does
//   a store opened with `ingestThread: false`.
// - `threadIngest` (the store's default): in a worker thread of its own (ingest-thread.ts), with its
//   own connection. Inserting, committing and folding were about half of the event loop's busy time
//   under load; in the thread they run beside it on another core, and a long commit or fold no
//   longer holds up the requests behind it. The event loop keeps HTTP, decoding and validation,
//   and hands each checked batch over by `postMessage` (a structured clone: about a microsecond
//   an event). A batch is acknowledged once the thread reports its commit flushed, as before.
//
// Both connections write the same file: SQLite's write lock serialises them (the store's connection
// writes rarely: admin changes, alerts, sessions, purges), and the roller's durable cursors already
// assume more than one writer.
import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import type { TelemetryEvent } from '@qrpin/core';
import { StoreError, type StoreErrorCode } from '../error.ts';
import { createEventWriter, type GroupCommitInfo } from './event-writer.ts';
import { startRoller } from './roller.ts';
import type { StatementCache } from './statement-cache.ts';

/** The store's way to its events and rollups. */
export interface Ingest {
  /**
   * Resolves with the number of events once the batch is durably committed; rejects if it was not.
   * The events are checked already, with the unix second of each in `seconds` (`checkEvents`);
   * `received` is when the batch arrived (ISO 8601).
   */
  submit(events: readonly TelemetryEvent[], seconds: Float64Array, received: string): Promise<number>;
  /**
   * Folds every committed event not yet counted into the rollups; resolves with the id of the
   * newest event every rollup counts (what a purge may delete up to).
   */
  catchUp(): Promise<number>;
  /** Commits and flushes what is queued, folds the rest, and lets the connection go. */
  close(): Promise<void>;
}

export interface LocalIngestOptions {
  readonly db: DatabaseSync;
  readonly statement: StatementCache;
  readonly projectExists: (project: string) => boolean;
  /** Events in one group-committed transaction at most. */
  readonly maxGroupEvents: number;
  /** The WAL file, for the writer to flush commits off the event loop (see event-writer.ts). */
  readonly walFile?: string | undefined;
  readonly onGroupCommit?: ((info: GroupCommitInfo) => void) | undefined;
}

/**
 * The writer and the roller on `db`, on this thread. `close()` leaves `db` open (its owner closes it).
 *
 * @example
 * ```ts
 * const ingest = localIngest({ db, statement, projectExists, maxGroupEvents: 20_000 });
 * await ingest.submit(events, checkEvents(events), new Date().toISOString());
 * ```
 */
export function localIngest(options: LocalIngestOptions): Ingest {
  const { db, statement, projectExists, maxGroupEvents, walFile } = options;
  const roller = startRoller({ db, statement });
  const writer = createEventWriter({
    db,
    statement,
    projectExists,
    maxGroupEvents,
    walFile,
    onStored: (events, seconds, firstId, lastId) => roller.stored(events, seconds, firstId, lastId),
    onGroupCommit(info) {
      // After the acknowledgements went out: hold ingestion back if the rollups lag too far.
      setImmediate(() => {
        try {
          if (db.isOpen) roller.pace(info.events);
        } catch {
          // The background roll tries again on its next tick.
        }
      });
      options.onGroupCommit?.(info);
    },
  });
  let closed = false;
  return {
    submit: (events, seconds, received) => writer.submit(events, seconds, received),
    async catchUp() {
      roller.catchUp();
      return roller.progress();
    },
    async close() {
      if (closed) return;
      closed = true;
      writer.drain();
      roller.stop();
      roller.catchUp();
    },
  };
}

/** What the ingest thread is started with. */
export interface IngestThreadData {
  /** Marks the thread as qrpin's ingest thread (the module does nothing anywhere else). */
  readonly qrpinIngestThread: true;
  /** The database file, migrated already. */
  readonly file: string;
  readonly busyTimeoutMs: number;
  readonly maxGroupEvents: number;
}

/** A request to the ingest thread; `id` pairs it with its answer. */
export type IngestRequest =
  | {
      readonly op: 'submit';
      readonly id: number;
      readonly events: readonly TelemetryEvent[];
      readonly seconds: Float64Array;
      readonly received: string;
    }
  | { readonly op: 'catch-up'; readonly id: number }
  | { readonly op: 'close'; readonly id: number };

/** An error as it crosses from the thread: its code, if it had one, and its message. */
export interface CrossedError {
  readonly code?: string | undefined;
  readonly message: string;
}

/** What the ingest thread says: a request's answer, or a group commit (in commit order). */
export type IngestReply =
  | { readonly op: 'settled'; readonly id: number; readonly ok: true; readonly value: number }
  | { readonly op: 'settled'; readonly id: number; readonly ok: false; readonly error: CrossedError }
  | { readonly op: 'group'; readonly info: GroupCommitInfo };

/** `err` in a form that crosses to another thread. */
export function crossError(err: unknown): CrossedError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : undefined, message: err.message };
  }
  return { message: String(err) };
}

/** An error from the thread as this side throws it: a {@link StoreError} keeps its class. */
function uncrossError(crossed: CrossedError): Error {
  if (crossed.code?.startsWith('ERR_STORE_') === true) {
    return new StoreError(crossed.code as StoreErrorCode, crossed.message);
  }
  const err = new Error(crossed.message);
  if (crossed.code !== undefined) Object.assign(err, { code: crossed.code });
  return err;
}

export interface ThreadIngestOptions {
  /** The database file; the thread opens its own connection to it at first use. */
  readonly file: string;
  readonly busyTimeoutMs: number;
  readonly maxGroupEvents: number;
  /** Called on this thread after each group commit (before that commit's batches are settled). */
  readonly onGroupCommit?: ((info: GroupCommitInfo) => void) | undefined;
}

/** The thread's module, next to this one (`.ts` when run from source, `.js` when built). */
const MODULE = new URL(`./ingest-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

interface Waiting {
  readonly resolve: (value: number) => void;
  readonly reject: (err: Error) => void;
}

/**
 * The writer and the roller in a worker thread of their own. The thread starts at first use (a
 * store that never ingests nor reads rollups never starts it) and keeps the process alive only
 * while a request waits on it. If it dies, what waited on it is refused (a batch not acknowledged
 * is sent again by its client) and the next request starts another: the roller's durable cursors
 * carry the rollups over.
 *
 * @example
 * ```ts
 * const ingest = threadIngest({ file: './.qrpin/qrpin.db', busyTimeoutMs: 5000, maxGroupEvents: 20_000 });
 * await ingest.submit(events, checkEvents(events), new Date().toISOString());
 * await ingest.close();
 * ```
 */
export function threadIngest(options: ThreadIngestOptions): Ingest {
  let worker: Worker | undefined;
  const waiting = new Map<number, Waiting>();
  let nextId = 1;
  let closing: Promise<void> | undefined;

  function stopped(stopping: Worker, reason: string): void {
    if (worker !== stopping) return;
    worker = undefined;
    const err = new Error(`the ingest thread stopped (${reason}); nothing waiting on it was acknowledged`);
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  }

  function start(): Worker {
    const data: IngestThreadData = {
      qrpinIngestThread: true,
      file: options.file,
      busyTimeoutMs: options.busyTimeoutMs,
      maxGroupEvents: options.maxGroupEvents,
    };
    const started = new Worker(MODULE, { workerData: data });
    started.on('error', (err) => stopped(started, err.message));
    started.on('exit', (code) => stopped(started, `exit code ${code}`));
    started.on('message', (reply: IngestReply) => {
      if (reply.op === 'group') {
        try {
          options.onGroupCommit?.(reply.info);
        } catch {
          // An observer's failure must not undo what is committed.
        }
        return;
      }
      const w = waiting.get(reply.id);
      if (w === undefined) return;
      waiting.delete(reply.id);
      if (waiting.size === 0) started.unref();
      if (reply.ok) w.resolve(reply.value);
      else w.reject(uncrossError(reply.error));
    });
    // Ref'd only while something waits on it (see `request`). After the listeners: a 'message'
    // listener added to an unref'd worker refs its port again.
    started.unref();
    return started;
  }

  /** A request before it is given its id. */
  type Ask<R = IngestRequest> = R extends IngestRequest ? Omit<R, 'id'> : never;

  function request(ask: Ask): Promise<number> {
    if (closing !== undefined && ask.op !== 'close') {
      return Promise.reject(new Error('the store is closed'));
    }
    let to: Worker;
    try {
      to = worker ??= start();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const id = nextId++;
    return new Promise<number>((resolve, reject) => {
      if (waiting.size === 0) to.ref();
      waiting.set(id, { resolve, reject });
      to.postMessage({ ...ask, id } satisfies IngestRequest);
    });
  }

  return {
    submit(events, seconds, received) {
      if (events.length === 0) return Promise.resolve(0);
      return request({ op: 'submit', events, seconds, received });
    },
    async catchUp() {
      return request({ op: 'catch-up' });
    },
    close() {
      closing ??= (async () => {
        const running = worker;
        if (running === undefined) return;
        try {
          await request({ op: 'close' });
        } finally {
          worker = undefined;
          await running.terminate();
        }
      })();
      return closing;
    },
  };
}
