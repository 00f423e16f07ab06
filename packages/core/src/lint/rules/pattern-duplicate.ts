import type { LintFinding } from '../finding.ts';
import { finding, type LintRule } from '../rule.ts';

/** The same host pattern (after normalisation) on two host entries. */
export const patternDuplicate: LintRule = {
  id: 'pattern-duplicate',
  severity: 'error',
  description:
    'The same host pattern twice (compared after normalising case, IDN and the trailing dot): which pinset applies is undefined.',
  fix: 'Merge the two host entries into one.',
  check({ hosts }) {
    const found: LintFinding[] = [];
    const first = new Map<string, number>();
    for (const h of hosts) {
      if (h.pattern === undefined) continue;
      const key = h.pattern.toString();
      const k = first.get(key);
      if (k === undefined) {
        first.set(key, h.index);
        continue;
      }
      found.push(
        finding(
          this,
          ['hosts', h.index, 'pattern'],
          `hosts[${h.index}] pattern ${JSON.stringify(h.host.pattern)} is the same as hosts[${k}] (${key}); which pinset applies is undefined`,
          'merge the two host entries into one',
        ),
      );
    }
    return found;
  },
};
