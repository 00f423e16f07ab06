import { finding, type LintRule } from '../rule.ts';

/** A server is named but no signing key is trusted. */
export const signingKeyMissing: LintRule = {
  id: 'signing-key-missing',
  severity: 'error',
  description:
    'A manifest that names a `server` but lists no signing key: clients could verify no pinset document it serves.',
  fix: 'Add the public JWK of your offline signing key (and of a backup key) to `signingKeys`.',
  check({ manifest }) {
    if (manifest.server === undefined || manifest.signingKeys.length > 0) return [];
    return [
      finding(
        this,
        ['signingKeys'],
        `the manifest names the server ${JSON.stringify(manifest.server)} but no signing key: clients could verify no pinset document it serves`,
        'add the public JWK of your offline signing key, and of a backup key, to signingKeys',
      ),
    ];
  },
};
