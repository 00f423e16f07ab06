/**
 * Host patterns with OkHttp's `CertificatePinner` semantics:
 *
 * - `example.com` matches exactly that host;
 * - `*.example.com` matches exactly one more label (`a.example.com`, not `a.b.example.com`, not the apex);
 * - `**.example.com` matches the apex and any depth below it.
 *
 * Patterns are IDNA-normalised, case-insensitive and lose their trailing dot. A wildcard that
 * would cover a public suffix (`*.com`, `**.co.uk`) is refused: no single party owns it.
 *
 * @see https://square.github.io/okhttp/3.x/okhttp/okhttp3/CertificatePinner.html
 */
import { getPublicSuffix } from 'tldts';
import { QrpinError, describeInput } from '../errors/qrpin-error.ts';
import { normalizeHostname } from './normalize.ts';

/** What a pattern covers: one host, one more label, or the apex and any depth below. */
export type HostPatternKind = 'exact' | 'one-label' | 'any-depth';

const MAX_PATTERN = 1024;

/**
 * A parsed, normalised host pattern.
 *
 * @example
 * ```ts
 * const p = HostPattern.parse('**.Promo.Example.COM.');
 * p.toString();                      // '**.promo.example.com'
 * p.matches('promo.example.com');     // true
 * p.matches('a.b.promo.example.com'); // true
 * ```
 */
export class HostPattern {
  /** The kind of match this pattern makes. */
  readonly kind: HostPatternKind;
  /** The normalised host below the wildcard (the whole host for an exact pattern). */
  readonly base: string;
  /** True when the base is a privately registered suffix (`github.io`, `herokuapp.com`): many owners share it. */
  readonly coversPrivateSuffix: boolean;

  private constructor(kind: HostPatternKind, base: string, coversPrivateSuffix: boolean) {
    this.kind = kind;
    this.base = base;
    this.coversPrivateSuffix = coversPrivateSuffix;
  }

  /**
   * Parses a pattern, throwing `ERR_HOST_PATTERN_INVALID` or `ERR_HOST_PATTERN_PUBLIC_SUFFIX`
   * with a message naming the input.
   */
  static parse(text: string): HostPattern {
    if (typeof text !== 'string') {
      throw new QrpinError('ERR_HOST_PATTERN_INVALID', `a host pattern must be a string, got ${typeof text}`);
    }
    if (text.length > MAX_PATTERN) {
      throw new QrpinError('ERR_HOST_PATTERN_INVALID', `host pattern ${describeInput(text)} is too long`);
    }
    const trimmed = text.trim();
    let kind: HostPatternKind = 'exact';
    let rest = trimmed;
    if (trimmed.startsWith('**.')) {
      kind = 'any-depth';
      rest = trimmed.slice(3);
    } else if (trimmed.startsWith('*.')) {
      kind = 'one-label';
      rest = trimmed.slice(2);
    }
    if (rest.includes('*')) {
      throw new QrpinError(
        'ERR_HOST_PATTERN_INVALID',
        `host pattern ${describeInput(text)} has a wildcard that is not a leading "*." or "**."`,
      );
    }
    let base: string;
    try {
      base = normalizeHostname(rest);
    } catch (err) {
      const detail = err instanceof QrpinError ? err.message : String(err);
      throw new QrpinError('ERR_HOST_PATTERN_INVALID', `host pattern ${describeInput(text)}: ${detail}`, {
        cause: err,
      });
    }
    let coversPrivateSuffix = false;
    if (kind !== 'exact') {
      if (!base.includes('.') || getPublicSuffix(base, { allowPrivateDomains: false }) === base) {
        throw new QrpinError(
          'ERR_HOST_PATTERN_PUBLIC_SUFFIX',
          `host pattern ${describeInput(text)} covers the public suffix "${base}"; pin a domain you own, e.g. "${kind === 'any-depth' ? '**' : '*'}.yourname.${base}"`,
        );
      }
      coversPrivateSuffix = getPublicSuffix(base, { allowPrivateDomains: true }) === base;
    }
    return new HostPattern(kind, base, coversPrivateSuffix);
  }

  /** True when `hostname` (any case, IDN or punycode, trailing dot allowed) is covered. */
  matches(hostname: string): boolean {
    let host: string;
    try {
      host = normalizeHostname(hostname);
    } catch {
      return false;
    }
    switch (this.kind) {
      case 'exact':
        return host === this.base;
      case 'one-label': {
        if (!host.endsWith(`.${this.base}`)) return false;
        const prefix = host.slice(0, -this.base.length - 1);
        return prefix.length > 0 && !prefix.includes('.');
      }
      case 'any-depth':
        return host === this.base || host.endsWith(`.${this.base}`);
    }
  }

  /**
   * True when every host this pattern matches is also matched by `other`
   * (used to find duplicate and shadowed patterns).
   */
  isCoveredBy(other: HostPattern): boolean {
    if (this.kind === 'exact') return other.matches(this.base);
    if (other.kind === 'any-depth') return this.base === other.base || this.base.endsWith(`.${other.base}`);
    if (other.kind === 'one-label') return this.kind === 'one-label' && this.base === other.base;
    return false;
  }

  /** True when some host is matched by both patterns. */
  overlaps(other: HostPattern): boolean {
    return this.isCoveredBy(other) || other.isCoveredBy(this) || sharesHost(this, other);
  }

  /** True for `**.` patterns: the apex and every subdomain (NSC's and ATS's includeSubdomains). */
  get includesSubdomains(): boolean {
    return this.kind === 'any-depth';
  }

  /** The canonical text, e.g. `**.example.com`. */
  toString(): string {
    return this.kind === 'exact' ? this.base : `${this.kind === 'any-depth' ? '**' : '*'}.${this.base}`;
  }

  toJSON(): string {
    return this.toString();
  }

  /** True when both patterns are the same after normalisation. */
  equals(other: HostPattern): boolean {
    return this.kind === other.kind && this.base === other.base;
  }
}

function sharesHost(a: HostPattern, b: HostPattern): boolean {
  // one-label vs any-depth: `*.x.example` and `**.example` share `a.x.example`.
  const wild = [a, b].filter((p) => p.kind !== 'exact');
  if (wild.length < 2) return false;
  const [p, q] = wild as [HostPattern, HostPattern];
  return (
    (p.matches(`a.${p.base}`) && q.matches(`a.${p.base}`)) ||
    (q.matches(`a.${q.base}`) && p.matches(`a.${q.base}`))
  );
}
