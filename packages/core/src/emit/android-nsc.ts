/**
 * Writes Android's Network Security Configuration (`res/xml/network_security_config.xml`) with
 * one `<domain-config>` and `<pin-set>` per host.
 *
 * NSC's `includeSubdomains="true"` covers the domain and every subdomain at any depth, which is
 * exactly `**.`; an exact host is `includeSubdomains="false"`. `*.` (exactly one more label) has
 * no equivalent and is left out with a warning rather than widened. NSC has no report-only mode.
 *
 * @see https://developer.android.com/privacy-and-security/security-config#CertificatePinning
 */
import type { Policy } from '../policy/model.ts';
import type { EmitResult } from './types.ts';
import { Warnings, headerLines, selectDomains, warnIfEmpty } from './lib/common.ts';
import { xmlComment, xmlText } from './lib/escape.ts';

const REQUIRES = ['Android 7.0 (API 24)'];

/** Emits `network_security_config.xml`. */
export function emitAndroidNsc(policy: Policy): EmitResult {
  const warnings = new Warnings(policy);
  const entries = selectDomains(
    policy,
    {
      name: 'Android NSC',
      reportOnly: false,
      minEnforcedPins: 1,
      subdomainFlag: 'the domain itself and every depth below it',
    },
    warnings,
  );
  warnIfEmpty(entries.length, warnings);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    ...headerLines(
      'android-nsc',
      'Android Network Security Configuration',
      policy.project,
      REQUIRES,
      warnings.list,
    ).map(xmlComment),
    xmlComment(
      'Reference it from AndroidManifest.xml: <application android:networkSecurityConfig="@xml/network_security_config">',
    ),
    '<network-security-config>',
  ];
  for (const entry of entries) {
    const expiration = entry.host.expires === undefined ? '' : ` expiration="${xmlText(entry.host.expires)}"`;
    lines.push(
      '    <domain-config>',
      `        <domain includeSubdomains="${entry.includeSubdomains}">${xmlText(entry.domain)}</domain>`,
      `        <pin-set${expiration}>`,
      ...entry.pins.map((pin) => `            <pin digest="SHA-256">${xmlText(pin.base64)}</pin>`),
      '        </pin-set>',
      '    </domain-config>',
    );
  }
  lines.push('</network-security-config>');
  return {
    target: 'android-nsc',
    filename: 'network_security_config.xml',
    content: `${lines.join('\n')}\n`,
    warnings: warnings.list,
    requires: REQUIRES,
  };
}
