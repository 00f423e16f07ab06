/**
 * The error spike detection, the webhook sender and the alert job throw on purpose.
 */
import { QrpinError, type QrpinErrorOptions } from '@qrpin/core';

/**
 * The codes an {@link AlertError} carries:
 * - `ERR_ALERT_OPTIONS`: a detector or alert job option is out of range (the message names the
 *   option, the value given and the accepted range);
 * - `ERR_ALERT_INPUT`: a sample is not a count (negative, fractional, not finite) or has more errors
 *   than attempts (the message names the sample and both counts);
 * - `ERR_WEBHOOK_OPTIONS`: a webhook delivery option is out of range (the message names it).
 */
export type AlertErrorCode = 'ERR_ALERT_OPTIONS' | 'ERR_ALERT_INPUT' | 'ERR_WEBHOOK_OPTIONS';

/**
 * Thrown by the detector, the webhook sender and the alert job on bad options or input. Delivery
 * failures are not thrown: they are settled in the store's outbox as outcomes.
 *
 * @example
 * ```ts
 * try {
 *   resolveDetectorOptions({ pValueThreshold: 2 });
 * } catch (err) {
 *   if (err instanceof AlertError && err.code === 'ERR_ALERT_OPTIONS') console.error(err.message);
 * }
 * ```
 */
export class AlertError extends QrpinError {
  declare readonly code: AlertErrorCode;

  constructor(code: AlertErrorCode, message: string, options: QrpinErrorOptions = {}) {
    super(code, message, options);
  }
}
