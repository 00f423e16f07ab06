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
];
