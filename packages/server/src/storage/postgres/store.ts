/**
 * The scale-out store: PostgreSQL through a `pg` pool, so several stateless server replicas share
 * one database. Publishes lock the project's row, so concurrent publishes are serialised per project.
 */
import pg from 'pg';
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
import { postgresTelemetry } from './telemetry.ts';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** A `postgres://` URL (for example `QRPIN_DATABASE_URL`). */
  readonly connectionString: string;
  /** A schema to use instead of `public` (it must exist; it is put first on `search_path`). */
  readonly schema?: string | undefined;
  /** Pool size (default 10). */
  readonly maxConnections?: number | undefined;
  /** The clock (default `() => new Date()`). */
  readonly now?: (() => Date) | undefined;
}

type Row = Record<string, unknown>;

/** Any 64-bit key, the same for every qrpin replica: serialises concurrent `migrate()` calls. */
const MIGRATION_LOCK = 0x71_72_70_69_6e;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens a pooled PostgreSQL store. Call `migrate()` before use.
 *
 * @example
 * ```ts
 * const store = openPostgresStore({ connectionString: process.env.QRPIN_DATABASE_URL! });
 * await store.migrate();
 * ```
 */
export function openPostgresStore(options: PostgresStoreOptions): PinsetStore {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new StoreError('ERR_STORE_OPTIONS', `schema name "${options.schema}" must match ${SCHEMA_NAME}`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  const now = options.now ?? (() => new Date());
  let closed = false;

  async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async function lockProject(client: pg.PoolClient, project: string): Promise<void> {
    const { rowCount } = await client.query('SELECT 1 FROM projects WHERE id = $1 FOR UPDATE', [project]);
    if (rowCount === 0) throw unknownProject(project);
  }

  async function currentRow(client: pg.Pool | pg.PoolClient, project: string): Promise<Row | undefined> {
    const { rows } = await client.query<Row>(
      'SELECT * FROM pinsets WHERE project = $1 ORDER BY seq DESC LIMIT 1',
      [project],
    );
    return rows[0];
  }

  function toPinset(row: Row): StoredPinset {
    const publishedAt =
      row.published_at instanceof Date ? row.published_at : new Date(String(row.published_at));
    return {
      project: String(row.project),
      seq: Number(row.seq),
      jws: String(row.jws),
      sha256: String(row.sha256),
      kind: row.kind === 'rollback' ? 'rollback' : 'published',
      hasRollback: row.rollback_jws !== null,
      rollbackSeq: row.rollback_seq === null ? undefined : Number(row.rollback_seq),
      publishedAt: publishedAt.toISOString(),
    };
  }

  function isUniqueViolation(err: unknown): boolean {
    return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
  }

  return {
    ...postgresTelemetry({ pool, now, transaction, lockProject, isUniqueViolation }),
    async migrate() {
      await transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
          version INTEGER PRIMARY KEY,
          name TEXT NOT NULL,
          applied_at TIMESTAMPTZ NOT NULL
        )`);
        const { rows } = await client.query<Row>('SELECT version FROM schema_migrations');
        const applied = new Set(rows.map((r) => Number(r.version)));
        for (const migration of MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          for (const statement of migration.postgres) await client.query(statement);
          await client.query(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [migration.version, migration.name, now()],
          );
        }
      });
    },

    async ping() {
      await pool.query('SELECT 1');
    },

    async createProject(id) {
      checkProjectId(id);
      try {
        await pool.query('INSERT INTO projects (id, created_at) VALUES ($1, $2)', [id, now()]);
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
      await transaction(async (client) => {
        await lockProject(client, project);
        await client.query(
          `INSERT INTO admin_tokens (project, token_hash, created_at) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING`,
          [project, tokenHash, now()],
        );
      });
    },

    async findAdminTokenHashes(project) {
      const { rows } = await pool.query<Row>('SELECT token_hash FROM admin_tokens WHERE project = $1', [
        project,
      ]);
      return rows.map((r) => String(r.token_hash));
    },

    async addSigningKey(project: string, key: SigningKeyRecord) {
      checkProjectId(project);
      checkSigningKey(key);
      await transaction(async (client) => {
        await lockProject(client, project);
        try {
          await client.query(
            'INSERT INTO signing_keys (project, kid, alg, jwk, created_at) VALUES ($1, $2, $3, $4, $5)',
            [project, key.kid, key.alg, JSON.stringify(key.jwk), now()],
          );
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
      const { rows } = await pool.query<Row>(
        'SELECT kid, alg, jwk FROM signing_keys WHERE project = $1 ORDER BY created_at, added',
        [project],
      );
      return rows.map((r) => ({
        kid: String(r.kid),
        alg: String(r.alg),
        jwk: r.jwk as Record<string, unknown>,
      }));
    },

    async publish(project: string, input: PublishInput) {
      checkProjectId(project);
      const doc = checkPublish(input);
      try {
        return await transaction(async (client) => {
          await lockProject(client, project);
          const latest = await currentRow(client, project);
          if (latest !== undefined && doc.seq <= Number(latest.seq)) {
            throw seqConflict(project, doc.seq, Number(latest.seq));
          }
          const { rows } = await client.query<Row>(
            `INSERT INTO pinsets (project, seq, jws, sha256, kind, rollback_jws, rollback_seq, published_at)
             VALUES ($1, $2, $3, $4, 'published', $5, $6, $7) RETURNING *`,
            [project, doc.seq, doc.jws, doc.sha256, doc.rollbackJws, doc.rollbackSeq, now()],
          );
          return toPinset(rows[0] as Row);
        });
      } catch (err) {
        // The row lock makes this unreachable in practice; the primary key is the last guard.
        if (isUniqueViolation(err)) throw seqConflict(project, doc.seq, doc.seq);
        throw err;
      }
    },

    async current(project) {
      const row = await currentRow(pool, project);
      return row === undefined ? undefined : toPinset(row);
    },

    async bySeq(project, seq) {
      checkSeq(seq);
      const { rows } = await pool.query<Row>('SELECT * FROM pinsets WHERE project = $1 AND seq = $2', [
        project,
        seq,
      ]);
      return rows[0] === undefined ? undefined : toPinset(rows[0]);
    },

    async history(project, options: HistoryOptions) {
      const limit = checkLimit(options.limit);
      const { rows } = await pool.query<Row>(
        'SELECT * FROM pinsets WHERE project = $1 ORDER BY seq DESC LIMIT $2',
        [project, limit],
      );
      return rows.map(toPinset);
    },

    async releaseRollback(project) {
      checkProjectId(project);
      return transaction(async (client) => {
        await lockProject(client, project);
        const latest = await currentRow(client, project);
        if (latest === undefined || latest.rollback_jws === null) {
          throw noRollback(project, latest === undefined ? undefined : Number(latest.seq));
        }
        const jws = String(latest.rollback_jws);
        const { rows } = await client.query<Row>(
          `INSERT INTO pinsets (project, seq, jws, sha256, kind, rollback_jws, rollback_seq, published_at)
           VALUES ($1, $2, $3, $4, 'rollback', NULL, NULL, $5) RETURNING *`,
          [project, Number(latest.rollback_seq), jws, sha256Hex(jws), now()],
        );
        return toPinset(rows[0] as Row);
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
