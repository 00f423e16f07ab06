/**
 * Verifying a signed pinset document before a client or server trusts a byte of it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-5.2 (JWS validation)
 * @see https://www.rfc-editor.org/rfc/rfc8725 (JWT best current practices: algorithm allow-lists)
 */
import { verify as verifySignature } from 'node:crypto';
import { PinsetError } from './error.ts';
import { decodeCompact } from './lib/compact.ts';
import { importTrustedKeys, type ImportedKey } from './lib/keys.ts';
import { validatePayload } from './lib/schema.ts';
import {
  PINSET_ALGORITHMS,
  PINSET_MAX_BYTES,
  PINSET_TYPE,
  type PinsetAlgorithm,
  type PinsetHeader,
  type PinsetPayload,
  type PinsetTrustedKey,
} from './model.ts';

/** Options of {@link verifyPinset}. */
export interface VerifyPinsetOptions {
  /** The signing public keys this verifier trusts (the manifest's `signingKeys`). */
  readonly trustedKeys: readonly PinsetTrustedKey[];
  /** The `seq` of the last document accepted; only a higher one is accepted. */
  readonly lastSeq?: number | undefined;
  /** The clock. */
  readonly now: () => Date;
  /** Tolerated clock difference for `exp` and `iat`, in seconds (default 300). */
  readonly maxSkewSeconds?: number | undefined;
  /** Size limit of the document in bytes (default 64 KiB). */
  readonly maxBytes?: number | undefined;
  /**
   * The project this verifier serves. When given, a document for another project is refused
   * (`ERR_PINSET_PROJECT`), even if one of the trusted keys signed it.
   */
  readonly project?: string | undefined;
}

/** A verified document. */
export interface VerifiedPinset {
  readonly header: PinsetHeader;
  readonly payload: PinsetPayload;
}

/**
 * Verifies a compact-JWS pinset document and returns its header and payload. Checks, in order,
 * each failure a {@link PinsetError} with its code: size (`ERR_PINSET_TOO_LARGE`); three base64url
 * parts of JSON and a header of alg/kid/typ only (`ERR_PINSET_MALFORMED`); `typ`
 * (`ERR_PINSET_TYPE`); `alg` EdDSA or ES256 (`ERR_PINSET_ALGORITHM`); a trusted key with this `kid`
 * whose type fits `alg` (`ERR_PINSET_UNKNOWN_KEY`); the signature (`ERR_PINSET_SIGNATURE`); the
 * strict payload schema (`ERR_PINSET_MALFORMED`); `exp` (`ERR_PINSET_EXPIRED`); `iat`
 * (`ERR_PINSET_NOT_YET_VALID`); `seq` above `lastSeq` (`ERR_PINSET_ROLLBACK`). Bad options throw
 * `ERR_PINSET_OPTIONS`.
 *
 * The algorithm comes from the allow-list and the trusted key, never from the document alone: a
 * document cannot choose `none`, nor HMAC keyed with a public key.
 *
 * On any failure a client keeps its last good document.
 *
 * @example
 * ```ts
 * const { payload } = verifyPinset(jws, {
 *   trustedKeys: manifest.signingKeys,
 *   lastSeq: store.lastSeq,
 *   now: () => new Date(),
 * });
 * const policy = pinsetToPolicy(payload);
 * ```
 */
export function verifyPinset(jws: string, options: VerifyPinsetOptions): VerifiedPinset {
  const { keys, lastSeq, now, skew, maxBytes } = checkOptions(options);
  const { header, payload: raw, signature, signingInput } = decodeCompact(jws, maxBytes);
  if (header.typ !== PINSET_TYPE) {
    throw new PinsetError(
      'ERR_PINSET_TYPE',
      `the document's typ is ${show(header.typ)}, expected "${PINSET_TYPE}"; it is not a qrpin pinset`,
    );
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !(PINSET_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new PinsetError(
      'ERR_PINSET_ALGORITHM',
      `the document's alg is ${show(alg)}; only ${PINSET_ALGORITHMS.join(' and ')} are accepted`,
    );
  }
  const kid = header.kid;
  const key = findKey(keys, kid, alg as PinsetAlgorithm);
  if (!checkSignature(alg as PinsetAlgorithm, key, signingInput, signature)) {
    throw new PinsetError(
      'ERR_PINSET_SIGNATURE',
      `the signature does not verify with trusted key ${JSON.stringify(key.kid)} (${alg}); the document was altered or signed by another key`,
    );
  }
  const payload = validatePayload(raw);
  const nowSeconds = Math.floor(now().getTime() / 1000);
  if (nowSeconds >= payload.exp + skew) {
    throw new PinsetError(
      'ERR_PINSET_EXPIRED',
      `pinset seq ${payload.seq} expired at ${iso(payload.exp)} (now ${iso(nowSeconds)}); sign a fresh one`,
    );
  }
  if (payload.iat > nowSeconds + skew) {
    throw new PinsetError(
      'ERR_PINSET_NOT_YET_VALID',
      `pinset seq ${payload.seq} is issued at ${iso(payload.iat)}, in the future (now ${iso(nowSeconds)}, skew ${skew} s); check the signer's and this clock`,
    );
  }
  if (options.project !== undefined && payload.project !== options.project) {
    throw new PinsetError(
      'ERR_PINSET_PROJECT',
      `pinset seq ${payload.seq} is for project "${payload.project}", not "${options.project}"; a document signed for another project is refused`,
    );
  }
  if (lastSeq !== undefined && payload.seq <= lastSeq) {
    throw new PinsetError(
      'ERR_PINSET_ROLLBACK',
      `pinset seq ${payload.seq} is not newer than the last accepted seq ${lastSeq}; a replayed or stale document is refused`,
    );
  }
  return { header: { alg: alg as PinsetAlgorithm, kid: key.kid, typ: PINSET_TYPE }, payload };
}

function findKey(keys: readonly ImportedKey[], kid: unknown, alg: PinsetAlgorithm): ImportedKey {
  if (typeof kid !== 'string') {
    throw new PinsetError('ERR_PINSET_UNKNOWN_KEY', `the document has no kid; trusted kids: ${kids(keys)}`);
  }
  const sameKid = keys.filter((k) => k.kid === kid);
  const key = sameKid.find((k) => k.alg === alg);
  if (key !== undefined) return key;
  if (sameKid.length > 0) {
    throw new PinsetError(
      'ERR_PINSET_UNKNOWN_KEY',
      `trusted key ${JSON.stringify(kid)} is ${sameKid.map((k) => k.alg).join('/')}, but the document says ${alg}`,
    );
  }
  throw new PinsetError(
    'ERR_PINSET_UNKNOWN_KEY',
    `kid ${show(kid)} is not a trusted signing key (trusted: ${kids(keys)}); add its public JWK to signingKeys if it is yours`,
  );
}

function checkSignature(
  alg: PinsetAlgorithm,
  key: ImportedKey,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  // Ed25519 signatures and P-256 signatures in IEEE P1363 form (r‖s) are both 64 bytes.
  if (signature.byteLength !== 64) return false;
  try {
    return alg === 'EdDSA'
      ? verifySignature(null, data, key.key, signature)
      : verifySignature('sha256', data, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

function checkOptions(options: VerifyPinsetOptions): {
  keys: ImportedKey[];
  lastSeq: number | undefined;
  now: () => Date;
  skew: number;
  maxBytes: number;
} {
  if (typeof options !== 'object' || options === null) {
    throw new PinsetError('ERR_PINSET_OPTIONS', 'verifyPinset needs options with trustedKeys and now');
  }
  const keys = importTrustedKeys(options.trustedKeys);
  if (keys.length === 0)
    throw new PinsetError('ERR_PINSET_OPTIONS', 'trustedKeys is empty: nothing can verify');
  if (typeof options.now !== 'function') {
    throw new PinsetError('ERR_PINSET_OPTIONS', 'now must be a function returning the current Date');
  }
  const { lastSeq, maxSkewSeconds = 300, maxBytes = PINSET_MAX_BYTES } = options;
  if (lastSeq !== undefined && (!Number.isSafeInteger(lastSeq) || lastSeq < 0)) {
    throw new PinsetError(
      'ERR_PINSET_OPTIONS',
      `lastSeq ${String(lastSeq)} must be a non-negative safe integer`,
    );
  }
  if (!Number.isSafeInteger(maxSkewSeconds) || maxSkewSeconds < 0) {
    throw new PinsetError(
      'ERR_PINSET_OPTIONS',
      `maxSkewSeconds ${String(maxSkewSeconds)} must be a non-negative integer`,
    );
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new PinsetError('ERR_PINSET_OPTIONS', `maxBytes ${String(maxBytes)} must be a positive integer`);
  }
  return { keys, lastSeq, now: options.now, skew: maxSkewSeconds, maxBytes };
}

function kids(keys: readonly ImportedKey[]): string {
  return keys.map((k) => JSON.stringify(k.kid)).join(', ');
}

function iso(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? `${seconds} s` : date.toISOString().replace('.000Z', 'Z');
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
