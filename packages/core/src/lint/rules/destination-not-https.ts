import { describeInput } from '../../errors/qrpin-error.ts';
import type { LintFinding } from '../finding.ts';
import { finding, type LintRule } from '../rule.ts';

const HINT =
  'use https://: plain http can be read and changed on any network between the phone and the server, and cannot be pinned';

/** A web, app-link or api payload, or any fallback, that is not https. */
export const destinationNotHttps: LintRule = {
  id: 'destination-not-https',
  severity: 'error',
  description: 'A `web`, `app-link` or `api` payload, or a `fallback`, that is not an https URL.',
  fix: 'Use `https://` URLs; plain http cannot be pinned and can be changed on any network.',
  check({ destinations }) {
    const found: LintFinding[] = [];
    for (const d of destinations) {
      const { kind, payload, fallback } = d.destination;
      if (kind !== 'deep-link' && d.payloadUrl !== undefined && d.payloadUrl.protocol !== 'https:') {
        found.push(
          finding(
            this,
            ['destinations', d.index, 'payload'],
            `${d.label} (kind ${kind}): payload ${describeInput(payload, 80)} is ${d.payloadUrl.protocol.slice(0, -1)}, not https`,
            HINT,
          ),
        );
      }
      if (fallback !== undefined && d.fallbackUrl?.protocol !== 'https:') {
        found.push(
          finding(
            this,
            ['destinations', d.index, 'fallback'],
            `${d.label}: fallback ${describeInput(fallback, 80)} is not an https URL`,
            HINT,
          ),
        );
      }
    }
    return found;
  },
};
