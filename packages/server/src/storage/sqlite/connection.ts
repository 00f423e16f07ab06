// A connection to the SQLite store's database as every part of the store opens it: WAL mode,
// synchronous FULL, foreign keys on, a wait for another connection's write lock, and a large page
// cache. The store's own connection, its ingest thread's and its checkpoint thread's share one file.
import { DatabaseSync } from 'node:sqlite';

/**
 * Opens `file` (created if missing) with the store's settings.
 *
 * @example
 * ```ts
 * const db = openConnection('./.qrpin/qrpin.db', 5000);
 * ```
 */
export function openConnection(file: string, busyTimeoutMs: number): DatabaseSync {
  const db = new DatabaseSync(file);
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    db.exec('PRAGMA foreign_keys = ON');
    db.exec('PRAGMA cache_size = -65536');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
