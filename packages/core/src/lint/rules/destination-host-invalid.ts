import { normalizeHostname } from '../../host/normalize.ts';
import type { LintFinding } from '../finding.ts';
import { finding, type LintRule } from '../rule.ts';

/** A destination host that is not a DNS name that can be pinned. */
export const destinationHostInvalid: LintRule = {
  id: 'destination-host-invalid',
  severity: 'error',
  description:
    "A host a destination reaches (its payload's, its fallback's or one in `hosts`) that is not a DNS name, e.g. an IP address: pins apply to names.",
  fix: 'Use the DNS name clients connect to, in the payload and in `hosts` (a bare host name: no scheme, port or path).',
  check({ destinations }) {
    const found: LintFinding[] = [];
    for (const d of destinations) {
      for (const h of d.hosts) {
        try {
          normalizeHostname(h.host);
        } catch (err) {
          found.push(
            finding(
              this,
              h.path,
              `${d.label}: the ${h.source === 'hosts' ? 'listed' : h.source} host cannot be pinned: ${err instanceof Error ? err.message : String(err)}`,
              'use the DNS name clients connect to (a bare host name: no scheme, port or path); pins apply to names, not IP addresses',
            ),
          );
        }
      }
    }
    return found;
  },
};
