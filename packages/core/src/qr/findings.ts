/**
 * Every finding {@link parseQrPayload} can report, with its usual severity and what it means.
 * `docs/qr-payloads.md` lists the same table; a test keeps the two in step.
 */
import type { QrFindingSeverity } from './types.ts';

/** One entry of {@link qrFindingCodes}. */
export interface QrFindingInfo {
  readonly code: QrFindingCode;
  /** The usual severity; the docs say where the context changes it. */
  readonly severity: QrFindingSeverity;
  readonly summary: string;
}

/** The stable codes of every finding. */
export type QrFindingCode =
  | 'control-character'
  | 'invalid-unicode'
  | 'bidi-control'
  | 'zero-width'
  | 'url-credentials'
  | 'url-backslash'
  | 'url-slashes'
  | 'url-not-https'
  | 'url-port'
  | 'url-invalid'
  | 'host-encoded'
  | 'host-ip-literal'
  | 'host-ip-obfuscated'
  | 'host-private-address'
  | 'host-mixed-script'
  | 'host-whole-script-confusable'
  | 'host-idn'
  | 'host-invalid'
  | 'host-long'
  | 'host-public-suffix'
  | 'host-no-registrable-domain'
  | 'host-special-use'
  | 'host-trailing-dot'
  | 'deep-link-unverified'
  | 'deep-link-app-install'
  | 'deep-link-dangerous-handler'
  | 'intent-malformed'
  | 'intent-no-package'
  | 'intent-extras'
  | 'intent-fallback-not-web'
  | 'wifi-open'
  | 'wifi-wep'
  | 'wifi-hidden'
  | 'wifi-unknown-security'
  | 'wifi-malformed'
  | 'tel-ussd'
  | 'tel-invalid'
  | 'sms-short-code'
  | 'mailto-attachment'
  | 'mailto-hidden-recipient'
  | 'mailto-invalid'
  | 'geo-invalid'
  | 'geo-out-of-range'
  | 'contact-dangerous-url'
  | 'contact-malformed'
  | 'otpauth-secret'
  | 'otpauth-malformed'
  | 'otpauth-issuer-mismatch'
  | 'text-obfuscated-scheme'
  | 'text-bare-host';

/**
 * The finding catalogue, in documentation order.
 *
 * @example
 * ```ts
 * qrFindingCodes.find((f) => f.code === 'url-credentials')?.severity; // 'block'
 * ```
 */
export const qrFindingCodes: readonly QrFindingInfo[] = [
  {
    code: 'control-character',
    severity: 'block',
    summary: 'C0 (outside line breaks of text kinds), DEL or C1 control characters',
  },
  {
    code: 'invalid-unicode',
    severity: 'block',
    summary: 'unpaired UTF-16 surrogates: no QR decoder produces them',
  },
  {
    code: 'bidi-control',
    severity: 'block',
    summary: 'bidirectional controls that reorder what a person reads',
  },
  { code: 'zero-width', severity: 'block', summary: 'zero-width and other invisible characters' },
  { code: 'url-credentials', severity: 'block', summary: 'user info before an @ in the authority' },
  { code: 'url-backslash', severity: 'block', summary: 'backslashes where parsers disagree about the host' },
  { code: 'url-slashes', severity: 'warn', summary: 'not exactly two slashes after the scheme' },
  { code: 'url-not-https', severity: 'warn', summary: 'plain http' },
  { code: 'url-port', severity: 'info', summary: 'a port other than the scheme default' },
  { code: 'url-invalid', severity: 'warn', summary: 'starts like a web URL but no browser would open it' },
  {
    code: 'host-encoded',
    severity: 'block',
    summary: 'a host written with percent-escapes or characters that IDNA maps to others',
  },
  { code: 'host-ip-literal', severity: 'warn', summary: 'an IP address instead of a name' },
  {
    code: 'host-ip-obfuscated',
    severity: 'block',
    summary: 'an IPv4 address in decimal, octal, hex or shortened form',
  },
  {
    code: 'host-private-address',
    severity: 'block',
    summary: 'loopback, private, link-local, CGNAT, multicast or reserved address',
  },
  {
    code: 'host-mixed-script',
    severity: 'block',
    summary: 'a label that mixes scripts, e.g. Latin and Cyrillic',
  },
  {
    code: 'host-whole-script-confusable',
    severity: 'warn',
    summary: 'a label wholly in another script, made only of Latin look-alikes',
  },
  { code: 'host-idn', severity: 'info', summary: 'an internationalised host, shown with its punycode form' },
  { code: 'host-invalid', severity: 'block', summary: 'not a valid DNS name (underscores only: warn)' },
  { code: 'host-long', severity: 'warn', summary: 'a host longer than 64 characters' },
  { code: 'host-public-suffix', severity: 'warn', summary: 'the host is itself a public suffix' },
  { code: 'host-no-registrable-domain', severity: 'warn', summary: 'the host has no registrable domain' },
  {
    code: 'host-special-use',
    severity: 'warn',
    summary: 'a special-use name such as localhost, .local, .internal',
  },
  { code: 'host-trailing-dot', severity: 'info', summary: 'a fully-qualified host with a trailing dot' },
  { code: 'deep-link-unverified', severity: 'info', summary: 'a custom scheme any app can claim' },
  { code: 'deep-link-app-install', severity: 'block', summary: 'installs an app from outside the store' },
  {
    code: 'deep-link-dangerous-handler',
    severity: 'block',
    summary: 'an operating-system handler with a history of exploits',
  },
  { code: 'intent-malformed', severity: 'warn', summary: 'an intent URL Android would not parse' },
  {
    code: 'intent-no-package',
    severity: 'info',
    summary: 'no package: any app that handles the data may answer',
  },
  { code: 'intent-extras', severity: 'info', summary: 'hands extras to the app' },
  {
    code: 'intent-fallback-not-web',
    severity: 'warn',
    summary: 'a browser fallback that is not an http(s) URL',
  },
  { code: 'wifi-open', severity: 'warn', summary: 'an open network' },
  { code: 'wifi-wep', severity: 'warn', summary: 'WEP, broken since 2001' },
  { code: 'wifi-hidden', severity: 'info', summary: 'a hidden network' },
  { code: 'wifi-unknown-security', severity: 'warn', summary: 'a security type no phone knows' },
  { code: 'wifi-malformed', severity: 'warn', summary: 'no SSID, or a WPA key of the wrong length' },
  { code: 'tel-ussd', severity: 'block', summary: 'a USSD/MMI code (* or #) in a number' },
  { code: 'tel-invalid', severity: 'warn', summary: 'not a phone number' },
  { code: 'sms-short-code', severity: 'warn', summary: 'a 3 to 6 digit short code, often premium-rate' },
  { code: 'mailto-attachment', severity: 'block', summary: 'asks the mail client to attach a file' },
  { code: 'mailto-hidden-recipient', severity: 'warn', summary: 'a pre-filled Bcc' },
  { code: 'mailto-invalid', severity: 'warn', summary: 'no recipient, or one that is not an address' },
  { code: 'geo-invalid', severity: 'warn', summary: 'a geo: URI whose coordinates do not parse' },
  { code: 'geo-out-of-range', severity: 'warn', summary: 'latitude beyond ±90 or longitude beyond ±180' },
  { code: 'contact-dangerous-url', severity: 'block', summary: 'a contact URL with a refused scheme' },
  { code: 'contact-malformed', severity: 'warn', summary: 'a card without its end line or a name' },
  { code: 'otpauth-secret', severity: 'warn', summary: 'carries a one-time-password secret' },
  {
    code: 'otpauth-malformed',
    severity: 'warn',
    summary: 'no secret, a secret that is not base32, or an unknown type',
  },
  {
    code: 'otpauth-issuer-mismatch',
    severity: 'warn',
    summary: 'the label and the issuer parameter name different issuers',
  },
  {
    code: 'text-obfuscated-scheme',
    severity: 'warn',
    summary: 'text that hides a refused scheme behind HTML or percent escapes',
  },
  { code: 'text-bare-host', severity: 'info', summary: 'text that scanners may open as an http:// address' },
];
