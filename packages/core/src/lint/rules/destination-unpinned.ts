import { normalizeHostname } from '../../host/normalize.ts';
import type { LintFinding } from '../finding.ts';
import { HostIndex } from '../host-index.ts';
import { finding, type LintRule } from '../rule.ts';

/** A destination host that no host pattern covers. */
export const destinationUnpinned: LintRule = {
  id: 'destination-unpinned',
  severity: 'error',
  description:
    "A host a destination reaches (its payload's, its fallback's or one in `hosts`) that no valid host pattern covers, so nothing pins it.",
  fix: 'Add a host entry whose pattern covers it, with its pins (`qrpin pins fetch <host>`).',
  check({ destinations, hosts }) {
    const index = new HostIndex(
      hosts.flatMap((h) => (h.pattern === undefined ? [] : [{ pattern: h.pattern }])),
    );
    const found: LintFinding[] = [];
    for (const d of destinations) {
      for (const h of d.hosts) {
        let host: string;
        try {
          host = normalizeHostname(h.host);
        } catch {
          continue; // destination-host-invalid reports it
        }
        if (index.covers(host)) continue;
        const from = h.source === 'hosts' ? 'listed in its hosts' : `from its ${h.source}`;
        found.push(
          finding(
            this,
            h.path,
            `${d.label} reaches ${host} (${from}) but no host pattern covers it, so nothing pins it`,
            `add a host entry for ${host} with its pins: \`qrpin pins fetch ${host}\``,
          ),
        );
      }
    }
    return found;
  },
};
