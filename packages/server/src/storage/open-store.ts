/**
 * Chooses the store from the configuration: PostgreSQL when a database URL is given
 * (`QRPIN_DATABASE_URL`), otherwise the embedded SQLite file under `./.qrpin/`.
 */
import type { PinsetStore } from './pinset-store.ts';
import { openPostgresStore } from './postgres/store.ts';
import { openSqliteStore } from './sqlite/store.ts';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** A `postgres://` URL; when set, PostgreSQL is used. */
  readonly databaseUrl?: string | undefined;
  /** The SQLite directory when no URL is set (default `./.qrpin`). */
  readonly directory?: string | undefined;
}

/**
 * Opens and migrates the configured store.
 *
 * @example
 * ```ts
 * const store = await openStore({ databaseUrl: process.env.QRPIN_DATABASE_URL });
 * ```
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<PinsetStore> {
  const url = options.databaseUrl;
  const store =
    url !== undefined && url !== ''
      ? openPostgresStore({ connectionString: url })
      : openSqliteStore({ directory: options.directory });
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
