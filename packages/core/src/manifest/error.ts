/**
 * The error every manifest problem is reported with: a `QrpinError` whose `issues` list every
 * problem found (not just the first), each with its path and its line and column in the file.
 */
import { QrpinError, type QrpinErrorCode, type QrpinErrorOptions } from '../errors/qrpin-error.ts';
import type { ManifestPath } from './model.ts';

/** The codes a {@link ManifestError} carries. */
export type ManifestErrorCode = Extract<
  QrpinErrorCode,
  'ERR_MANIFEST_INVALID' | 'ERR_MANIFEST_SYNTAX' | 'ERR_MANIFEST_TOO_LARGE' | 'ERR_MANIFEST_ALIASES'
>;

/** One problem in a manifest, at a 1-based line and column. */
export interface ManifestIssue {
  /** Where in the manifest, e.g. `['hosts', 0, 'mode']`; `[]` for the file as a whole. */
  readonly path: ManifestPath;
  /** What is wrong, naming the field and what was seen, e.g. `hosts[0].mode must be "enforce" or "report", got "block"`. */
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

/** How many issues the error message itself lists; `issues` always holds all of them. */
const MESSAGE_ISSUES = 5;

/**
 * A manifest that cannot be used: too large, not YAML, an alias bomb, or not schema-valid.
 *
 * @example
 * ```ts
 * try {
 *   parseManifest(text, { file: 'qrpin.yaml' });
 * } catch (err) {
 *   if (err instanceof ManifestError) for (const i of err.issues) console.error(`${i.line}:${i.column} ${i.message}`);
 * }
 * ```
 */
export class ManifestError extends QrpinError {
  /** Every problem found, in file order. */
  readonly issues: readonly ManifestIssue[];
  /** The file name given to `parseManifest`, if any. */
  readonly file: string | undefined;

  constructor(
    code: ManifestErrorCode,
    file: string | undefined,
    issues: readonly ManifestIssue[],
    options: QrpinErrorOptions = {},
  ) {
    super(code, describeIssues(file, issues), options);
    this.issues = issues;
    this.file = file;
  }
}

/** `file:line:column: message` for each of the first issues, and how many more there are. */
function describeIssues(file: string | undefined, issues: readonly ManifestIssue[]): string {
  const label = file ?? 'manifest';
  const lines = issues.slice(0, MESSAGE_ISSUES).map((i) => `${label}:${i.line}:${i.column}: ${i.message}`);
  const more = issues.length - MESSAGE_ISSUES;
  if (more > 0) lines.push(`… and ${more} more problem${more === 1 ? '' : 's'} in ${label}`);
  return lines.join('\n');
}

/**
 * `hosts[0].pins[1]` for `['hosts', 0, 'pins', 1]`; `(the manifest)` for the empty path.
 *
 * @example
 * ```ts
 * formatManifestPath(['hosts', 0, 'backupPins']); // 'hosts[0].backupPins'
 * ```
 */
export function formatManifestPath(path: ManifestPath): string {
  if (path.length === 0) return '(the manifest)';
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      const plain = /^[A-Za-z_$][\w$-]*$/.test(segment);
      if (!plain) return `[${JSON.stringify(segment.length > 40 ? `${segment.slice(0, 40)}…` : segment)}]`;
      return index === 0 ? segment : `.${segment}`;
    })
    .join('');
}
