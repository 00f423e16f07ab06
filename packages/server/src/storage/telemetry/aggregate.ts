// Folds a batch of events into rollup deltas, in memory, before anything is written: one upsert
// per distinct rollup key instead of one per event. Shared by both stores, so they count alike.
import type { TelemetryEvent } from '@qrpin/core';
import { StoreError } from '../error.ts';
import { ROLLUP_COUNTERS, ROLLUP_SPANS, type RollupSpan } from '../telemetry-store.ts';

/** Stored for an absent destination or campaign (a primary key cannot hold `NULL`). */
export const NO_TEXT = '';
/** Stored for an absent pinset seq or cohort. */
export const NO_NUMBER = -1;

/** The column of each counter of {@link ROLLUP_COUNTERS}, in the same order. */
export const COUNTER_COLUMNS: readonly string[] = ROLLUP_COUNTERS.map((name) =>
  name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
);

const EVENTS = 0;
/** The counter an event type adds to (besides `events`), as an index of {@link ROLLUP_COUNTERS}. */
const COUNTER_OF_TYPE: Readonly<Record<TelemetryEvent['type'], number>> = {
  scan: ROLLUP_COUNTERS.indexOf('scans'),
  hop: ROLLUP_COUNTERS.indexOf('hops'),
  tls_ok: ROLLUP_COUNTERS.indexOf('tlsOk'),
  tls_error: ROLLUP_COUNTERS.indexOf('tlsErrors'),
  pin_failure: ROLLUP_COUNTERS.indexOf('pinFailuresEnforce'),
  redirect_blocked: ROLLUP_COUNTERS.indexOf('redirectsBlocked'),
  complete: ROLLUP_COUNTERS.indexOf('completes'),
  abandon: ROLLUP_COUNTERS.indexOf('abandons'),
};
const PIN_FAILURES_REPORT = ROLLUP_COUNTERS.indexOf('pinFailuresReport');

/** What one main rollup row gains. Absent dimensions are already `''` / `-1`. */
export interface RollupDelta {
  readonly project: string;
  readonly span: RollupSpan;
  readonly bucket: number;
  readonly destination: string;
  readonly campaign: string;
  readonly appVersion: string;
  readonly platform: string;
  readonly pinsetSeq: number;
  /** One count per counter, in {@link ROLLUP_COUNTERS} order. */
  readonly counts: number[];
  /** The row's slice (see {@link rollupSlice}): the same for every bucket and span of its dimensions. */
  readonly slice: number;
}

/**
 * Rollup rows are dealt into this many slices by their dimensions, so that SQLite can fold a large
 * delta a slice at a time (one short transaction each) instead of holding its write lock, and the
 * event loop, for the whole of it.
 */
export const ROLLUP_SLICES = 8;

/**
 * The slice of a rollup row's dimensions (not its bucket or span): FNV-1a (32-bit) over the UTF-16
 * code units of destination, campaign, app version, platform and pinset seq, joined with NUL, modulo
 * {@link ROLLUP_SLICES}. Part of what SQLite's fold cursors mean (each slice has its own), so it
 * never changes (a test holds it to known values).
 */
export function rollupSlice(
  destination: string,
  campaign: string,
  appVersion: string,
  platform: string,
  pinsetSeq: number,
): number {
  return (
    fnv1a32(destination + SEP + campaign + SEP + appVersion + SEP + platform + SEP + String(pinsetSeq)) %
    ROLLUP_SLICES
  );
}

/** FNV-1a, 32-bit, over the UTF-16 code units of `text` (for ASCII, the same as over its bytes). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** What one cohort rollup row gains. */
export interface CohortDelta {
  readonly project: string;
  readonly span: RollupSpan;
  readonly bucket: number;
  readonly destination: string;
  readonly pinsetSeq: number;
  readonly cohort: number;
  attempts: number;
  pinFailuresEnforce: number;
  pinFailuresReport: number;
}

/** A host a destination reached, with the newest time (unix seconds) a batch showed it. */
export interface HostSeen {
  readonly project: string;
  readonly destination: string;
  readonly host: string;
  lastSeen: number;
}

/** Which deltas {@link RollupAggregator.result} returns, and in what order. */
export interface ResultOptions {
  /** Sorted by key (the default), or in no particular order. */
  readonly sorted?: boolean;
  /** The spans whose rollup and cohort deltas it holds (the default: every span). */
  readonly spans?: readonly RollupSpan[];
}

/** The deltas of a set of batches, each list sorted by its key (the same order in every process). */
export interface Aggregate {
  readonly rollups: RollupDelta[];
  readonly cohorts: CohortDelta[];
  readonly hosts: HostSeen[];
}

/**
 * The unix second of each event's `time`, checked: the store refuses a batch with an unreadable
 * time rather than count it in a wrong bucket.
 */
export function eventSeconds(events: readonly TelemetryEvent[]): Float64Array {
  const seconds = new Float64Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const ms = Date.parse((events[i] as TelemetryEvent).time);
    if (!Number.isFinite(ms)) {
      throw new StoreError('ERR_STORE_OPTIONS', `events[${i}].time is not an ISO 8601 time`);
    }
    seconds[i] = Math.floor(ms / 1000);
  }
  return seconds;
}

// Keys join the dimensions with NUL: validated event strings cannot hold control characters, so
// two different dimension tuples never share a key (the wider spans of result() use such keys).
const SEP = '\u0000';

/** FNV-1a's offset basis and prime (32-bit). */
const FNV_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** `hash` on through `text`'s UTF-16 code units and then a separator (FNV-1a, 32-bit). */
function hashText(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return Math.imul(h ^ 0xffff, FNV_PRIME);
}

/** `hash` on through an integer (any safe integer: its low and high 32 bits). */
function hashNumber(hash: number, n: number): number {
  const h = Math.imul(hash ^ (n >>> 0), FNV_PRIME);
  return Math.imul(h ^ (Math.floor(n / 0x1_0000_0000) >>> 0), FNV_PRIME);
}

/**
 * Rows found by a 32-bit hash of their key fields, each hash's rows in a short list checked field
 * by field: adding an event costs a hash of its fields and a comparison, not the making of a key
 * string (a join of seven parts, flattened and hashed again by the Map, for every event).
 */
class HashedRows<T> {
  readonly #byHash = new Map<number, T[]>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The row of `hash` that `matches`, if any. */
  find(hash: number, matches: (row: T) => boolean): T | undefined {
    const rows = this.#byHash.get(hash);
    if (rows === undefined) return undefined;
    for (const row of rows) if (matches(row)) return row;
    return undefined;
  }

  add(hash: number, row: T): void {
    const rows = this.#byHash.get(hash);
    if (rows === undefined) this.#byHash.set(hash, [row]);
    else rows.push(row);
    this.#size++;
  }

  *values(): IterableIterator<T> {
    for (const rows of this.#byHash.values()) yield* rows;
  }
}

/** The hash a minute row is found by (exported for tests: they look for two rows that share one). */
export function rollupHash(
  bucket: number,
  project: string,
  destination: string,
  campaign: string,
  appVersion: string,
  platform: string,
  pinsetSeq: number,
): number {
  let h = hashNumber(FNV_BASIS, bucket);
  h = hashText(h, project);
  h = hashText(h, destination);
  h = hashText(h, campaign);
  h = hashText(h, appVersion);
  h = hashText(h, platform);
  return hashNumber(h, pinsetSeq);
}

function cohortHash(
  bucket: number,
  project: string,
  destination: string,
  pinsetSeq: number,
  cohort: number,
): number {
  let h = hashNumber(FNV_BASIS, bucket);
  h = hashText(h, project);
  h = hashText(h, destination);
  h = hashNumber(h, pinsetSeq);
  return hashNumber(h, cohort);
}

function hostHash(project: string, destination: string, host: string): number {
  return hashText(hashText(hashText(FNV_BASIS, project), destination), host);
}

/**
 * Folds events into deltas of the minute rollup, then folds the minutes into hours and days.
 *
 * @example
 * ```ts
 * const aggregator = new RollupAggregator();
 * aggregator.add(events, eventSeconds(events));
 * const { rollups, cohorts, hosts } = aggregator.result();
 * ```
 */
export class RollupAggregator {
  readonly #minutes = new HashedRows<RollupDelta>();
  readonly #cohorts = new HashedRows<CohortDelta>();
  readonly #hosts = new HashedRows<HostSeen>();

  /** The rows the deltas hold so far (minute and cohort rows): what folding them costs. */
  get rows(): number {
    return this.#minutes.size + this.#cohorts.size;
  }

  /** Adds a batch; `seconds[i]` is the unix second of `events[i]` (see {@link eventSeconds}). */
  add(events: readonly TelemetryEvent[], seconds: Float64Array): void {
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as TelemetryEvent;
      const second = seconds[i] as number;
      const minute = second - (((second % 60) + 60) % 60);
      const destination = e.destination ?? NO_TEXT;
      const campaign = e.campaign ?? NO_TEXT;
      const pinsetSeq = e.pinsetSeq ?? NO_NUMBER;
      let counter = COUNTER_OF_TYPE[e.type];
      if (e.type === 'pin_failure' && e.mode === 'report') counter = PIN_FAILURES_REPORT;

      const row = this.#minute(minute, e.project, destination, campaign, e.appVersion, e.platform, pinsetSeq);
      (row.counts[EVENTS] as number)++;
      (row.counts[counter] as number)++;

      if (e.type === 'tls_ok' || e.type === 'tls_error' || e.type === 'pin_failure') {
        const c = this.#cohort(minute, e.project, destination, pinsetSeq, e.cohort ?? NO_NUMBER);
        if (e.type !== 'pin_failure') c.attempts++;
        else if (counter === PIN_FAILURES_REPORT) c.pinFailuresReport++;
        else c.pinFailuresEnforce++;
      }

      if (e.destination !== undefined && e.host !== undefined) {
        this.#host(e.project, e.destination, e.host, second);
      }
    }
  }

  /** The minute row of these dimensions, made (with every count 0) if there is none yet. */
  #minute(
    bucket: number,
    project: string,
    destination: string,
    campaign: string,
    appVersion: string,
    platform: string,
    pinsetSeq: number,
  ): RollupDelta {
    const hash = rollupHash(bucket, project, destination, campaign, appVersion, platform, pinsetSeq);
    const found = this.#minutes.find(
      hash,
      (r) =>
        r.bucket === bucket &&
        r.destination === destination &&
        r.campaign === campaign &&
        r.appVersion === appVersion &&
        r.platform === platform &&
        r.pinsetSeq === pinsetSeq &&
        r.project === project,
    );
    if (found !== undefined) return found;
    const row: RollupDelta = {
      project,
      span: 60,
      bucket,
      destination,
      campaign,
      appVersion,
      platform,
      pinsetSeq,
      counts: new Array<number>(ROLLUP_COUNTERS.length).fill(0),
      slice: rollupSlice(destination, campaign, appVersion, platform, pinsetSeq),
    };
    this.#minutes.add(hash, row);
    return row;
  }

  /** The minute cohort row of these dimensions, made (with every count 0) if there is none yet. */
  #cohort(
    bucket: number,
    project: string,
    destination: string,
    pinsetSeq: number,
    cohort: number,
  ): CohortDelta {
    const hash = cohortHash(bucket, project, destination, pinsetSeq, cohort);
    const found = this.#cohorts.find(
      hash,
      (c) =>
        c.bucket === bucket &&
        c.cohort === cohort &&
        c.destination === destination &&
        c.pinsetSeq === pinsetSeq &&
        c.project === project,
    );
    if (found !== undefined) return found;
    const row: CohortDelta = {
      project,
      span: 60,
      bucket,
      destination,
      pinsetSeq,
      cohort,
      attempts: 0,
      pinFailuresEnforce: 0,
      pinFailuresReport: 0,
    };
    this.#cohorts.add(hash, row);
    return row;
  }

  /** Records that `destination` reached `host` at `second` (the newest time kept). */
  #host(project: string, destination: string, host: string, second: number): void {
    const hash = hostHash(project, destination, host);
    const seen = this.#hosts.find(
      hash,
      (h) => h.host === host && h.destination === destination && h.project === project,
    );
    if (seen === undefined) this.#hosts.add(hash, { project, destination, host, lastSeen: second });
    else if (second > seen.lastSeen) seen.lastSeen = second;
  }

  /**
   * Adds what `other` holds (as if its events had been added here): SQLite's slow tail gathers the
   * minutes of the fast tail's folds this way, to fold their hours and days later.
   */
  merge(other: RollupAggregator): void {
    for (const m of other.#minutes.values()) {
      const row = this.#minute(
        m.bucket,
        m.project,
        m.destination,
        m.campaign,
        m.appVersion,
        m.platform,
        m.pinsetSeq,
      );
      for (let k = 0; k < row.counts.length; k++) (row.counts[k] as number) += m.counts[k] as number;
    }
    for (const c of other.#cohorts.values()) {
      const row = this.#cohort(c.bucket, c.project, c.destination, c.pinsetSeq, c.cohort);
      row.attempts += c.attempts;
      row.pinFailuresEnforce += c.pinFailuresEnforce;
      row.pinFailuresReport += c.pinFailuresReport;
    }
    for (const h of other.#hosts.values()) this.#host(h.project, h.destination, h.host, h.lastSeen);
  }

  /**
   * The deltas of `spans` (default: every span), sorted by key so that concurrent writers lock rows
   * in one order (PostgreSQL); `sorted: false` leaves them in no particular order (SQLite's one
   * writer at a time needs none).
   */
  result({ sorted = true, spans = ROLLUP_SPANS }: ResultOptions = {}): Aggregate {
    const minutes = spans.includes(60);
    const rollups: RollupDelta[] = minutes ? [...this.#minutes.values()] : [];
    const cohorts: CohortDelta[] = minutes ? [...this.#cohorts.values()] : [];
    for (const span of spans) {
      if (span === 60) continue;
      const wider = new Map<string, RollupDelta>();
      for (const m of this.#minutes.values()) {
        const bucket = m.bucket - (((m.bucket % span) + span) % span);
        const key =
          bucket +
          SEP +
          m.project +
          SEP +
          m.destination +
          SEP +
          m.campaign +
          SEP +
          m.appVersion +
          SEP +
          m.platform +
          SEP +
          m.pinsetSeq;
        const row = wider.get(key);
        if (row === undefined) wider.set(key, { ...m, span, bucket, counts: [...m.counts] });
        else for (let k = 0; k < row.counts.length; k++) (row.counts[k] as number) += m.counts[k] as number;
      }
      rollups.push(...wider.values());
      const widerCohorts = new Map<string, CohortDelta>();
      for (const m of this.#cohorts.values()) {
        const bucket = m.bucket - (((m.bucket % span) + span) % span);
        const key = bucket + SEP + m.project + SEP + m.destination + SEP + m.pinsetSeq + SEP + m.cohort;
        const row = widerCohorts.get(key);
        if (row === undefined) {
          widerCohorts.set(key, { ...m, span, bucket });
        } else {
          row.attempts += m.attempts;
          row.pinFailuresEnforce += m.pinFailuresEnforce;
          row.pinFailuresReport += m.pinFailuresReport;
        }
      }
      cohorts.push(...widerCohorts.values());
    }
    const hosts = [...this.#hosts.values()];
    if (sorted) {
      rollups.sort(compareRollups);
      cohorts.sort(compareCohorts);
      hosts.sort(
        (a, b) =>
          compareText(a.project, b.project) ||
          compareText(a.destination, b.destination) ||
          compareText(a.host, b.host),
      );
    }
    return { rollups, cohorts, hosts };
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareRollups(a: RollupDelta, b: RollupDelta): number {
  return (
    compareText(a.project, b.project) ||
    a.span - b.span ||
    a.bucket - b.bucket ||
    compareText(a.destination, b.destination) ||
    compareText(a.campaign, b.campaign) ||
    compareText(a.appVersion, b.appVersion) ||
    compareText(a.platform, b.platform) ||
    a.pinsetSeq - b.pinsetSeq
  );
}

function compareCohorts(a: CohortDelta, b: CohortDelta): number {
  return (
    compareText(a.project, b.project) ||
    a.span - b.span ||
    a.bucket - b.bucket ||
    compareText(a.destination, b.destination) ||
    a.pinsetSeq - b.pinsetSeq ||
    a.cohort - b.cohort
  );
}
