/**
 * The versioned schema of the qrpin store. Each migration has a version number; `migrate()` applies
 * the ones not yet recorded in `schema_migrations`, in order, in one transaction. A migration, once
 * released, is never edited: a change is a new version.
 */

/** One schema step, in the SQL dialects of both stores. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: readonly string[];
  readonly postgres: readonly string[];
}

/** Every migration, in version order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'projects, admin tokens, signing keys, pinsets',
    sqlite: [
      `CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE admin_tokens (
        project TEXT NOT NULL REFERENCES projects(id),
        token_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (project, token_hash)
      )`,
      `CREATE TABLE signing_keys (
        project TEXT NOT NULL REFERENCES projects(id),
        kid TEXT NOT NULL,
        alg TEXT NOT NULL,
        jwk TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (project, kid)
      )`,
      `CREATE TABLE pinsets (
        project TEXT NOT NULL REFERENCES projects(id),
        seq INTEGER NOT NULL,
        jws TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('published', 'rollback')),
        rollback_jws TEXT,
        rollback_seq INTEGER,
        published_at TEXT NOT NULL,
        PRIMARY KEY (project, seq)
      )`,
    ],
    postgres: [
      `CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        created_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE admin_tokens (
        project TEXT NOT NULL REFERENCES projects(id),
        token_hash TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (project, token_hash)
      )`,
      `CREATE TABLE signing_keys (
        project TEXT NOT NULL REFERENCES projects(id),
        kid TEXT NOT NULL,
        alg TEXT NOT NULL,
        jwk JSONB NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (project, kid)
      )`,
      `CREATE TABLE pinsets (
        project TEXT NOT NULL REFERENCES projects(id),
        seq BIGINT NOT NULL,
        jws TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('published', 'rollback')),
        rollback_jws TEXT,
        rollback_seq BIGINT,
        published_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (project, seq)
      )`,
    ],
  },
  {
    version: 2,
    name: 'ingest keys and journey events',
    sqlite: [
      `CREATE TABLE ingest_keys (
        key_hash TEXT PRIMARY KEY,
        project TEXT NOT NULL REFERENCES projects(id),
        app_id TEXT NOT NULL,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project TEXT NOT NULL REFERENCES projects(id),
        app_id TEXT NOT NULL,
        type TEXT NOT NULL,
        time TEXT NOT NULL,
        session_id TEXT NOT NULL,
        destination TEXT,
        campaign TEXT,
        body TEXT NOT NULL,
        received_at TEXT NOT NULL
      )`,
      'CREATE INDEX events_project_time ON events (project, time)',
    ],
    postgres: [
      `CREATE TABLE ingest_keys (
        key_hash TEXT PRIMARY KEY,
        project TEXT NOT NULL REFERENCES projects(id),
        app_id TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL
      )`,
      `CREATE TABLE events (
        id BIGSERIAL PRIMARY KEY,
        project TEXT NOT NULL REFERENCES projects(id),
        app_id TEXT NOT NULL,
        type TEXT NOT NULL,
        time TIMESTAMPTZ NOT NULL,
        session_id TEXT NOT NULL,
        destination TEXT,
        campaign TEXT,
        body JSONB NOT NULL,
        received_at TIMESTAMPTZ NOT NULL
      )`,
      'CREATE INDEX events_project_time ON events (project, time)',
    ],
  },
  {
    version: 3,
    name: 'rollups, cohort rollups, destination hosts, alerts, webhooks and their outbox, sessions',
    sqlite: [
      `CREATE TABLE rollups (
        project TEXT NOT NULL,
        span INTEGER NOT NULL CHECK (span IN (60, 3600, 86400)),
        bucket INTEGER NOT NULL,
        destination TEXT NOT NULL,
        campaign TEXT NOT NULL,
        app_version TEXT NOT NULL,
        platform TEXT NOT NULL,
        pinset_seq INTEGER NOT NULL,
        events INTEGER NOT NULL DEFAULT 0,
        scans INTEGER NOT NULL DEFAULT 0,
        hops INTEGER NOT NULL DEFAULT 0,
        tls_ok INTEGER NOT NULL DEFAULT 0,
        tls_errors INTEGER NOT NULL DEFAULT 0,
        pin_failures_enforce INTEGER NOT NULL DEFAULT 0,
        pin_failures_report INTEGER NOT NULL DEFAULT 0,
        redirects_blocked INTEGER NOT NULL DEFAULT 0,
        completes INTEGER NOT NULL DEFAULT 0,
        abandons INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (project, span, bucket, destination, campaign, app_version, platform, pinset_seq)
      ) WITHOUT ROWID`,
      'CREATE INDEX rollups_span_bucket ON rollups (span, bucket, project)',
      `CREATE TABLE cohort_rollups (
        project TEXT NOT NULL,
        span INTEGER NOT NULL CHECK (span IN (60, 3600, 86400)),
        bucket INTEGER NOT NULL,
        destination TEXT NOT NULL,
        pinset_seq INTEGER NOT NULL,
        cohort INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        pin_failures_enforce INTEGER NOT NULL DEFAULT 0,
        pin_failures_report INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (project, span, bucket, destination, pinset_seq, cohort)
      ) WITHOUT ROWID`,
      'CREATE INDEX cohort_rollups_span_bucket ON cohort_rollups (span, bucket, project)',
      `CREATE TABLE destination_hosts (
        project TEXT NOT NULL,
        destination TEXT NOT NULL,
        host TEXT NOT NULL,
        last_seen INTEGER NOT NULL,
        PRIMARY KEY (project, destination, host)
      ) WITHOUT ROWID`,
      'CREATE INDEX destination_hosts_last_seen ON destination_hosts (last_seen)',
      `CREATE TABLE alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project TEXT NOT NULL REFERENCES projects(id),
        destination TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('tls_error_rate', 'pin_failure_rate')),
        window_start INTEGER NOT NULL,
        window_seconds INTEGER NOT NULL,
        observed_errors INTEGER NOT NULL,
        observed_attempts INTEGER NOT NULL,
        baseline_errors INTEGER NOT NULL,
        baseline_attempts INTEGER NOT NULL,
        p_value REAL NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (project, destination, kind, window_start)
      )`,
      'CREATE INDEX alerts_project_window ON alerts (project, window_start)',
      'CREATE INDEX alerts_window ON alerts (window_start)',
      `CREATE TABLE webhooks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project TEXT NOT NULL REFERENCES projects(id),
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (project, url)
      )`,
      `CREATE TABLE webhook_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
        webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        updated_at INTEGER NOT NULL,
        UNIQUE (alert_id, webhook_id)
      )`,
      'CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at)',
      'CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id)',
      `CREATE TABLE sessions (
        session_hash TEXT PRIMARY KEY,
        project TEXT NOT NULL REFERENCES projects(id),
        csrf_token TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      )`,
      'CREATE INDEX sessions_expires_at ON sessions (expires_at)',
      // SQLite folds events into rollups after they commit (sqlite/roller.ts): how far, per table and span.
      `CREATE TABLE rollup_progress (
        target TEXT PRIMARY KEY,
        last_event_id INTEGER NOT NULL
      ) WITHOUT ROWID`,
    ],
    postgres: [
      `CREATE TABLE rollups (
        project TEXT NOT NULL,
        span INTEGER NOT NULL CHECK (span IN (60, 3600, 86400)),
        bucket BIGINT NOT NULL,
        destination TEXT NOT NULL,
        campaign TEXT NOT NULL,
        app_version TEXT NOT NULL,
        platform TEXT NOT NULL,
        pinset_seq BIGINT NOT NULL,
        events BIGINT NOT NULL DEFAULT 0,
        scans BIGINT NOT NULL DEFAULT 0,
        hops BIGINT NOT NULL DEFAULT 0,
        tls_ok BIGINT NOT NULL DEFAULT 0,
        tls_errors BIGINT NOT NULL DEFAULT 0,
        pin_failures_enforce BIGINT NOT NULL DEFAULT 0,
        pin_failures_report BIGINT NOT NULL DEFAULT 0,
        redirects_blocked BIGINT NOT NULL DEFAULT 0,
        completes BIGINT NOT NULL DEFAULT 0,
        abandons BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (project, span, bucket, destination, campaign, app_version, platform, pinset_seq)
      )`,
      'CREATE INDEX rollups_span_bucket ON rollups (span, bucket, project)',
      `CREATE TABLE cohort_rollups (
        project TEXT NOT NULL,
        span INTEGER NOT NULL CHECK (span IN (60, 3600, 86400)),
        bucket BIGINT NOT NULL,
        destination TEXT NOT NULL,
        pinset_seq BIGINT NOT NULL,
        cohort INTEGER NOT NULL,
        attempts BIGINT NOT NULL DEFAULT 0,
        pin_failures_enforce BIGINT NOT NULL DEFAULT 0,
        pin_failures_report BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (project, span, bucket, destination, pinset_seq, cohort)
      )`,
      'CREATE INDEX cohort_rollups_span_bucket ON cohort_rollups (span, bucket, project)',
      `CREATE TABLE destination_hosts (
        project TEXT NOT NULL,
        destination TEXT NOT NULL,
        host TEXT NOT NULL,
        last_seen BIGINT NOT NULL,
        PRIMARY KEY (project, destination, host)
      )`,
      'CREATE INDEX destination_hosts_last_seen ON destination_hosts (last_seen)',
      `CREATE TABLE alerts (
        id BIGSERIAL PRIMARY KEY,
        project TEXT NOT NULL REFERENCES projects(id),
        destination TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('tls_error_rate', 'pin_failure_rate')),
        window_start BIGINT NOT NULL,
        window_seconds INTEGER NOT NULL,
        observed_errors BIGINT NOT NULL,
        observed_attempts BIGINT NOT NULL,
        baseline_errors BIGINT NOT NULL,
        baseline_attempts BIGINT NOT NULL,
        p_value DOUBLE PRECISION NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        UNIQUE (project, destination, kind, window_start)
      )`,
      'CREATE INDEX alerts_project_window ON alerts (project, window_start)',
      'CREATE INDEX alerts_window ON alerts (window_start)',
      `CREATE TABLE webhooks (
        id BIGSERIAL PRIMARY KEY,
        project TEXT NOT NULL REFERENCES projects(id),
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        UNIQUE (project, url)
      )`,
      `CREATE TABLE webhook_deliveries (
        id BIGSERIAL PRIMARY KEY,
        alert_id BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
        webhook_id BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL,
        last_error TEXT,
        updated_at BIGINT NOT NULL,
        UNIQUE (alert_id, webhook_id)
      )`,
      'CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at)',
      'CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id)',
      `CREATE TABLE sessions (
        session_hash TEXT PRIMARY KEY,
        project TEXT NOT NULL REFERENCES projects(id),
        csrf_token TEXT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
      'CREATE INDEX sessions_expires_at ON sessions (expires_at)',
    ],
  },
  {
    version: 4,
    name: 'webhook delivery claims',
    // Each claim of a delivery takes the next number, and each settlement too: an attempt settles
    // only with the number its claim got, so a late attempt cannot settle a newer claim.
    sqlite: ['ALTER TABLE webhook_deliveries ADD COLUMN claim INTEGER NOT NULL DEFAULT 0'],
    postgres: ['ALTER TABLE webhook_deliveries ADD COLUMN claim BIGINT NOT NULL DEFAULT 0'],
  },
  {
    version: 5,
    name: 'signing keys in the order they were added',
    // Two keys added within one millisecond share created_at; SQLite orders them by rowid.
    sqlite: [],
    postgres: ['ALTER TABLE signing_keys ADD COLUMN added BIGSERIAL'],
  },
  {
    version: 6,
    name: 'events found for the purge by their day',
    // The purge looks events up by project and time. Indexed by the exact time, every insert went
    // to one of many places in the index (events of a batch carry their own times), which halved
    // SQLite's insert rate; by the day (the date part of the ISO 8601 time) and then the row id,
    // inserts add to the end of today's entries. The purge reads a day at a time and checks the
    // time itself. PostgreSQL keeps its index.
    sqlite: [
      'DROP INDEX events_project_time',
      'CREATE INDEX events_project_day ON events (project, substr(time, 1, 10))',
    ],
    postgres: [],
  },
  {
    version: 7,
    name: 'rollup fold cursors per slice',
    // SQLite folds the main rollups a slice of their rows at a time (ROLLUP_SLICES in
    // telemetry/aggregate.ts), each slice with its own cursor: every slice starts where its table
    // and span had got to. PostgreSQL writes rollups in the ingest transaction and has no cursors.
    sqlite: [
      `INSERT INTO rollup_progress (target, last_event_id)
       SELECT p.target || '#' || s.slice, p.last_event_id
       FROM rollup_progress AS p,
         (SELECT 0 AS slice UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
          UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7) AS s
       WHERE p.target IN ('rollups/60', 'rollups/3600', 'rollups/86400')`,
      "DELETE FROM rollup_progress WHERE target IN ('rollups/60', 'rollups/3600', 'rollups/86400')",
    ],
    postgres: [],
  },
];
