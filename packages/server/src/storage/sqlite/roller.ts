// The SQLite rollup roller. Upserting every rollup row in each ingest transaction cost more than
// storing the events themselves; instead, committed events are folded into the rollups shortly
// after, a chunk at a time. Each target (a rollup table at one span — the main rollups one slice of
// their rows at a time, so that a large fold is many short transactions — or the destination hosts)
// has a durable cursor in `rollup_progress`; a target's upserts and the advance of its cursor commit in
// one transaction, so every stored event is counted exactly once — after a crash each target
// resumes from its own cursor — and two handles on one database serialise on SQLite's write lock
// and check the cursor under it instead of counting a chunk twice. One transaction per target keeps
// each hold of the write lock short (ingestion waits on it). Every rollup read catches up first,
// so a query sees every event committed before it.
//
// Two ways to the same counts. Reading back: the events after the cursors are read from the table
// a chunk at a time and folded (after a start, a crash, or rows another handle wrote). The tail:
// once caught up, the writer hands over each batch it committed with its ids, and the roller adds
// it to an aggregate in memory that covers the ids right after the cursors; the aggregate is
// folded into the minute rollups every two seconds, or sooner once it holds a chunk's worth of
// rows, and gathered into a second, slow tail for the hours and days, folded less often. One fold
// then covers every event of those ids, so an upsert counts many events instead of a few: a fold
// upserts about one row per key seen, however many events came, so folding every two seconds
// rather than every half second upserted half as many rows in all under steady load (and its
// steps, the longest the ingest thread takes, came a quarter as often). The tails are only an
// optimisation: anything unexpected — ids that do not follow on, a cursor another handle moved, a
// failed fold — drops them, and reading back takes over from the durable cursors.
import type { DatabaseSync } from 'node:sqlite';
import type { TelemetryEvent } from '@qrpin/core';
import {
  COUNTER_COLUMNS,
  ROLLUP_SLICES,
  RollupAggregator,
  eventSeconds,
  type Aggregate,
  type RollupDelta,
} from '../telemetry/aggregate.ts';
import { TELEMETRY_EVENT_TYPES } from '@qrpin/core';
import { ROLLUP_SPANS } from '../telemetry-store.ts';
import { READ_EVENT_COLUMNS, eventOfRow } from './event-rows.ts';
import type { StatementCache } from './statement-cache.ts';

const TYPES: ReadonlySet<string> = new Set(TELEMETRY_EVENT_TYPES);

export interface RollerOptions {
  readonly db: DatabaseSync;
  readonly statement: StatementCache;
  /**
   * Events read back per transaction at most, and rows the tail's aggregate holds before its fold
   * is started (at twice as many, it is folded without spacing the steps): bounds how long one fold
   * step blocks the event loop.
   */
  readonly chunkEvents?: number | undefined;
  /** How many events the rollups may lag behind before ingestion waits for them (default 4 chunks). */
  readonly maxLagEvents?: number | undefined;
  /** How often the background roll runs, in milliseconds (default 2000). */
  readonly intervalMs?: number | undefined;
}

export interface Roller {
  /** Folds every committed event not yet counted into the rollups, now. */
  catchUp(): void;
  /**
   * The writer's hand-over: `events`, checked, with the unix second of each in `seconds`, were
   * committed with the ids `firstId`…`lastId` (`NaN` when not consecutive). Counted in the tail if
   * they follow on; otherwise read back later.
   */
  stored(events: readonly TelemetryEvent[], seconds: Float64Array, firstId: number, lastId: number): void;
  /**
   * Called after each group commit of `committed` events: when the rollups lag more than
   * `maxLagEvents` behind (or the tail holds two chunks' worth of rows), folds at least as much as
   * was committed, a step per turn of the event loop, so ingestion cannot outrun the rollups
   * (back-pressure); once the tail holds a chunk's worth, starts the background roll for it.
   */
  pace(committed: number): void;
  /** The id of the newest event every target counts. */
  progress(): number;
  /** Stops the background roll (the store calls `catchUp()` once more before closing). */
  stop(): void;
}

/** An upsert statement for one row and for {@link UPSERT_CHUNK} rows at once. */
interface Upsert {
  readonly width: number;
  readonly one: string;
  readonly many: string;
}

/**
 * Rows per multi-row upsert: a small upsert costs less than the call that binds it, so a fold
 * binds many rows a call (the event writer does the same).
 */
const UPSERT_CHUNK = 32;

/**
 * Milliseconds between two steps of the background roll (at most; less if its interval is short):
 * a fold spread over its interval, a step or two in each batch's way, instead of all of its steps
 * back to back (two dozen short transactions, one per turn of the event loop, still held up every
 * batch that came meanwhile).
 */
const STEP_SPACING_MS = 15;

/** The spans of the slow targets: their deltas wait in the slow tail, folded less often. */
const SLOW_SPANS = ROLLUP_SPANS.filter((span) => span !== 60);
/** The slow tail is folded every this many background intervals (at most)… */
const SLOW_EVERY_INTERVALS = 10;
/** …or once it counts this many chunks of events (bounds what a crash leaves to read back). */
const SLOW_MAX_EVENTS_CHUNKS = 50;

function upsert(into: string, columns: readonly string[], onConflict: string): Upsert {
  const row = `(${Array<string>(columns.length).fill('?').join(', ')})`;
  const head = `INSERT INTO ${into} (${columns.join(', ')}) VALUES `;
  return {
    width: columns.length,
    one: `${head}${row} ${onConflict}`,
    many: `${head}${Array<string>(UPSERT_CHUNK).fill(row).join(', ')} ${onConflict}`,
  };
}

const ROLLUP_KEY = [
  'project',
  'span',
  'bucket',
  'destination',
  'campaign',
  'app_version',
  'platform',
  'pinset_seq',
];
const UPSERT_ROLLUP = upsert(
  'rollups',
  [...ROLLUP_KEY, ...COUNTER_COLUMNS],
  `ON CONFLICT (${ROLLUP_KEY.join(', ')}) DO UPDATE SET ${COUNTER_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
);
const COHORT_KEY = ['project', 'span', 'bucket', 'destination', 'pinset_seq', 'cohort'];
const COHORT_COUNTERS = ['attempts', 'pin_failures_enforce', 'pin_failures_report'];
const UPSERT_COHORT = upsert(
  'cohort_rollups',
  [...COHORT_KEY, ...COHORT_COUNTERS],
  `ON CONFLICT (${COHORT_KEY.join(', ')}) DO UPDATE SET ${COHORT_COUNTERS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
);
const UPSERT_HOST = upsert(
  'destination_hosts',
  ['project', 'destination', 'host', 'last_seen'],
  'ON CONFLICT (project, destination, host) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)',
);

/** The rollup rows of an aggregate by span and slice, dealt out once per aggregate. */
const dealt = new WeakMap<Aggregate, Map<number, RollupDelta[]>>();

/** The rollup rows of `aggregate` at `span` in `slice`. */
function rollupsOf(aggregate: Aggregate, span: number, slice: number): readonly RollupDelta[] {
  let bySpanAndSlice = dealt.get(aggregate);
  if (bySpanAndSlice === undefined) {
    bySpanAndSlice = new Map();
    for (const r of aggregate.rollups) {
      const at = r.span * ROLLUP_SLICES + r.slice;
      const rows = bySpanAndSlice.get(at);
      if (rows === undefined) bySpanAndSlice.set(at, [r]);
      else rows.push(r);
    }
    dealt.set(aggregate, bySpanAndSlice);
  }
  return bySpanAndSlice.get(span * ROLLUP_SLICES + slice) ?? [];
}

/**
 * What a roll writes: one rollup table at one span (the main rollups a slice at a time, see
 * {@link ROLLUP_SLICES}), or the destination hosts.
 */
interface Target {
  readonly name: string;
  /** The minute rollups and the hosts are `fast`, folded every interval; hours and days `slow`. */
  readonly group: Group;
  readonly write: (aggregate: Aggregate) => void;
}

type Group = 'fast' | 'slow';

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

  /** Writes `rows` (each `upsert.width` values), {@link UPSERT_CHUNK} a statement, the rest one by one. */
  function writeRows(target: Upsert, rows: readonly (string | number)[][]): void {
    let i = 0;
    if (rows.length >= UPSERT_CHUNK) {
      const many = statement(target.many);
      const params = new Array<string | number>(UPSERT_CHUNK * target.width);
      for (; i + UPSERT_CHUNK <= rows.length; i += UPSERT_CHUNK) {
        let o = 0;
        for (let j = i; j < i + UPSERT_CHUNK; j++)
          for (const value of rows[j] as (string | number)[]) params[o++] = value;
        many.run(...params);
      }
    }
    if (i < rows.length) {
      const one = statement(target.one);
      for (; i < rows.length; i++) one.run(...(rows[i] as (string | number)[]));
    }
  }

  const targets: Target[] = [];
  for (const span of ROLLUP_SPANS) {
    for (let slice = 0; slice < ROLLUP_SLICES; slice++) {
      targets.push({
        name: `rollups/${span}#${slice}`,
        group: span === 60 ? 'fast' : 'slow',
        write(aggregate) {
          const rows = rollupsOf(aggregate, span, slice).map((r) => [
            r.project,
            span,
            r.bucket,
            r.destination,
            r.campaign,
            r.appVersion,
            r.platform,
            r.pinsetSeq,
            ...r.counts,
          ]);
          writeRows(UPSERT_ROLLUP, rows);
        },
      });
    }
    targets.push({
      name: `cohorts/${span}`,
      group: span === 60 ? 'fast' : 'slow',
      write(aggregate) {
        const rows = aggregate.cohorts
          .filter((c) => c.span === span)
          .map((c) => [
            c.project,
            span,
            c.bucket,
            c.destination,
            c.pinsetSeq,
            c.cohort,
            c.attempts,
            c.pinFailuresEnforce,
            c.pinFailuresReport,
          ]);
        writeRows(UPSERT_COHORT, rows);
      },
    });
  }
  targets.push({
    name: 'hosts',
    group: 'fast',
    write(aggregate) {
      writeRows(
        UPSERT_HOST,
        aggregate.hosts.map((h) => [h.project, h.destination, h.host, h.lastSeen]),
      );
    },
  });

  const fastTargets = targets.filter((t) => t.group === 'fast').length;

  function cursorOf(name: string): number {
    const row = statement('SELECT last_event_id FROM rollup_progress WHERE target = ?').get(name) as
      { last_event_id: number | bigint } | undefined;
    return row === undefined ? 0 : Number(row.last_event_id);
  }

  function progress(): number {
    return Math.min(...targets.map((t) => cursorOf(t.name)));
  }

  /**
   * The committed events after `from` up to `to`, at most a chunk, as the writer stored them
   * (validated).
   */
  function readChunk(from: number, to: number): { ids: number[]; events: TelemetryEvent[] } {
    const rows = statement(
      `SELECT id, ${READ_EVENT_COLUMNS} FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
    ).all(from, to, chunk);
    return {
      ids: rows.map((r) => Number(r.id)),
      events: rows.map(eventOfRow),
    };
  }

  /** Adds the events a rollup counts; a row that is no event (edited by hand, say) is left out. */
  function addCountable(aggregator: RollupAggregator, events: readonly TelemetryEvent[]): void {
    const countable = events.filter(
      (e) => TYPES.has(e.type) && typeof e.time === 'string' && Number.isFinite(Date.parse(e.time)),
    );
    aggregator.add(countable, eventSeconds(countable));
  }

  function aggregateOf(events: readonly TelemetryEvent[]): Aggregate {
    const aggregator = new RollupAggregator();
    addCountable(aggregator, events);
    return aggregator.result({ sorted: false });
  }

  /**
   * Folds the events after `from` up to `to` (their aggregate) into one target, if its cursor is
   * still `from` (checked under the write lock: another handle may have folded them meanwhile; the
   * next plan sees where its cursor is).
   */
  function fold(target: Target, from: number, to: number, aggregate: Aggregate): void {
    // A fold commits without an fsync of its own (synchronous NORMAL, for this transaction only):
    // the next event commit's flush (see event-writer.ts) makes it durable. A power cut before then
    // undoes whole folds, cursor included, and they are folded again from the stored events.
    const { synchronous } = statement('PRAGMA synchronous').get() as { synchronous: number };
    db.exec('PRAGMA synchronous = NORMAL');
    try {
      foldOnce(target, from, to, aggregate);
    } finally {
      db.exec(`PRAGMA synchronous = ${Number(synchronous)}`);
    }
  }

  function foldOnce(target: Target, from: number, to: number, aggregate: Aggregate): void {
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
      ).run(target.name, to);
      db.exec('COMMIT');
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  /**
   * The tails: events with ids after `from` up to `to`, counted in memory. The fast tail counts the
   * batches the writer hands over, for the minute rollups and the hosts; each fold of it hands its
   * minutes on to the slow tail, which follows on below it (its `to` is the fast tail's `from`)
   * and is folded into the hours and days less often (every ten intervals, or once it holds four
   * chunks' worth of rows or fifty chunks of events): an hour or day row then counts many times
   * as many events an upsert. A group's targets read back every event up to their tail's start
   * (the slow targets, without a tail of their own, up to the fast tail's start: its events come
   * to them through the slow tail; what the fast targets read back from the slow tail's end goes
   * on in it too); once every cursor is at its tail's start, the tails are folded, a step per
   * target.
   */
  interface Tail {
    readonly from: number;
    to: number;
    /** Events it counts (the slow tail: ids it covers). */
    events: number;
    readonly aggregator: RollupAggregator;
  }
  let fast: Tail | undefined;
  let slow: Tail | undefined;
  /** When the slow tail was last folded (or the roller started). */
  let slowFoldedAt = Date.now();
  /** A start of the fast tail every cursor was seen at (or will be at once the planned steps ran). */
  let caughtUpTo = Number.NaN;
  const newTail = (at: number): Tail => ({
    from: at,
    to: at,
    events: 0,
    aggregator: new RollupAggregator(),
  });
  /** Rows a tail holds at most: past them (read-back far behind) it is dropped, to bound memory. */
  const maxTailRows = 8 * chunk;

  /** Where a target's cursor is read back to: its tail's start (the newest event without one). */
  function boundOf(target: Target): number {
    const tail = target.group === 'fast' ? fast : (slow ?? fast);
    return tail?.from ?? Number.MAX_SAFE_INTEGER;
  }

  /**
   * One chunk read back, after the lowest cursor of the targets behind their tail's start: its
   * steps (one per target behind), to run now or one per turn of the event loop. None once every
   * target with a tail is at its start: the tails are next.
   */
  function planChunk(): (() => void)[] {
    const cursors = targets.map((t) => cursorOf(t.name));
    // Another handle folded past a tail's start: read its events back instead.
    const past = (group: Group, tail: Tail | undefined): boolean =>
      tail !== undefined && targets.some((t, i) => t.group === group && (cursors[i] as number) > tail.from);
    if (past('fast', fast)) fast = undefined;
    if (past('slow', slow)) slow = undefined;
    const bounds = targets.map(boundOf);
    const behind = targets.map((_, i) => i).filter((i) => (cursors[i] as number) < (bounds[i] as number));
    if (behind.length === 0) {
      caughtUpTo = fast?.from ?? Number.NaN;
      return [];
    }
    const from = Math.min(...behind.map((i) => cursors[i] as number));
    const upTo = Math.max(...behind.map((i) => bounds[i] as number));
    const { ids, events } = readChunk(from, upTo);
    // Less than a chunk read: every id up to `upTo` is read (ids are handed out under the write
    // lock, so none below a tail's start can still come), so a cursor may go to its tail's start.
    const whole = ids.length < chunk;
    const last = ids.at(-1);
    /** Where target `i`'s cursor goes with this chunk (not past its tail's start). */
    const endOf = (i: number): number => {
      const bound = bounds[i] as number;
      return whole && bound !== Number.MAX_SAFE_INTEGER ? bound : Math.min(bound, last ?? 0);
    };
    /** The events read after `start` up to `end`. */
    const eventsBetween = (start: number, end: number): TelemetryEvent[] =>
      events.filter((_, k) => (ids[k] as number) > start && (ids[k] as number) <= end);
    const aggregates = new Map<string, Aggregate>();
    /** Their aggregate, shared by the targets alike. */
    const aggregateBetween = (start: number, end: number): Aggregate => {
      const key = `${start}:${end}`;
      let aggregate = aggregates.get(key);
      if (aggregate === undefined) {
        aggregate = aggregateOf(eventsBetween(start, end));
        aggregates.set(key, aggregate);
      }
      return aggregate;
    };
    const steps: (() => void)[] = [];
    // The fast targets reading back from where the slow tail ends: what they read goes on in the
    // slow tail too, so that the slow targets need not read it back again.
    const fastBehind = behind.filter((i) => targets[i]?.group === 'fast');
    if (
      slow !== undefined &&
      fastBehind.length === fastTargets &&
      fastBehind.every((i) => cursors[i] === slow?.to)
    ) {
      const end = endOf(fastBehind[0] as number);
      if (end > slow.to) {
        addCountable(slow.aggregator, eventsBetween(slow.to, end));
        slow.events += end - slow.to;
        slow.to = end;
        if (slow.aggregator.rows > maxTailRows) slow = undefined;
      }
    }
    for (const i of behind) {
      const cursor = cursors[i] as number;
      const end = endOf(i);
      if (end <= cursor) continue;
      const target = targets[i] as Target;
      steps.push(() => fold(target, cursor, end, aggregateBetween(cursor, end)));
    }
    // Nothing to read back: every target with a tail is at its start (one behind it has a step).
    if (steps.length === 0) caughtUpTo = fast?.from ?? Number.NaN;
    return steps;
  }

  /**
   * The steps that fold the fast tail (if `foldFast` and it counts any event) and the slow tail (if
   * `foldSlow` or due, once the fast one's deltas are added); new, empty tails follow on.
   */
  function planTails(foldFast: boolean, foldSlow: boolean): (() => void)[] {
    const steps: (() => void)[] = [];
    if (foldFast && fast !== undefined && fast.events > 0) {
      const folding = fast;
      fast = newTail(folding.to);
      caughtUpTo = folding.to; // once its steps ran (one that fails or skips drops the tail)
      const aggregate = folding.aggregator.result({ sorted: false, spans: [60] });
      // Its minutes go on in the slow tail, for the hours and days (a step of its own, run before
      // any plan of the slow fold); one that does not follow on is read back.
      if (slow?.to !== folding.from) slow = newTail(folding.from);
      const gathering = slow;
      gathering.to = folding.to;
      gathering.events += folding.events;
      steps.push(() => {
        gathering.aggregator.merge(folding.aggregator);
        if (slow === gathering && gathering.aggregator.rows > maxTailRows) slow = undefined;
      });
      // A target whose cursor moved meanwhile (another handle) is left to read-back.
      for (const target of targets) {
        if (target.group === 'fast') steps.push(() => fold(target, folding.from, folding.to, aggregate));
      }
    }
    if (slow !== undefined && slow.to > slow.from && (foldSlow || slowDue(slow))) {
      const folding = slow;
      slow = newTail(folding.to);
      slowFoldedAt = Date.now();
      let aggregate: Aggregate | undefined;
      for (const target of targets) {
        if (target.group !== 'slow') continue;
        steps.push(() => {
          aggregate ??= folding.aggregator.result({ sorted: false, spans: SLOW_SPANS });
          fold(target, folding.from, folding.to, aggregate);
        });
      }
    }
    return steps;
  }

  /** Whether the slow tail is folded now: every few intervals, or once it holds a lot. */
  function slowDue(tail: Tail): boolean {
    return (
      Date.now() - slowFoldedAt >= SLOW_EVERY_INTERVALS * intervalMs ||
      tail.aggregator.rows >= 4 * chunk ||
      tail.events >= SLOW_MAX_EVENTS_CHUNKS * chunk
    );
  }

  /** A batch the writer handed over: counted in the fast tail if its ids follow on. */
  function stored(
    events: readonly TelemetryEvent[],
    seconds: Float64Array,
    firstId: number,
    lastId: number,
  ): void {
    // Ids that do not follow on (another handle's rows between): the tail so far is read back.
    if (fast !== undefined && firstId !== fast.to + 1) fast = undefined;
    if (
      !Number.isSafeInteger(firstId) ||
      lastId - firstId + 1 !== events.length ||
      seconds.length !== events.length
    ) {
      fast = undefined;
      return;
    }
    fast ??= newTail(firstId - 1);
    try {
      fast.aggregator.add(events, seconds);
    } catch {
      fast = undefined;
      return;
    }
    fast.to = lastId;
    fast.events += events.length;
    if (fast.aggregator.rows > maxTailRows) fast = undefined;
  }

  const maxLag = options.maxLagEvents ?? 4 * chunk;
  const intervalMs = options.intervalMs ?? 2000;

  // The steps being run, shared by the background roll and by pace(); a step planned from cursors
  // that moved meanwhile (catchUp, another handle) rechecks them and skips.
  let pending: (() => void)[] = [];
  /** Whether the roll goes on after the pending steps (to read on, or to fold the tail). */
  let readOn = false;
  /**
   * Runs one step (planning counts as one); says whether it planned the tail's fold, or whether
   * there is more to do. Once caught up, the tail is folded only if `foldTail`: folded often, it
   * would count few events an upsert.
   */
  function stepOnce(foldTail: boolean): 'tail' | 'more' | 'done' {
    if (pending.length > 0) {
      (pending.shift() as () => void)();
      return pending.length > 0 || readOn ? 'more' : 'done';
    }
    const steps = planChunk();
    if (steps.length > 0) {
      pending = steps;
      readOn = true;
      return 'more';
    }
    if (!foldTail) return 'done';
    pending = planTails(true, false);
    readOn = false;
    return pending.length > 0 ? 'tail' : 'done';
  }

  /**
   * Runs up to `budget` steps, one per turn of the event loop, so that requests and commits keep
   * theirs; folds the tail at most once (if `foldTail`), whichever roll runs the steps (the
   * background roll and pace() share them).
   */
  function roll(foldTail: boolean, budget: number, done: () => void = () => undefined, spacingMs = 0): void {
    let mayFoldTail = foldTail;
    let left = budget;
    const next = (): void => {
      let again = false;
      try {
        if (!stopped && db.isOpen && left-- > 0) {
          const outcome = stepOnce(mayFoldTail);
          // The tail's events that come meanwhile wait for the next roll.
          if (outcome === 'tail') mayFoldTail = false;
          again = outcome !== 'done';
        }
      } catch {
        // Another handle held the write lock past the busy timeout: the next roll plans again.
        reset();
      }
      if (!again) done();
      else if (spacingMs > 0) setTimeout(next, spacingMs).unref();
      else setImmediate(next);
    };
    next();
  }

  /** Forgets the planned steps after a failure: the next roll plans again from the cursors. */
  function reset(): void {
    pending = [];
    fast = undefined;
    slow = undefined;
  }

  /** Whether some target is more than `maxLag` events behind what it must read back. */
  function lagging(): boolean {
    let newest: number | undefined;
    return targets.some((target) => {
      let bound = boundOf(target);
      if (bound === Number.MAX_SAFE_INTEGER) {
        newest ??= Number((statement('SELECT MAX(id) AS id FROM events').get() as { id: unknown }).id);
        bound = newest;
      }
      return bound - cursorOf(target.name) > maxLag;
    });
  }

  function pace(committed: number): void {
    const rows = fast?.aggregator.rows ?? 0;
    if (fast !== undefined && caughtUpTo === fast.from && rows < 2 * chunk) {
      // Nothing to read back, and the tail not far past a chunk's worth of rows: the background
      // roll folds it, a step at a time spread over its interval (started now if the tail is due).
      if (rows >= chunk) rollInBackground();
      return;
    }
    if (pending.length === 0 && rows < chunk && !lagging()) return;
    // At least as many steps as the commit's events take to fold (a chunk is one plan and one step
    // per target), so a lagging roller gains on ingestion, a commit at a time; one step per turn of
    // the event loop, so that requests and commits keep theirs in between. The tail is folded here
    // once it holds two chunks' worth of rows (the background roll did not keep up).
    roll(rows >= chunk, Math.ceil(((targets.length + 1) * committed) / chunk) + targets.length + 1);
  }

  function catchUp(): void {
    try {
      while (pending.length > 0) (pending.shift() as () => void)();
      for (;;) {
        const steps = planChunk();
        if (steps.length > 0) {
          for (const step of steps) step();
          continue;
        }
        for (const step of planTails(true, true)) step();
        // Rows after the tails that they were not handed (another handle's): read back as well.
        if (statement('SELECT 1 FROM events WHERE id > ? LIMIT 1').get(progress()) === undefined) return;
        fast = undefined;
        slow = undefined;
      }
    } catch (err) {
      reset();
      throw err;
    }
  }

  // The background roll folds the tail every interval, and reads back whatever it was not handed.
  let running = false;
  let stopped = false;
  function rollInBackground(): void {
    if (running || stopped || !db.isOpen) return;
    running = true;
    roll(
      true,
      Number.POSITIVE_INFINITY,
      () => {
        running = false;
      },
      Math.min(STEP_SPACING_MS, Math.floor(intervalMs / (targets.length + 2))),
    );
  }
  const timer = setInterval(rollInBackground, intervalMs);
  timer.unref();

  return {
    catchUp,
    stored,
    pace,
    progress,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
