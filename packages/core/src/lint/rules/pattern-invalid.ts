import { finding, type LintRule } from '../rule.ts';

/** A host pattern that does not parse, or that would cover a public suffix. */
export const patternInvalid: LintRule = {
  id: 'pattern-invalid',
  severity: 'error',
  description:
    'A host pattern that is not a host name, `*.` or `**.` followed by one, or whose wildcard covers a public suffix (`*.com`, `**.co.uk`).',
  fix: 'Write an exact host (`promo.example.com`), `*.example.com` or `**.example.com` for a domain you own; no scheme, port or path.',
  check({ hosts }) {
    return hosts.flatMap((h) => {
      if (h.patternError === undefined) return [];
      const publicSuffix = h.patternError.code === 'ERR_HOST_PATTERN_PUBLIC_SUFFIX';
      return [
        finding(
          this,
          ['hosts', h.index, 'pattern'],
          `hosts[${h.index}]: ${h.patternError.message}`,
          publicSuffix
            ? 'pin a domain you own: a public suffix is shared by everyone who registers under it'
            : 'write an exact host (promo.example.com), *.example.com or **.example.com; no scheme, port, path or IP address',
        ),
      ];
    });
  },
};
