/**
 * Journey events: what happened between a scan and the content, one event per step, for the
 * telemetry reporter (or any sink). Fields carry no personal data: URLs lose their query strings.
 */

/** The kinds of journey event. */
export type JourneyEventType =
  'scan' | 'hop' | 'tls_ok' | 'tls_error' | 'pin_failure' | 'redirect_blocked' | 'complete';

/** One step of a journey. */
export interface JourneyEvent {
  readonly type: JourneyEventType;
  /** ISO 8601 time. */
  readonly time: string;
  /** Random id shared by the events of one journey. */
  readonly sessionId: string;
  readonly destination?: string | undefined;
  readonly campaign?: string | undefined;
  /** The hop's host. */
  readonly host?: string | undefined;
  /** The hop's URL without query string or fragment. */
  readonly url?: string | undefined;
  /** 0-based hop number. */
  readonly hop?: number | undefined;
  readonly status?: number | undefined;
  /** Error or refusal code (`ERR_PIN_MISMATCH`, `host-not-in-inventory`, …). */
  readonly code?: string | undefined;
  /** Pins of the validated chain, for pin failures. */
  readonly chainPins?: readonly string[] | undefined;
  /** `enforce` or `report` for pin failures. */
  readonly mode?: 'enforce' | 'report' | undefined;
  readonly durationMs?: number | undefined;
}

/** Where events go. A sink must not throw; if it does, the journey goes on. */
export type JourneySink = (event: JourneyEvent) => void;

/** A URL without its query string and fragment (they may carry personal data or tokens). */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
