// Importing trusted and signing keys, and checking that a key fits an algorithm.
import { createPublicKey, KeyObject, type JsonWebKey } from 'node:crypto';
import { PinsetError } from '../error.ts';
import type { PinsetAlgorithm, PinsetTrustedKey } from '../model.ts';

/** True when `key` (public or private) is of the type `alg` signs with. */
export function keyFitsAlgorithm(key: KeyObject, alg: PinsetAlgorithm): boolean {
  if (alg === 'EdDSA') return key.asymmetricKeyType === 'ed25519';
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/** Describes a key's type for messages: `ed25519`, `ec P-256`, `rsa` … */
export function describeKeyType(key: KeyObject): string {
  if (key.type === 'secret') return 'a secret (symmetric) key';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === undefined ? String(key.asymmetricKeyType) : `${key.asymmetricKeyType} ${curve}`;
}

/** A trusted key imported once, public half only. */
export interface ImportedKey {
  readonly kid: string;
  readonly alg: PinsetAlgorithm;
  readonly key: KeyObject;
}

/** Imports every trusted key, refusing a bad one with `ERR_PINSET_OPTIONS` naming its kid. */
export function importTrustedKeys(trusted: readonly PinsetTrustedKey[]): ImportedKey[] {
  if (!Array.isArray(trusted)) {
    throw new PinsetError('ERR_PINSET_OPTIONS', 'trustedKeys must be a list of {kid, alg, jwk}');
  }
  return trusted.map((entry, i) => {
    const at = `trustedKeys[${i}]`;
    if (typeof entry?.kid !== 'string' || entry.kid.length === 0) {
      throw new PinsetError('ERR_PINSET_OPTIONS', `${at}: kid must be a non-empty string`);
    }
    if (entry.alg !== 'EdDSA' && entry.alg !== 'ES256') {
      throw new PinsetError(
        'ERR_PINSET_OPTIONS',
        `${at} (kid ${JSON.stringify(entry.kid)}): alg must be "EdDSA" or "ES256"`,
      );
    }
    const material = 'key' in entry ? entry.key : entry.jwk;
    let key: KeyObject;
    try {
      key =
        material instanceof KeyObject
          ? material.type === 'private'
            ? createPublicKey(material)
            : material
          : createPublicKey({ key: { ...material } as JsonWebKey, format: 'jwk' });
    } catch (err) {
      throw new PinsetError(
        'ERR_PINSET_OPTIONS',
        `${at} (kid ${JSON.stringify(entry.kid)}): not a usable public key: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (key.type !== 'public' || !keyFitsAlgorithm(key, entry.alg)) {
      throw new PinsetError(
        'ERR_PINSET_OPTIONS',
        `${at} (kid ${JSON.stringify(entry.kid)}): alg ${entry.alg} needs ${entry.alg === 'EdDSA' ? 'an Ed25519' : 'a P-256'} key, got ${describeKeyType(key)}`,
      );
    }
    return { kid: entry.kid, alg: entry.alg, key };
  });
}
