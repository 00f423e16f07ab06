/**
 * What the host of a web URL says about where it leads: IP literals and the ranges they fall in,
 * spoofing with look-alike scripts, encodings that hide the real name, names with no owner.
 */
import { domainToUnicode } from 'node:url';
import { parse as parseDomain } from 'tldts';
import { normalizeHostname } from '../host/normalize.ts';
import { ipv4Range, ipv6Range, isDottedIpv4 } from './ip.ts';
import type { QrContext } from './lib/collector.ts';
import { quote } from './lib/quote.ts';
import { isMixedScript, labelScripts, wholeScriptConfusable } from './script.ts';
import type { QrHostType } from './types.ts';

/** Hosts longer than this get `host-long`: the registrable part falls off a phone's address bar. */
export const LONG_HOST = 64;

/** Special-use names (RFC 6761, RFC 6762, RFC 8375, ICANN's `.internal`) and their meaning. */
const SPECIAL_USE: ReadonlyArray<[string, string]> = [
  ['localhost', 'always the device itself (RFC 6761)'],
  ['local', 'multicast DNS on the local network (RFC 6762)'],
  ['internal', 'reserved for private networks'],
  ['home.arpa', 'home networks (RFC 8375)'],
  ['lan', 'a private network convention'],
  ['onion', 'Tor onion services (RFC 7686)'],
  ['invalid', 'guaranteed never to resolve (RFC 6761)'],
  ['alt', 'non-DNS name systems (RFC 9476)'],
];

/** What {@link analyseHost} found out. */
export interface HostFacts {
  readonly host: string;
  readonly unicodeHost: string;
  readonly hostType: QrHostType;
}

/**
 * Inspects the host of `url`. `rawHost` is the host as written in the payload (before the URL
 * parser decoded and normalised it); `where` names the URL in messages.
 */
export function analyseHost(url: URL, rawHost: string, where: string, ctx: QrContext): HostFacts {
  const hostname = url.hostname;
  const rawLower = rawHost.toLowerCase();
  if (rawHost.includes('%')) {
    ctx.findings.add(
      'host-encoded',
      'block',
      `${where} writes its host with percent-escapes, ${quote(rawHost)}, which browsers decode to ${quote(hostname)}: ` +
        `hiding the real host is the only reason to do that; do not follow it`,
    );
  }
  if (hostname.startsWith('[')) return analyseIpv6(hostname.slice(1, -1), where, ctx);
  if (isDottedIpv4(hostname)) return analyseIpv4(hostname, rawLower, where, ctx);
  return analyseDomain(hostname, rawLower, where, ctx);
}

function privateAddress(address: string, range: string, where: string, ctx: QrContext): void {
  if (ctx.allowPrivateHosts) {
    ctx.findings.add(
      'host-private-address',
      'info',
      `${where} goes to ${address} (${range}), allowed by allowPrivateHosts`,
    );
  } else {
    ctx.findings.add(
      'host-private-address',
      'block',
      `${where} goes to ${address} (${range}): a QR code must not send a device (or a server following ` +
        `it) into a private network; do not follow it (allowPrivateHosts permits it on a test bench)`,
    );
  }
}

function ipLiteral(address: string, where: string, ctx: QrContext): void {
  ctx.findings.add(
    'host-ip-literal',
    'warn',
    `${where} names an IP address, ${address}, instead of a host name: no certificate a person can check names it ` +
      `and no pin covers it; ask the code's owner for the DNS name`,
  );
}

function analyseIpv4(hostname: string, rawLower: string, where: string, ctx: QrContext): HostFacts {
  const written = rawLower.endsWith('.') ? rawLower.slice(0, -1) : rawLower;
  ipLiteral(hostname, where, ctx);
  if (written !== hostname && !written.includes('%')) {
    ctx.findings.add(
      'host-ip-obfuscated',
      'block',
      `${where} writes an IPv4 address as ${quote(written)}, which browsers read as ${hostname}: decimal, octal, hex ` +
        `or shortened forms exist to slip past filters; do not follow it`,
    );
  }
  const range = ipv4Range(hostname);
  if (range !== undefined) privateAddress(hostname, range, where, ctx);
  return { host: hostname, unicodeHost: hostname, hostType: 'ipv4' };
}

function analyseIpv6(address: string, where: string, ctx: QrContext): HostFacts {
  ipLiteral(`[${address}]`, where, ctx);
  const range = ipv6Range(address);
  if (range !== undefined) privateAddress(`[${address}]`, range, where, ctx);
  return { host: address, unicodeHost: address, hostType: 'ipv6' };
}

function special(host: string): [string, string] | undefined {
  return SPECIAL_USE.find(([name]) => host === name || host.endsWith(`.${name}`));
}

function analyseDomain(hostname: string, rawLower: string, where: string, ctx: QrContext): HostFacts {
  const trailingDot = hostname.endsWith('.');
  const ascii = trailingDot ? hostname.slice(0, -1) : hostname;
  let host = ascii;
  let dnsValid = true;
  if (trailingDot) {
    ctx.findings.add(
      'host-trailing-dot',
      'info',
      `${where} writes its host with a trailing dot, ${quote(hostname)}: the same host as ${quote(ascii)} to DNS, ` +
        `but not to every cookie, pin or allow-list comparison`,
    );
  }
  try {
    host = normalizeHostname(ascii);
  } catch {
    const onlyUnderscores = ascii.includes('_') && isValidDns(ascii.replaceAll('_', 'a'));
    dnsValid = onlyUnderscores;
    ctx.findings.add(
      'host-invalid',
      onlyUnderscores ? 'warn' : 'block',
      `${where} names ${quote(ascii)}, which is not a valid DNS host name (letters, digits and hyphens, labels of ` +
        `1 to 63 characters, 253 in all)` +
        (onlyUnderscores ? ': underscores resolve in some places and not others' : '; do not follow it'),
    );
  }
  const unicodeHost = unicodeOf(ascii);
  const rawWritten = rawLower.endsWith('.') ? rawLower.slice(0, -1) : rawLower;
  if (
    !rawWritten.includes('%') &&
    rawWritten.normalize('NFC') !== ascii &&
    rawWritten.normalize('NFC') !== unicodeHost.normalize('NFC')
  ) {
    ctx.findings.add(
      'host-encoded',
      'block',
      `${where} writes its host as ${quote(rawWritten)}, which browsers rewrite to ${quote(unicodeHost)}: full-width ` +
        `letters, ideographic full stops or soft hyphens hide the real host; do not follow it`,
    );
  }
  analyseLabels(ascii, where, ctx);
  if (ascii.length > LONG_HOST) {
    ctx.findings.add(
      'host-long',
      'warn',
      `${where} names a ${ascii.length}-character host, ${quote(ascii, 80)}: on a phone the part that says who owns ` +
        `it scrolls out of sight; check the end of the name, its registrable domain`,
    );
  }
  if (dnsValid) analyseOwnership(ascii, where, ctx);
  return { host, unicodeHost, hostType: 'domain' };
}

function isValidDns(host: string): boolean {
  try {
    normalizeHostname(host);
    return true;
  } catch {
    return false;
  }
}

function unicodeOf(ascii: string): string {
  const unicode = domainToUnicode(ascii);
  return unicode === '' ? ascii : unicode;
}

function analyseLabels(ascii: string, where: string, ctx: QrContext): void {
  let idn = false;
  for (const label of ascii.split('.')) {
    if (!label.startsWith('xn--')) continue;
    const unicode = domainToUnicode(label);
    if (unicode === '' || unicode.startsWith('xn--')) {
      ctx.findings.add(
        'host-invalid',
        'block',
        `${where} has the label ${quote(label)}, which is not valid punycode; do not follow it`,
      );
      continue;
    }
    idn = true;
    const scripts = labelScripts(unicode);
    const shown = label === unicode ? quote(unicode) : `${quote(label)} (${quote(unicode)})`;
    if (isMixedScript(scripts)) {
      ctx.findings.add(
        'host-mixed-script',
        'block',
        `${where} has the label ${shown}, which mixes ${scripts.join(' and ')} letters: that is how a look-alike of ` +
          `a well-known name is spelt; do not follow it`,
      );
      continue;
    }
    const confusable = wholeScriptConfusable(unicode, scripts);
    if (confusable !== undefined) {
      ctx.findings.add(
        'host-whole-script-confusable',
        'warn',
        `${where} has the label ${shown}, written wholly in ${confusable} letters that look Latin: it reads like a ` +
          `Latin name it is not; check it is the site you expect`,
      );
    }
  }
  if (idn) {
    ctx.findings.add(
      'host-idn',
      'info',
      `${where} has an internationalised host: ${quote(unicodeOf(ascii), 80)} is ${quote(ascii, 80)} on the wire`,
    );
  }
}

function analyseOwnership(ascii: string, where: string, ctx: QrContext): void {
  const specialUse = special(ascii);
  if (specialUse !== undefined) {
    ctx.findings.add(
      'host-special-use',
      ctx.allowPrivateHosts ? 'info' : 'warn',
      `${where} names ${quote(ascii)}, a special-use name (.${specialUse[0]}: ${specialUse[1]}), not a public ` +
        `destination` +
        (ctx.allowPrivateHosts
          ? ' (allowed by allowPrivateHosts)'
          : '; a QR code for the public should not lead there'),
    );
    return;
  }
  const parsed = parseDomain(ascii, { allowPrivateDomains: true });
  if (!ascii.includes('.')) {
    ctx.findings.add(
      'host-no-registrable-domain',
      'warn',
      `${where} names ${quote(ascii)}, a single-label host: it has no registrable domain and resolves (if at all) ` +
        `through local search domains, differently on every network`,
    );
  } else if (parsed.publicSuffix === ascii && (parsed.isIcann === true || parsed.isPrivate === true)) {
    ctx.findings.add(
      'host-public-suffix',
      'warn',
      `${where} names ${quote(ascii)}, which is itself a public suffix: names are registered under it, nobody owns it ` +
        `as a site; check the code`,
    );
  } else if (parsed.domain === null) {
    ctx.findings.add(
      'host-no-registrable-domain',
      'warn',
      `${where} names ${quote(ascii)}, which has no registrable domain under the public suffix list`,
    );
  }
}
