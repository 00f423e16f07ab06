// The SQLite rollup roller. Upserting every rollup row in each ingest transaction cost more than
// storing the events themselves; instead, committed events are folded into the rollups shortly
// after, a chunk at a time. Each target (a rollup table at one span, or the destination hosts) has
// a durable cursor in `rollup_progress`; a target's upserts and the advance of its cursor commit in
// one transaction, so every stored event is counted exactly once — after a crash each target
// resumes from its own cursor — and two handles on one database serialise on SQLite's write lock
// and check the cursor under it instead of counting a chunk twice. One transaction per target keeps
// each hold of the write lock short (ingestion waits on it). Every rollup read catches up first,
// so a query sees every event committed before it.
import type { DatabaseSync } from 'node:sqlite';
import type { TelemetryEvent } from '@qrpin/core';
import { COUNTER_COLUMNS, RollupAggregator, eventSeconds, type Aggregate } from '../telemetry/aggregate.ts';
import { TELEMETRY_EVENT_TYPES } from '@qrpin/core';
import { ROLLUP_SPANS } from '../telemetry-store.ts';

const TYPES: ReadonlySet<string> = new Set(TELEMETRY_EVENT_TYPES);

/** A stored event's body; an unreadable one becomes an object no rollup counts. */
function parseBody(body: string): TelemetryEvent {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) return parsed as TelemetryEvent;
  } catch {
    // Left out below.
  }
  return {} as TelemetryEvent;
}
import type { StatementCache } from './statement-cache.ts';

export interface RollerOptions {
  readonly db: DatabaseSync;
  readonly statement: StatementCache;
  /** Events folded per transaction at most: bounds how long one roll blocks the event loop. */
  readonly chunkEvents?: number | undefined;
  /** How many events the rollups may lag behind before ingestion waits for them (default 4 chunks). */
  readonly maxLagEvents?: number | undefined;
  /** How often the background roll runs, in milliseconds (default 500). */
  readonly intervalMs?: number | undefined;
}

export interface Roller {
  /** Folds every committed event not yet counted into the rollups, now. */
  catchUp(): void;
  /**
   * Called after each group commit of `committed` events: when the rollups lag more than
   * `maxLagEvents` behind, folds at least as much as was committed, so ingestion cannot outrun the
   * rollups (back-pressure).
   */
  pace(committed: number): void;
  /** The id of the newest event every target counts. */
  progress(): number;
  /** Stops the background roll (the store calls `catchUp()` once more before closing). */
  stop(): void;
}

const ROLLUP_KEY = 'project, span, bucket, destination, campaign, app_version, platform, pinset_seq';
const UPSERT_ROLLUP = `INSERT INTO rollups (${ROLLUP_KEY}, ${COUNTER_COLUMNS.join(', ')})
  VALUES (${Array<string>(8 + COUNTER_COLUMNS.length)
    .fill('?')
    .join(', ')})
  ON CONFLICT (${ROLLUP_KEY}) DO UPDATE SET ${COUNTER_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;
const UPSERT_COHORT = `INSERT INTO cohort_rollups
  (project, span, bucket, destination, pinset_seq, cohort, attempts, pin_failures_enforce, pin_failures_report)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (project, span, bucket, destination, pinset_seq, cohort) DO UPDATE SET
    attempts = attempts + excluded.attempts,
    pin_failures_enforce = pin_failures_enforce + excluded.pin_failures_enforce,
    pin_failures_report = pin_failures_report + excluded.pin_failures_report`;
const UPSERT_HOST = `INSERT INTO destination_hosts (project, destination, host, last_seen) VALUES (?, ?, ?, ?)
  ON CONFLICT (project, destination, host) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)`;

/** What a roll writes: one rollup table at one span, or the destination hosts. */
interface Target {
  readonly name: string;
  readonly write: (aggregate: Aggregate) => void;
}

/**
 * @example
 * ```ts
 * const roller = startRoller({ db, statement });
 * roller.catchUp(); // before reading rollups
 * roller.stop();
 * ```
 */
export function startRoller(options: RollerOptions): Roller {
  const { db, statement } = options;
  const chunk = options.chunkEvents ?? 5000;

  const targets: Target[] = [];
  for (const span of ROLLUP_SPANS) {
    targets.push({
      name: `rollups/${span}`,
      write(aggregate) {
        const rollup = statement(UPSERT_ROLLUP);
        for (const r of aggregate.rollups) {
          if (r.span !== span) continue;
          rollup.run(
            r.project,
            span,
            r.bucket,
            r.destination,
            r.campaign,
            r.appVersion,
            r.platform,
            r.pinsetSeq,
            ...r.counts,
          );
        }
      },
    });
    targets.push({
      name: `cohorts/${span}`,
      write(aggregate) {
        const cohort = statement(UPSERT_COHORT);
        for (const c of aggregate.cohorts) {
          if (c.span !== span) continue;
          cohort.run(
            c.project,
            span,
            c.bucket,
            c.destination,
            c.pinsetSeq,
            c.cohort,
            c.attempts,
            c.pinFailuresEnforce,
            c.pinFailuresReport,
          );
        }
      },
    });
  }
  targets.push({
    name: 'hosts',
    write(aggregate) {
      const host = statement(UPSERT_HOST);
      for (const h of aggregate.hosts) host.run(h.project, h.destination, h.host, h.lastSeen);
    },
  });

  function cursorOf(name: string): number {
    const row = statement('SELECT last_event_id FROM rollup_progress WHERE target = ?').get(name) as
      { last_event_id: number | bigint } | undefined;
    return row === undefined ? 0 : Number(row.last_event_id);
  }

  function progress(): number {
    return Math.min(...targets.map((t) => cursorOf(t.name)));
  }

  /** The committed events after `from`, at most a chunk, as the writer stored them (validated). */
  function readChunk(from: number): { ids: number[]; events: TelemetryEvent[] } {
    const rows = statement('SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT ?').all(
      from,
      chunk,
    ) as {
      id: number | bigint;
      body: string;
    }[];
    return {
      ids: rows.map((r) => Number(r.id)),
      events: rows.map((r) => parseBody(r.body)),
    };
  }

  function aggregateOf(events: readonly TelemetryEvent[]): Aggregate {
    const aggregator = new RollupAggregator();
    // Every stored event was checked; a row that is not one anyway (edited by hand, say) is left
    // out rather than stop the rollups for good.
    const countable = events.filter(
      (e) => TYPES.has(e.type) && typeof e.time === 'string' && Number.isFinite(Date.parse(e.time)),
    );
    aggregator.add(countable, eventSeconds(countable));
    return aggregator.result();
  }

  /**
   * Folds `events` (ids `ids`, after `from`) into one target, if its cursor is still `from`
   * (checked under the write lock: another handle may have folded them meanwhile).
   */
  function fold(target: Target, from: number, ids: readonly number[], aggregate: Aggregate): void {
    // A fold commits without an fsync of its own (synchronous NORMAL, for this transaction only):
    // the next event commit's fsync (synchronous FULL) makes it durable. A power cut before then
    // undoes whole folds, cursor included, and they are folded again from the stored events.
    const { synchronous } = statement('PRAGMA synchronous').get() as { synchronous: number };
    db.exec('PRAGMA synchronous = NORMAL');
    try {
      foldOnce(target, from, ids, aggregate);
    } finally {
      db.exec(`PRAGMA synchronous = ${Number(synchronous)}`);
    }
  }

  function foldOnce(target: Target, from: number, ids: readonly number[], aggregate: Aggregate): void {
    db.exec('BEGIN IMMEDIATE');
    try {
      if (cursorOf(target.name) !== from) {
        db.exec('ROLLBACK');
        return;
      }
      target.write(aggregate);
      statement(
        `INSERT INTO rollup_progress (target, last_event_id) VALUES (?, ?)
         ON CONFLICT (target) DO UPDATE SET last_event_id = excluded.last_event_id`,
      ).run(target.name, ids[ids.length - 1] as number);
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  /**
   * One chunk: the steps that fold it, one per target behind. Returns them (to run now or one per
   * turn of the event loop) and whether more events may wait after the chunk.
   */
  function planChunk(): { steps: (() => void)[]; more: boolean } {
    const cursors = targets.map((t) => cursorOf(t.name));
    const from = Math.min(...cursors);
    const { ids, events } = readChunk(from);
    if (ids.length === 0) return { steps: [], more: false };
    const shared = aggregateOf(events);
    const steps = targets.map((target, i) => () => {
      const cursor = cursors[i] as number;
      if (cursor === from) {
        fold(target, from, ids, shared);
        return;
      }
      // Behind the others no more (a crash between two targets' commits): fold only what it lacks.
      const start = ids.findIndex((id) => id > cursor);
      if (start < 0) return;
      fold(target, cursor, ids.slice(start), aggregateOf(events.slice(start)));
    });
    return { steps, more: ids.length === chunk };
  }

  const maxLag = options.maxLagEvents ?? 4 * chunk;

  // The steps of the chunk being folded, shared by the background roll and by pace(); a step
  // planned from cursors that moved meanwhile (catchUp, another handle) rechecks them and skips.
  let pending: (() => void)[] = [];
  let more = true;
  /** Runs one step (planning a chunk counts as one); returns whether there is more to do. */
  function stepOnce(): boolean {
    if (pending.length === 0) {
      if (!more) {
        more = true;
        return false;
      }
      ({ steps: pending, more } = planChunk());
      return pending.length > 0 || more;
    }
    (pending.shift() as () => void)();
    return pending.length > 0 || more;
  }

  function pace(committed: number): void {
    const newest = statement('SELECT MAX(id) AS id FROM events').get() as { id: number | bigint | null };
    if (newest.id === null || Number(newest.id) - progress() <= maxLag) return;
    // At least as many steps as the commit's events take to fold (a chunk is one plan and one step
    // per target), so a lagging roller gains on ingestion, a commit at a time; one step per turn of
    // the event loop, so that requests and commits keep theirs in between.
    let budget = Math.ceil(((targets.length + 1) * committed) / chunk) + 1;
    const next = (): void => {
      if (stopped || !db.isOpen) return;
      try {
        if (stepOnce() && --budget > 0) setImmediate(next);
      } catch {
        // Another handle held the write lock past the busy timeout: the background roll retries.
        pending = [];
        more = true;
      }
    };
    next();
  }

  function catchUp(): void {
    if (statement('SELECT 1 FROM events WHERE id > ? LIMIT 1').get(progress()) === undefined) return;
    pending = [];
    more = true;
    for (;;) {
      const { steps, more: again } = planChunk();
      for (const step of steps) step();
      if (!again) return;
    }
  }

  // The background roll takes one step per turn of the event loop, so ingestion keeps its turns.
  let running = false;
  let stopped = false;
  function rollInBackground(): void {
    if (running || stopped || !db.isOpen) return;
    running = true;
    const next = (): void => {
      let again = false;
      try {
        again = !stopped && db.isOpen && stepOnce();
      } catch {
        // Another handle held the write lock past the busy timeout: the next tick tries again.
        pending = [];
        more = true;
      }
      if (again) setImmediate(next);
      else running = false;
    };
    next();
  }
  const timer = setInterval(rollInBackground, options.intervalMs ?? 500);
  timer.unref();

  return {
    catchUp,
    pace,
    progress,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
