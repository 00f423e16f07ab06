export { QrpinError, describeInput } from './errors/qrpin-error.ts';
export type { QrpinErrorCode, QrpinErrorOptions, SourcePosition } from './errors/qrpin-error.ts';
export { Pin } from './pin/pin.ts';
export { HostPattern } from './host/pattern.ts';
export type { HostPatternKind } from './host/pattern.ts';
export { normalizeHostname } from './host/normalize.ts';
export type {
  DestinationKind,
  Manifest,
  ManifestDestination,
  ManifestHost,
  ManifestPath,
  ManifestSigningKey,
  PinMode,
} from './manifest/model.ts';
export type { Policy, PolicyHost } from './policy/model.ts';
export { issueCertificate, createCertificateRequest } from './x509/issue.ts';
export type {
  CertificateIssuer,
  CertificateRequestOptions,
  DistinguishedName,
  IssueCertificateOptions,
} from './x509/issue.ts';
export { computePins, MAX_PIN_INPUT_BYTES } from './pin/compute.ts';
export type { ComputedPin, ComputePinsOptions, PinSource } from './pin/compute.ts';
export type { PinKeyType } from './pin/key.ts';
export { describeCertificate } from './pin/inspect.ts';
export type { CertificateSummary } from './pin/inspect.ts';
export { compilePolicy } from './policy/compile.ts';
export { emit, emitTargets } from './emit/emit.ts';
export { emitCurlPins } from './emit/curl.ts';
export { parseClientPolicy, CLIENT_POLICY_FORMAT, CLIENT_POLICY_VERSION } from './emit/client-policy.ts';
export type {
  EmitOptions,
  EmitResult,
  EmitTarget,
  EmitTargetInfo,
  EmitWarning,
  EmitWarningCode,
} from './emit/types.ts';
export { parseManifest } from './manifest/parse.ts';
export type { ParsedManifest, ParseManifestOptions } from './manifest/parse.ts';
export { ManifestError, formatManifestPath } from './manifest/error.ts';
export type { ManifestErrorCode, ManifestIssue } from './manifest/error.ts';
export { manifestLimits } from './manifest/limits.ts';
export { manifestJsonSchema, MANIFEST_SCHEMA_ID } from './manifest/json-schema.ts';
export { starterManifest } from './manifest/starter.ts';
export { lintManifest } from './lint/lint.ts';
export type { LintOptions } from './lint/lint.ts';
export { lintRules } from './lint/rules.ts';
export type { LintFinding, LintRuleInfo, LintSeverity } from './lint/finding.ts';
export { parseQrPayload } from './qr/parse.ts';
export { QrPayloadError } from './qr/error.ts';
export type { QrPayloadErrorCode, QrPayloadRefusal } from './qr/error.ts';
export { qrFindingCodes } from './qr/findings.ts';
export type { QrFindingCode, QrFindingInfo } from './qr/findings.ts';
export { qrPayloadLimits } from './qr/limits.ts';
export type {
  QrAndroidIntentPayload,
  QrContact,
  QrDeepLinkPayload,
  QrFinding,
  QrFindingSeverity,
  QrGeoPayload,
  QrHostType,
  QrMailtoPayload,
  QrMecardPayload,
  QrOtpauthPayload,
  QrPayload,
  QrPayloadKind,
  QrPayloadOptions,
  QrSmsPayload,
  QrTelPayload,
  QrTextPayload,
  QrUrlPayload,
  QrVcardPayload,
  QrWifiPayload,
  QrWifiSecurity,
} from './qr/types.ts';
export { PinsetError } from './pinset/error.ts';
export type { PinsetErrorCode } from './pinset/error.ts';
export { PINSET_ALGORITHMS, PINSET_MAX_BYTES, PINSET_TYPE, PINSET_VERSION } from './pinset/model.ts';
export type {
  PinsetAlgorithm,
  PinsetExpiryPolicy,
  PinsetHeader,
  PinsetHost,
  PinsetPayload,
  PinsetRollout,
  PinsetRolloutStage,
  PinsetTrustedKey,
} from './pinset/model.ts';
export { buildPinsetPayload } from './pinset/build.ts';
export type { BuildPinsetOptions } from './pinset/build.ts';
export { buildRollback } from './pinset/rollback.ts';
export type { BuildRollbackOptions } from './pinset/rollback.ts';
export { signPinset } from './pinset/sign.ts';
export type { SignPinsetOptions } from './pinset/sign.ts';
export { verifyPinset } from './pinset/verify.ts';
export type { VerifiedPinset, VerifyPinsetOptions } from './pinset/verify.ts';
export { inspectPinset } from './pinset/inspect.ts';
export type { PinsetInspection } from './pinset/inspect.ts';
export { pinsetToPolicy } from './pinset/to-policy.ts';
export { TELEMETRY_EVENT_TYPES, stripUrl, validateTelemetryEvent } from './events/event.ts';
export type { TelemetryEvent, TelemetryEventType } from './events/event.ts';
