/**
 * Every error qrpin raises on purpose carries a stable `code`, so callers can
 * `switch (err.code)` and the CLI can map it to an exit status and one clear line.
 *
 * @example
 * ```ts
 * try {
 *   Pin.parse('sha256/short');
 * } catch (err) {
 *   if (err instanceof QrpinError && err.code === 'ERR_PIN_INVALID') console.error(err.message);
 * }
 * ```
 */

/** The codes of every error qrpin raises on purpose. */
export type QrpinErrorCode =
  | 'ERR_PIN_INVALID'
  | 'ERR_KEY_INVALID'
  | 'ERR_KEY_UNSUPPORTED'
  | 'ERR_KEY_ENCRYPTED'
  | 'ERR_PEM_INVALID'
  | 'ERR_DER_INVALID'
  | 'ERR_CSR_INVALID'
  | 'ERR_HOST_PATTERN_INVALID'
  | 'ERR_HOST_PATTERN_PUBLIC_SUFFIX'
  | 'ERR_MANIFEST_INVALID'
  | 'ERR_MANIFEST_SYNTAX'
  | 'ERR_MANIFEST_TOO_LARGE'
  | 'ERR_MANIFEST_ALIASES'
  | 'ERR_EMIT_TARGET'
  | 'ERR_EMIT_OPTIONS'
  | 'ERR_POLICY_INVALID'
  | 'ERR_INPUT_TOO_LARGE'
  | 'ERR_FETCH_FAILED'
  | 'ERR_FILE_READ'
  | 'ERR_FILE_EXISTS'
  | 'ERR_USAGE'
  | 'ERR_PIN_MISMATCH'
  | 'ERR_DISPATCHER_OPTIONS'
  | 'ERR_PROXY_CONNECT'
  | 'ERR_JOURNEY_PRIVATE_ADDRESS'
  | 'ERR_JOURNEY_OPTIONS'
  | 'ERR_QR_PAYLOAD_REFUSED'
  | 'ERR_QR_PAYLOAD_TOO_LARGE'
  | 'ERR_PINSET_TOO_LARGE'
  | 'ERR_PINSET_MALFORMED'
  | 'ERR_PINSET_TYPE'
  | 'ERR_PINSET_ALGORITHM'
  | 'ERR_PINSET_UNKNOWN_KEY'
  | 'ERR_PINSET_SIGNATURE'
  | 'ERR_PINSET_EXPIRED'
  | 'ERR_PINSET_NOT_YET_VALID'
  | 'ERR_PINSET_ROLLBACK'
  | 'ERR_PINSET_OPTIONS'
  | 'ERR_PINSET_PROJECT'
  | 'ERR_EVENT_INVALID'
  | 'ERR_STORE_SEQ_CONFLICT'
  | 'ERR_STORE_UNKNOWN_PROJECT'
  | 'ERR_STORE_CONFLICT'
  | 'ERR_STORE_NO_ROLLBACK'
  | 'ERR_STORE_LIMIT'
  | 'ERR_STORE_OPTIONS'
  | 'ERR_ALERT_OPTIONS'
  | 'ERR_ALERT_INPUT'
  | 'ERR_WEBHOOK_OPTIONS'
  | 'ERR_RETENTION_OPTIONS';

/** Where in a source file a problem sits (1-based line and column). */
export interface SourcePosition {
  readonly file?: string | undefined;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
}

/** Options for {@link QrpinError}. */
export interface QrpinErrorOptions {
  readonly cause?: unknown;
}

/**
 * Base class of every coded qrpin error.
 *
 * @example
 * ```ts
 * throw new QrpinError('ERR_PIN_INVALID', 'pin "x" is not valid');
 * ```
 */
export class QrpinError extends Error {
  /** The stable machine-readable code. */
  readonly code: QrpinErrorCode;

  constructor(code: QrpinErrorCode, message: string, options: QrpinErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Shortens user input for inclusion in an error message, escaping control characters. */
export function describeInput(input: string, max = 60): string {
  const escaped = JSON.stringify(input.length > max ? `${input.slice(0, max)}…` : input);
  return escaped;
}
