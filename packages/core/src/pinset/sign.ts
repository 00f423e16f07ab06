/**
 * Signing a pinset payload as a compact JWS with the offline signing key (node:crypto only).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1 (JWS compact serialization)
 * @see https://www.rfc-editor.org/rfc/rfc8037 (EdDSA in JOSE)
 */
import { sign as createSignature, type KeyObject } from 'node:crypto';
import { PinsetError } from './error.ts';
import { encodeBase64url } from './lib/base64url.ts';
import { describeKeyType, keyFitsAlgorithm } from './lib/keys.ts';
import { validatePayload } from './lib/schema.ts';
import { PINSET_MAX_BYTES, PINSET_TYPE, type PinsetAlgorithm, type PinsetPayload } from './model.ts';

const KID = /^[\x21-\x7e]{1,200}$/;

/** Options of {@link signPinset}. */
export interface SignPinsetOptions {
  /** The private signing key (Ed25519 for EdDSA, P-256 for ES256). */
  readonly privateKey: KeyObject;
  /** The key's id, as listed in the manifest's `signingKeys`. */
  readonly kid: string;
  /** The algorithm (default `EdDSA`). */
  readonly alg?: PinsetAlgorithm | undefined;
}

/**
 * Signs a pinset payload and returns the compact JWS
 * `base64url(header).base64url(payload).base64url(signature)` with the protected header
 * `{alg, kid, typ: "qrpin-pinset+jws"}`. The payload is validated first (`ERR_PINSET_MALFORMED`);
 * a key that does not fit `alg` or a bad `kid` throws `ERR_PINSET_OPTIONS`; a document over 64 KiB
 * throws `ERR_PINSET_TOO_LARGE`, since no verifier would take it.
 *
 * @example
 * ```ts
 * const payload = buildPinsetPayload(compilePolicy(manifest), { seq: 7, iat, exp });
 * const jws = signPinset(payload, { privateKey, kid: 'pinset-2026', alg: 'EdDSA' });
 * ```
 */
export function signPinset(payload: PinsetPayload, options: SignPinsetOptions): string {
  const { privateKey, kid, alg = 'EdDSA' } = options;
  if (alg !== 'EdDSA' && alg !== 'ES256') {
    throw new PinsetError('ERR_PINSET_OPTIONS', `alg ${JSON.stringify(alg)} must be "EdDSA" or "ES256"`);
  }
  if (typeof kid !== 'string' || !KID.test(kid)) {
    throw new PinsetError(
      'ERR_PINSET_OPTIONS',
      'kid must be 1 to 200 printable ASCII characters without spaces',
    );
  }
  if (typeof privateKey !== 'object' || privateKey === null || privateKey.type !== 'private') {
    throw new PinsetError(
      'ERR_PINSET_OPTIONS',
      'privateKey must be a private KeyObject (createPrivateKey(pem))',
    );
  }
  if (!keyFitsAlgorithm(privateKey, alg)) {
    throw new PinsetError(
      'ERR_PINSET_OPTIONS',
      `alg ${alg} needs ${alg === 'EdDSA' ? 'an Ed25519' : 'a P-256'} private key, got ${describeKeyType(privateKey)}`,
    );
  }
  const checked = validatePayload(payload);
  const header = encodeBase64url(JSON.stringify({ alg, kid, typ: PINSET_TYPE }));
  const body = encodeBase64url(JSON.stringify(checked));
  const input = Buffer.from(`${header}.${body}`, 'ascii');
  const signature =
    alg === 'EdDSA'
      ? createSignature(null, input, privateKey)
      : createSignature('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const jws = `${header}.${body}.${encodeBase64url(signature)}`;
  if (jws.length > PINSET_MAX_BYTES) {
    throw new PinsetError(
      'ERR_PINSET_TOO_LARGE',
      `the signed document is ${jws.length} bytes, over the ${PINSET_MAX_BYTES}-byte limit verifiers apply; split the project`,
    );
  }
  return jws;
}
