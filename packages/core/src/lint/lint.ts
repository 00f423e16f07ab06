/**
 * Lint: the checks that make pinning safe to ship, run on a schema-valid manifest.
 *
 * Pinning can brick an app: a client that pins only the key in service today cannot reach the
 * server once that key is replaced. Lint refuses (with errors) pinsets without a backup pin,
 * with fewer than two pins, or expired, and destinations that nothing pins.
 */
import type { Manifest, ManifestPath } from '../manifest/model.ts';
import { manifestFields } from '../manifest/schema.ts';
import { buildContext } from './context.ts';
import type { LintFinding } from './finding.ts';
import { allRules } from './rules.ts';

/** Options for {@link lintManifest}. */
export interface LintOptions {
  /** The current time, for expiry rules. Defaults to the clock; pass it in tests. */
  readonly now?: Date;
}

/** The field list of the object at `prefix`, for ordering findings as the file is written. */
function fieldsAt(prefix: ManifestPath): readonly string[] {
  if (prefix.length === 0) return manifestFields.manifest;
  if (prefix.length === 2 && prefix[0] === 'destinations') return manifestFields.destination;
  if (prefix.length === 2 && prefix[0] === 'hosts') return manifestFields.host;
  if (prefix.length === 2 && prefix[0] === 'signingKeys') return manifestFields.signingKey;
  return [];
}

function comparePaths(a: ManifestPath, b: ManifestPath): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    const fields = fieldsAt(a.slice(0, i));
    const rank = (s: string) => {
      const r = fields.indexOf(s);
      return r === -1 ? fields.length : r;
    };
    return rank(x) - rank(y) || (x < y ? -1 : 1);
  }
  return a.length - b.length;
}

/**
 * Runs every rule of {@link lintRules} over a schema-valid manifest and returns the findings in a
 * deterministic order: by path in file order, then by rule id. Never throws on a manifest that
 * `parseManifest` accepted.
 *
 * @example
 * ```ts
 * const { manifest, locate } = parseManifest(text, { file: 'qrpin.yaml' });
 * for (const f of lintManifest(manifest, { now: new Date() })) {
 *   const at = locate(f.path);
 *   console.log(`qrpin.yaml:${at?.line}:${at?.column}: ${f.severity} ${f.rule} ${f.message}\n  fix: ${f.hint}`);
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7469#section-4.3 (RFC 7469: backup pins)
 */
export function lintManifest(manifest: Manifest, options: LintOptions = {}): LintFinding[] {
  const context = buildContext(manifest, options.now ?? new Date());
  const findings = allRules.flatMap((rule) => rule.check(context));
  return findings.sort(
    (a, b) =>
      comparePaths(a.path, b.path) ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
