import type { LintFinding } from '../finding.ts';
import type { HostFacts } from '../rule.ts';
import { HostIndex } from '../host-index.ts';
import { finding, type LintRule } from '../rule.ts';

function sameSettings(a: HostFacts, b: HostFacts): boolean {
  const pins = (h: HostFacts, list: 'pins' | 'backupPins') =>
    [...new Set(h[list].map((p) => p.pin?.base64 ?? `invalid:${p.text}`))].sort().join(',');
  return (
    pins(a, 'pins') === pins(b, 'pins') &&
    pins(a, 'backupPins') === pins(b, 'backupPins') &&
    a.host.mode === b.host.mode &&
    a.host.expires === b.host.expires
  );
}

/** Two different patterns that match some host in common, with different pinsets. */
export const patternOverlap: LintRule = {
  id: 'pattern-overlap',
  severity: 'warning',
  description:
    'Two different host patterns that match some host in common (e.g. `a.example.com` and `**.example.com`) with different pins, mode or expiry: platforms resolve this differently, so which pinset applies is ambiguous.',
  fix: 'Narrow one pattern so they no longer overlap, or give both entries the same pins, mode and expiry.',
  check({ hosts }) {
    const parsed = hosts.flatMap((h) => (h.pattern === undefined ? [] : [{ ...h, pattern: h.pattern }]));
    const index = new HostIndex(parsed);
    const pairs = new Map<string, [HostFacts, HostFacts]>();
    for (const h of parsed) {
      for (const other of index.related(h.pattern)) {
        if (other.index === h.index) continue;
        const [earlier, later] = other.index < h.index ? [other, h] : [h, other];
        pairs.set(`${earlier.index}:${later.index}`, [earlier, later]);
      }
    }
    const found: LintFinding[] = [];
    for (const [earlier, later] of pairs.values()) {
      const a = earlier.pattern;
      const b = later.pattern;
      if (a === undefined || b === undefined) continue;
      if (a.equals(b) || !a.overlaps(b) || sameSettings(earlier, later)) continue;
      const relation = b.isCoveredBy(a)
        ? `every host it matches is also matched by "${a.toString()}" (hosts[${earlier.index}])`
        : a.isCoveredBy(b)
          ? `it also matches every host of "${a.toString()}" (hosts[${earlier.index}])`
          : `some hosts are matched by both it and "${a.toString()}" (hosts[${earlier.index}])`;
      found.push(
        finding(
          this,
          ['hosts', later.index, 'pattern'],
          `host pattern "${b.toString()}" (hosts[${later.index}]) overlaps another with different settings: ${relation}; OkHttp accepts a pin of either pinset while Android and iOS use the most specific one, so which pins apply is ambiguous`,
          'narrow one pattern so they no longer overlap, or give both entries the same pins, mode and expiry',
        ),
      );
    }
    return found;
  },
};
