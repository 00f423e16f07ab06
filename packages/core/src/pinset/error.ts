/**
 * The error every pinset operation throws: one class, one stable code per failed check, so a
 * client can `switch (err.code)` and keep its last good document on any of them.
 */
import { QrpinError, type QrpinErrorOptions } from '../errors/qrpin-error.ts';

/**
 * The codes a {@link PinsetError} carries, in the order {@link verifyPinset} checks them:
 * - `ERR_PINSET_TOO_LARGE`: the document is over the size limit (64 KiB by default);
 * - `ERR_PINSET_MALFORMED`: not three base64url parts of JSON, an unknown header member, or a
 *   payload that does not fit the schema;
 * - `ERR_PINSET_TYPE`: the header's `typ` is not `qrpin-pinset+jws`;
 * - `ERR_PINSET_ALGORITHM`: `alg` is not `EdDSA` or `ES256` (`none`, `HS256` … are refused);
 * - `ERR_PINSET_UNKNOWN_KEY`: no trusted key has this `kid` for this `alg`;
 * - `ERR_PINSET_SIGNATURE`: the signature does not verify with the trusted key;
 * - `ERR_PINSET_EXPIRED`: `exp` has passed (beyond the clock skew);
 * - `ERR_PINSET_NOT_YET_VALID`: `iat` is in the future (beyond the clock skew);
 * - `ERR_PINSET_ROLLBACK`: `seq` is not higher than the last accepted one;
 * - `ERR_PINSET_OPTIONS`: the caller passed bad options (a key that does not fit its `alg`,
 *   a bad `seq` for a builder …).
 */
export type PinsetErrorCode =
  | 'ERR_PINSET_TOO_LARGE'
  | 'ERR_PINSET_MALFORMED'
  | 'ERR_PINSET_TYPE'
  | 'ERR_PINSET_ALGORITHM'
  | 'ERR_PINSET_UNKNOWN_KEY'
  | 'ERR_PINSET_SIGNATURE'
  | 'ERR_PINSET_EXPIRED'
  | 'ERR_PINSET_NOT_YET_VALID'
  | 'ERR_PINSET_ROLLBACK'
  | 'ERR_PINSET_PROJECT'
  | 'ERR_PINSET_OPTIONS';

/**
 * Thrown by the pinset builders, {@link signPinset}, {@link verifyPinset} and
 * {@link inspectPinset}.
 *
 * @example
 * ```ts
 * try {
 *   verifyPinset(jws, { trustedKeys, lastSeq, now: () => new Date() });
 * } catch (err) {
 *   if (err instanceof PinsetError && err.code === 'ERR_PINSET_ROLLBACK') keepLastGoodDocument();
 * }
 * ```
 */
export class PinsetError extends QrpinError {
  declare readonly code: PinsetErrorCode;

  constructor(code: PinsetErrorCode, message: string, options: QrpinErrorOptions = {}) {
    super(code, message, options);
  }
}
