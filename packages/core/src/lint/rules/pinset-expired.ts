import { finding, type LintRule } from '../rule.ts';

/** A pinset whose expiry date has passed. */
export const pinsetExpired: LintRule = {
  id: 'pinset-expired',
  severity: 'error',
  description: 'A host whose `expires` date is before today (UTC): clients no longer enforce its pins.',
  fix: 'Check the pins still match (`qrpin pins fetch <host>`), move `expires` a few months ahead and ship the update.',
  check({ hosts, today }) {
    return hosts.flatMap((h) => {
      const expires = h.host.expires;
      if (expires === undefined || expires >= today) return [];
      const target = h.pattern?.base ?? h.host.pattern;
      return [
        finding(
          this,
          ['hosts', h.index, 'expires'],
          `${h.label}: the pinset expired on ${expires} (today is ${today}); clients no longer enforce it`,
          `check the pins still match with \`qrpin pins fetch ${target}\`, then move expires a few months ahead and ship the update`,
        ),
      ];
    });
  },
};
