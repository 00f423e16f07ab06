// Shared test material: signing keys, a policy and a payload.
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  buildPinsetPayload,
  compilePolicy,
  type Manifest,
  type PinsetAlgorithm,
  type PinsetPayload,
} from '@qrpin/core';

/** A deterministic valid pin for a label. */
export function pinOf(label: string): string {
  return `sha256/${createHash('sha256').update(label).digest('base64')}`;
}

/** A signing key pair for an algorithm, with its public JWK. */
export interface TestKey {
  readonly kid: string;
  readonly alg: PinsetAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

export function makeKey(alg: PinsetAlgorithm, kid: string): TestKey {
  const pair =
    alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = pair.publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return { kid, alg, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}

export const manifest: Manifest = {
  version: 1,
  project: 'spring-campaign',
  destinations: [],
  hosts: [
    {
      pattern: '**.example.com',
      pins: [pinOf('leaf')],
      backupPins: [pinOf('backup')],
      mode: 'enforce',
    },
    { pattern: 'api.example.net', pins: [pinOf('api')], backupPins: [pinOf('api-backup')], mode: 'report' },
  ],
  signingKeys: [],
};

/** 2026-11-24T12:00:00Z, the tests' "now". */
export const NOW = new Date('2026-11-24T12:00:00Z');
export const NOW_S = Math.floor(NOW.getTime() / 1000);
export const DAY = 86_400;

export function payload(overrides: Partial<{ seq: number; iat: number; exp: number }> = {}): PinsetPayload {
  return buildPinsetPayload(compilePolicy(manifest), {
    seq: overrides.seq ?? 7,
    iat: overrides.iat ?? NOW_S - 60,
    exp: overrides.exp ?? NOW_S + 30 * DAY,
  });
}
