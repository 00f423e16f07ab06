/**
 * A public-key pin: the SHA-256 digest of a DER-encoded SubjectPublicKeyInfo, printed the
 * OkHttp / HPKP way as `sha256/<base64>`.
 *
 * Pinning can brick an app: a client that pins only the key in service today cannot reach the
 * server once that key is replaced. Always ship at least one backup pin for a key held offline.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7469#section-2.4 (RFC 7469, the SPKI fingerprint)
 */
import { createHash } from 'node:crypto';
import { QrpinError, describeInput } from '../errors/qrpin-error.ts';

const DIGEST_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]{43}=$/;
const BASE64URL = /^[A-Za-z0-9_-]{43}=?$/;
const MAX_PIN_TEXT = 200;

/**
 * An SPKI SHA-256 pin, parsed once and passed around as a value.
 *
 * @example
 * ```ts
 * const pin = Pin.parse('sha256//r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=');
 * pin.toString(); // 'sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E='
 * pin.toCurl();   // 'sha256//r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E='
 * ```
 */
export class Pin {
  /** The 32-byte SHA-256 digest. */
  readonly digest: Uint8Array;
  /** The digest in standard base64 (44 characters, one `=`). */
  readonly base64: string;

  private constructor(digest: Uint8Array) {
    this.digest = digest;
    this.base64 = Buffer.from(digest).toString('base64');
  }

  /**
   * Parses `sha256/<base64>` (canonical), curl's `sha256//<base64>`, or a bare base64 of 32
   * bytes. Anything else throws `ERR_PIN_INVALID` naming the input.
   */
  static parse(text: string): Pin {
    if (typeof text !== 'string') {
      throw new QrpinError('ERR_PIN_INVALID', `a pin must be a string, got ${typeof text}`);
    }
    if (text.length > MAX_PIN_TEXT) {
      throw new QrpinError('ERR_PIN_INVALID', `pin ${describeInput(text)} is too long to be a SHA-256 pin`);
    }
    const trimmed = text.trim();
    let body: string;
    if (trimmed.startsWith('sha256/')) {
      // `sha256//X` is curl's form, but a canonical pin whose base64 starts with `/` reads the
      // same way; the length of what follows tells them apart.
      body = trimmed.slice('sha256/'.length);
      if (!BASE64.test(body) && body.startsWith('/')) body = body.slice(1);
    } else if (!BASE64.test(trimmed) && /^(sha|md|blake|sha3-?)\d*\/\/?/i.test(trimmed)) {
      const algorithm = trimmed.slice(0, trimmed.indexOf('/'));
      throw new QrpinError(
        'ERR_PIN_INVALID',
        `pin ${describeInput(text)} uses hash "${algorithm}"; only sha256 SPKI pins are supported`,
      );
    } else body = trimmed;

    if (BASE64.test(body)) {
      return new Pin(new Uint8Array(Buffer.from(body, 'base64')));
    }
    if (BASE64URL.test(body)) {
      throw new QrpinError(
        'ERR_PIN_INVALID',
        `pin ${describeInput(text)} is base64url; write it in standard base64 (+ and / instead of - and _)`,
      );
    }
    const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(body) ? Buffer.from(body, 'base64') : undefined;
    const detail =
      decoded === undefined
        ? 'is not base64'
        : `decodes to ${decoded.length} bytes, not the ${DIGEST_BYTES} of a SHA-256 digest`;
    throw new QrpinError(
      'ERR_PIN_INVALID',
      `pin ${describeInput(text)} ${detail}; expected sha256/ followed by 44 base64 characters`,
    );
  }

  /** Like {@link Pin.parse} but returns `undefined` instead of throwing. */
  static tryParse(text: string): Pin | undefined {
    try {
      return Pin.parse(text);
    } catch {
      return undefined;
    }
  }

  /** Builds a pin from the 32 raw bytes of a SHA-256 digest. */
  static fromDigest(digest: Uint8Array): Pin {
    if (digest.length !== DIGEST_BYTES) {
      throw new QrpinError(
        'ERR_PIN_INVALID',
        `a SHA-256 digest has ${DIGEST_BYTES} bytes, got ${digest.length}`,
      );
    }
    return new Pin(Uint8Array.from(digest));
  }

  /** Hashes a DER-encoded SubjectPublicKeyInfo into its pin. */
  static fromSpki(spkiDer: Uint8Array): Pin {
    return new Pin(new Uint8Array(createHash('sha256').update(spkiDer).digest()));
  }

  /** The canonical form, `sha256/<base64>`. */
  toString(): string {
    return `sha256/${this.base64}`;
  }

  /** curl's `--pinnedpubkey` form, `sha256//<base64>`. */
  toCurl(): string {
    return `sha256//${this.base64}`;
  }

  /** The hex digest, as some tools print it. */
  toHex(): string {
    return Buffer.from(this.digest).toString('hex');
  }

  /** True when both pins hold the same digest. */
  equals(other: Pin): boolean {
    return this.base64 === other.base64;
  }

  toJSON(): string {
    return this.toString();
  }
}
