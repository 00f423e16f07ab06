import type { LintFinding } from '../finding.ts';
import { finding, type LintRule } from '../rule.ts';

/** The same pin listed twice in one list of a host. */
export const duplicatePin: LintRule = {
  id: 'duplicate-pin',
  severity: 'warning',
  description:
    'The same pin twice in `pins` or twice in `backupPins` of one host (in any accepted spelling); it hides how few distinct keys are pinned.',
  fix: 'Remove the repeated entry.',
  check({ hosts }) {
    const found: LintFinding[] = [];
    for (const h of hosts) {
      for (const list of ['pins', 'backupPins'] as const) {
        const first = new Map<string, number>();
        h[list].forEach((entry, j) => {
          if (entry.pin === undefined) return;
          const k = first.get(entry.pin.base64);
          if (k === undefined) {
            first.set(entry.pin.base64, j);
            return;
          }
          found.push(
            finding(
              this,
              ['hosts', h.index, list, j],
              `${h.label}: ${list}[${j}] repeats ${list}[${k}] (${entry.pin.toString()})`,
              'remove the repeated entry; a pinset is only as safe as its number of distinct keys',
            ),
          );
        });
      }
    }
    return found;
  },
};
