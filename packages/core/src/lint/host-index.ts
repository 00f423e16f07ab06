/**
 * A lookup of host patterns by base name, so that "which patterns match this host" and "which
 * patterns could overlap this one" cost a few map lookups instead of a scan of every pattern
 * (a manifest may hold 1,000 patterns and 10,000 destinations) (internal).
 */
import type { HostPattern } from '../host/pattern.ts';

/** `a.b.example.com` → `['a.b.example.com', 'b.example.com', 'example.com', 'com']`. */
function suffixes(host: string): string[] {
  const out = [host];
  for (let i = host.indexOf('.'); i !== -1; i = host.indexOf('.', i + 1)) out.push(host.slice(i + 1));
  return out;
}

/** Patterns grouped by their base name. */
export class HostIndex<T extends { readonly pattern: HostPattern }> {
  readonly #byBase = new Map<string, T[]>();

  constructor(entries: Iterable<T>) {
    for (const entry of entries) {
      const list = this.#byBase.get(entry.pattern.base);
      if (list === undefined) this.#byBase.set(entry.pattern.base, [entry]);
      else list.push(entry);
    }
  }

  /**
   * True when some pattern matches `host`, which must already be normalised
   * (`normalizeHostname`). Same answer as `patterns.some((p) => p.matches(host))`.
   */
  covers(host: string): boolean {
    return suffixes(host).some((base, depth) =>
      (this.#byBase.get(base) ?? []).some(({ pattern }) =>
        depth === 0
          ? pattern.kind !== 'one-label'
          : pattern.kind === 'any-depth' || (depth === 1 && pattern.kind === 'one-label'),
      ),
    );
  }

  /**
   * The entries whose base is `pattern`'s base or a label-suffix of it. Two patterns can match a
   * host in common only when one base is a label-suffix of the other (both are label-suffixes of
   * that host), so looking up from both sides finds every overlapping pair.
   */
  related(pattern: HostPattern): T[] {
    return suffixes(pattern.base).flatMap((base) => this.#byBase.get(base) ?? []);
  }
}
