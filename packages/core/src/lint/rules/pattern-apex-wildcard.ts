import { getDomain } from 'tldts';
import { finding, type LintRule } from '../rule.ts';

/** A `**.` pattern at a registrable domain: the whole domain, at any depth. */
export const patternApexWildcard: LintRule = {
  id: 'pattern-apex-wildcard',
  severity: 'info',
  description:
    'A `**.` pattern at a registrable domain (`**.example.com`): it pins the apex and every subdomain, including hosts whose keys you may not control (CDNs, SaaS CNAMEs).',
  fix: 'List the hosts QR journeys reach (`promo.example.com`) or use a narrower pattern (`*.qr.example.com`).',
  check({ hosts }) {
    return hosts.flatMap((h) => {
      const p = h.pattern;
      if (p === undefined || p.kind !== 'any-depth' || p.coversPrivateSuffix) return [];
      if (getDomain(p.base, { allowPrivateDomains: true }) !== p.base) return [];
      return [
        finding(
          this,
          ['hosts', h.index, 'pattern'],
          `host pattern "${p.toString()}" (hosts[${h.index}]) pins ${p.base} and every subdomain at any depth`,
          `if only some hosts serve QR journeys, list them (e.g. "promo.${p.base}") or use a narrower pattern; a broad pattern also pins hosts whose keys others manage (CDNs, SaaS)`,
        ),
      ];
    });
  },
};
