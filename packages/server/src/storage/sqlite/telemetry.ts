// The telemetry half of the SQLite store: events (through the store's ingest, see ingest.ts), rollup
// queries, alerts with their webhook outbox, sessions and retention.
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
import { ALERT_COLUMNS, isoOfSeconds, toAlert } from '../telemetry/records.ts';
import type { Ingest } from './ingest.ts';
import type { StatementCache } from './statement-cache.ts';

type Row = Record<string, unknown>;

export interface SqliteTelemetryOptions {
  readonly statement: StatementCache;
  readonly now: () => Date;
  /** Runs `work` in a `BEGIN IMMEDIATE` transaction. */
  readonly write: <T>(work: () => T) => T;
  readonly projectExists: (project: string) => boolean;
  readonly isUniqueViolation: (err: unknown) => boolean;
  /** Where events are written and folded into the rollups (on this thread or the ingest thread). */
  readonly ingest: Ingest;
}

/** Rollup tables and the retention cut-off each span follows. */
const ROLLUP_PURGES = [
  ['rollups', 'project, span, bucket, destination, campaign, app_version, platform, pinset_seq'],
  ['cohort_rollups', 'project, span, bucket, destination, pinset_seq, cohort'],
] as const;

/**
 * @example
 * ```ts
 * const telemetry = sqliteTelemetry({ statement, now, write, projectExists, isUniqueViolation, ingest });
 * await telemetry.insertEvents(events);
 * ```
 */
export function sqliteTelemetry(options: SqliteTelemetryOptions): TelemetryStore {
  const { statement, now, write, projectExists, isUniqueViolation, ingest } = options;

  return {
    async addIngestKey(project, appId, keyHash, max) {
      checkProjectId(project);
      checkSha256(keyHash, 'ingest key hash');
      checkAppId(appId);
      checkCap(max);
      write(() => {
        if (!projectExists(project)) throw unknownProject(project);
        const held = statement('SELECT count(*) AS n FROM ingest_keys WHERE project = ?').get(project) as Row;
        if (max !== undefined && Number(held.n) >= max) throw atLimit(project, max, 'ingest keys');
        statement(
          'INSERT OR IGNORE INTO ingest_keys (key_hash, project, app_id, created_at) VALUES (?, ?, ?, ?)',
        ).run(keyHash, project, appId, now().toISOString());
      });
    },

    async findIngestKey(keyHash) {
      const row = statement('SELECT project, app_id FROM ingest_keys WHERE key_hash = ?').get(keyHash) as
        Row | undefined;
      return row === undefined ? undefined : { project: String(row.project), appId: String(row.app_id) };
    },

    async listIngestKeys(project) {
      checkProjectId(project);
      const rows = statement(
        'SELECT key_hash, app_id, created_at FROM ingest_keys WHERE project = ? ORDER BY created_at, key_hash',
      ).all(project) as Row[];
      return rows.map((r) => ({
        keyId: ingestKeyId(String(r.key_hash)),
        appId: String(r.app_id),
        createdAt: String(r.created_at),
      }));
    },

    async removeIngestKey(project, keyId) {
      checkProjectId(project);
      checkIngestKeyId(keyId);
      return write(() => {
        const matches = statement(
          'SELECT key_hash FROM ingest_keys WHERE project = ? AND substr(key_hash, 1, 12) = ?',
        ).all(project, keyId) as Row[];
        if (matches.length > 1) throw ambiguousKeyId(project, keyId);
        const [match] = matches;
        if (match === undefined) return false;
        statement('DELETE FROM ingest_keys WHERE key_hash = ?').run(String(match.key_hash));
        return true;
      });
    },

    async insertEvents(events) {
      return ingest.submit(events, checkEvents(events), now().toISOString());
    },

    async countEvents(project) {
      const row = statement('SELECT COUNT(*) AS n FROM events WHERE project = ?').get(project) as Row;
      return Number(row.n);
    },

    async queryRollups(project, query) {
      const planned = planRollupQuery(project, query, 'sqlite');
      await ingest.catchUp();
      return (statement(planned.sql).all(...(planned.params as number[])) as Row[]).map(planned.toRow);
    },

    async queryCohorts(project, query) {
      const planned = planCohortQuery(project, query, 'sqlite');
      await ingest.catchUp();
      return (statement(planned.sql).all(...(planned.params as number[])) as Row[]).map(planned.toRow);
    },

    async destinationHosts(project) {
      await ingest.catchUp();
      const rows = statement(
        'SELECT destination, host, last_seen FROM destination_hosts WHERE project = ? ORDER BY destination, host',
      ).all(project) as Row[];
      return rows.map((r) => ({
        destination: String(r.destination),
        host: String(r.host),
        lastSeen: Number(r.last_seen),
      }));
    },

    async activeProjects(from, to) {
      checkTime(from, 'activeProjects from');
      checkTime(to, 'activeProjects to');
      await ingest.catchUp();
      const rows = statement(
        `SELECT DISTINCT project FROM rollups
         WHERE span IN (60, 3600, 86400) AND bucket >= ? AND bucket < ? ORDER BY project`,
      ).all(from, to) as Row[];
      return rows.map((r) => String(r.project));
    },

    async insertAlert(alert, nowMs) {
      checkAlert(alert);
      checkAlertTime(nowMs);
      return write(() => {
        if (!projectExists(alert.project)) throw unknownProject(alert.project);
        const row = statement(
          `INSERT INTO alerts (project, destination, kind, window_start, window_seconds, observed_errors,
             observed_attempts, baseline_errors, baseline_attempts, p_value, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (project, destination, kind, window_start) DO NOTHING
           RETURNING id AS alert_id, *`,
        ).get(
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
          new Date(nowMs).toISOString(),
        ) as Row | undefined;
        if (row === undefined) return undefined;
        statement(
          `INSERT INTO webhook_deliveries (alert_id, webhook_id, state, attempts, next_attempt_at, last_error, updated_at)
           SELECT ?, id, 'pending', 0, ?, NULL, ? FROM webhooks WHERE project = ? ORDER BY id`,
        ).run(Number(row.alert_id), nowMs, nowMs, alert.project);
        return toAlert(row);
      });
    },

    async listAlerts(project, listOptions) {
      const limit = checkPositiveInteger(listOptions.limit, 'alerts limit');
      const where = ['a.project = ?'];
      const params: (string | number)[] = [project];
      if (listOptions.destination !== undefined) {
        where.push('a.destination = ?');
        params.push(listOptions.destination);
      }
      if (listOptions.since !== undefined) {
        where.push('a.window_start >= ?');
        params.push(checkTime(listOptions.since, 'alerts since'));
      }
      params.push(limit);
      const rows = statement(
        `SELECT ${ALERT_COLUMNS} FROM alerts a WHERE ${where.join(' AND ')}
         ORDER BY a.window_start DESC, a.id DESC LIMIT ?`,
      ).all(...params) as Row[];
      return rows.map(toAlert);
    },

    async addWebhook(project, url, secret, max) {
      checkProjectId(project);
      checkWebhook(url, secret);
      checkCap(max);
      return write(() => {
        if (!projectExists(project)) throw unknownProject(project);
        const held = statement('SELECT count(*) AS n FROM webhooks WHERE project = ?').get(project) as Row;
        if (max !== undefined && Number(held.n) >= max) throw atLimit(project, max, 'webhooks');
        try {
          const row = statement(
            `INSERT INTO webhooks (project, url, secret, created_at) VALUES (?, ?, ?, ?)
             RETURNING id, created_at`,
          ).get(project, url, secret, now().toISOString()) as Row;
          return { id: Number(row.id), project, url, createdAt: String(row.created_at) };
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
      const rows = statement(
        'SELECT id, project, url, created_at FROM webhooks WHERE project = ? ORDER BY id',
      ).all(project) as Row[];
      return rows.map((r) => ({
        id: Number(r.id),
        project: String(r.project),
        url: String(r.url),
        createdAt: String(r.created_at),
      }));
    },

    async removeWebhook(project, id) {
      checkPositiveInteger(id, 'webhook id');
      // Its deliveries go with it (ON DELETE CASCADE): nothing is sent to a removed webhook.
      return write(
        () => statement('DELETE FROM webhooks WHERE project = ? AND id = ?').run(project, id).changes > 0,
      );
    },

    async claimDeliveries(nowMs, limit, leaseMs) {
      checkTime(nowMs, 'claim nowMs');
      checkPositiveInteger(limit, 'claim limit');
      checkPositiveInteger(leaseMs, 'claim leaseMs');
      return write(() => {
        const rows = statement(
          `SELECT d.id, d.webhook_id, d.attempts, w.url, w.secret, ${ALERT_COLUMNS}
           FROM webhook_deliveries d
           JOIN webhooks w ON w.id = d.webhook_id
           JOIN alerts a ON a.id = d.alert_id
           WHERE d.state = 'pending' AND d.next_attempt_at <= ?
           ORDER BY d.next_attempt_at, d.id LIMIT ?`,
        ).all(nowMs, limit) as Row[];
        const lease = statement(
          `UPDATE webhook_deliveries SET next_attempt_at = ?, updated_at = ?, claim = claim + 1
           WHERE id = ? RETURNING claim`,
        );
        return rows.map((r): WebhookDelivery => {
          const { claim } = lease.get(nowMs + leaseMs, nowMs, Number(r.id)) as Row;
          return {
            id: Number(r.id),
            webhookId: Number(r.webhook_id),
            url: String(r.url),
            secret: String(r.secret),
            alert: toAlert(r),
            attempts: Number(r.attempts),
            claim: Number(claim),
          };
        });
      });
    },

    async settleDelivery(id, claim, outcome, nowMs) {
      checkPositiveInteger(id, 'delivery id');
      checkClaim(claim);
      const checked = checkOutcome(outcome);
      checkTime(nowMs, 'settle nowMs');
      // Only a pending delivery under this very claim is settled, and settling spends the claim: a
      // late answer to a lease that ran out (the delivery claimed again since) changes nothing.
      const where = 'WHERE id = ? AND claim = ? AND state = ?';
      return write(() => {
        if (checked.ok) {
          return (
            statement(
              `UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1, updated_at = ?,
                 claim = claim + 1 ${where}`,
            ).run(nowMs, id, claim, 'pending').changes > 0
          );
        }
        if (checked.retryAt !== undefined) {
          return (
            statement(
              `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
                 updated_at = ?, claim = claim + 1 ${where}`,
            ).run(checked.retryAt, checked.error, nowMs, id, claim, 'pending').changes > 0
          );
        }
        return (
          statement(
            `UPDATE webhook_deliveries SET state = 'failed', attempts = attempts + 1, last_error = ?,
               updated_at = ?, claim = claim + 1 ${where}`,
          ).run(checked.error, nowMs, id, claim, 'pending').changes > 0
        );
      });
    },

    async deliveries(alertId) {
      checkPositiveInteger(alertId, 'alert id');
      const rows = statement(
        `SELECT webhook_id, state, attempts, last_error, next_attempt_at FROM webhook_deliveries
         WHERE alert_id = ? ORDER BY webhook_id`,
      ).all(alertId) as Row[];
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
      write(() => {
        if (!projectExists(session.project)) throw unknownProject(session.project);
        try {
          statement(
            'INSERT INTO sessions (session_hash, project, csrf_token, expires_at) VALUES (?, ?, ?, ?)',
          ).run(sessionHash, session.project, session.csrfToken, session.expiresAt);
        } catch (err) {
          if (isUniqueViolation(err))
            throw new StoreError('ERR_STORE_CONFLICT', 'this session exists already');
          throw err;
        }
      });
    },

    async findSession(sessionHash, nowMs) {
      checkTime(nowMs, 'session nowMs');
      const row = statement(
        'SELECT project, csrf_token, expires_at FROM sessions WHERE session_hash = ? AND expires_at > ?',
      ).get(sessionHash, nowMs) as Row | undefined;
      return row === undefined
        ? undefined
        : {
            project: String(row.project),
            csrfToken: String(row.csrf_token),
            expiresAt: Number(row.expires_at),
          };
    },

    async deleteSession(sessionHash) {
      statement('DELETE FROM sessions WHERE session_hash = ?').run(sessionHash);
    },

    async purge(cutoffs, batchLimit) {
      checkRetention(cutoffs, batchLimit);
      // Only events the rollups count already: an unrolled event deleted would be lost to them.
      const rolled = await ingest.catchUp();
      return write(() => {
        let events = 0;
        const projects = statement('SELECT id FROM projects ORDER BY id').all() as Row[];
        const eventsBefore = isoOfSeconds(cutoffs.events);
        for (const { id } of projects) {
          if (events >= batchLimit) break;
          events += Number(
            statement(
              // By day first (the index: migration 6), oldest day first, then the exact time.
              `DELETE FROM events WHERE id IN
                 (SELECT id FROM events
                   WHERE project = ? AND substr(time, 1, 10) <= ? AND time < ? AND id <= ?
                   ORDER BY substr(time, 1, 10) LIMIT ?)`,
            ).run(String(id), eventsBefore.slice(0, 10), eventsBefore, rolled, batchLimit - events).changes,
          );
        }

        // A rollup row goes once its whole bucket is older than the cut-off.
        let rollups = 0;
        const spans = [
          [60, cutoffs.minuteRollups],
          [3600, cutoffs.hourRollups],
          [86_400, cutoffs.dayRollups],
        ] as const;
        for (const [table, key] of ROLLUP_PURGES) {
          for (const [span, cutoff] of spans) {
            if (rollups >= batchLimit) break;
            rollups += Number(
              statement(
                `DELETE FROM ${table} WHERE (${key}) IN
                   (SELECT ${key} FROM ${table} WHERE span = ? AND bucket <= ? ORDER BY bucket LIMIT ?)`,
              ).run(span, cutoff - span, batchLimit - rollups).changes,
            );
          }
        }
        if (rollups < batchLimit) {
          rollups += Number(
            statement(
              `DELETE FROM destination_hosts WHERE (project, destination, host) IN
                 (SELECT project, destination, host FROM destination_hosts WHERE last_seen < ? LIMIT ?)`,
            ).run(cutoffs.dayRollups, batchLimit - rollups).changes,
          );
        }

        const oldAlerts = 'SELECT id FROM alerts WHERE window_start < ? ORDER BY window_start, id LIMIT ?';
        statement(`DELETE FROM webhook_deliveries WHERE alert_id IN (${oldAlerts})`).run(
          cutoffs.alerts,
          batchLimit,
        );
        const alerts = Number(
          statement(`DELETE FROM alerts WHERE id IN (${oldAlerts})`).run(cutoffs.alerts, batchLimit).changes,
        );

        const sessions = Number(
          statement(
            `DELETE FROM sessions WHERE session_hash IN
               (SELECT session_hash FROM sessions WHERE expires_at <= ? LIMIT ?)`,
          ).run(cutoffs.nowMs, batchLimit).changes,
        );
        return { events, rollups, alerts, sessions };
      });
    },
  };
}
