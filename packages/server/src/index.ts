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
export { createServer } from './http/create-server.ts';
export type { CreateServerOptions, ServerLimits, ServerLogger } from './http/create-server.ts';
export { CURRENT_CACHE_CONTROL, IMMUTABLE_CACHE_CONTROL } from './http/routes/public-pinsets.ts';
export { HttpError } from './http/http-error.ts';
export type { ErrorBody, HttpErrorCode } from './http/http-error.ts';
export type { PinsetVerifier, VerifiedDocument, VerifyContext } from './http/verifier.ts';
export { startServer } from './serve/start-server.ts';
export type { RunningServer, StartServerOptions } from './serve/start-server.ts';
export { corePinsetVerifier } from './serve/core-verifier.ts';
