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

/** How one language writes a string literal. */
interface LiteralStyle {
  readonly quote: '"' | "'";
  /** Characters escaped by a backslash beyond the quote and the backslash (Kotlin's `$`). */
  readonly alsoEscape?: string;
  /** The escape of a control or non-ASCII character. */
  readonly escape: (ch: string, cp: number) => string;
  /** Which characters go through `escape` (default: controls and everything above `~`). */
  readonly needsEscape?: (cp: number) => boolean;
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function literal(text: string, style: LiteralStyle): string {
  const needsEscape = style.needsEscape ?? ((cp: number) => cp < 0x20 || cp > 0x7e);
  let out = style.quote;
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (ch === style.quote || ch === '\\' || style.alsoEscape?.includes(ch) === true) out += `\\${ch}`;
    else if (SHORT_ESCAPES[ch] !== undefined) out += SHORT_ESCAPES[ch];
    else if (needsEscape(cp)) out += style.escape(ch, cp);
    else out += ch;
  }
  return `${out}${style.quote}`;
}

const utf16Escape = (ch: string): string => utf16Escapes(ch, (unit) => `\\u${hex4(unit)}`);

/**
 * A Java string literal. Line breaks and controls become `\n`-style or octal escapes, never
 * `\u000a`: javac turns Unicode escapes into raw characters before it reads the literal.
 */
export function javaString(text: string): string {
  return literal(text, {
    quote: '"',
    needsEscape: (cp) => cp < 0x20 || cp >= 0x7f,
    escape: (ch, cp) => (cp < 0x20 || cp === 0x7f ? `\\${cp.toString(8).padStart(3, '0')}` : utf16Escape(ch)),
  });
}

/** A Kotlin string literal (`$` escaped so nothing is interpolated). */
export function kotlinString(text: string): string {
  return literal(text, { quote: '"', alsoEscape: '$', escape: utf16Escape });
}

/** A Swift string literal (a backslash is escaped, so `\(…)` cannot interpolate). */
export function swiftString(text: string): string {
  return literal(text, { quote: '"', escape: (_ch, cp) => `\\u{${cp.toString(16).toUpperCase()}}` });
}

/** A single-quoted JavaScript / TypeScript string literal (line separators escaped too). */
export function jsString(text: string): string {
  return literal(text, { quote: "'", escape: utf16Escape });
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
