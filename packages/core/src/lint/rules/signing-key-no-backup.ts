import { finding, type LintRule } from '../rule.ts';

/** Only one signing key is trusted. */
export const signingKeyNoBackup: LintRule = {
  id: 'signing-key-no-backup',
  severity: 'warning',
  description:
    'Exactly one signing key: if it is lost or compromised, clients cannot accept a document signed by a new key until they are updated.',
  fix: 'Generate a second signing key, keep it offline apart from the first, and add its public JWK to `signingKeys`.',
  check({ manifest }) {
    if (manifest.signingKeys.length !== 1) return [];
    const only = manifest.signingKeys[0];
    return [
      finding(
        this,
        ['signingKeys'],
        `only one signing key (${JSON.stringify(only?.kid)}) is trusted: if it is lost or compromised, clients accept no new pinset document until they are updated`,
        'generate a second signing key, keep it offline apart from the first, and add its public JWK to signingKeys',
      ),
    ];
  },
};
