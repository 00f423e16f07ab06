/**
 * The registry of lint rules, in the order they are documented in `docs/lint.md`.
 */
import type { LintRuleInfo } from './finding.ts';
import type { LintRule } from './rule.ts';
import { backupPinInUse } from './rules/backup-pin-in-use.ts';
import { deepLinkNoFallback } from './rules/deep-link-no-fallback.ts';
import { destinationHostInvalid } from './rules/destination-host-invalid.ts';
import { destinationNotHttps } from './rules/destination-not-https.ts';
import { destinationPayloadUnparseable } from './rules/destination-payload-unparseable.ts';
import { destinationUnpinned } from './rules/destination-unpinned.ts';
import { duplicatePin } from './rules/duplicate-pin.ts';
import { noBackupPin } from './rules/no-backup-pin.ts';
import { noCurrentPin } from './rules/no-current-pin.ts';
import { noExpiry } from './rules/no-expiry.ts';
import { patternApexWildcard } from './rules/pattern-apex-wildcard.ts';
import { patternDuplicate } from './rules/pattern-duplicate.ts';
import { patternInvalid } from './rules/pattern-invalid.ts';
import { patternOverBroad } from './rules/pattern-over-broad.ts';
import { patternOverlap } from './rules/pattern-overlap.ts';
import { pinInvalid } from './rules/pin-invalid.ts';
import { pinsetExpired } from './rules/pinset-expired.ts';
import { pinsetExpiring } from './rules/pinset-expiring.ts';
import { reportOnly } from './rules/report-only.ts';
import { signingKeyInvalid } from './rules/signing-key-invalid.ts';
import { signingKeyMissing } from './rules/signing-key-missing.ts';
import { signingKeyNoBackup } from './rules/signing-key-no-backup.ts';
import { tooFewPins } from './rules/too-few-pins.ts';

/** Every rule with its check (internal: `lintManifest` runs them). */
export const allRules: readonly LintRule[] = [
  // pins
  pinInvalid,
  noCurrentPin,
  tooFewPins,
  noBackupPin,
  backupPinInUse,
  duplicatePin,
  pinsetExpired,
  pinsetExpiring,
  noExpiry,
  reportOnly,
  // host patterns
  patternInvalid,
  patternDuplicate,
  patternOverlap,
  patternOverBroad,
  patternApexWildcard,
  // destinations
  destinationPayloadUnparseable,
  destinationNotHttps,
  deepLinkNoFallback,
  destinationHostInvalid,
  destinationUnpinned,
  // signing keys
  signingKeyMissing,
  signingKeyNoBackup,
  signingKeyInvalid,
];

/**
 * Every lint rule: its id, severity, what it checks and how to fix what it finds.
 *
 * @example
 * ```ts
 * for (const rule of lintRules) console.log(`${rule.id} (${rule.severity}): ${rule.description}`);
 * ```
 */
export const lintRules: readonly LintRuleInfo[] = Object.freeze(
  allRules.map(({ id, severity, description, fix }) => Object.freeze({ id, severity, description, fix })),
);
