/** Small, linear-time text helpers (no backtracking regular expressions over payload text). */

function isAsciiWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
}

/** Removes leading and trailing ASCII whitespace (space, tab, LF, FF, CR). */
export function trimAsciiWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isAsciiWhitespace(text.charCodeAt(start))) start += 1;
  while (end > start && isAsciiWhitespace(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(start, end);
}

/**
 * The text as a browser's URL parser sees it before parsing: leading and trailing C0 controls
 * and spaces removed, every tab and line break removed.
 *
 * @see https://url.spec.whatwg.org/#concept-basic-url-parser
 */
export function browserForm(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start += 1;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end -= 1;
  let out = '';
  for (let i = start; i < end; i += 1) {
    const c = text.charCodeAt(i);
    if (c !== 0x09 && c !== 0x0a && c !== 0x0d) out += text[i];
  }
  return out;
}

/** The scheme of a URL-like text (lower case, without the colon), if it starts with one. */
export function leadingScheme(text: string): string | undefined {
  const colon = text.indexOf(':');
  if (colon < 1 || colon > 64) return undefined;
  const scheme = text.slice(0, colon);
  return /^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme) ? scheme.toLowerCase() : undefined;
}

/** True when `text` starts with `prefix`, ignoring ASCII case. */
export function startsWithIgnoreCase(text: string, prefix: string): boolean {
  return text.length >= prefix.length && text.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase();
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * Percent-decodes as UTF-8 without ever throwing: malformed escapes stay as written, invalid
 * UTF-8 becomes U+FFFD. `+` is left alone (RFC 3986 meaning, not form encoding).
 */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && i + 2 < text.length) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        bytes.push(hi * 16 + lo);
        i += 3;
        continue;
      }
    }
    const cp = text.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(cp);
    for (const b of encoder.encode(ch)) bytes.push(b);
    i += ch.length;
  }
  return decoder.decode(new Uint8Array(bytes));
}

/** Splits a `key=value&key=value` query (without the `?`) into decoded pairs. */
export function parseQuery(query: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (query === '') return pairs;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([percentDecode(key), percentDecode(value)]);
  }
  return pairs;
}

/**
 * Splits the `KEY:value;KEY:value;;` bodies of Wi-Fi, MeCard and MATMSG payloads on unescaped
 * `;`, unescaping `\;`, `\,`, `\:`, `\"` and `\\` in values. Keys are upper-cased. Stops at `;;`.
 *
 * @returns the fields and whether the closing `;;` (or a final `;`) was seen
 */
export function splitFields(body: string): { fields: Array<[string, string]>; terminated: boolean } {
  const fields: Array<[string, string]> = [];
  let key: string | undefined;
  let current = '';
  let terminated = false;
  let i = 0;
  const flush = (): void => {
    if (key === undefined) {
      if (current !== '') fields.push([current.toUpperCase(), '']);
    } else fields.push([key.toUpperCase(), current]);
    key = undefined;
    current = '';
  };
  while (i < body.length) {
    const ch = body[i] as string;
    if (ch === '\\' && i + 1 < body.length) {
      current += body[i + 1];
      i += 2;
      continue;
    }
    if (ch === ':' && key === undefined) {
      key = current;
      current = '';
    } else if (ch === ';') {
      if (key === undefined && current === '') {
        terminated = true;
        break;
      }
      flush();
      if (i === body.length - 1) terminated = true;
    } else current += ch;
    i += 1;
  }
  if (!terminated && (key !== undefined || current !== '')) flush();
  return { fields, terminated };
}
