/**
 * The embedded store: SQLite through Node's built-in `node:sqlite` (no native addon), in WAL mode
 * with `synchronous=FULL`, so an acknowledged publish or event batch survives a crash or power loss.
 * Event batches are group-committed: those that arrive while a write is pending share one
 * transaction (and one fsync: see event-writer.ts), each acknowledged only once its commit is
 * flushed; the roller folds them into the rollups right after (see roller.ts). Both run in an
 * ingest thread with a connection of its own, beside the event loop (see ingest.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../error.ts';
import { MIGRATIONS } from '../migrations.ts';
import type {
  HistoryOptions,
  PinsetStore,
  PublishInput,
  SigningKeyRecord,
  StoredPinset,
} from '../pinset-store.ts';
import {
  checkLimit,
  checkPositiveInteger,
  checkProjectId,
  checkPublish,
  checkSeq,
  checkSha256,
  checkSigningKey,
  noRollback,
  seqConflict,
  unknownProject,
} from '../../lib/store-input.ts';
import { sha256Hex } from '../../lib/sha256.ts';
import type { GroupCommitInfo } from './event-writer.ts';
import { startCheckpointer, type CheckpointResult } from './checkpointer.ts';
import { openConnection } from './connection.ts';
import { localIngest, threadIngest } from './ingest.ts';
import { statementCache } from './statement-cache.ts';
import { sqliteTelemetry } from './telemetry.ts';

export type { GroupCommitInfo } from './event-writer.ts';

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** The directory of the database file, created if missing (default `./.qrpin`). */
  readonly directory?: string | undefined;
  /** The file name inside `directory` (default `qrpin.db`). */
  readonly fileName?: string | undefined;
  /** The clock (default `() => new Date()`). */
  readonly now?: (() => Date) | undefined;
  /** How long to wait for another process's write lock, in milliseconds (default 5000). */
  readonly busyTimeoutMs?: number | undefined;
  /** Events in one group-committed transaction at most (default 20,000; batches are never split). */
  readonly maxGroupEvents?: number | undefined;
  /** Called after each group commit of event batches (for metrics). */
  readonly onGroupCommit?: ((info: GroupCommitInfo) => void) | undefined;
  /**
   * Whether events are written and folded into the rollups by a thread of its own, beside the
   * event loop (default `true`; see ingest.ts), or on the event loop.
   */
  readonly ingestThread?: boolean | undefined;
  /**
   * Whether a thread of its own copies the WAL into the database file after group commits
   * (default `true`; see checkpointer.ts), and what it reports after each checkpoint.
   */
  readonly checkpointThread?: boolean | undefined;
  readonly onCheckpoint?: ((result: CheckpointResult) => void) | undefined;
}

type Row = Record<string, unknown>;

/**
 * Opens (creating if needed) the SQLite store. Call `migrate()` before use.
 *
 * @example
 * ```ts
 * const store = openSqliteStore({ directory: './.qrpin' });
 * await store.migrate();
 * ```
 */
export function openSqliteStore(options: SqliteStoreOptions = {}): PinsetStore {
  const directory = options.directory ?? './.qrpin';
  mkdirSync(directory, { recursive: true });
  const file = join(directory, options.fileName ?? 'qrpin.db');
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const db = openConnection(file, busyTimeoutMs);
  const now = options.now ?? (() => new Date());
  const checkpointer =
    options.checkpointThread === false ? undefined : startCheckpointer(file, options.onCheckpoint);
  const statement = statementCache(db);
  const maxGroupEvents = checkPositiveInteger(options.maxGroupEvents ?? 20_000, 'maxGroupEvents');

  /** Runs `work` in a write transaction taken up front (`BEGIN IMMEDIATE`). */
  function write<T>(work: () => T): T {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      db.exec('COMMIT');
      return result;
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }

  function projectExists(project: string): boolean {
    return statement('SELECT 1 FROM projects WHERE id = ?').get(project) !== undefined;
  }

  function toPinset(row: Row): StoredPinset {
    const rollbackSeq = row.rollback_seq === null ? undefined : Number(row.rollback_seq);
    return {
      project: String(row.project),
      seq: Number(row.seq),
      jws: String(row.jws),
      sha256: String(row.sha256),
      kind: row.kind === 'rollback' ? 'rollback' : 'published',
      hasRollback: row.rollback_jws !== null,
      rollbackSeq,
      publishedAt: String(row.published_at),
    };
  }

  function currentRow(project: string): Row | undefined {
    return db.prepare('SELECT * FROM pinsets WHERE project = ? ORDER BY seq DESC LIMIT 1').get(project) as
      Row | undefined;
  }

  function isUniqueViolation(err: unknown): boolean {
    return err instanceof Error && /UNIQUE constraint failed|PRIMARY KEY/.test(err.message);
  }

  const onGroupCommit = (info: GroupCommitInfo): void => {
    checkpointer?.nudge();
    options.onGroupCommit?.(info);
  };
  const ingest =
    options.ingestThread === false
      ? localIngest({ db, statement, projectExists, maxGroupEvents, walFile: `${file}-wal`, onGroupCommit })
      : threadIngest({ file, busyTimeoutMs, maxGroupEvents, onGroupCommit });
  const telemetry = sqliteTelemetry({ statement, now, write, projectExists, isUniqueViolation, ingest });

  return {
    ...telemetry,
    async migrate() {
      write(() => {
        db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
          version INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          applied_at TEXT NOT NULL
        )`);
        const applied = new Set(
          (db.prepare('SELECT version FROM schema_migrations').all() as Row[]).map((r) => Number(r.version)),
        );
        for (const migration of MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          for (const statement of migration.sqlite) db.exec(statement);
          db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
            migration.version,
            migration.name,
            now().toISOString(),
          );
        }
      });
    },

    async ping() {
      db.prepare('SELECT 1').get();
    },

    async createProject(id) {
      checkProjectId(id);
      try {
        db.prepare('INSERT INTO projects (id, created_at) VALUES (?, ?)').run(id, now().toISOString());
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new StoreError('ERR_STORE_CONFLICT', `project "${id}" already exists`, { cause: err });
        }
        throw err;
      }
    },

    async addAdminToken(project, tokenHash) {
      checkProjectId(project);
      checkSha256(tokenHash, 'admin token hash');
      write(() => {
        if (!projectExists(project)) throw unknownProject(project);
        db.prepare(
          'INSERT OR IGNORE INTO admin_tokens (project, token_hash, created_at) VALUES (?, ?, ?)',
        ).run(project, tokenHash, now().toISOString());
      });
    },

    async findAdminTokenHashes(project) {
      const rows = db.prepare('SELECT token_hash FROM admin_tokens WHERE project = ?').all(project) as Row[];
      return rows.map((r) => String(r.token_hash));
    },

    async addSigningKey(project: string, key: SigningKeyRecord) {
      checkProjectId(project);
      checkSigningKey(key);
      write(() => {
        if (!projectExists(project)) throw unknownProject(project);
        try {
          db.prepare(
            'INSERT INTO signing_keys (project, kid, alg, jwk, created_at) VALUES (?, ?, ?, ?, ?)',
          ).run(project, key.kid, key.alg, JSON.stringify(key.jwk), now().toISOString());
        } catch (err) {
          if (isUniqueViolation(err)) {
            throw new StoreError(
              'ERR_STORE_CONFLICT',
              `project "${project}" already has a key "${key.kid}"`,
              {
                cause: err,
              },
            );
          }
          throw err;
        }
      });
    },

    async signingKeys(project) {
      const rows = db
        .prepare('SELECT kid, alg, jwk FROM signing_keys WHERE project = ? ORDER BY created_at, rowid')
        .all(project) as Row[];
      return rows.map((r) => ({
        kid: String(r.kid),
        alg: String(r.alg),
        jwk: JSON.parse(String(r.jwk)) as Record<string, unknown>,
      }));
    },

    async publish(project: string, input: PublishInput) {
      checkProjectId(project);
      const doc = checkPublish(input);
      return write(() => {
        if (!projectExists(project)) throw unknownProject(project);
        const latest = currentRow(project);
        if (latest !== undefined && doc.seq <= Number(latest.seq)) {
          throw seqConflict(project, doc.seq, Number(latest.seq));
        }
        db.prepare(
          `INSERT INTO pinsets (project, seq, jws, sha256, kind, rollback_jws, rollback_seq, published_at)
           VALUES (?, ?, ?, ?, 'published', ?, ?, ?)`,
        ).run(project, doc.seq, doc.jws, doc.sha256, doc.rollbackJws, doc.rollbackSeq, now().toISOString());
        return toPinset(currentRow(project) as Row);
      });
    },

    async current(project) {
      const row = currentRow(project);
      return row === undefined ? undefined : toPinset(row);
    },

    async bySeq(project, seq) {
      checkSeq(seq);
      const row = db.prepare('SELECT * FROM pinsets WHERE project = ? AND seq = ?').get(project, seq) as
        Row | undefined;
      return row === undefined ? undefined : toPinset(row);
    },

    async history(project, options: HistoryOptions) {
      const limit = checkLimit(options.limit);
      const rows = db
        .prepare('SELECT * FROM pinsets WHERE project = ? ORDER BY seq DESC LIMIT ?')
        .all(project, limit) as Row[];
      return rows.map(toPinset);
    },

    async releaseRollback(project) {
      checkProjectId(project);
      return write(() => {
        if (!projectExists(project)) throw unknownProject(project);
        const latest = currentRow(project);
        if (latest === undefined || latest.rollback_jws === null) {
          throw noRollback(project, latest === undefined ? undefined : Number(latest.seq));
        }
        const jws = String(latest.rollback_jws);
        db.prepare(
          `INSERT INTO pinsets (project, seq, jws, sha256, kind, rollback_jws, rollback_seq, published_at)
           VALUES (?, ?, ?, ?, 'rollback', NULL, NULL, ?)`,
        ).run(project, Number(latest.rollback_seq), jws, sha256Hex(jws), now().toISOString());
        return toPinset(currentRow(project) as Row);
      });
    },

    async close() {
      if (!db.isOpen) return;
      await ingest.close();
      await checkpointer?.close();
      if (db.isOpen) db.close();
    },
  };
}
