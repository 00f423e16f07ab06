/**
 * Reading a pinset document without trusting it, for people (`qrpin pinset inspect`).
 */
import { decodeCompact } from './lib/compact.ts';
import { PINSET_MAX_BYTES } from './model.ts';

/** What a document says about itself; nothing of it is verified. */
export interface PinsetInspection {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: unknown;
  /** Length of the signature in bytes. */
  readonly signatureBytes: number;
}

/**
 * Decodes the header and payload of a pinset document WITHOUT checking the signature, the
 * algorithm or the key: never act on the result, use {@link verifyPinset}. Throws
 * `ERR_PINSET_TOO_LARGE` over `maxBytes` (default 64 KiB) and `ERR_PINSET_MALFORMED` when the text
 * is not three base64url parts of JSON.
 *
 * @example
 * ```ts
 * const { header, payload } = inspectPinset(fs.readFileSync('pinset-7.jws', 'utf8').trim());
 * console.log(header.kid, (payload as { seq: number }).seq);
 * ```
 */
export function inspectPinset(jws: string, options: { maxBytes?: number } = {}): PinsetInspection {
  const { header, payload, signature } = decodeCompact(jws, options.maxBytes ?? PINSET_MAX_BYTES);
  return { header, payload, signatureBytes: signature.byteLength };
}
