import type { LintFinding } from '../finding.ts';
import { finding, type LintRule } from '../rule.ts';

/** A backup pin that is also listed as a pin in service. */
export const backupPinInUse: LintRule = {
  id: 'backup-pin-in-use',
  severity: 'error',
  description: 'A backup pin equal to one of the pins in service: a key that is served is no backup.',
  fix: 'Remove it from `backupPins` and add the pin of a key that is not served yet (`qrpin keys backup <host>`).',
  check({ hosts }) {
    const found: LintFinding[] = [];
    for (const h of hosts) {
      h.backupPins.forEach((entry, j) => {
        if (entry.pin === undefined) return;
        const k = h.pins.findIndex(
          (p) => p.pin !== undefined && entry.pin !== undefined && p.pin.equals(entry.pin),
        );
        if (k === -1) return;
        const target = h.pattern?.base ?? h.host.pattern;
        found.push(
          finding(
            this,
            ['hosts', h.index, 'backupPins', j],
            `${h.label}: backup pin ${entry.pin.toString()} (backupPins[${j}]) is also pins[${k}], a key in service, so it is no backup`,
            `remove it from backupPins and add the pin of a key that is not served yet: \`qrpin keys backup ${target}\``,
          ),
        );
      });
    }
    return found;
  },
};
