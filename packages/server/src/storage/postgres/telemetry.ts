// The telemetry half of the PostgreSQL store: events with their rollups in one transaction per
// batch (rows passed as arrays and spread with UNNEST: one round trip per table), rollup queries,
// alerts with a webhook outbox several replicas drain together (FOR UPDATE SKIP LOCKED), sessions
// and retention.
import type pg from 'pg';
import type { TelemetryEvent } from '@qrpin/core';
import { StoreError } from '../error.ts';
import type { TelemetryStore, WebhookDelivery } from '../telemetry-store.ts';
import {
  ambiguousKeyId,
  atLimit,
  checkAlert,
  checkAlertTime,
  checkAppId,
  checkClaim,
  checkEvents,
  checkIngestKeyId,
  checkCap,
  checkOutcome,
  checkPositiveInteger,
  checkProjectId,
  checkRetention,
  checkSession,
  checkSha256,
  checkTime,
  checkWebhook,
  ingestKeyId,
  unknownProject,
} from '../../lib/store-input.ts';
import { planCohortQuery, planRollupQuery } from '../telemetry/rollup-query.ts';
import {
  ALERT_COLUMNS,
  EVENT_COLUMNS,
  eventRow,
  isoOf,
  isoOfSeconds,
  toAlert,
} from '../telemetry/records.ts';
import { COUNTER_COLUMNS, RollupAggregator } from '../telemetry/aggregate.ts';

type Row = Record<string, unknown>;
type Client = pg.Pool | pg.PoolClient;

export interface PostgresTelemetryOptions {
  readonly pool: pg.Pool;
  readonly now: () => Date;
  /** Runs `work` in a transaction on one pooled connection. */
  readonly transaction: <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;
  /** Locks the project's row (`FOR UPDATE`), `ERR_STORE_NOT_FOUND` when it does not exist. */
  readonly lockProject: (client: pg.PoolClient, project: string) => Promise<void>;
  readonly isUniqueViolation: (err: unknown) => boolean;
}

const INSERT_EVENTS = `INSERT INTO events (${EVENT_COLUMNS})
  SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[],
    $7::text[], $8::jsonb[], $9::timestamptz[])`;

const ROLLUP_KEY = 'project, span, bucket, destination, campaign, app_version, platform, pinset_seq';
const UPSERT_ROLLUPS = `INSERT INTO rollups AS r (${ROLLUP_KEY}, ${COUNTER_COLUMNS.join(', ')})
  SELECT * FROM UNNEST($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
    $8::bigint[], ${COUNTER_COLUMNS.map((_, k) => `$${k + 9}::bigint[]`).join(', ')})
  ON CONFLICT (${ROLLUP_KEY}) DO UPDATE SET
    ${COUNTER_COLUMNS.map((c) => `${c} = r.${c} + excluded.${c}`).join(', ')}`;

const UPSERT_COHORTS = `INSERT INTO cohort_rollups AS c
  (project, span, bucket, destination, pinset_seq, cohort, attempts, pin_failures_enforce, pin_failures_report)
  SELECT * FROM UNNEST($1::text[], $2::int[], $3::bigint[], $4::text[], $5::bigint[], $6::int[], $7::bigint[],
    $8::bigint[], $9::bigint[])
  ON CONFLICT (project, span, bucket, destination, pinset_seq, cohort) DO UPDATE SET
    attempts = c.attempts + excluded.attempts,
    pin_failures_enforce = c.pin_failures_enforce + excluded.pin_failures_enforce,
    pin_failures_report = c.pin_failures_report + excluded.pin_failures_report`;

const UPSERT_HOSTS = `INSERT INTO destination_hosts AS h (project, destination, host, last_seen)
  SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[])
  ON CONFLICT (project, destination, host) DO UPDATE SET last_seen = GREATEST(h.last_seen, excluded.last_seen)`;

/** Column arrays of a list of rows: `columns(rows, r => [a, b])` gives `[[a…], [b…]]`. */
function columns<T>(rows: readonly T[], pick: (row: T) => unknown[]): unknown[][] {
  const out: unknown[][] = [];
  for (const row of rows) {
    const values = pick(row);
    for (let k = 0; k < values.length; k++) (out[k] ??= []).push(values[k]);
  }
  return out;
}

/**
 * @example
 * ```ts
 * const telemetry = postgresTelemetry({ pool, now, transaction, lockProject, isUniqueViolation });
 * await telemetry.insertEvents(events);
 * ```
 */
export function postgresTelemetry(options: PostgresTelemetryOptions): TelemetryStore {
  const { pool, now, transaction, lockProject, isUniqueViolation } = options;

  async function insertBatch(
    client: pg.PoolClient,
    events: readonly TelemetryEvent[],
    seconds: Float64Array,
  ) {
    const received = now().toISOString();
    await client.query(
      INSERT_EVENTS,
      columns(events, (e) => eventRow(e, received)),
    );
    const aggregator = new RollupAggregator();
    aggregator.add(events, seconds);
    // Sorted deltas: concurrent batches lock rollup rows in one order and cannot deadlock.
    const { rollups, cohorts, hosts } = aggregator.result();
    await client.query(
      UPSERT_ROLLUPS,
      columns(rollups, (r) => [
        r.project,
        r.span,
        r.bucket,
        r.destination,
        r.campaign,
        r.appVersion,
        r.platform,
        r.pinsetSeq,
        ...r.counts,
      ]),
    );
    if (cohorts.length > 0) {
      await client.query(
        UPSERT_COHORTS,
        columns(cohorts, (c) => [
          c.project,
          c.span,
          c.bucket,
          c.destination,
          c.pinsetSeq,
          c.cohort,
          c.attempts,
          c.pinFailuresEnforce,
          c.pinFailuresReport,
        ]),
      );
    }
    if (hosts.length > 0) {
      await client.query(
        UPSERT_HOSTS,
        columns(hosts, (h) => [h.project, h.destination, h.host, h.lastSeen]),
      );
    }
  }

  // Group commit within this process: batches that arrive while a transaction is open wait, then
  // share the next one. Concurrent transactions upserting the same rollup rows would queue on
  // their row locks anyway; one at a time per process, each carrying many batches, is faster.
  interface Pending {
    readonly events: readonly TelemetryEvent[];
    readonly seconds: Float64Array;
    readonly resolve: (stored: number) => void;
    readonly reject: (err: unknown) => void;
  }
  let queue: Pending[] = [];
  let pumping = false;
  const MAX_GROUP_EVENTS = 20_000;

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length > 0) {
        let n = 0;
        let size = 0;
        while (
          n < queue.length &&
          (n === 0 || size + (queue[n] as Pending).events.length <= MAX_GROUP_EVENTS)
        ) {
          size += (queue[n] as Pending).events.length;
          n++;
        }
        const group = queue.slice(0, n);
        queue = queue.slice(n);
        await commitGroup(group);
      }
    } finally {
      pumping = false;
    }
  }

  async function commitGroup(group: readonly Pending[]): Promise<void> {
    const events = group.length === 1 ? (group[0] as Pending).events : group.flatMap((b) => b.events);
    const seconds =
      group.length === 1
        ? (group[0] as Pending).seconds
        : Float64Array.from(group.flatMap((b) => [...b.seconds]));
    try {
      await transaction((client) => insertBatch(client, events, seconds));
    } catch (err) {
      if (group.length > 1) {
        // One batch spoiled the group (an unknown project): each batch again on its own.
        for (const batch of group) await commitGroup([batch]);
        return;
      }
      (group[0] as Pending).reject(await refusal(events, err));
      return;
    }
    for (const batch of group) batch.resolve(batch.events.length);
  }

  /** The error a refused batch's caller gets: an unknown project by name, else the database's. */
  async function refusal(events: readonly TelemetryEvent[], err: unknown): Promise<unknown> {
    // A foreign key violation: an event names a project that does not exist.
    if (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23503') {
      const projects = [...new Set(events.map((e) => e.project))];
      try {
        const { rows } = await pool.query<Row>('SELECT id FROM projects WHERE id = ANY($1::text[])', [
          projects,
        ]);
        const known = new Set(rows.map((r) => String(r.id)));
        const missing = projects.find((p) => !known.has(p));
        if (missing !== undefined) return unknownProject(missing);
      } catch {
        // The database is gone: its own error says more.
      }
    }
    return err;
  }

  async function deleteLimited(
    client: Client,
    table: string,
    where: string,
    params: unknown[],
  ): Promise<number> {
    const { rowCount } = await client.query(
      `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${where})`,
      params,
    );
    return rowCount ?? 0;
  }

  return {
    async addIngestKey(project, appId, keyHash, max) {
      checkProjectId(project);
      checkSha256(keyHash, 'ingest key hash');
      checkAppId(appId);
      checkCap(max);
      await transaction(async (client) => {
        await lockProject(client, project);
        if (max !== undefined) {
          const { rows } = await client.query<Row>(
            'SELECT count(*) AS n FROM ingest_keys WHERE project = $1',
            [project],
          );
          if (Number(rows[0]?.n) >= max) throw atLimit(project, max, 'ingest keys');
        }
        await client.query(
          `INSERT INTO ingest_keys (key_hash, project, app_id, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
          [keyHash, project, appId, now()],
        );
      });
    },

    async findIngestKey(keyHash) {
      const { rows } = await pool.query<Row>('SELECT project, app_id FROM ingest_keys WHERE key_hash = $1', [
        keyHash,
      ]);
      const row = rows[0];
      return row === undefined ? undefined : { project: String(row.project), appId: String(row.app_id) };
    },

    async listIngestKeys(project) {
      checkProjectId(project);
      const { rows } = await pool.query<Row>(
        'SELECT key_hash, app_id, created_at FROM ingest_keys WHERE project = $1 ORDER BY created_at, key_hash',
        [project],
      );
      return rows.map((r) => ({
        keyId: ingestKeyId(String(r.key_hash)),
        appId: String(r.app_id),
        createdAt: isoOf(r.created_at),
      }));
    },

    async removeIngestKey(project, keyId) {
      checkProjectId(project);
      checkIngestKeyId(keyId);
      return transaction(async (client) => {
        const { rows } = await client.query<Row>(
          'SELECT key_hash FROM ingest_keys WHERE project = $1 AND left(key_hash, 12) = $2 FOR UPDATE',
          [project, keyId],
        );
        if (rows.length > 1) throw ambiguousKeyId(project, keyId);
        const [match] = rows;
        if (match === undefined) return false;
        const { rowCount } = await client.query('DELETE FROM ingest_keys WHERE key_hash = $1', [
          String(match.key_hash),
        ]);
        return (rowCount ?? 0) > 0;
      });
    },

    async insertEvents(events) {
      const seconds = checkEvents(events);
      if (events.length === 0) return 0;
      return new Promise<number>((resolve, reject) => {
        queue.push({ events, seconds, resolve, reject });
        void pump();
      });
    },

    async countEvents(project) {
      const { rows } = await pool.query<Row>('SELECT COUNT(*) AS n FROM events WHERE project = $1', [
        project,
      ]);
      return Number((rows[0] as Row).n);
    },

    async queryRollups(project, query) {
      const planned = planRollupQuery(project, query, 'postgres');
      const { rows } = await pool.query<Row>(planned.sql, planned.params);
      return rows.map(planned.toRow);
    },

    async queryCohorts(project, query) {
      const planned = planCohortQuery(project, query, 'postgres');
      const { rows } = await pool.query<Row>(planned.sql, planned.params);
      return rows.map(planned.toRow);
    },

    async destinationHosts(project) {
      const { rows } = await pool.query<Row>(
        `SELECT destination, host, last_seen FROM destination_hosts WHERE project = $1
         ORDER BY destination COLLATE "C", host COLLATE "C"`,
        [project],
      );
      return rows.map((r) => ({
        destination: String(r.destination),
        host: String(r.host),
        lastSeen: Number(r.last_seen),
      }));
    },

    async activeProjects(from, to) {
      checkTime(from, 'activeProjects from');
      checkTime(to, 'activeProjects to');
      const { rows } = await pool.query<Row>(
        `SELECT DISTINCT project FROM rollups
         WHERE span IN (60, 3600, 86400) AND bucket >= $1 AND bucket < $2 ORDER BY project`,
        [from, to],
      );
      return rows.map((r) => String(r.project));
    },

    async insertAlert(alert, nowMs) {
      checkAlert(alert);
      checkAlertTime(nowMs);
      return transaction(async (client) => {
        await lockProject(client, alert.project);
        const { rows } = await client.query<Row>(
          `INSERT INTO alerts AS a (project, destination, kind, window_start, window_seconds, observed_errors,
             observed_attempts, baseline_errors, baseline_attempts, p_value, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (project, destination, kind, window_start) DO NOTHING
           RETURNING ${ALERT_COLUMNS}`,
          [
            alert.project,
            alert.destination,
            alert.kind,
            alert.windowStart,
            alert.windowSeconds,
            alert.observed.errors,
            alert.observed.attempts,
            alert.baseline.errors,
            alert.baseline.attempts,
            alert.pValue,
            new Date(nowMs),
          ],
        );
        const row = rows[0];
        if (row === undefined) return undefined;
        await client.query(
          `INSERT INTO webhook_deliveries (alert_id, webhook_id, state, attempts, next_attempt_at, last_error, updated_at)
           SELECT $1, id, 'pending', 0, $2, NULL, $2 FROM webhooks WHERE project = $3 ORDER BY id`,
          [Number(row.alert_id), nowMs, alert.project],
        );
        return toAlert(row);
      });
    },

    async listAlerts(project, listOptions) {
      const limit = checkPositiveInteger(listOptions.limit, 'alerts limit');
      const where = ['a.project = $1'];
      const params: unknown[] = [project];
      if (listOptions.destination !== undefined) {
        params.push(listOptions.destination);
        where.push(`a.destination = $${params.length}`);
      }
      if (listOptions.since !== undefined) {
        params.push(checkTime(listOptions.since, 'alerts since'));
        where.push(`a.window_start >= $${params.length}`);
      }
      params.push(limit);
      const { rows } = await pool.query<Row>(
        `SELECT ${ALERT_COLUMNS} FROM alerts a WHERE ${where.join(' AND ')}
         ORDER BY a.window_start DESC, a.id DESC LIMIT $${params.length}`,
        params,
      );
      return rows.map(toAlert);
    },

    async addWebhook(project, url, secret, max) {
      checkProjectId(project);
      checkWebhook(url, secret);
      checkCap(max);
      return transaction(async (client) => {
        await lockProject(client, project);
        if (max !== undefined) {
          const { rows } = await client.query<Row>('SELECT count(*) AS n FROM webhooks WHERE project = $1', [
            project,
          ]);
          if (Number(rows[0]?.n) >= max) throw atLimit(project, max, 'webhooks');
        }
        try {
          const { rows } = await client.query<Row>(
            `INSERT INTO webhooks (project, url, secret, created_at) VALUES ($1, $2, $3, $4)
             RETURNING id, created_at`,
            [project, url, secret, now()],
          );
          const row = rows[0] as Row;
          return { id: Number(row.id), project, url, createdAt: isoOf(row.created_at) };
        } catch (err) {
          if (isUniqueViolation(err)) {
            throw new StoreError(
              'ERR_STORE_CONFLICT',
              `project "${project}" has a webhook with this URL already`,
            );
          }
          throw err;
        }
      });
    },

    async listWebhooks(project) {
      const { rows } = await pool.query<Row>(
        'SELECT id, project, url, created_at FROM webhooks WHERE project = $1 ORDER BY id',
        [project],
      );
      return rows.map((r) => ({
        id: Number(r.id),
        project: String(r.project),
        url: String(r.url),
        createdAt: isoOf(r.created_at),
      }));
    },

    async removeWebhook(project, id) {
      checkPositiveInteger(id, 'webhook id');
      // Its deliveries go with it (ON DELETE CASCADE): nothing is sent to a removed webhook.
      const { rowCount } = await pool.query('DELETE FROM webhooks WHERE project = $1 AND id = $2', [
        project,
        id,
      ]);
      return (rowCount ?? 0) > 0;
    },

    async claimDeliveries(nowMs, limit, leaseMs) {
      checkTime(nowMs, 'claim nowMs');
      checkPositiveInteger(limit, 'claim limit');
      checkPositiveInteger(leaseMs, 'claim leaseMs');
      // SKIP LOCKED: replicas claiming at once take disjoint deliveries instead of waiting.
      const { rows } = await pool.query<Row>(
        `WITH due AS (
           SELECT id FROM webhook_deliveries
           WHERE state = 'pending' AND next_attempt_at <= $1
           ORDER BY next_attempt_at, id LIMIT $2
           FOR UPDATE SKIP LOCKED
         ), claimed AS (
           UPDATE webhook_deliveries d SET next_attempt_at = $3, updated_at = $1, claim = d.claim + 1
           FROM due WHERE d.id = due.id
           RETURNING d.id, d.webhook_id, d.alert_id, d.attempts, d.claim
         )
         SELECT c.id, c.webhook_id, c.attempts, c.claim, w.url, w.secret, ${ALERT_COLUMNS}
         FROM claimed c JOIN webhooks w ON w.id = c.webhook_id JOIN alerts a ON a.id = c.alert_id
         ORDER BY c.id`,
        [nowMs, limit, nowMs + leaseMs],
      );
      return rows.map((r): WebhookDelivery => ({
        id: Number(r.id),
        webhookId: Number(r.webhook_id),
        url: String(r.url),
        secret: String(r.secret),
        alert: toAlert(r),
        attempts: Number(r.attempts),
        claim: Number(r.claim),
      }));
    },

    async settleDelivery(id, claim, outcome, nowMs) {
      checkPositiveInteger(id, 'delivery id');
      checkClaim(claim);
      const checked = checkOutcome(outcome);
      checkTime(nowMs, 'settle nowMs');
      // Only a pending delivery under this very claim is settled, and settling spends the claim: a
      // late answer to a lease that ran out (the delivery claimed again since) changes nothing.
      const where = `WHERE id = $2 AND claim = $3 AND state = 'pending'`;
      let settled;
      if (checked.ok) {
        settled = await pool.query(
          `UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, updated_at = $1,
             claim = claim + 1 ${where}`,
          [nowMs, id, claim],
        );
      } else if (checked.retryAt !== undefined) {
        settled = await pool.query(
          `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $4, last_error = $5,
             updated_at = $1, claim = claim + 1 ${where}`,
          [nowMs, id, claim, checked.retryAt, checked.error],
        );
      } else {
        settled = await pool.query(
          `UPDATE webhook_deliveries SET state = 'failed', attempts = attempts + 1, last_error = $4,
             updated_at = $1, claim = claim + 1 ${where}`,
          [nowMs, id, claim, checked.error],
        );
      }
      return (settled.rowCount ?? 0) > 0;
    },

    async deliveries(alertId) {
      checkPositiveInteger(alertId, 'alert id');
      const { rows } = await pool.query<Row>(
        `SELECT webhook_id, state, attempts, last_error, next_attempt_at FROM webhook_deliveries
         WHERE alert_id = $1 ORDER BY webhook_id`,
        [alertId],
      );
      return rows.map((r) => ({
        webhookId: Number(r.webhook_id),
        state: r.state as 'pending' | 'delivered' | 'failed',
        attempts: Number(r.attempts),
        lastError: r.last_error === null ? null : String(r.last_error),
        nextAttemptAt: Number(r.next_attempt_at),
      }));
    },

    async createSession(sessionHash, session) {
      checkSession(sessionHash, session);
      await transaction(async (client) => {
        await lockProject(client, session.project);
        try {
          await client.query(
            'INSERT INTO sessions (session_hash, project, csrf_token, expires_at) VALUES ($1, $2, $3, $4)',
            [sessionHash, session.project, session.csrfToken, session.expiresAt],
          );
        } catch (err) {
          if (isUniqueViolation(err))
            throw new StoreError('ERR_STORE_CONFLICT', 'this session exists already');
          throw err;
        }
      });
    },

    async findSession(sessionHash, nowMs) {
      checkTime(nowMs, 'session nowMs');
      const { rows } = await pool.query<Row>(
        'SELECT project, csrf_token, expires_at FROM sessions WHERE session_hash = $1 AND expires_at > $2',
        [sessionHash, nowMs],
      );
      const row = rows[0];
      return row === undefined
        ? undefined
        : {
            project: String(row.project),
            csrfToken: String(row.csrf_token),
            expiresAt: Number(row.expires_at),
          };
    },

    async deleteSession(sessionHash) {
      await pool.query('DELETE FROM sessions WHERE session_hash = $1', [sessionHash]);
    },

    async purge(cutoffs, batchLimit) {
      checkRetention(cutoffs, batchLimit);
      return transaction(async (client) => {
        const events = await deleteLimited(client, 'events', 'time < $1 ORDER BY time LIMIT $2', [
          isoOfSeconds(cutoffs.events),
          batchLimit,
        ]);

        // A rollup row goes once its whole bucket is older than the cut-off.
        let rollups = 0;
        const spans = [
          [60, cutoffs.minuteRollups],
          [3600, cutoffs.hourRollups],
          [86_400, cutoffs.dayRollups],
        ] as const;
        for (const table of ['rollups', 'cohort_rollups']) {
          for (const [span, cutoff] of spans) {
            if (rollups >= batchLimit) break;
            rollups += await deleteLimited(
              client,
              table,
              'span = $1 AND bucket <= $2 ORDER BY bucket LIMIT $3',
              [span, cutoff - span, batchLimit - rollups],
            );
          }
        }
        if (rollups < batchLimit) {
          rollups += await deleteLimited(client, 'destination_hosts', 'last_seen < $1 LIMIT $2', [
            cutoffs.dayRollups,
            batchLimit - rollups,
          ]);
        }

        // Deliveries go with their alert (ON DELETE CASCADE).
        const alerts = await deleteLimited(
          client,
          'alerts',
          'window_start < $1 ORDER BY window_start, id LIMIT $2',
          [cutoffs.alerts, batchLimit],
        );
        const sessions = await deleteLimited(client, 'sessions', 'expires_at <= $1 LIMIT $2', [
          cutoffs.nowMs,
          batchLimit,
        ]);
        return { events, rollups, alerts, sessions };
      });
    },
  };
}
