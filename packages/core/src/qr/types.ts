/**
 * What {@link parseQrPayload} returns: one value per kind of QR payload, told apart by `kind`,
 * each carrying the findings the classification made about it.
 *
 * A finding never repeats a Wi-Fi password or a one-time-password secret: findings and messages
 * are meant to be logged and shown.
 */
import type { QrFindingCode } from './findings.ts';

/** The kinds of payload a QR code can hold, as {@link parseQrPayload} tells them apart. */
export type QrPayloadKind =
  | 'url'
  | 'deep-link'
  | 'android-intent'
  | 'wifi'
  | 'tel'
  | 'sms'
  | 'mailto'
  | 'geo'
  | 'vcard'
  | 'mecard'
  | 'otpauth'
  | 'text';

/** `block`: do not follow the payload; `warn`: show it to a person before acting; `info`: worth knowing. */
export type QrFindingSeverity = 'block' | 'warn' | 'info';

/** One thing the classification noticed about a payload. */
export interface QrFinding {
  /** Stable kebab-case code, e.g. `url-credentials`; every code is listed in `docs/qr-payloads.md`. */
  readonly code: QrFindingCode;
  readonly severity: QrFindingSeverity;
  /** What was seen and what to do, safe to print: control and invisible characters are escaped. */
  readonly message: string;
}

/** Options for {@link parseQrPayload}. */
export interface QrPayloadOptions {
  /**
   * Report loopback, private, link-local, CGNAT and special-use hosts as `info` instead of
   * blocking them (or warning about them). For test benches and kiosks on a private network.
   */
  readonly allowPrivateHosts?: boolean;
}

interface QrPayloadBase<K extends QrPayloadKind> {
  readonly kind: K;
  /** Everything noticed, in the order it was noticed. */
  readonly findings: readonly QrFinding[];
  /** True when any finding has severity `block`: do not follow this payload. */
  readonly blocked: boolean;
}

/** How the host of a URL is written. */
export type QrHostType = 'domain' | 'ipv4' | 'ipv6';

/** An `https:` or `http:` URL. */
export interface QrUrlPayload extends QrPayloadBase<'url'> {
  /** The URL as the WHATWG URL parser (every browser) reads it. */
  readonly url: URL;
  readonly scheme: 'https' | 'http';
  /**
   * The host the browser connects to: lower case, IDN in punycode, no trailing dot; an IPv6
   * address without brackets.
   */
  readonly host: string;
  /** The host as a person should see it (IDN labels decoded). */
  readonly unicodeHost: string;
  readonly hostType: QrHostType;
  /** The port connected to (443 or 80 when the URL names none). */
  readonly port: number;
  /** The path, percent-encoded as the URL parser serialises it. */
  readonly path: string;
  readonly hasQuery: boolean;
}

/** A custom-scheme deep link such as `myapp://offer/42`, opened by whichever app claims the scheme. */
export interface QrDeepLinkPayload extends QrPayloadBase<'deep-link'> {
  /** The scheme, lower case, without the colon. */
  readonly scheme: string;
  /** Everything after `scheme:`. */
  readonly target: string;
  /** An http(s) fallback the link carries in a `fallback_url`/`fallback` query parameter, decoded. */
  readonly fallbackUrl?: string;
}

/** An Android intent URL: `intent://host/path#Intent;scheme=…;package=…;S.browser_fallback_url=…;end`. */
export interface QrAndroidIntentPayload extends QrPayloadBase<'android-intent'> {
  /** The data part between `intent:` and `#Intent;`, e.g. `//offer/42`. */
  readonly target: string;
  readonly scheme?: string;
  readonly package?: string;
  readonly action?: string;
  readonly category?: string;
  readonly component?: string;
  /** `S.browser_fallback_url`, decoded. */
  readonly browserFallbackUrl?: string;
  /** Other typed extras (`S.`, `i.`, `B.` …) handed to the app, keyed as written, values decoded. */
  readonly extras: Readonly<Record<string, string>>;
}

/** Wi-Fi security as written in `T:`; `WPA` covers WPA and WPA2 personal, `SAE` is WPA3 personal. */
export type QrWifiSecurity = 'WPA' | 'SAE' | 'WPA2-EAP' | 'WEP' | 'nopass' | 'unknown';

/** A Wi-Fi network to join: `WIFI:T:WPA;S:ssid;P:password;H:true;;`. */
export interface QrWifiPayload extends QrPayloadBase<'wifi'> {
  readonly ssid: string;
  readonly security: QrWifiSecurity;
  /** The network key. Never repeated in findings. */
  readonly password?: string;
  readonly hidden: boolean;
  /** The EAP method (`E:`) of a WPA2-EAP network. */
  readonly eapMethod?: string;
}

/** A phone number to call: `tel:+1-555-0100`. */
export interface QrTelPayload extends QrPayloadBase<'tel'> {
  /** The number as written, percent-decoded, without `tel:` and parameters. */
  readonly number: string;
}

/** A text message to send: `sms:+15550100?body=…` or `SMSTO:+15550100:body`. */
export interface QrSmsPayload extends QrPayloadBase<'sms'> {
  /** The scheme as written, lower case: `sms`, `smsto`, `mms` or `mmsto`. */
  readonly scheme: string;
  readonly recipients: readonly string[];
  readonly body?: string;
}

/** An e-mail to write: `mailto:` (RFC 6068) or DoCoMo's `MATMSG:TO:…;SUB:…;BODY:…;;`. */
export interface QrMailtoPayload extends QrPayloadBase<'mailto'> {
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
  readonly subject?: string;
  readonly body?: string;
}

/** A place: `geo:lat,lon[,alt][;crs=…][;u=…]` (RFC 5870), with Android's `?q=` kept as `query`. */
export interface QrGeoPayload extends QrPayloadBase<'geo'> {
  readonly latitude: number;
  readonly longitude: number;
  readonly altitude?: number;
  /** Coordinate reference system, `wgs84` unless the URI says otherwise. */
  readonly crs: string;
  /** `u=`: uncertainty in metres. */
  readonly uncertainty?: number;
  readonly query?: string;
}

/** The fields picked from a contact card. */
export interface QrContact {
  readonly name?: string;
  readonly organization?: string;
  readonly tel: readonly string[];
  readonly email: readonly string[];
  readonly url: readonly string[];
}

/** A vCard (`BEGIN:VCARD … END:VCARD`, versions 2.1, 3.0, 4.0). */
export interface QrVcardPayload extends QrPayloadBase<'vcard'>, QrContact {
  readonly version?: string;
}

/** A MeCard (`MECARD:N:Doe,John;TEL:…;EMAIL:…;;`). */
export interface QrMecardPayload extends QrPayloadBase<'mecard'>, QrContact {}

/**
 * A one-time-password enrolment: `otpauth://totp/Issuer:account?secret=…&issuer=…`, or an
 * authenticator export (`otpauth-migration://offline?data=…`, type `migration`). The secret is
 * deliberately not copied into the result; an authenticator reads it from the text itself.
 */
export interface QrOtpauthPayload extends QrPayloadBase<'otpauth'> {
  /** `totp`, `hotp`, `migration`, or what the URI says (lower case). */
  readonly type: string;
  /** The label, decoded (`Issuer:account`). */
  readonly label: string;
  readonly issuer?: string;
  readonly account?: string;
  readonly algorithm?: string;
  readonly digits?: number;
  readonly period?: number;
  readonly counter?: number;
  /** Whether the payload carries a secret (it usually does: that is the point of it). */
  readonly hasSecret: boolean;
}

/** Anything else, kept as given. */
export interface QrTextPayload extends QrPayloadBase<'text'> {
  readonly text: string;
}

/** What a QR code holds, told apart by `kind`. */
export type QrPayload =
  | QrUrlPayload
  | QrDeepLinkPayload
  | QrAndroidIntentPayload
  | QrWifiPayload
  | QrTelPayload
  | QrSmsPayload
  | QrMailtoPayload
  | QrGeoPayload
  | QrVcardPayload
  | QrMecardPayload
  | QrOtpauthPayload
  | QrTextPayload;
