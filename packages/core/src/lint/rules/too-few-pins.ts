import { finding, type LintRule } from '../rule.ts';

/** Fewer than two distinct valid pins, counting backups. */
export const tooFewPins: LintRule = {
  id: 'too-few-pins',
  severity: 'error',
  description:
    'A host with fewer than two distinct valid pins, counting backup pins: one key change would lock clients out.',
  fix: 'Add the issuing-CA pin (`qrpin pins fetch <host>`) and a backup pin (`qrpin keys backup <host>`).',
  check({ hosts }) {
    return hosts.flatMap((h) => {
      const distinct = new Set(
        [...h.pins, ...h.backupPins].flatMap((p) => (p.pin === undefined ? [] : [p.pin.base64])),
      );
      if (distinct.size >= 2) return [];
      const target = h.pattern?.base ?? h.host.pattern;
      return [
        finding(
          this,
          ['hosts', h.index],
          `${h.label} has ${distinct.size === 0 ? 'no valid pin' : 'only one valid pin'} in all; a pinset needs at least two so that one key change cannot lock clients out`,
          `add the issuing-CA pin from \`qrpin pins fetch ${target}\` to pins and a backup pin from \`qrpin keys backup ${target}\` to backupPins`,
        ),
      ];
    });
  },
};
