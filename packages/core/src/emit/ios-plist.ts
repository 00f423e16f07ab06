/**
 * Writes App Transport Security's pinned domains (`NSAppTransportSecurity` → `NSPinnedDomains`)
 * as a complete property list, to merge into the app's Info.plist.
 *
 * Apple documents `NSIncludesSubdomains` as covering the domain itself and its subdomains one
 * label deep (`math.example.com`, not `advanced.math.example.com`). So a `**.` host is written
 * with `NSIncludesSubdomains` and a warning that deeper hosts stay unpinned on iOS; a `*.` host
 * (one label, not the apex) is left out rather than widened to the apex. ATS has neither an
 * expiry nor a report-only mode.
 *
 * ATS matches `NSPinnedCAIdentities` only against CA and intermediate certificates of the chain
 * and `NSPinnedLeafIdentities` only against the leaf. The manifest does not say which kind a pin
 * is, so {@link EmitOptions.iosIdentity} does (default `ca`: CA keys change far less often than
 * leaf keys, which are replaced at every renewal on many hosts).
 *
 * @see https://developer.apple.com/documentation/bundleresources/information-property-list/nsapptransportsecurity/nspinneddomains
 * @see https://developer.apple.com/documentation/bundleresources/information-property-list/nsincludessubdomains
 */
import { QrpinError, describeInput } from '../errors/qrpin-error.ts';
import type { Policy } from '../policy/model.ts';
import type { EmitOptions, EmitResult } from './types.ts';
import { Warnings, headerLines, selectDomains, warnIfEmpty } from './lib/common.ts';
import { xmlComment, xmlText } from './lib/escape.ts';

const REQUIRES = ['iOS 14.0 / macOS 11.0 (NSPinnedDomains)'];

/** Emits `ats-pinned-domains.plist`. */
export function emitIosPlist(policy: Policy, options: EmitOptions = {}): EmitResult {
  const identity = options.iosIdentity ?? 'ca';
  if (identity !== 'ca' && identity !== 'leaf') {
    throw new QrpinError(
      'ERR_EMIT_OPTIONS',
      `iosIdentity ${describeInput(String(identity))} must be "ca" or "leaf"`,
    );
  }
  const warnings = new Warnings(policy);
  if (options.iosIdentity === undefined) {
    warnings.add(
      '*',
      'ios-identity-assumed',
      'pins are written as CA identities (NSPinnedCAIdentities), which ATS matches only against certificates above the leaf; if a pin is the key of a leaf certificate, emit with iosIdentity "leaf"',
    );
  }
  const entries = selectDomains(
    policy,
    {
      name: 'iOS ATS',
      reportOnly: false,
      minEnforcedPins: 1,
      subdomainFlag: `the domain itself too`,
    },
    warnings,
  );
  for (const entry of entries) {
    if (entry.host.expires !== undefined) {
      warnings.add(
        entry.label,
        'expiry-unsupported',
        `ATS has no pin expiry: these pins are enforced until you ship a new build, not only until ${entry.host.expires}`,
      );
    }
    if (entry.includeSubdomains) {
      warnings.add(
        entry.label,
        'subdomain-depth-narrowed',
        `Apple documents NSIncludesSubdomains as covering ${entry.domain} and its subdomains one label deep only: hosts two or more labels below ${entry.domain} are not pinned on iOS; list them as separate hosts`,
      );
    }
  }
  warnIfEmpty(entries.length, warnings);
  const identityKey = identity === 'ca' ? 'NSPinnedCAIdentities' : 'NSPinnedLeafIdentities';
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    ...headerLines(
      'ios-plist',
      'iOS App Transport Security pinned domains',
      policy.project,
      REQUIRES,
      warnings.list,
    ).map(xmlComment),
    xmlComment("Merge the NSAppTransportSecurity dictionary below into the app's Info.plist."),
    '<plist version="1.0">',
    '<dict>',
    '\t<key>NSAppTransportSecurity</key>',
    '\t<dict>',
    '\t\t<key>NSPinnedDomains</key>',
    '\t\t<dict>',
  ];
  for (const entry of entries) {
    lines.push(
      `\t\t\t<key>${xmlText(entry.domain)}</key>`,
      '\t\t\t<dict>',
      '\t\t\t\t<key>NSIncludesSubdomains</key>',
      `\t\t\t\t<${entry.includeSubdomains}/>`,
      `\t\t\t\t<key>${identityKey}</key>`,
      '\t\t\t\t<array>',
      ...entry.pins.flatMap((pin) => [
        '\t\t\t\t\t<dict>',
        '\t\t\t\t\t\t<key>SPKI-SHA256-BASE64</key>',
        `\t\t\t\t\t\t<string>${xmlText(pin.base64)}</string>`,
        '\t\t\t\t\t</dict>',
      ]),
      '\t\t\t\t</array>',
      '\t\t\t</dict>',
    );
  }
  lines.push('\t\t</dict>', '\t</dict>', '</dict>', '</plist>');
  return {
    target: 'ios-plist',
    filename: 'ats-pinned-domains.plist',
    content: `${lines.join('\n')}\n`,
    warnings: warnings.list,
    requires: REQUIRES,
  };
}
