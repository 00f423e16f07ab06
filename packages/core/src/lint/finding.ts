/**
 * What lint reports: findings with a stable rule id, a severity, a message naming what was seen
 * and a hint saying what to do.
 */
import type { ManifestPath } from '../manifest/model.ts';

/** `error` blocks emitting and publishing; `warning` deserves a look; `info` is advice. */
export type LintSeverity = 'error' | 'warning' | 'info';

/** One problem lint found in a manifest. */
export interface LintFinding {
  /** The rule's stable kebab-case id, e.g. `no-backup-pin`. */
  readonly rule: string;
  readonly severity: LintSeverity;
  /** What is wrong, naming the host or destination and what was seen. */
  readonly message: string;
  /** What to do about it. */
  readonly hint: string;
  /** Where in the manifest; give it to `ParsedManifest.locate` for a line and column. */
  readonly path: ManifestPath;
}

/** A lint rule as listed in {@link lintRules}. */
export interface LintRuleInfo {
  readonly id: string;
  readonly severity: LintSeverity;
  /** What the rule checks. */
  readonly description: string;
  /** How to fix what it finds. */
  readonly fix: string;
}
