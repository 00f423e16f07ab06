/**
 * Journey events: what happened between a scan and the content, one event per step, for the
 * telemetry reporter (or any sink). Fields carry no personal data: URLs lose their query strings.
 */

import type { TelemetryEvent, TelemetryEventType } from '@qrpin/core';

/** The kinds of event a journey emits (the telemetry schema's, but `abandon`, which apps report). */
export type JourneyEventType = Exclude<TelemetryEventType, 'abandon'>;

/**
 * One step of a journey: a telemetry event (`TelemetryEvent` in `@qrpin/core`) without the fields
 * the reporter adds (project, app, pinset seq, cohort).
 */
export type JourneyEvent = Omit<
  TelemetryEvent,
  'type' | 'project' | 'appId' | 'appVersion' | 'platform' | 'pinsetSeq' | 'cohort'
> & { readonly type: JourneyEventType };

/** Where events go. A sink must not throw; if it does, the journey goes on. */
export type JourneySink = (event: JourneyEvent) => void;

/** A URL without its query string and fragment (they may carry personal data or tokens). */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
