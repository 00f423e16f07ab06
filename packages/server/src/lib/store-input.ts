// Input checks shared by the SQLite and PostgreSQL stores: both refuse the same bad input with the
// same codes, so the contract suite can hold them to one behaviour.
import { describeInput } from '@qrpin/core';
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

/** An alert as detection raises it: a known kind, integer counts, a p-value in [0, 1]. */
export function checkAlert(alert: AlertInput): AlertInput {
  checkProjectId(alert.project);
  if (
    typeof alert.destination !== 'string' ||
    alert.destination.length === 0 ||
    alert.destination.length > 128
  ) {
    throw new StoreError('ERR_STORE_OPTIONS', 'alert destination must be a string of 1 to 128 characters');
  }
  if (!ALERT_KINDS.has(alert.kind)) {
    throw new StoreError(
      'ERR_STORE_OPTIONS',
      `alert kind ${describeInput(String(alert.kind))} must be tls_error_rate or pin_failure_rate`,
    );
  }
  checkTime(alert.windowStart, 'alert windowStart');
  checkPositiveInteger(alert.windowSeconds, 'alert windowSeconds');
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
  if (typeof secret !== 'string' || secret.length === 0 || secret.length > 512) {
    throw new StoreError('ERR_STORE_OPTIONS', 'webhook secret must be a string of 1 to 512 characters');
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
  if (
    typeof session.csrfToken !== 'string' ||
    session.csrfToken.length === 0 ||
    session.csrfToken.length > 256
  ) {
    throw new StoreError('ERR_STORE_OPTIONS', 'session csrfToken must be a string of 1 to 256 characters');
  }
}

/** Retention cut-offs (integer times) and a positive batch limit. */
export function checkRetention(cutoffs: RetentionCutoffs, batchLimit: number): void {
  for (const name of ['events', 'minuteRollups', 'hourRollups', 'dayRollups', 'alerts', 'nowMs'] as const) {
    checkTime(cutoffs[name], `retention ${name}`);
  }
  checkPositiveInteger(batchLimit, 'purge batchLimit');
}
