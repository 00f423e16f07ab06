export { StoreError } from './storage/error.ts';
export type { StoreErrorCode } from './storage/error.ts';
export type {
  HistoryOptions,
  PinsetStore,
  PublishInput,
  SigningKeyRecord,
  StoredPinset,
} from './storage/pinset-store.ts';
export { MIGRATIONS } from './storage/migrations.ts';
export type { Migration } from './storage/migrations.ts';
export { openSqliteStore } from './storage/sqlite/store.ts';
export type { SqliteStoreOptions } from './storage/sqlite/store.ts';
export { openPostgresStore } from './storage/postgres/store.ts';
export type { PostgresStoreOptions } from './storage/postgres/store.ts';
export { openStore } from './storage/open-store.ts';
export type { OpenStoreOptions } from './storage/open-store.ts';
