// Input checks shared by the SQLite and PostgreSQL stores: both refuse the same bad input with the
// same codes, so the contract suite can hold them to one behaviour.
import { describeInput, TELEMETRY_EVENT_TYPES, type TelemetryEvent } from '@qrpin/core';
import { StoreError } from '../storage/error.ts';
import type { PublishInput, SigningKeyRecord } from '../storage/pinset-store.ts';
import type {
  AlertInput,
  DeliveryOutcome,
  RetentionCutoffs,
  SessionRecord,
} from '../storage/telemetry-store.ts';

/** Project ids: lower-case letters, digits, `.`, `_`, `-`; 1 to 64 characters. */
export const PROJECT_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

/** Project ids: lower-case letters, digits, `.`, `_`, `-`, 1 to 64 characters. */
export function checkProjectId(id: string): string {
  if (typeof id !== 'string' || !PROJECT_ID.test(id)) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      `project id ${describeInput(String(id))} is not valid: use 1 to 64 lower-case letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return id;
}

/** App ids of ingest keys: 1 to 128 printable characters without spaces. */
export function checkAppId(appId: string): string {
  if (typeof appId !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(appId)) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      `app id ${describeInput(String(appId))} is not 1 to 128 printable characters`,
    );
  }
  return appId;
}

/** Ingest key ids: the first 12 hex digits of the key's SHA-256. */
export const INGEST_KEY_ID = /^[0-9a-f]{12}$/;

/** The id an ingest key is listed and revoked by: the first 12 hex digits of its SHA-256. */
export function ingestKeyId(keyHash: string): string {
  return keyHash.slice(0, 12);
}

export function checkIngestKeyId(keyId: string): string {
  if (typeof keyId !== 'string' || !INGEST_KEY_ID.test(keyId)) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      `ingest key id ${describeInput(String(keyId))} is not 12 lower-case hex digits`,
    );
  }
  return keyId;
}

/** Two keys of a project whose hashes start alike: the id names neither for sure. */
export function ambiguousKeyId(project: string, keyId: string): StoreError {
  return new StoreError(
    'ERR_STORE_CONFLICT',
    `project "${project}" has more than one ingest key with id ${keyId}; none was removed`,
  );
}

export function checkSeq(seq: number, what = 'seq'): number {
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new StoreError('ERR_STORE_OPTIONS', `${what} ${String(seq)} is not a safe non-negative integer`);
  }
  return seq;
}

export function checkSha256(hash: string, what: string): string {
  if (typeof hash !== 'string' || !HEX_SHA256.test(hash)) {
    throw new StoreError('ERR_STORE_OPTIONS', `${what} must be 64 lower-case hex digits (a SHA-256)`);
  }
  return hash;
}

export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new StoreError('ERR_STORE_OPTIONS', `history limit ${String(limit)} must be a positive integer`);
  }
  return limit;
}

export function checkSigningKey(key: SigningKeyRecord): SigningKeyRecord {
  if (typeof key.kid !== 'string' || key.kid.length === 0 || key.kid.length > 200) {
    throw new StoreError('ERR_STORE_OPTIONS', 'signing key kid must be a string of 1 to 200 characters');
  }
  if (typeof key.alg !== 'string' || key.alg.length === 0) {
    throw new StoreError('ERR_STORE_OPTIONS', `signing key ${describeInput(key.kid)} has no alg`);
  }
  if (typeof key.jwk !== 'object' || key.jwk === null || Array.isArray(key.jwk)) {
    throw new StoreError('ERR_STORE_OPTIONS', `signing key ${describeInput(key.kid)} has no JWK object`);
  }
  if ('d' in key.jwk) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      `signing key ${describeInput(key.kid)} is a private JWK: the server holds public keys only; pass the public half`,
    );
  }
  return key;
}

/** The checked publish input, with the rollback `seq` resolved. */
export interface CheckedPublish {
  readonly seq: number;
  readonly jws: string;
  readonly sha256: string;
  readonly rollbackJws: string | null;
  readonly rollbackSeq: number | null;
}

export function checkPublish(input: PublishInput): CheckedPublish {
  const seq = checkSeq(input.seq);
  if (typeof input.jws !== 'string' || input.jws.length === 0) {
    throw new StoreError('ERR_STORE_OPTIONS', 'jws must be a non-empty string');
  }
  const sha256 = checkSha256(input.sha256, 'sha256');
  if (input.rollbackJws === undefined) {
    if (input.rollbackSeq !== undefined) {
      throw new StoreError('ERR_STORE_OPTIONS', 'rollbackSeq was given without rollbackJws');
    }
    return { seq, jws: input.jws, sha256, rollbackJws: null, rollbackSeq: null };
  }
  if (typeof input.rollbackJws !== 'string' || input.rollbackJws.length === 0) {
    throw new StoreError('ERR_STORE_OPTIONS', 'rollbackJws must be a non-empty string');
  }
  const rollbackSeq = checkSeq(input.rollbackSeq ?? seq + 1, 'rollbackSeq');
  if (rollbackSeq <= seq) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      `rollbackSeq ${rollbackSeq} must be greater than the document's seq ${seq}`,
    );
  }
  return { seq, jws: input.jws, sha256, rollbackJws: input.rollbackJws, rollbackSeq };
}

export function seqConflict(project: string, seq: number, latest: number): StoreError {
  return new StoreError(
    'ERR_STORE_SEQ_CONFLICT',
    `project ${describeInput(project)}: seq ${seq} is not greater than the latest stored seq ${latest}; sign the document again with seq ${latest + 1} or higher`,
  );
}

/** An optional cap on how many of something a project holds: absent, or a positive integer. */
export function checkCap(max: number | undefined): void {
  if (max !== undefined) checkPositiveInteger(max, 'limit');
}

/** The project holds `max` of `what` already. */
export function atLimit(project: string, max: number, what: string): StoreError {
  return new StoreError(
    'ERR_STORE_LIMIT',
    `a project has at most ${max} ${what}; project "${project}" has ${max}`,
  );
}

export function unknownProject(project: string): StoreError {
  return new StoreError(
    'ERR_STORE_UNKNOWN_PROJECT',
    `project ${describeInput(project)} does not exist; create it first`,
  );
}

export function noRollback(project: string, seq: number | undefined): StoreError {
  return new StoreError(
    'ERR_STORE_NO_ROLLBACK',
    seq === undefined
      ? `project ${describeInput(project)} has no document, so there is nothing to roll back`
      : `project ${describeInput(project)}: the current document (seq ${seq}) has no pre-signed rollback; publish a fixed document instead`,
  );
}

/** A positive safe integer (a limit, a lease, a window), named `what` in the error. */
export function checkPositiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new StoreError('ERR_STORE_OPTIONS', `${what} ${String(value)} must be a positive integer`);
  }
  return value;
}

/** A safe integer time (unix seconds or milliseconds), named `what` in the error. */
export function checkTime(value: number, what: string): number {
  if (!Number.isSafeInteger(value)) {
    throw new StoreError('ERR_STORE_OPTIONS', `${what} ${String(value)} must be an integer time`);
  }
  return value;
}

function checkCount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreError('ERR_STORE_OPTIONS', `${what} ${String(value)} must be a non-negative integer`);
  }
  return value;
}

const ALERT_KINDS: ReadonlySet<string> = new Set(['tls_error_rate', 'pin_failure_rate']);

/** Control characters: PostgreSQL text cannot hold NUL, and rollup keys are joined with it. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A string of 1 to `max` characters without control characters. */
function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !CONTROL.test(value);
}

const EVENT_TYPES: ReadonlySet<string> = new Set(TELEMETRY_EVENT_TYPES);
const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** The error of a bad field of an event: it names the event and the field. */
function badEvent(i: number, field: string, what: string): StoreError {
  return new StoreError('ERR_STORE_OPTIONS', `events[${i}].${field} ${what}`);
}

/** Checks one text field of event `i` (required, or absent). */
function checkEventText(i: number, field: string, value: unknown, max: number, required: boolean): void {
  if (value === undefined && !required) return;
  if (!isText(value, max)) {
    throw badEvent(i, field, `must be a string of 1 to ${max} characters without control characters`);
  }
}

/**
 * Checks the fields of events that the stores key rows by (the HTTP layer validated them whole;
 * the store checks again what would corrupt a rollup or be refused by one database and not the
 * other) and returns the unix second of each event's time. `ERR_STORE_OPTIONS` names the event and
 * the field.
 */
export function checkEvents(events: readonly TelemetryEvent[]): Float64Array {
  if (!Array.isArray(events)) throw new StoreError('ERR_STORE_OPTIONS', 'events must be a list of events');
  const seconds = new Float64Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as TelemetryEvent;
    if (typeof e !== 'object' || e === null) {
      throw new StoreError('ERR_STORE_OPTIONS', `events[${i}] must be an event object`);
    }
    if (!EVENT_TYPES.has(e.type))
      throw badEvent(i, 'type', `must be one of ${TELEMETRY_EVENT_TYPES.join(', ')}`);
    checkProjectId(e.project);
    const ms = typeof e.time === 'string' && EVENT_TIME.test(e.time) ? Date.parse(e.time) : Number.NaN;
    if (!Number.isFinite(ms)) throw badEvent(i, 'time', 'must be an ISO 8601 UTC time (Z)');
    seconds[i] = Math.floor(ms / 1000);
    // Field by field rather than in a loop over their names: this runs for every stored event.
    checkEventText(i, 'appId', e.appId, 128, true);
    checkEventText(i, 'appVersion', e.appVersion, 64, true);
    checkEventText(i, 'platform', e.platform, 64, true);
    checkEventText(i, 'sessionId', e.sessionId, 128, true);
    checkEventText(i, 'destination', e.destination, 128, false);
    checkEventText(i, 'campaign', e.campaign, 128, false);
    checkEventText(i, 'host', e.host, 253, false);
    if (e.pinsetSeq !== undefined && !(Number.isSafeInteger(e.pinsetSeq) && e.pinsetSeq >= 0)) {
      throw badEvent(i, 'pinsetSeq', 'must be a non-negative integer');
    }
    if (e.cohort !== undefined && !(Number.isInteger(e.cohort) && e.cohort >= 0 && e.cohort <= 99)) {
      throw badEvent(i, 'cohort', 'must be an integer from 0 to 99');
    }
    if (e.mode !== undefined && e.mode !== 'enforce' && e.mode !== 'report') {
      throw badEvent(i, 'mode', 'must be enforce or report');
    }
  }
  return seconds;
}

/** A delivery's claim, as {@link TelemetryStore.claimDeliveries} handed it out. */
export function checkClaim(claim: number): number {
  if (!Number.isSafeInteger(claim) || claim < 0) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      `delivery claim ${String(claim)} must be a non-negative integer`,
    );
  }
  return claim;
}

/** The longest alert window: a year (detection tests a few windows of up to a day). */
const MAX_WINDOW_SECONDS = 366 * 86_400;

/** An alert as detection raises it: a known kind, integer counts, a p-value in [0, 1]. */
export function checkAlert(alert: AlertInput): AlertInput {
  checkProjectId(alert.project);
  if (!isText(alert.destination, 128)) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      'alert destination must be a string of 1 to 128 characters without control characters',
    );
  }
  if (!ALERT_KINDS.has(alert.kind)) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      `alert kind ${describeInput(String(alert.kind))} must be tls_error_rate or pin_failure_rate`,
    );
  }
  checkTime(alert.windowStart, 'alert windowStart');
  checkPositiveInteger(alert.windowSeconds, 'alert windowSeconds');
  if (alert.windowSeconds > MAX_WINDOW_SECONDS) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      `alert windowSeconds ${alert.windowSeconds} must be at most ${MAX_WINDOW_SECONDS} (a year)`,
    );
  }
  for (const [name, sample] of [
    ['observed', alert.observed],
    ['baseline', alert.baseline],
  ] as const) {
    if (typeof sample !== 'object' || sample === null) {
      throw new StoreError('ERR_STORE_OPTIONS', `alert ${name} must be { errors, attempts }`);
    }
    checkCount(sample.errors, `alert ${name}.errors`);
    checkCount(sample.attempts, `alert ${name}.attempts`);
  }
  if (typeof alert.pValue !== 'number' || !(alert.pValue >= 0 && alert.pValue <= 1)) {
    throw new StoreError('ERR_STORE_OPTIONS', `alert pValue ${String(alert.pValue)} must be from 0 to 1`);
  }
  return alert;
}

/** The latest time an alert may be raised at: the end of year 9999 (a four-digit ISO year). */
const MAX_ALERT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** When an alert is raised: an integer unix ms from 1970 through year 9999. */
export function checkAlertTime(nowMs: number): number {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs > MAX_ALERT_MS) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      `alert nowMs ${String(nowMs)} must be an integer unix time in ms from 1970 through year 9999`,
    );
  }
  return nowMs;
}

/**
 * A webhook URL (http or https, at most 2,048 characters) and its secret (1 to 512 characters).
 * The messages name neither: a webhook URL often carries a token of its own.
 */
export function checkWebhook(url: string, secret: string): void {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' && url.length <= 2048 ? new URL(url) : undefined;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      'webhook url must be an absolute http or https URL of at most 2048 characters',
    );
  }
  if (!isText(secret, 512)) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      'webhook secret must be a string of 1 to 512 characters without control characters',
    );
  }
}

/** The outcome of a delivery attempt, with its error cut to 200 characters. */
export function checkOutcome(outcome: DeliveryOutcome): DeliveryOutcome {
  if (typeof outcome !== 'object' || outcome === null || typeof outcome.ok !== 'boolean') {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      'delivery outcome must be { ok: true } or { ok: false, retryAt, error }',
    );
  }
  if (outcome.ok) return outcome;
  if (outcome.retryAt !== undefined) checkTime(outcome.retryAt, 'delivery retryAt');
  if (typeof outcome.error !== 'string') {
    throw new StoreError('ERR_STORE_OPTIONS', 'delivery error must be a string');
  }
  return { ok: false, retryAt: outcome.retryAt, error: outcome.error.slice(0, 200) };
}

/** A session to store: its hash, a known project id, an integer expiry and a CSRF token. */
export function checkSession(sessionHash: string, session: SessionRecord): void {
  checkSha256(sessionHash, 'session hash');
  checkProjectId(session.project);
  checkTime(session.expiresAt, 'session expiresAt');
  if (!isText(session.csrfToken, 256)) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      'session csrfToken must be a string of 1 to 256 characters without control characters',
    );
  }
}

/** Retention cut-offs (integer times) and a positive batch limit. */
export function checkRetention(cutoffs: RetentionCutoffs, batchLimit: number): void {
  for (const name of ['events', 'minuteRollups', 'hourRollups', 'dayRollups', 'alerts', 'nowMs'] as const) {
    checkTime(cutoffs[name], `retention ${name}`);
  }
  checkPositiveInteger(batchLimit, 'purge batchLimit');
}
