/**
 * Escaping for every output language, so that no value from a policy can leave the literal or
 * comment it is written into. Internal to the emitters.
 */
import { QrpinError, describeInput } from '../../errors/qrpin-error.ts';

const hex4 = (cp: number): string => cp.toString(16).toUpperCase().padStart(4, '0');

/**
 * Text safe inside any line or block comment of any target language: printable ASCII is kept,
 * everything else (line breaks, control and non-ASCII characters, and the backslash, which
 * Java would read as the start of a `\u` escape even in a comment) becomes `U+XXXX`.
 */
export function commentText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    out += cp >= 0x20 && cp <= 0x7e && ch !== '\\' ? ch : `U+${hex4(cp)}`;
  }
  return out;
}

/** An XML comment: {@link commentText} without `--`, which XML forbids inside comments. */
export function xmlComment(text: string): string {
  return `<!-- ${commentText(text).replaceAll('--', '-U+002D')} -->`;
}

// Characters XML 1.0 can carry at all (even as character references).
const XML_INVALID = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** XML character data or attribute value (double-quoted). */
export function xmlText(text: string): string {
  if (XML_INVALID.test(text)) {
    throw new QrpinError(
      'ERR_POLICY_INVALID',
      `value ${describeInput(text)} holds a character XML cannot carry`,
    );
  }
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/**
 * A Java string literal. Line breaks and controls become `\n`-style or octal escapes, never
 * `\u000a`: javac turns Unicode escapes into raw characters before it reads the literal.
 */
export function javaString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\${cp.toString(8).padStart(3, '0')}`;
    else if (cp > 0x7e) out += utf16Escapes(ch, (unit) => `\\u${hex4(unit)}`);
    else out += ch;
  }
  return `${out}"`;
}

/** A Kotlin string literal (`$` escaped so nothing is interpolated). */
export function kotlinString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '$') out += '\\$';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp > 0x7e) out += utf16Escapes(ch, (unit) => `\\u${hex4(unit)}`);
    else out += ch;
  }
  return `${out}"`;
}

/** A Swift string literal (a backslash is escaped, so `\(…)` cannot interpolate). */
export function swiftString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp > 0x7e) out += `\\u{${cp.toString(16).toUpperCase()}}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A single-quoted JavaScript / TypeScript string literal (line separators escaped too). */
export function jsString(text: string): string {
  let out = "'";
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (ch === "'") out += "\\'";
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp > 0x7e) out += utf16Escapes(ch, (unit) => `\\u${hex4(unit)}`);
    else out += ch;
  }
  return `${out}'`;
}

/** A POSIX shell word in single quotes; a quote inside becomes `'\''`. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function utf16Escapes(ch: string, escape: (unit: number) => string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += escape(ch.charCodeAt(i));
  return out;
}
