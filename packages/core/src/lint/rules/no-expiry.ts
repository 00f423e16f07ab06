import { finding, type LintRule } from '../rule.ts';

/** A pinset without an expiry date. */
export const noExpiry: LintRule = {
  id: 'no-expiry',
  severity: 'info',
  description:
    "A host without `expires`: an app that is never updated enforces its pins forever (Android's network security config recommends an expiration).",
  fix: 'Set `expires` (YYYY-MM-DD) a few months ahead and move it on with each release.',
  check({ hosts }) {
    return hosts.flatMap((h) =>
      h.host.expires !== undefined
        ? []
        : [
            finding(
              this,
              ['hosts', h.index],
              `${h.label} has no expiry date: an app that is never updated enforces these pins forever`,
              'set expires (YYYY-MM-DD) a few months ahead and move it on with each release',
            ),
          ],
    );
  },
};
