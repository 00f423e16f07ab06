/**
 * The telemetry half of the storage contract: journey events, the rollups every figure of the
 * dashboard and of the metrics API is answered from, alerts with their webhook outbox, dashboard
 * sessions and retention. SQLite and PostgreSQL keep it alike; one contract suite runs on both.
 *
 * Every acknowledged event is counted exactly once in the rollups, and a rollup query sees every
 * event acknowledged before it; queries never touch raw events. PostgreSQL writes the rollups in the
 * same transaction as the events; SQLite folds committed events into them shortly after, each
 * rollup table advancing a durable cursor in the transaction of its upserts (sqlite/roller.ts), and
 * catches up before answering a query.
 */
import type { TelemetryEvent } from '@qrpin/core';

/** The bucket widths rollups are kept at, in seconds: a minute, an hour, a day (UTC). */
export const ROLLUP_SPANS = [60, 3600, 86_400] as const;
export type RollupSpan = (typeof ROLLUP_SPANS)[number];

/** What a rollup row counts: one counter per event type (pin failures split by mode). */
export interface RollupCounters {
  /** Every event. */
  readonly events: number;
  readonly scans: number;
  readonly hops: number;
  readonly tlsOk: number;
  readonly tlsErrors: number;
  /** `pin_failure` events with `mode: enforce` (or no mode: a failure that blocked). */
  readonly pinFailuresEnforce: number;
  /** `pin_failure` events with `mode: report`. */
  readonly pinFailuresReport: number;
  readonly redirectsBlocked: number;
  readonly completes: number;
  readonly abandons: number;
}

/** The names of {@link RollupCounters}, in a fixed order (column order in both stores). */
export const ROLLUP_COUNTERS = [
  'events',
  'scans',
  'hops',
  'tlsOk',
  'tlsErrors',
  'pinFailuresEnforce',
  'pinFailuresReport',
  'redirectsBlocked',
  'completes',
  'abandons',
] as const satisfies readonly (keyof RollupCounters)[];

/**
 * The dimensions of the main rollup. An event without a destination, campaign or pinset seq is
 * counted under `null` for it.
 */
export type RollupDimension = 'destination' | 'campaign' | 'appVersion' | 'platform' | 'pinsetSeq';

/** Equality filters on dimensions; `null` selects the rows without a value. */
export interface RollupFilters {
  readonly destination?: string | null | undefined;
  readonly campaign?: string | null | undefined;
  readonly appVersion?: string | undefined;
  readonly platform?: string | undefined;
  readonly pinsetSeq?: number | null | undefined;
}

/** A query of one rollup span over a time range. */
export interface RollupQuery {
  readonly span: RollupSpan;
  /** Start, unix seconds, inclusive; a multiple of `span`. */
  readonly from: number;
  /** End, unix seconds, exclusive; a multiple of `span`, greater than `from`. */
  readonly to: number;
  readonly filters?: RollupFilters | undefined;
  /** The dimensions to group by, and `bucket` to get a time series; `[]` sums everything into one row. */
  readonly groupBy: readonly (RollupDimension | 'bucket')[];
  /**
   * With `bucket` in `groupBy`: the width of each point in seconds, a multiple of `span`
   * (default `span`); a row's `bucket` is then `floor(bucket / step) * step`.
   */
  readonly step?: number | undefined;
}

/** One grouped row: the counters, and the value of each grouped dimension (others absent). */
export interface RollupRow extends RollupCounters {
  readonly bucket?: number;
  readonly destination?: string | null;
  readonly campaign?: string | null;
  readonly appVersion?: string;
  readonly platform?: string;
  readonly pinsetSeq?: number | null;
}

/** The pin-check rollup, by cohort: how many TLS attempts and pin failures each rollout cohort saw. */
export interface CohortCounters {
  /** `tls_ok` + `tls_error` events: connection attempts. */
  readonly attempts: number;
  readonly pinFailuresEnforce: number;
  readonly pinFailuresReport: number;
}

export type CohortDimension = 'destination' | 'pinsetSeq' | 'cohort';

/** A query of the cohort rollup; filters on destination and pinset seq only. */
export interface CohortQuery {
  readonly span: RollupSpan;
  readonly from: number;
  readonly to: number;
  readonly filters?: Pick<RollupFilters, 'destination' | 'pinsetSeq'> | undefined;
  readonly groupBy: readonly (CohortDimension | 'bucket')[];
  readonly step?: number | undefined;
}

export interface CohortRow extends CohortCounters {
  readonly bucket?: number;
  readonly destination?: string | null;
  readonly pinsetSeq?: number | null;
  /** The client's rollout cohort (0–99), `null` for events without one. */
  readonly cohort?: number | null;
}

/** A host a destination's journeys reached, as seen in its events. */
export interface DestinationHost {
  readonly destination: string;
  readonly host: string;
  /** Unix seconds of the newest event that showed it. */
  readonly lastSeen: number;
}

/** What spike detection flagged. */
export type AlertKind = 'tls_error_rate' | 'pin_failure_rate';

/** Errors over attempts in a window or a baseline. */
export interface RateSample {
  readonly errors: number;
  readonly attempts: number;
}

/** An alert as detection raises it. */
export interface AlertInput {
  readonly project: string;
  readonly destination: string;
  readonly kind: AlertKind;
  /** Start of the window that spiked, unix seconds. */
  readonly windowStart: number;
  readonly windowSeconds: number;
  readonly observed: RateSample;
  readonly baseline: RateSample;
  /** The one-sided p-value of the test that flagged it. */
  readonly pValue: number;
}

/** A stored alert. */
export interface AlertRecord extends AlertInput {
  readonly id: number;
  /** ISO 8601. */
  readonly createdAt: string;
}

export interface AlertListOptions {
  readonly limit: number;
  readonly destination?: string | undefined;
  /** Only alerts whose window starts at or after this, unix seconds. */
  readonly since?: number | undefined;
}

/**
 * An app's ingest key as it is listed: never the key, nor its whole hash. `keyId` is the first 12
 * hex digits of the key's SHA-256, enough to tell a project's keys apart and to revoke one.
 */
export interface IngestKeyRecord {
  readonly keyId: string;
  readonly appId: string;
  /** When it was added (ISO 8601, UTC). */
  readonly createdAt: string;
}

/** A webhook alerts are POSTed to. The secret signs each delivery (HMAC-SHA256). */
export interface WebhookRecord {
  readonly id: number;
  readonly project: string;
  readonly url: string;
  readonly createdAt: string;
}

/** A webhook delivery claimed for sending. */
export interface WebhookDelivery {
  readonly id: number;
  readonly webhookId: number;
  readonly url: string;
  /** The webhook's secret: used to sign the body, never logged or returned by the API. */
  readonly secret: string;
  readonly alert: AlertRecord;
  /** Attempts made before this one. */
  readonly attempts: number;
  /**
   * This claim of the delivery: {@link TelemetryStore.settleDelivery} records an outcome only with
   * the claim the delivery holds now, so an attempt that outlived its lease, after another replica
   * claimed the delivery again, cannot settle it.
   */
  readonly claim: number;
}

/** The state of one delivery of an alert. */
export interface DeliveryState {
  readonly webhookId: number;
  readonly state: 'pending' | 'delivered' | 'failed';
  /** Attempts settled so far. */
  readonly attempts: number;
  readonly lastError: string | null;
  /**
   * Unix ms the delivery is due at (pending), or its lease ran until (claimed); for a settled
   * delivery, the last value it had.
   */
  readonly nextAttemptAt: number;
}

/** The outcome of a delivery attempt. */
export type DeliveryOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Unix ms of the next attempt, or `undefined` to give up (the delivery is marked failed). */
      readonly retryAt: number | undefined;
      /** A short reason (status code or error code); no secret, no body. */
      readonly error: string;
    };

/** A dashboard session: the store keeps the hash of its cookie value only. */
export interface SessionRecord {
  readonly project: string;
  /** Unix ms. */
  readonly expiresAt: number;
  /** The CSRF token bound to the session, sent back by the page on state-changing requests. */
  readonly csrfToken: string;
}

/** Cut-off times (unix seconds): data strictly older than each is deleted. */
export interface RetentionCutoffs {
  readonly events: number;
  readonly minuteRollups: number;
  readonly hourRollups: number;
  readonly dayRollups: number;
  /** Alerts (and their finished deliveries). */
  readonly alerts: number;
  /** Expired sessions are always deleted; this is the clock, unix ms. */
  readonly nowMs: number;
}

/** How many rows a purge deleted, per kind. */
export interface PurgeResult {
  readonly events: number;
  readonly rollups: number;
  readonly alerts: number;
  readonly sessions: number;
}

/**
 * @example
 * ```ts
 * await store.insertEvents(events); // raw rows and every rollup, in one durable transaction
 * const [row] = await store.queryRollups('spring', { span: 3600, from, to, groupBy: [] });
 * row.completes / row.scans; // completion rate
 * ```
 */
export interface TelemetryStore {
  /**
   * Adds an app's ingest key for events, given as the lower-case hex SHA-256 of the key. With `max`,
   * `ERR_STORE_LIMIT` when the project holds `max` keys already, checked in the same transaction
   * as the insert (concurrent calls never go past it).
   */
  addIngestKey(project: string, appId: string, keyHash: string, max?: number): Promise<void>;
  /** The project and app an ingest key (by hash) belongs to, or `undefined`. */
  findIngestKey(keyHash: string): Promise<{ readonly project: string; readonly appId: string } | undefined>;
  /** A project's ingest keys, oldest first (an unknown project has none). */
  listIngestKeys(project: string): Promise<IngestKeyRecord[]>;
  /**
   * Removes the project's ingest key with this id (see {@link IngestKeyRecord}); events sent with it
   * are refused from then on. Says whether there was one; `ERR_STORE_CONFLICT` (and nothing removed)
   * when two keys of the project share the id.
   */
  removeIngestKey(project: string, keyId: string): Promise<boolean>;
  /**
   * Stores validated events, whole batch or nothing, durably: when the promise resolves, every
   * event is committed (the server acknowledges a batch only then) and will be counted once by every
   * rollup (all spans, the cohort rollup and the destination hosts). Returns how many were stored.
   */
  insertEvents(events: readonly TelemetryEvent[]): Promise<number>;
  /** How many events a project has stored. */
  countEvents(project: string): Promise<number>;
  /** Sums of the main rollup, grouped as asked; rows in no particular order. */
  queryRollups(project: string, query: RollupQuery): Promise<RollupRow[]>;
  /** Sums of the cohort rollup, grouped as asked. */
  queryCohorts(project: string, query: CohortQuery): Promise<CohortRow[]>;
  /** The hosts each destination's journeys reached. */
  destinationHosts(project: string): Promise<DestinationHost[]>;
  /** The projects that have any rollup row in `[from, to)` (unix seconds), for the alert job. */
  activeProjects(from: number, to: number): Promise<string[]>;

  /**
   * Stores an alert and, in the same transaction, queues one delivery per webhook of the project.
   * Returns `undefined` when an alert of this project, destination, kind and window exists already
   * (another replica raised it first): exactly one replica wins. `nowMs` (unix ms, the caller's
   * clock) dates the alert and is when its deliveries are first due.
   */
  insertAlert(alert: AlertInput, nowMs: number): Promise<AlertRecord | undefined>;
  /** Alerts, newest window first. */
  listAlerts(project: string, options: AlertListOptions): Promise<AlertRecord[]>;
  /**
   * Adds a webhook. `ERR_STORE_CONFLICT` when the project has this URL already; with `max`,
   * `ERR_STORE_LIMIT` when it holds `max` webhooks already (checked in the insert's transaction).
   */
  addWebhook(project: string, url: string, secret: string, max?: number): Promise<WebhookRecord>;
  listWebhooks(project: string): Promise<WebhookRecord[]>;
  removeWebhook(project: string, id: number): Promise<boolean>;
  /**
   * Claims up to `limit` deliveries due at `nowMs` for `leaseMs` (another replica will not claim them
   * meanwhile; an unsettled claim becomes due again when the lease ends). Each delivery comes with a
   * new `claim`, which settling it needs.
   */
  claimDeliveries(nowMs: number, limit: number, leaseMs: number): Promise<WebhookDelivery[]>;
  /**
   * Records the outcome of an attempt: delivered, retry at a time, or failed for good. Only when
   * `claim` is the delivery's current claim (from {@link claimDeliveries}) and it is pending: a claim
   * settles once, and a claim superseded by a newer one settles nothing. Returns whether it settled.
   */
  settleDelivery(id: number, claim: number, outcome: DeliveryOutcome, nowMs: number): Promise<boolean>;
  /** Deliveries of an alert with their state, by webhook id, for the dashboard and tests. */
  deliveries(alertId: number): Promise<DeliveryState[]>;

  /** Stores a session under the hex SHA-256 of its cookie value. */
  createSession(sessionHash: string, session: SessionRecord): Promise<void>;
  /** The session, when it exists and has not expired at `nowMs`. */
  findSession(sessionHash: string, nowMs: number): Promise<SessionRecord | undefined>;
  deleteSession(sessionHash: string): Promise<void>;

  /** Deletes data past retention, at most `batchLimit` rows of each kind per call. */
  purge(cutoffs: RetentionCutoffs, batchLimit: number): Promise<PurgeResult>;
}
