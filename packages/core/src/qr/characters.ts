/**
 * Characters that hide or reorder text: controls, bidirectional controls, zero-width and other
 * invisible characters, unpaired surrogates.
 *
 * Two zones: an *address* (a URL, a phone number, an e-mail address, coordinates — something a
 * device acts on) may hold none of them; *display* text (plain text, contact cards, a Wi-Fi
 * name, a message body) may hold tabs and line breaks, and the marks and joiners that right-to-left
 * and complex scripts need, and gets a warning rather than a block for the rest of the bidi and
 * invisible set.
 *
 * @see https://www.unicode.org/reports/tr9/ (bidi controls)
 * @see https://trojansource.codes/ (reordering attacks)
 */
import type { QrContext } from './lib/collector.ts';
import { codePointName } from './lib/quote.ts';

/** Where a piece of payload text is used. */
export type CharacterZone = 'address' | 'display';

const BIDI_NAMES: ReadonlyMap<number, string> = new Map([
  [0x061c, 'ARABIC LETTER MARK'],
  [0x200e, 'LEFT-TO-RIGHT MARK'],
  [0x200f, 'RIGHT-TO-LEFT MARK'],
  [0x202a, 'LEFT-TO-RIGHT EMBEDDING'],
  [0x202b, 'RIGHT-TO-LEFT EMBEDDING'],
  [0x202c, 'POP DIRECTIONAL FORMATTING'],
  [0x202d, 'LEFT-TO-RIGHT OVERRIDE'],
  [0x202e, 'RIGHT-TO-LEFT OVERRIDE'],
  [0x2066, 'LEFT-TO-RIGHT ISOLATE'],
  [0x2067, 'RIGHT-TO-LEFT ISOLATE'],
  [0x2068, 'FIRST STRONG ISOLATE'],
  [0x2069, 'POP DIRECTIONAL ISOLATE'],
]);

const BIDI_MARKS = new Set([0x061c, 0x200e, 0x200f]);

const INVISIBLE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00ad, 'SOFT HYPHEN'],
  [0x034f, 'COMBINING GRAPHEME JOINER'],
  [0x115f, 'HANGUL CHOSEONG FILLER'],
  [0x1160, 'HANGUL JUNGSEONG FILLER'],
  [0x17b4, 'KHMER VOWEL INHERENT AQ'],
  [0x17b5, 'KHMER VOWEL INHERENT AA'],
  [0x180e, 'MONGOLIAN VOWEL SEPARATOR'],
  [0x200b, 'ZERO WIDTH SPACE'],
  [0x200c, 'ZERO WIDTH NON-JOINER'],
  [0x200d, 'ZERO WIDTH JOINER'],
  [0x2060, 'WORD JOINER'],
  [0x2061, 'FUNCTION APPLICATION'],
  [0x2062, 'INVISIBLE TIMES'],
  [0x2063, 'INVISIBLE SEPARATOR'],
  [0x2064, 'INVISIBLE PLUS'],
  [0x3164, 'HANGUL FILLER'],
  [0xfeff, 'ZERO WIDTH NO-BREAK SPACE'],
  [0xffa0, 'HALFWIDTH HANGUL FILLER'],
]);

/** Joiners that emoji sequences and Indic or Persian text legitimately use. */
const JOINERS = new Set([0x200c, 0x200d]);

interface Hit {
  first: number;
  cp: number;
  count: number;
}

function note(hits: Map<string, Hit>, key: string, index: number, cp: number): void {
  const hit = hits.get(key);
  if (hit === undefined) hits.set(key, { first: index, cp, count: 1 });
  else hit.count += 1;
}

function describe(hit: Hit, name: string | undefined): string {
  const what = `${codePointName(hit.cp)}${name === undefined ? '' : ` ${name}`}`;
  const more = hit.count > 1 ? ` (and ${hit.count - 1} more)` : '';
  return `${what} at character ${hit.first + 1}${more}`;
}

/**
 * Reports the hiding characters of `text` as findings. `where` names the piece of the payload
 * for the message, e.g. `the URL` or `the Wi-Fi name`.
 */
export function scanCharacters(text: string, zone: CharacterZone, where: string, ctx: QrContext): void {
  const hits = new Map<string, Hit>();
  let index = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20) {
      const lineBreak = cp === 0x09 || cp === 0x0a || cp === 0x0d;
      if (zone === 'address' || !lineBreak) note(hits, lineBreak ? 'whitespace' : 'control', index, cp);
    } else if (cp >= 0x7f && cp <= 0x9f) note(hits, 'control', index, cp);
    else if (cp >= 0xd800 && cp <= 0xdfff) note(hits, 'surrogate', index, cp);
    else if (BIDI_NAMES.has(cp)) {
      if (zone === 'address' || !BIDI_MARKS.has(cp)) note(hits, 'bidi', index, cp);
    } else if (INVISIBLE_NAMES.has(cp) || (cp >= 0xfe00 && cp <= 0xfe0f && zone === 'address')) {
      if (zone === 'address' || !JOINERS.has(cp)) note(hits, 'invisible', index, cp);
    }
    index += 1;
  }
  const severity = zone === 'address' ? 'block' : 'warn';
  const whitespace = hits.get('whitespace');
  if (whitespace !== undefined) {
    ctx.findings.add(
      'control-character',
      'block',
      `${where} holds a tab or line break, ${describe(whitespace, undefined)}: browsers delete them inside a URL, ` +
        `so what a person reads is not what opens; re-encode the code without them`,
    );
  }
  const control = hits.get('control');
  if (control !== undefined) {
    ctx.findings.add(
      'control-character',
      'block',
      `${where} holds a control character, ${describe(control, undefined)}: text from a QR code has no use for one ` +
        `and it can truncate or rewrite what is shown; do not follow it`,
    );
  }
  const surrogate = hits.get('surrogate');
  if (surrogate !== undefined) {
    ctx.findings.add(
      'invalid-unicode',
      'block',
      `${where} holds an unpaired UTF-16 surrogate, ${describe(surrogate, undefined)}: no QR decoder produces one, ` +
        `so the text was altered after decoding; do not follow it`,
    );
  }
  const bidi = hits.get('bidi');
  if (bidi !== undefined) {
    ctx.findings.add(
      'bidi-control',
      severity,
      `${where} holds a bidirectional control, ${describe(bidi, BIDI_NAMES.get(bidi.cp))}: it reorders how the text ` +
        `displays, so what a person reads is not what the device uses` +
        (zone === 'address' ? '; do not follow it' : '; show the text with the control made visible'),
    );
  }
  const invisible = hits.get('invisible');
  if (invisible !== undefined) {
    const name = INVISIBLE_NAMES.get(invisible.cp) ?? 'VARIATION SELECTOR';
    ctx.findings.add(
      'zero-width',
      severity,
      `${where} holds an invisible character, ${describe(invisible, name)}: two texts that look the same differ` +
        (zone === 'address' ? '; do not follow it' : '; show the text with the character made visible'),
    );
  }
}
