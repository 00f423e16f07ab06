import { finding, type LintRule } from '../rule.ts';

/** A host with no valid pin of a key in service: enforcing it would refuse every connection. */
export const noCurrentPin: LintRule = {
  id: 'no-current-pin',
  severity: 'error',
  description:
    'A host whose `pins` holds no valid pin of a key in service; backup pins alone match no served key, so every connection would be refused.',
  fix: 'Run `qrpin pins fetch <host>` and add the pins of the leaf and issuing-CA keys to `pins`.',
  check({ hosts }) {
    return hosts.flatMap((h) => {
      if (h.pins.some((p) => p.pin !== undefined)) return [];
      const target = h.pattern?.base ?? h.host.pattern;
      const message =
        h.pins.length === 0
          ? `${h.label} has no pins of keys in service: clients that enforce it would refuse every connection`
          : `none of the ${h.pins.length} pins of ${h.label} is valid: clients that enforce it would refuse every connection`;
      return [
        finding(
          this,
          ['hosts', h.index, 'pins'],
          message,
          `run \`qrpin pins fetch ${target}\` and add the pins of the leaf and issuing-CA keys to pins`,
        ),
      ];
    });
  },
};
