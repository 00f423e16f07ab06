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
export { AlertError } from './alerts/error.ts';
export type { AlertErrorCode } from './alerts/error.ts';
export { detectSpike, INITIAL_SPIKE_STATE } from './alerts/detect.ts';
export type { SpikeDecision, SpikeReason, SpikeState, WindowSample } from './alerts/detect.ts';
export { DEFAULT_DETECTOR_OPTIONS, resolveDetectorOptions } from './alerts/options.ts';
export type { DetectorOptions } from './alerts/options.ts';
export { spikePValue, logSpikePValue } from './alerts/p-value.ts';
export { SpikeStream, walkSpikes } from './alerts/stream.ts';
export { startAlertJob } from './alerts/job.ts';
export type { AlertJob, AlertJobLogger, AlertJobOptions, AlertRunResult } from './alerts/job.ts';
export {
  DELIVERY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  alertPayload,
  signWebhook,
} from './alerts/webhook.ts';
export type { DeliveryReport, WebhookOptions } from './alerts/webhook.ts';
