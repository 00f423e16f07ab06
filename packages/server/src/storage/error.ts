/**
 * The error every {@link PinsetStore} operation throws on purpose.
 */
import { QrpinError, type QrpinErrorOptions } from '@qrpin/core';

/**
 * The codes a {@link StoreError} carries:
 * - `ERR_STORE_SEQ_CONFLICT`: a document was published with a `seq` not greater than the latest one
 *   (or lost a race against a concurrent publish of the same `seq`);
 * - `ERR_STORE_UNKNOWN_PROJECT`: the project does not exist;
 * - `ERR_STORE_CONFLICT`: the project, token or signing key already exists;
 * - `ERR_STORE_LIMIT`: the project holds as many ingest keys or webhooks as the caller allows;
 * - `ERR_STORE_NO_ROLLBACK`: the current document has no stored pre-signed rollback to release;
 * - `ERR_STORE_OPTIONS`: bad input (an empty id, a `seq` that is not a safe non-negative integer …).
 */
export type StoreErrorCode =
  | 'ERR_STORE_SEQ_CONFLICT'
  | 'ERR_STORE_UNKNOWN_PROJECT'
  | 'ERR_STORE_CONFLICT'
  | 'ERR_STORE_NO_ROLLBACK'
  | 'ERR_STORE_LIMIT'
  | 'ERR_STORE_OPTIONS';

/**
 * Thrown by the SQLite and PostgreSQL stores.
 *
 * @example
 * ```ts
 * try {
 *   await store.publish('demo', { seq: 3, jws, rollbackJws, rollbackSeq: 4, sha256 });
 * } catch (err) {
 *   if (err instanceof StoreError && err.code === 'ERR_STORE_SEQ_CONFLICT') console.error(err.message);
 * }
 * ```
 */
export class StoreError extends QrpinError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options: QrpinErrorOptions = {}) {
    super(code, message, options);
  }
}
