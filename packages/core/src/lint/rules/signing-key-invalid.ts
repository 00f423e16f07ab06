import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { ManifestSigningKey } from '../../manifest/model.ts';
import { finding, type LintRule } from '../rule.ts';

const EXPECTED = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  ES256: { kty: 'EC', crv: 'P-256' },
} as const;

function problem(key: ManifestSigningKey): string | undefined {
  const expected = EXPECTED[key.alg];
  const { kty, crv } = key.jwk;
  if (kty !== expected.kty || crv !== expected.crv) {
    return `alg ${key.alg} needs a JWK with kty "${expected.kty}" and crv "${expected.crv}", got kty ${JSON.stringify(kty) ?? 'nothing'} and crv ${JSON.stringify(crv) ?? 'nothing'}`;
  }
  try {
    createPublicKey({ key: { ...key.jwk } as JsonWebKey, format: 'jwk' });
  } catch (err) {
    return `the JWK is not a valid public key: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

/** A signing key whose JWK does not match its alg or is not a valid public key. */
export const signingKeyInvalid: LintRule = {
  id: 'signing-key-invalid',
  severity: 'error',
  description:
    'A signing key whose JWK does not fit its `alg` (EdDSA: kty OKP, crv Ed25519; ES256: kty EC, crv P-256) or is not a valid public key.',
  fix: 'Export the public half of the signing key as a JWK and paste it whole.',
  check({ manifest }) {
    return manifest.signingKeys.flatMap((key, index) => {
      const why = problem(key);
      return why === undefined
        ? []
        : [
            finding(
              this,
              ['signingKeys', index, 'jwk'],
              `signing key ${JSON.stringify(key.kid)}: ${why}`,
              `export the public half of the signing key as a JWK (${key.alg === 'EdDSA' ? '{kty: OKP, crv: Ed25519, x}' : '{kty: EC, crv: P-256, x, y}'}) and paste it whole`,
            ),
          ];
    });
  },
};
