/** The shape of a lint rule and the facts rules share (internal). */
import type { HostPattern } from '../host/pattern.ts';
import type { Manifest, ManifestDestination, ManifestHost, ManifestPath } from '../manifest/model.ts';
import type { Pin } from '../pin/pin.ts';
import type { LintFinding, LintRuleInfo } from './finding.ts';

/** A pin as written, parsed once. */
export interface PinEntry {
  readonly text: string;
  readonly pin: Pin | undefined;
  /** Why it does not parse, when it does not. */
  readonly error: string | undefined;
}

/** A host entry with its pattern and pins parsed once. */
export interface HostFacts {
  readonly index: number;
  readonly host: ManifestHost;
  /** `host "promo.example.com"`, for messages. */
  readonly label: string;
  readonly pattern: HostPattern | undefined;
  readonly patternError: { readonly code: string; readonly message: string } | undefined;
  readonly pins: readonly PinEntry[];
  readonly backupPins: readonly PinEntry[];
}

/** A host name a destination reaches, and where the manifest says so. */
export interface DestinationHost {
  readonly host: string;
  readonly source: 'payload' | 'fallback' | 'hosts';
  readonly path: ManifestPath;
}

/** A destination with its URLs parsed once. */
export interface DestinationFacts {
  readonly index: number;
  readonly destination: ManifestDestination;
  /** `destination "spring-poster"`, for messages. */
  readonly label: string;
  readonly payloadUrl: URL | undefined;
  readonly fallbackUrl: URL | undefined;
  readonly hosts: readonly DestinationHost[];
}

/** What every rule sees. */
export interface LintContext {
  readonly manifest: Manifest;
  readonly now: Date;
  /** `now` as a UTC date, `YYYY-MM-DD`. */
  readonly today: string;
  readonly hosts: readonly HostFacts[];
  readonly destinations: readonly DestinationFacts[];
}

/** A rule: its listing plus the check. */
export interface LintRule extends LintRuleInfo {
  check(context: LintContext): LintFinding[];
}

/** Builds a finding of `rule` with the rule's id and severity. */
export function finding(rule: LintRuleInfo, path: ManifestPath, message: string, hint: string): LintFinding {
  return { rule: rule.id, severity: rule.severity, message, hint, path };
}
