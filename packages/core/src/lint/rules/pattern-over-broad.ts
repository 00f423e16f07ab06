import { finding, type LintRule } from '../rule.ts';

/** A wildcard directly over a privately registered suffix shared by many owners. */
export const patternOverBroad: LintRule = {
  id: 'pattern-over-broad',
  severity: 'error',
  description:
    'A wildcard pattern directly over a private suffix shared by many owners (`*.github.io`, `**.herokuapp.com`): it pins sites you do not control.',
  fix: 'Pin only your own host under the suffix, e.g. `yourname.github.io`.',
  check({ hosts }) {
    return hosts.flatMap((h) => {
      const p = h.pattern;
      if (p === undefined || p.kind === 'exact' || !p.coversPrivateSuffix) return [];
      return [
        finding(
          this,
          ['hosts', h.index, 'pattern'],
          `host pattern "${p.toString()}" (hosts[${h.index}]) covers every site under "${p.base}", a suffix shared by many unrelated owners`,
          `pin only your own host, e.g. "yourname.${p.base}"`,
        ),
      ];
    });
  },
};
