/**
 * Classifies what a QR code holds and says what is risky about it.
 *
 * Refused outright (a {@link QrPayloadError}): payloads no QR code can hold, and payloads that
 * would hand a `javascript:`, `vbscript:`, `data:`, `file:`, `blob:`, `about:` or `filesystem:`
 * URL to a browser or app. Everything else is classified, with findings: `block` ones mean "do
 * not follow this" (and set `blocked`), `warn` ones deserve a person's look, `info` ones are
 * worth knowing. The journey resolver in `@qrpin/client` follows only unblocked https URLs.
 *
 * Parsing is total and bounded: any string gives a payload or a `QrPayloadError`, in time linear
 * in its length (at most 7,089 characters get past the size check).
 *
 * @see docs/qr-payloads.md for every kind, finding and refusal
 */
import type { QrPayloadBody } from './body.ts';
import { scanCharacters } from './characters.ts';
import { isRiskyScheme, parseDeepLink } from './deep-link.ts';
import { QrPayloadError } from './error.ts';
import { parseGeo } from './geo.ts';
import { parseIntent } from './intent.ts';
import { FindingList, type QrContext } from './lib/collector.ts';
import { browserForm, leadingScheme, startsWithIgnoreCase, trimAsciiWhitespace } from './lib/text.ts';
import { assertFitsInQrCode } from './limits.ts';
import { parseMailto, parseMatmsg } from './mailto.ts';
import { parseMecard } from './mecard.ts';
import { parseOtpauth } from './otpauth.ts';
import { assertNoRefusedScheme } from './scheme.ts';
import { parseSms } from './sms.ts';
import { parseTel } from './tel.ts';
import { parseText } from './text.ts';
import type { QrPayload, QrPayloadOptions } from './types.ts';
import { analyseWebUrl } from './url.ts';
import { parseVcard } from './vcard.ts';
import { parseWifi } from './wifi.ts';

/**
 * Classifies a QR payload: a web URL, a deep link, an Android intent, Wi-Fi credentials, a phone
 * number, an SMS, an e-mail, a place, a contact card, a one-time-password enrolment, or text.
 *
 * @throws {QrPayloadError} `ERR_QR_PAYLOAD_TOO_LARGE` when no QR code can hold the text;
 *   `ERR_QR_PAYLOAD_REFUSED` (reason `dangerous-scheme`) when it carries a refused scheme.
 *
 * @example
 * ```ts
 * const payload = parseQrPayload('https://bank.example@evil.example/login');
 * payload.kind;                          // 'url'
 * payload.kind === 'url' && payload.host; // 'evil.example'
 * payload.blocked;                       // true
 * payload.findings[0]?.code;             // 'url-credentials'
 *
 * parseQrPayload('WIFI:T:WPA;S:Café\\;Guest;P:s3cret-pass;;'); // { kind: 'wifi', ssid: 'Café;Guest', … }
 * ```
 * @see https://url.spec.whatwg.org/ (how browsers read URLs)
 */
export function parseQrPayload(text: string, options: QrPayloadOptions = {}): QrPayload {
  if (typeof text !== 'string') {
    throw new QrPayloadError(
      'not-a-string',
      `a QR payload must be a string, got ${text === null ? 'null' : typeof text}`,
    );
  }
  assertFitsInQrCode(text);
  assertNoRefusedScheme(text, 'the payload');
  const ctx: QrContext = {
    allowPrivateHosts: options.allowPrivateHosts === true,
    findings: new FindingList(),
  };
  const body = classify(text, ctx);
  const findings = ctx.findings.items;
  return { ...body, findings, blocked: findings.some((f) => f.severity === 'block') } as QrPayload;
}

function classify(text: string, ctx: QrContext): QrPayloadBody {
  const trimmed = trimAsciiWhitespace(text);
  const form = browserForm(trimmed);
  const scheme = leadingScheme(form);

  if (startsWithIgnoreCase(trimmed, 'BEGIN:VCARD')) {
    scanCharacters(trimmed, 'display', 'the vCard', ctx);
    return parseVcard(trimmed, ctx);
  }
  if (startsWithIgnoreCase(trimmed, 'MECARD:')) {
    scanCharacters(trimmed, 'display', 'the MeCard', ctx);
    return parseMecard(trimmed, ctx);
  }
  if (startsWithIgnoreCase(trimmed, 'WIFI:')) {
    scanCharacters(trimmed, 'display', 'the Wi-Fi payload', ctx);
    return parseWifi(trimmed, ctx);
  }
  if (startsWithIgnoreCase(trimmed, 'MATMSG:')) {
    scanCharacters(trimmed, 'display', 'the e-mail payload', ctx);
    return parseMatmsg(trimmed, ctx);
  }
  if (startsWithIgnoreCase(trimmed, 'SMSTO:') || startsWithIgnoreCase(trimmed, 'MMSTO:')) {
    return parseSms(trimmed, trimmed.slice(0, 5).toLowerCase(), ctx);
  }

  switch (scheme) {
    case 'https':
    case 'http': {
      const web = analyseWebUrl(trimmed, 'the URL', ctx);
      if (web === undefined) break;
      scanCharacters(trimmed, 'address', 'the URL', ctx);
      return {
        kind: 'url',
        url: web.url,
        scheme: web.scheme,
        host: web.host,
        unicodeHost: web.unicodeHost,
        hostType: web.hostType,
        port: web.url.port === '' ? (web.scheme === 'https' ? 443 : 80) : Number(web.url.port),
        path: web.url.pathname,
        hasQuery: web.url.search !== '',
      };
    }
    case 'intent':
      scanCharacters(trimmed, 'address', 'the intent URL', ctx);
      return parseIntent(form, ctx);
    case 'tel':
      scanCharacters(trimmed, 'address', 'the phone number', ctx);
      return parseTel(form, ctx);
    case 'sms':
    case 'mms':
      return parseSms(form, scheme, ctx);
    case 'mailto':
      return parseMailto(form, ctx);
    case 'geo': {
      const geo = parseGeo(form, ctx);
      if (geo === undefined) {
        ctx.findings.add(
          'geo-invalid',
          'warn',
          'the payload starts with geo: but its coordinates do not parse (geo:latitude,longitude[,altitude]); treated as text',
        );
        break;
      }
      scanCharacters(trimmed, 'address', 'the location', ctx);
      return geo;
    }
    case 'otpauth':
    case 'otpauth-migration':
      scanCharacters(trimmed, 'display', 'the one-time-password payload', ctx);
      return parseOtpauth(form, scheme, ctx);
    case undefined:
      break;
    default:
      if (scheme.length >= 2 && (!/\s/.test(form) || isRiskyScheme(scheme))) {
        scanCharacters(trimmed, 'address', 'the deep link', ctx);
        return parseDeepLink(form, scheme, ctx);
      }
  }

  if (scheme === 'https' || scheme === 'http') {
    ctx.findings.add(
      'url-invalid',
      'warn',
      `the payload starts with ${scheme}: but no browser would open it (the URL parser rejects it); treated as text`,
    );
  }
  scanCharacters(text, 'display', 'the text', ctx);
  return parseText(text, ctx);
}
