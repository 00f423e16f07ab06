/**
 * vCards (`BEGIN:VCARD` … `END:VCARD`, versions 2.1, 3.0 and 4.0): the name, organisation,
 * phone numbers, e-mail addresses and URLs. Folded lines (a line break followed by a space or
 * tab) are unfolded first.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6350 (vCard 4.0)
 * @see https://www.rfc-editor.org/rfc/rfc2426 (vCard 3.0)
 */
import type { BodyOf } from './body.ts';
import { checkContactUrls } from './contact.ts';
import type { QrContext } from './lib/collector.ts';

const MAX_VALUES = 32;

/** Undoes vCard text escaping: `\n`, `\,`, `\;`, `\:`, `\\`. */
function unescapeValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i += 1) {
    const ch = value[i] as string;
    if (ch === '\\' && i + 1 < value.length) {
      const next = value[i + 1] as string;
      out += next === 'n' || next === 'N' ? '\n' : next;
      i += 1;
    } else out += ch;
  }
  return out;
}

/** Splits a structured value on unescaped `;`. */
function components(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i += 1) {
    const ch = value[i] as string;
    if (ch === '\\' && i + 1 < value.length) {
      current += ch + (value[i + 1] as string);
      i += 1;
    } else if (ch === ';') {
      parts.push(unescapeValue(current));
      current = '';
    } else current += ch;
  }
  parts.push(unescapeValue(current));
  return parts;
}

/** Parses a vCard payload (trimmed text, known to start with `BEGIN:VCARD`). */
export function parseVcard(text: string, ctx: QrContext): BodyOf<'vcard'> {
  const unfolded = text.replace(/(?:\r\n|\r|\n)[ \t]/g, '');
  let version: string | undefined;
  let fn: string | undefined;
  let n: string | undefined;
  let organization: string | undefined;
  const tel: string[] = [];
  const email: string[] = [];
  const url: string[] = [];
  let ended = false;
  for (const line of unfolded.split(/\r\n|\r|\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const head = line.slice(0, colon);
    const semicolon = head.indexOf(';');
    const nameWithGroup = semicolon < 0 ? head : head.slice(0, semicolon);
    const name = nameWithGroup.slice(nameWithGroup.lastIndexOf('.') + 1).toUpperCase();
    const value = line.slice(colon + 1);
    switch (name) {
      case 'VERSION':
        version = value.trim();
        break;
      case 'FN':
        fn ??= unescapeValue(value).trim();
        break;
      case 'N': {
        const [family = '', given = ''] = components(value);
        n ??= [given.trim(), family.trim()].filter((p) => p !== '').join(' ');
        break;
      }
      case 'ORG':
        organization ??= (components(value)[0] ?? '').trim();
        break;
      case 'TEL':
        if (tel.length < MAX_VALUES) tel.push(unescapeValue(value).replace(/^tel:/i, '').trim());
        break;
      case 'EMAIL':
        if (email.length < MAX_VALUES) email.push(unescapeValue(value).trim());
        break;
      case 'URL':
        if (url.length < MAX_VALUES) url.push(unescapeValue(value).trim());
        break;
      case 'END':
        if (value.trim().toUpperCase() === 'VCARD') ended = true;
        break;
      default:
        break;
    }
    if (ended) break;
  }
  const name = fn !== undefined && fn !== '' ? fn : n !== undefined && n !== '' ? n : undefined;
  if (!ended) {
    ctx.findings.add(
      'contact-malformed',
      'warn',
      'the vCard has no END:VCARD line: it may have been cut short',
    );
  }
  if (name === undefined) {
    ctx.findings.add(
      'contact-malformed',
      'warn',
      'the vCard has no name (FN or N): contacts apps may refuse it',
    );
  }
  checkContactUrls(url, ctx);
  return {
    kind: 'vcard',
    ...(version === undefined ? {} : { version }),
    ...(name === undefined ? {} : { name }),
    ...(organization === undefined || organization === '' ? {} : { organization }),
    tel,
    email,
    url,
  };
}
