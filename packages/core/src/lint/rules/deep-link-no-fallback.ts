import { finding, type LintRule } from '../rule.ts';

/** A deep link without a fallback page. */
export const deepLinkNoFallback: LintRule = {
  id: 'deep-link-no-fallback',
  severity: 'error',
  description:
    'A `deep-link` destination without a `fallback`: phones without the app open nothing, or whichever app claims the scheme.',
  fix: 'Add `fallback: https://…` (a page on a pinned host), or use kind `app-link` with a verified https link.',
  check({ destinations }) {
    return destinations.flatMap((d) => {
      if (d.destination.kind !== 'deep-link' || d.destination.fallback !== undefined) return [];
      const scheme = d.payloadUrl?.protocol;
      return [
        finding(
          this,
          ['destinations', d.index],
          `deep-link ${d.label} has no fallback: phones without the app open nothing, or whichever app claims ${scheme === undefined ? 'its scheme' : `the "${scheme}" scheme`}`,
          'add fallback: https://… (a page on a pinned host), or use kind app-link with a verified https link',
        ),
      ];
    });
  },
};
