/**
 * Writes `curl --pinnedpubkey` checks, one command per host that can be named (an exact host,
 * or the apex of a `**.` pattern), and a commented template for `*.` patterns.
 *
 * curl's `--pinnedpubkey` takes `sha256//<base64>` hashes separated by `;` and passes when any
 * one matches the server's leaf key (it looks at the leaf only, unlike OkHttp). A mismatch ends
 * with exit status 90 (`CURLE_SSL_PINNEDPUBKEYNOTMATCH`). curl has no report-only mode and no
 * expiry: this file is a check to run, not a client configuration.
 *
 * @see https://curl.se/libcurl/c/CURLOPT_PINNEDPUBLICKEY.html
 */
import type { Policy } from '../policy/model.ts';
import type { EmitResult } from './types.ts';
import { Warnings, allPins, checkPolicy, headerLines, warnIfEmpty } from './lib/common.ts';
import { commentText, shellQuote } from './lib/escape.ts';
import type { Pin } from '../pin/pin.ts';

const REQUIRES = [
  'curl 7.44.0+ built with OpenSSL, GnuTLS, NSS or wolfSSL (sha256// pins; mbedTLS: 7.47.0+)',
];

/**
 * The `--pinnedpubkey` value for `hostname`: the pins of every policy host whose pattern matches
 * it (in policy order, each once), as `sha256//A;sha256//B`; `undefined` when no pattern matches.
 * Report-mode hosts are included: curl can only enforce.
 *
 * @example
 * ```ts
 * emitCurlPins(policy, 'promo.example.com'); // 'sha256//r/mIkG3…=;sha256//YLh1dUR9…='
 * ```
 */
export function emitCurlPins(policy: Policy, hostname: string): string | undefined {
  checkPolicy(policy);
  const pins: Pin[] = [];
  for (const host of policy.hosts) {
    if (!host.pattern.matches(hostname)) continue;
    for (const pin of allPins(host)) if (!pins.some((p) => p.equals(pin))) pins.push(pin);
  }
  return pins.length === 0 ? undefined : pins.map((pin) => pin.toCurl()).join(';');
}

/** Emits `curl-pins.sh`. */
export function emitCurl(policy: Policy): EmitResult {
  const warnings = new Warnings(policy);
  const body: string[] = [];
  let commands = 0;
  for (const host of policy.hosts) {
    const label = host.pattern.toString();
    const pins = allPins(host);
    if (pins.length === 0) {
      warnings.add(label, 'no-pins', 'the host has no pins, so it is left out');
      continue;
    }
    if (host.mode === 'report') {
      warnings.add(
        label,
        'report-mode-enforced',
        'curl has no report-only mode: the command fails (exit 90) when the server key matches none of these pins',
      );
    }
    const value = shellQuote(pins.map((pin) => pin.toCurl()).join(';'));
    const notes = [
      host.mode === 'report' ? 'report mode' : '',
      host.expires === undefined ? '' : `expires ${host.expires}`,
    ]
      .filter((n) => n !== '')
      .join(', ');
    body.push('', `# ${commentText(label)}${notes === '' ? '' : ` (${notes})`}`);
    if (host.pattern.kind === 'one-label') {
      body.push(
        `# one label below ${commentText(host.pattern.base)}: replace NAME`,
        `# curl --silent --show-error --output /dev/null --pinnedpubkey ${value} ${shellQuote(`https://NAME.${host.pattern.base}/`)}`,
      );
    } else {
      commands++;
      body.push(
        `curl --silent --show-error --output /dev/null --pinnedpubkey ${value} ${shellQuote(`https://${host.pattern.base}/`)}`,
      );
    }
  }
  warnIfEmpty(commands, warnings, 'no command checks a host: nothing in this file runs');
  const lines = [
    '#!/bin/sh',
    ...headerLines('curl', 'curl --pinnedpubkey checks', policy.project, REQUIRES, warnings.list).map(
      (line) => `# ${commentText(line)}`,
    ),
    '# Each command exits 0 when the server key matches a pin, 90 when it matches none.',
    'set -e',
    ...body,
  ];
  return {
    target: 'curl',
    filename: 'curl-pins.sh',
    content: `${lines.join('\n')}\n`,
    warnings: warnings.list,
    requires: REQUIRES,
  };
}
