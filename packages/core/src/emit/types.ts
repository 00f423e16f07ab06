/**
 * The shapes shared by every platform emitter.
 */

/** A platform (or tool) whose pinning configuration qrpin can write. */
export type EmitTarget =
  | 'okhttp-kotlin'
  | 'okhttp-java'
  | 'android-nsc'
  | 'ios-plist'
  | 'trustkit'
  | 'react-native'
  | 'curl'
  | 'node';

/**
 * Why part of the policy could not be written as-is for a platform.
 *
 * - `report-mode-unsupported`: the platform cannot report without blocking; the host is left out.
 * - `expiry-unsupported`: the platform has no pin expiry; the pins hold until a new build ships.
 * - `one-label-wildcard-unsupported`: `*.` (exactly one label) has no equivalent; the host is left out.
 * - `subdomain-depth-narrowed`: the platform's subdomain flag covers fewer levels than `**.`.
 * - `okhttp-any-depth-needs-4.3`: `**.` needs OkHttp 4.3.0; OkHttp 3.x silently never matches it.
 * - `too-few-pins`: the platform refuses an enforced host with fewer than two pins; left out.
 * - `no-pins`: the host has no pin at all; left out.
 * - `duplicate-domain`: an earlier host already configures the same domain; left out.
 * - `report-without-uri`: report-only pins with nowhere to send reports.
 * - `report-mode-enforced`: the tool has no report-only mode and enforces the pins.
 * - `ios-identity-assumed`: pins written as CA identities because `iosIdentity` was not given.
 * - `nothing-pinned`: no host is left in the output (host `*`).
 */
export type EmitWarningCode =
  | 'report-mode-unsupported'
  | 'expiry-unsupported'
  | 'one-label-wildcard-unsupported'
  | 'subdomain-depth-narrowed'
  | 'okhttp-any-depth-needs-4.3'
  | 'too-few-pins'
  | 'no-pins'
  | 'duplicate-domain'
  | 'report-without-uri'
  | 'report-mode-enforced'
  | 'ios-identity-assumed'
  | 'nothing-pinned';

/** One thing the emitted config does differently from the policy, and what to do about it. */
export interface EmitWarning {
  /** The host pattern concerned (`*` when the warning is about the whole output). */
  readonly host: string;
  readonly code: EmitWarningCode;
  readonly message: string;
}

/** What an emitter produced. */
export interface EmitResult {
  readonly target: EmitTarget;
  /** Suggested file name, e.g. `network_security_config.xml`. */
  readonly filename: string;
  /** The file's content, deterministic (no timestamps), ending with a newline. */
  readonly content: string;
  readonly warnings: readonly EmitWarning[];
  /** Minimum platform and library versions the emitted features need, for people to read. */
  readonly requires: readonly string[];
}

/** Options some emitters take. Others ignore them. */
export interface EmitOptions {
  /**
   * `ios-plist`: whether the pins are the keys of CA/intermediate certificates
   * (`NSPinnedCAIdentities`, the default) or of leaf certificates (`NSPinnedLeafIdentities`).
   * ATS matches a CA identity only against certificates above the leaf, and a leaf identity only
   * against the leaf, so this must describe the pins truthfully or the app cannot connect.
   */
  readonly iosIdentity?: 'leaf' | 'ca' | undefined;
  /** `okhttp-java`, `okhttp-kotlin`: the generated class or object name (default `QrpinPins`). */
  readonly className?: string | undefined;
  /** `okhttp-java`, `okhttp-kotlin`: the package of the generated file (default: none). */
  readonly packageName?: string | undefined;
  /** `trustkit`: https URLs that receive TrustKit pin-failure reports (`kTSKReportUris`). */
  readonly reportUris?: readonly string[] | undefined;
}

/** A target with a line saying what it writes. */
export interface EmitTargetInfo {
  readonly target: EmitTarget;
  readonly description: string;
  /** The file name the target suggests. */
  readonly filename: string;
}
