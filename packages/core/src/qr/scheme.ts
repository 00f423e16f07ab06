/**
 * Schemes a QR payload may never hand to a browser or an app, found the way a permissive
 * consumer would find them.
 *
 * Browsers strip leading C0 controls and spaces and delete tabs and line breaks anywhere in a
 * URL, so `  JaVaScRiPt:` and `java\tscript:` both run script. Some scanner apps go further
 * (`String.prototype.trim`, removing "invisible" characters, NFKC folding of full-width
 * letters), so the check here is more forgiving still: it deletes every control, bidi, zero-width
 * and other invisible character from the start of the payload and folds it with NFKC before it
 * reads the scheme. A false refusal of a text that merely starts with `Data:` is the price.
 */
import { QrPayloadError } from './error.ts';
import { isHiddenCodePoint, quote } from './lib/quote.ts';

/** The refused schemes and why each is refused. */
const REFUSED: ReadonlyMap<string, string> = new Map([
  ['javascript', 'runs script in whatever page or web view opens it'],
  ['vbscript', 'runs script in legacy Internet Explorer and its web views'],
  ['data', 'carries its own document (HTML, SVG, script) with no origin to pin or check'],
  ['file', 'opens files of the device that scans it'],
  ['blob', 'points at in-memory content of another page, never at a destination'],
  ['about', 'opens browser-internal pages'],
  ['filesystem', 'points at a sandboxed file system of another origin'],
]);

const HEAD = 256;

/**
 * The refused scheme `text` would be read as by a permissive consumer, if any.
 *
 * @example
 * ```ts
 * refusedScheme('  JaVa\tScRiPt:alert(1)'); // 'javascript'
 * refusedScheme('https://example.com');     // undefined
 * ```
 */
export function refusedScheme(text: string): string | undefined {
  // Skips any amount of leading space and hidden characters (the text is already bounded by the
  // size check), then reads up to HEAD visible characters: far more than any scheme name.
  let head = '';
  let visible = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (isHiddenCodePoint(cp)) continue;
    if (visible === 0 && /^\s$/u.test(ch)) continue;
    head += ch;
    visible += 1;
    if (visible === HEAD) break;
  }
  const folded = head.normalize('NFKC');
  const colon = folded.indexOf(':');
  if (colon < 1) return undefined;
  const scheme = folded.slice(0, colon).toLowerCase();
  return REFUSED.has(scheme) ? scheme : undefined;
}

/** Throws `ERR_QR_PAYLOAD_REFUSED` (`dangerous-scheme`) if `text` reads as a refused scheme. */
export function assertNoRefusedScheme(text: string, where: string): void {
  const scheme = refusedScheme(text);
  if (scheme === undefined) return;
  throw new QrPayloadError(
    'dangerous-scheme',
    `${where} ${quote(text, 40)} is a ${scheme}: URL, which ${REFUSED.get(scheme) ?? 'is refused'}; ` +
      `a QR code must never carry one, so it is refused (scheme names are matched ignoring case, ` +
      `leading spaces and controls, and tabs, line breaks or invisible characters inside them)`,
  );
}

/** The refused scheme names, for documentation and tests. */
export const refusedSchemes: readonly string[] = [...REFUSED.keys()];
