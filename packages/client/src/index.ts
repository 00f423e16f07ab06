export { PinnedAgent, createPinnedDispatcher } from './dispatcher/pinned-agent.ts';
export type { PinnedConnectOptions, PinnedDispatcherOptions } from './dispatcher/pinned-agent.ts';
export { PinMismatchError } from './errors/pin-mismatch-error.ts';
export { formatPinFailure } from './pin/report.ts';
export type { PinFailureReport, PinFailureFacts } from './pin/report.ts';
export type { ChainCertificate } from './pin/chain.ts';
export { policyFromPins } from './policy/from-pins.ts';
export type { PinMap, PolicyFromPinsOptions } from './policy/from-pins.ts';
export type { PolicyInput } from './policy/rules.ts';
export type { ProxyEnvironment, ProxyOptions } from './proxy/route.ts';
export { resolveJourney } from './journey/resolve.ts';
export type {
  HopPinVerdict,
  JourneyHop,
  JourneyOptions,
  JourneyRefusal,
  JourneyResult,
} from './journey/resolve.ts';
export { redactUrl } from './journey/events.ts';
export type { JourneyEvent, JourneyEventType, JourneySink } from './journey/events.ts';
export { guardedLookup, isSpecialAddress, PrivateAddressError } from './journey/address-guard.ts';
export { PinsetUpdater } from './updater/updater.ts';
export type { PinsetUpdaterEvent, PinsetUpdaterOptions, RefreshOutcome } from './updater/updater.ts';
export { FileLastGoodStore, MemoryLastGoodStore } from './updater/store.ts';
export type { LastGoodStore } from './updater/store.ts';
export { TelemetryReporter } from './telemetry/reporter.ts';
export type {
  ReportedEvent,
  TelemetryApp,
  TelemetryReporterOptions,
  TelemetryStats,
} from './telemetry/reporter.ts';
