// What kind of public key a pin is computed from, and whether a TLS server can present it.
// Internal, apart from the PinKeyType type.
import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { QrpinError } from '../errors/qrpin-error.ts';
import { Pin } from './pin.ts';

/** The key types a TLS server certificate can carry and qrpin computes pins for. */
export type PinKeyType = 'rsa' | 'ec' | 'ed25519' | 'ed448';

/** What {@link readPublicKey} learns about a key. */
export interface KeyFacts {
  /** `other` for keys that cannot sign a TLS handshake (DSA, DH, X25519, X448, post-quantum…). */
  readonly keyType: PinKeyType | 'other';
  /** `RSA 2048`, `EC P-256`, `Ed25519`. */
  readonly keyDescription: string;
  /** Modulus length for RSA, field size for the NIST curves. */
  readonly bits?: number;
  /** `P-256`, `P-384`, `P-521` (OpenSSL's name for any other curve). */
  readonly curve?: string;
  /** The SHA-256 pin of the key's SubjectPublicKeyInfo DER. */
  readonly pin: Pin;
  /** Why computePins refuses this key, when it does. */
  readonly unsupported?: string;
}

const NIST_CURVES: Readonly<Record<string, { curve: string; bits: number }>> = {
  prime256v1: { curve: 'P-256', bits: 256 },
  secp384r1: { curve: 'P-384', bits: 384 },
  secp521r1: { curve: 'P-521', bits: 521 },
};

const KEY_AGREEMENT_ONLY = 'only agrees on shared secrets and cannot sign a TLS handshake';

function describeType(key: KeyObject): Omit<KeyFacts, 'pin'> {
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case 'rsa':
    case 'rsa-pss': {
      const bits = details.modulusLength ?? 0;
      return { keyType: 'rsa', keyDescription: `${type === 'rsa' ? 'RSA' : 'RSA-PSS'} ${bits}`, bits };
    }
    case 'ec': {
      const named = details.namedCurve;
      const nist = named === undefined ? undefined : NIST_CURVES[named];
      if (nist !== undefined) return { keyType: 'ec', keyDescription: `EC ${nist.curve}`, ...nist };
      const curve = named ?? 'explicit parameters';
      return {
        keyType: 'ec',
        keyDescription: `EC ${curve}`,
        ...(named === undefined ? {} : { curve: named }),
        unsupported: `an EC key on ${curve} (TLS clients accept P-256, P-384 and P-521)`,
      };
    }
    case 'ed25519':
      return { keyType: 'ed25519', keyDescription: 'Ed25519' };
    case 'ed448':
      return { keyType: 'ed448', keyDescription: 'Ed448' };
    case 'x25519':
    case 'x448': {
      const name = type.toUpperCase();
      return {
        keyType: 'other',
        keyDescription: name,
        unsupported: `an ${name} key, which ${KEY_AGREEMENT_ONLY}`,
      };
    }
    case 'dh':
      return { keyType: 'other', keyDescription: 'DH', unsupported: `a DH key, which ${KEY_AGREEMENT_ONLY}` };
    case 'dsa': {
      const description = `DSA ${details.modulusLength ?? ''}`.trim();
      return {
        keyType: 'other',
        keyDescription: description,
        unsupported: 'a DSA key, which TLS 1.3 does not allow and current TLS clients do not accept',
      };
    }
    default:
      return {
        keyType: 'other',
        keyDescription: type.toUpperCase(),
        unsupported: `a key of type ${type}, which TLS server certificates do not carry`,
      };
  }
}

/**
 * Describes a public (or private) key and computes its pin from the SPKI DER that OpenSSL encodes
 * for it. Never throws for a key node:crypto could parse: unsupported keys come back with
 * `unsupported` set, for {@link requireSupported} to refuse.
 */
export function readPublicKey(key: KeyObject): KeyFacts {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return { ...describeType(publicKey), pin: Pin.fromSpki(spki) };
}

/** Throws ERR_KEY_UNSUPPORTED, prefixed with `where`, for a key computePins does not pin. */
export function requireSupported(facts: KeyFacts, where: string): KeyFacts & { keyType: PinKeyType } {
  if (facts.unsupported !== undefined || facts.keyType === 'other') {
    throw new QrpinError(
      'ERR_KEY_UNSUPPORTED',
      `${where} holds ${facts.unsupported ?? `a ${facts.keyDescription} key`}; qrpin pins RSA, EC ` +
        '(P-256, P-384, P-521), Ed25519 and Ed448 keys',
    );
  }
  return facts as KeyFacts & { keyType: PinKeyType };
}
