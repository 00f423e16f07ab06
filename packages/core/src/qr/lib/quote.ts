/**
 * Quotes payload text for a finding or error message: shortened, with every character that
 * could hide or reorder text on a terminal or a page (controls, bidi controls, invisible
 * characters, unpaired surrogates) written as a `\u{…}` escape.
 */

const MAX = 60;

/** True for the characters {@link quote} escapes. */
export function isHiddenCodePoint(cp: number): boolean {
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0xad ||
    cp === 0x34f ||
    cp === 0x61c ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x17b4 ||
    cp === 0x17b5 ||
    (cp >= 0x180b && cp <= 0x180f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0x3164 ||
    (cp >= 0xd800 && cp <= 0xdfff) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0xfeff ||
    cp === 0xffa0 ||
    (cp >= 0xfff9 && cp <= 0xfffb) ||
    (cp >= 0xe0000 && cp <= 0xe0fff)
  );
}

/** `"text"`, at most `max` characters of it, hidden characters escaped. */
export function quote(text: string, max = MAX): string {
  let out = '';
  let count = 0;
  for (const ch of text) {
    if (count === max) return `"${out}…"`;
    const cp = ch.codePointAt(0) ?? 0;
    if (isHiddenCodePoint(cp)) out += `\\u{${cp.toString(16).toUpperCase().padStart(4, '0')}}`;
    else if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else out += ch;
    count += 1;
  }
  return `"${out}"`;
}

/** `U+202E` for a code point. */
export function codePointName(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}
