// Store factories for the contract and API suites: SQLite in a fresh temporary directory,
// PostgreSQL in a fresh random schema of the local test database (dropped afterwards). PostgreSQL
// unreachable is a failure, never a skip: CI starts it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import { openSqliteStore, type SqliteStoreOptions } from '../../src/storage/sqlite/store.ts';
import { openPostgresStore } from '../../src/storage/postgres/store.ts';

/** A fresh, not yet migrated database: `open()` gives a new handle on it, `cleanup()` removes it. */
export interface StoreFixture {
  open(): PinsetStore;
  cleanup(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreFixture>;

export const POSTGRES_URL = process.env.QRPIN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** SQLite stores with `options` (by default, as `qrpin serve` opens them). */
function sqliteWith(options: Omit<SqliteStoreOptions, 'directory'>): StoreFactory {
  return async () => {
    const directory = mkdtempSync(join(tmpdir(), 'qrpin-store-'));
    const opened: PinsetStore[] = [];
    return {
      open() {
        const store = openSqliteStore({ ...options, directory });
        opened.push(store);
        return store;
      },
      async cleanup() {
        for (const store of opened) await store.close();
        rmSync(directory, { recursive: true, force: true });
      },
    };
  };
}

export const sqliteFactory: StoreFactory = sqliteWith({});

/** SQLite with events written on the event loop instead of the ingest thread (`ingestThread: false`). */
export const sqliteOnLoopFactory: StoreFactory = sqliteWith({ ingestThread: false });

export const postgresFactory: StoreFactory = async () => {
  const schema = `qrpin_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const opened: PinsetStore[] = [];
  return {
    open() {
      const store = openPostgresStore({ connectionString: POSTGRES_URL, schema, maxConnections: 5 });
      opened.push(store);
      return store;
    },
    async cleanup() {
      for (const store of opened) await store.close();
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
};

export const FACTORIES: ReadonlyArray<readonly [string, StoreFactory]> = [
  ['SQLite', sqliteFactory],
  ['PostgreSQL', postgresFactory],
];
