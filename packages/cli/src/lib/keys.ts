// Key generation for `qrpin keys backup` and the demo.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { QrpinError } from '@qrpin/core';

/** Key types a backup key can have. */
export const KEY_TYPES = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'ed25519'] as const;
export type KeyTypeName = (typeof KEY_TYPES)[number];

/** Generates a key pair of the named type. */
export function generateKeyPair(type: string): { publicKey: KeyObject; privateKey: KeyObject } {
  switch (type) {
    case 'ec-p256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ec-p384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'rsa-2048':
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    case 'rsa-3072':
      return generateKeyPairSync('rsa', { modulusLength: 3072 });
    case 'rsa-4096':
      return generateKeyPairSync('rsa', { modulusLength: 4096 });
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    default:
      throw new QrpinError('ERR_USAGE', `--type takes one of ${KEY_TYPES.join(', ')}, not "${type}"`);
  }
}
