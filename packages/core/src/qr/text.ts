/**
 * Plain text: anything no other kind claims. Two things are worth saying about it: it may hide a
 * refused scheme behind HTML character references or percent-escapes (harmless as text, harmful
 * if someone pastes it into a page), and it may look like a bare host that scanners auto-link.
 */
import { parse as parseDomain } from 'tldts';
import type { BodyOf } from './body.ts';
import type { QrContext } from './lib/collector.ts';
import { quote } from './lib/quote.ts';
import { percentDecode } from './lib/text.ts';
import { refusedScheme } from './scheme.ts';

const NAMED: ReadonlyMap<string, string> = new Map([
  ['tab', '\t'],
  ['newline', '\n'],
  ['colon', ':'],
  ['sol', '/'],
  ['lpar', '('],
  ['rpar', ')'],
]);

/** Decodes HTML character references and percent-escapes. */
function decodeEscapes(head: string): string {
  const html = head
    .replace(
      /&#(?:[xX]([0-9a-fA-F]{1,6})|(\d{1,7}));?/g,
      (match: string, hex: string | undefined, dec: string | undefined) => {
        const cp = hex !== undefined ? parseInt(hex, 16) : Number(dec);
        return cp <= 0x10ffff ? String.fromCodePoint(cp) : match;
      },
    )
    .replace(/&([a-zA-Z]{2,8});/g, (match: string, name: string) => NAMED.get(name.toLowerCase()) ?? match);
  return percentDecode(html);
}

/** Parses a plain-text payload. */
export function parseText(text: string, ctx: QrContext): BodyOf<'text'> {
  const head = text.trimStart().slice(0, 256);
  const decoded = decodeEscapes(head);
  if (decoded !== head) {
    const scheme = refusedScheme(decoded);
    if (scheme !== undefined) {
      ctx.findings.add(
        'text-obfuscated-scheme',
        'warn',
        `the text ${quote(text, 40)} decodes to a ${scheme}: URL once its HTML or percent escapes are undone: harmless ` +
          `shown as text, dangerous if anything puts it into a page or a link; never do that`,
      );
    }
  }
  const trimmed = text.trim();
  if (trimmed.length <= 253 + 2048 && !/\s/.test(trimmed) && trimmed.includes('.')) {
    let end = trimmed.length;
    for (const stop of ['/', '?', '#', ':']) {
      const at = trimmed.indexOf(stop);
      if (at >= 0 && at < end) end = at;
    }
    const host = trimmed.slice(0, end);
    if (/^[A-Za-z0-9.-]+$/.test(host)) {
      const parsed = parseDomain(host.toLowerCase());
      if (parsed.isIcann === true && parsed.domain !== null && parsed.hostname === host.toLowerCase()) {
        ctx.findings.add(
          'text-bare-host',
          'info',
          `the text ${quote(trimmed, 40)} looks like a web address without a scheme: some scanners open it as ` +
            `http://${host.toLowerCase()}, unpinned and unencrypted; encode the https:// address instead`,
        );
      }
    }
  }
  return { kind: 'text', text };
}
