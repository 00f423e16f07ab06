/**
 * The error {@link parseQrPayload} throws when it will not classify a payload at all.
 */
import { QrpinError } from '../errors/qrpin-error.ts';

/**
 * Why a payload was refused outright:
 * - `dangerous-scheme`: it would hand a `javascript:`, `vbscript:`, `data:`, `file:`, `blob:`,
 *   `about:` or `filesystem:` URL to a browser or app (directly, or as an intent's scheme or a
 *   fallback URL);
 * - `too-large`: no QR code can hold it;
 * - `not-a-string`: the input was not a string.
 */
export type QrPayloadRefusal = 'dangerous-scheme' | 'too-large' | 'not-a-string';

/** The codes a {@link QrPayloadError} carries. */
export type QrPayloadErrorCode = 'ERR_QR_PAYLOAD_REFUSED' | 'ERR_QR_PAYLOAD_TOO_LARGE';

/**
 * Thrown by {@link parseQrPayload} for a payload it refuses to classify. `code` is
 * `ERR_QR_PAYLOAD_TOO_LARGE` for `reason: 'too-large'` and `ERR_QR_PAYLOAD_REFUSED` otherwise.
 *
 * @example
 * ```ts
 * try {
 *   parseQrPayload('javascript:alert(1)');
 * } catch (err) {
 *   if (err instanceof QrPayloadError) console.error(err.reason, err.message); // 'dangerous-scheme'
 * }
 * ```
 */
export class QrPayloadError extends QrpinError {
  declare readonly code: QrPayloadErrorCode;
  /** The refusal's reason code. */
  readonly reason: QrPayloadRefusal;

  constructor(reason: QrPayloadRefusal, message: string) {
    super(reason === 'too-large' ? 'ERR_QR_PAYLOAD_TOO_LARGE' : 'ERR_QR_PAYLOAD_REFUSED', message);
    this.reason = reason;
  }
}
