/**
 * The journey telemetry event: what clients report and the server will store. It carries no
 * personal data: no IP address, no query string or fragment in URLs, a random session id per
 * journey, and bounded, validated fields (every string is attacker-controlled at the server).
 */
import { QrpinError } from '../errors/qrpin-error.ts';

/** The kinds of journey event. */
export const TELEMETRY_EVENT_TYPES = [
  'scan',
  'hop',
  'tls_ok',
  'tls_error',
  'pin_failure',
  'redirect_blocked',
  'complete',
  'abandon',
] as const;

export type TelemetryEventType = (typeof TELEMETRY_EVENT_TYPES)[number];

/** One journey event as reported. */
export interface TelemetryEvent {
  readonly type: TelemetryEventType;
  /** ISO 8601 time with a `Z` offset. */
  readonly time: string;
  readonly project: string;
  readonly appId: string;
  readonly appVersion: string;
  readonly platform: string;
  /** Random id of the journey (not of the person). */
  readonly sessionId: string;
  readonly destination?: string | undefined;
  readonly campaign?: string | undefined;
  readonly pinsetSeq?: number | undefined;
  readonly cohort?: number | undefined;
  readonly host?: string | undefined;
  /** The hop's URL without query string or fragment. */
  readonly url?: string | undefined;
  readonly hop?: number | undefined;
  readonly status?: number | undefined;
  /** Error or refusal code. */
  readonly code?: string | undefined;
  readonly chainPins?: readonly string[] | undefined;
  readonly mode?: 'enforce' | 'report' | undefined;
  readonly durationMs?: number | undefined;
}

const SHORT = 128;
const LONG = 2048;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const PIN = /^sha256\/[A-Za-z0-9+/]{43}=$/;
/** Control characters and line separators, refused in every text field. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const KEYS = new Set([
  'type',
  'time',
  'project',
  'appId',
  'appVersion',
  'platform',
  'sessionId',
  'destination',
  'campaign',
  'pinsetSeq',
  'cohort',
  'host',
  'url',
  'hop',
  'status',
  'code',
  'chainPins',
  'mode',
  'durationMs',
]);

/**
 * Validates one event, strictly: unknown fields, wrong types, oversized strings, control
 * characters, URLs with a query string or fragment are refused with `ERR_EVENT_INVALID` naming
 * the field. Returns a fresh object holding only the known fields.
 *
 * @example
 * ```ts
 * const event = validateTelemetryEvent(JSON.parse(line));
 * ```
 */
export function validateTelemetryEvent(input: unknown): TelemetryEvent {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('event', 'must be an object');
  }
  const raw = input as Record<string, unknown>;
  // `for…in` rather than `Object.keys`, which makes an array an event (an inherited enumerable key,
  // were there one, would be refused as well).
  for (const key in raw) if (!KEYS.has(key)) throw invalid(key, 'is not a field of an event');
  const type = raw.type;
  if (typeof type !== 'string' || !(TELEMETRY_EVENT_TYPES as readonly string[]).includes(type)) {
    throw invalid('type', `must be one of ${TELEMETRY_EVENT_TYPES.join(', ')}`);
  }
  const time = text(raw, 'time', 40, true) as string;
  if (!TIME.test(time) || Number.isNaN(Date.parse(time)))
    throw invalid('time', 'must be an ISO 8601 UTC time');
  const url = text(raw, 'url', LONG, false);
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalid('url', 'must be an absolute URL');
    }
    if (parsed.search !== '' || parsed.hash !== '' || url.includes('?') || url.includes('#')) {
      throw invalid('url', 'must not carry a query string or fragment (they may hold personal data)');
    }
    if (parsed.username !== '' || parsed.password !== '') throw invalid('url', 'must not carry credentials');
  }
  const chainPins = raw.chainPins;
  if (chainPins !== undefined) {
    if (
      !Array.isArray(chainPins) ||
      chainPins.length > 16 ||
      chainPins.some((p) => typeof p !== 'string' || !PIN.test(p))
    ) {
      throw invalid('chainPins', 'must be a list of at most 16 sha256/ pins');
    }
  }
  const mode = raw.mode;
  if (mode !== undefined && mode !== 'enforce' && mode !== 'report')
    throw invalid('mode', 'must be enforce or report');
  // Built field by field: this runs for every ingested event.
  const event: Record<string, unknown> = {
    type,
    time,
    project: text(raw, 'project', SHORT, true),
    appId: text(raw, 'appId', SHORT, true),
    appVersion: text(raw, 'appVersion', 64, true),
    platform: text(raw, 'platform', 64, true),
    sessionId: text(raw, 'sessionId', SHORT, true),
  };
  // Added in this order (the order they are stored in), leaving out the absent ones.
  const destination = text(raw, 'destination', SHORT, false);
  if (destination !== undefined) event.destination = destination;
  const campaign = text(raw, 'campaign', SHORT, false);
  if (campaign !== undefined) event.campaign = campaign;
  const pinsetSeq = integer(raw, 'pinsetSeq', 0, Number.MAX_SAFE_INTEGER);
  if (pinsetSeq !== undefined) event.pinsetSeq = pinsetSeq;
  const cohort = integer(raw, 'cohort', 0, 99);
  if (cohort !== undefined) event.cohort = cohort;
  const host = text(raw, 'host', 253, false);
  if (host !== undefined) event.host = host;
  if (url !== undefined) event.url = url;
  const hop = integer(raw, 'hop', 0, 100);
  if (hop !== undefined) event.hop = hop;
  const status = integer(raw, 'status', 100, 599);
  if (status !== undefined) event.status = status;
  const code = text(raw, 'code', SHORT, false);
  if (code !== undefined) event.code = code;
  if (chainPins !== undefined) event.chainPins = [...(chainPins as string[])];
  if (mode !== undefined) event.mode = mode;
  const durationMs = integer(raw, 'durationMs', 0, 86_400_000);
  if (durationMs !== undefined) event.durationMs = durationMs;
  return event as unknown as TelemetryEvent;
}

/** A URL with its query string, fragment and credentials removed. */
export function stripUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '';
  }
}

function text(raw: Record<string, unknown>, key: string, max: number, required: boolean): string | undefined {
  const value = raw[key];
  if (value === undefined) {
    if (required) throw invalid(key, 'is required');
    return undefined;
  }
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalid(key, `must be a string of 1 to ${max} characters`);
  }
  // A regular expression literal here would be a new RegExp object at every call: eight an event.
  if (CONTROL.test(value)) throw invalid(key, 'must not hold control characters');
  return value;
}

function integer(raw: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(key, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function invalid(field: string, message: string): QrpinError {
  return new QrpinError('ERR_EVENT_INVALID', `event ${field} ${message}`);
}
