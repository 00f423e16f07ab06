/**
 * The error a pinned connection fails with when the validated chain carries none of the host's pins.
 */
import { QrpinError } from '@qrpin/core';
import type { ChainCertificate } from '../pin/chain.ts';
import type { PinFailureReport } from '../pin/report.ts';

/**
 * Raised (as the `cause` of undici's `fetch failed`, or directly by `request`) when a host's
 * validated certificate chain carries none of its pins in enforce mode. The socket was destroyed
 * before undici received it: no byte of the request was sent.
 *
 * The message follows OkHttp's: the peer chain's pins and subjects, then the configured pins.
 *
 * @example
 * ```ts
 * try {
 *   await fetch('https://promo.example.com/', { dispatcher });
 * } catch (err) {
 *   const cause = (err as Error).cause;
 *   if (cause instanceof PinMismatchError) console.error(cause.message, cause.chain);
 * }
 * ```
 */
export class PinMismatchError extends QrpinError {
  declare readonly code: 'ERR_PIN_MISMATCH';
  /** The host name the certificate was validated for. */
  readonly host: string;
  readonly port: number;
  /** The policy pattern whose pins applied. */
  readonly pattern: string;
  /** The validated chain, leaf first (empty when none was available). */
  readonly chain: readonly ChainCertificate[];
  /** The configured pins, in service first, then backups. */
  readonly pins: readonly string[];
  readonly mode: 'enforce' | 'report';
  /** True when the refused connection resumed an earlier TLS session. */
  readonly sessionReused: boolean;

  constructor(report: PinFailureReport) {
    super('ERR_PIN_MISMATCH', report.message);
    this.host = report.host;
    this.port = report.port;
    this.pattern = report.pattern;
    this.chain = report.chain;
    this.pins = report.pins;
    this.mode = report.mode;
    this.sessionReused = report.sessionReused;
  }
}
