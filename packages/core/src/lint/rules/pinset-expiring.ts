import { EXPIRING_WITHIN_DAYS, daysBetween } from '../dates.ts';
import { finding, type LintRule } from '../rule.ts';

/** A pinset that expires within 30 days. */
export const pinsetExpiring: LintRule = {
  id: 'pinset-expiring',
  severity: 'warning',
  description: `A host whose \`expires\` date is today or within the next ${EXPIRING_WITHIN_DAYS} days.`,
  fix: 'Move `expires` ahead and ship the update before that date; apps that are not updated stop enforcing the pins then.',
  check({ hosts, today }) {
    return hosts.flatMap((h) => {
      const expires = h.host.expires;
      if (expires === undefined || expires < today) return [];
      const days = daysBetween(today, expires);
      if (days > EXPIRING_WITHIN_DAYS) return [];
      const when = days === 0 ? 'today' : days === 1 ? 'tomorrow' : `in ${days} days`;
      return [
        finding(
          this,
          ['hosts', h.index, 'expires'],
          `${h.label}: the pinset expires on ${expires}, ${when}`,
          'move expires a few months ahead and ship the update before then; apps that are not updated stop enforcing the pins on that date',
        ),
      ];
    });
  },
};
