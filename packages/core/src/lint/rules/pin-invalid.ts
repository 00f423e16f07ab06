import type { LintFinding } from '../finding.ts';
import { finding, type LintRule } from '../rule.ts';

/** A pin or backup pin that does not parse as a SHA-256 SPKI pin. */
export const pinInvalid: LintRule = {
  id: 'pin-invalid',
  severity: 'error',
  description:
    'A pin or backup pin that is not `sha256/` followed by the base64 of a 32-byte SHA-256 digest.',
  fix: 'Copy the pin again from `qrpin pins fetch <host>` (or `qrpin pins from <file>`).',
  check({ hosts }) {
    const found: LintFinding[] = [];
    for (const h of hosts) {
      for (const list of ['pins', 'backupPins'] as const) {
        h[list].forEach((entry, j) => {
          if (entry.error === undefined) return;
          found.push(
            finding(
              this,
              ['hosts', h.index, list, j],
              `${h.label}: ${list}[${j}]: ${entry.error}`,
              `copy the pin again from \`qrpin pins fetch ${h.host.pattern.replace(/^\*+\./, '')}\` or \`qrpin pins from <cert.pem>\`; a pin reads sha256/ followed by 44 base64 characters`,
            ),
          );
        });
      }
    }
    return found;
  },
};
