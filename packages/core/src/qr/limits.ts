/**
 * How much text a QR code can hold. The largest symbol (version 40, error correction L) has
 * 2,956 data codewords: 23,648 bits. Spent in one mode that is 7,089 digits, 4,296 characters of
 * the alphanumeric set (`0-9 A-Z space $ % * + - . / :`), 2,953 bytes, or 1,817 Kanji.
 *
 * @see ISO/IEC 18004:2015, table 7
 */
import { QrPayloadError } from './error.ts';

/** The capacity of the largest QR code (version 40-L). */
export const qrPayloadLimits = {
  /** Data bits of a version 40-L symbol. */
  maxDataBits: 23_648,
  /** Digits in numeric mode. */
  maxNumeric: 7_089,
  /** Characters in alphanumeric mode. */
  maxAlphanumeric: 4_296,
  /** Bytes in byte mode. */
  maxBytes: 2_953,
  /** Characters in Kanji mode. */
  maxKanji: 1_817,
} as const;

const ALPHANUMERIC = ' $%*+-./:';

// Costs in sixths of a bit, so that 10/3 and 11/2 stay integers.
const DIGIT = 20;
const ALNUM = 33;
const BYTE = 48;
const KANJI = 78;
const FOUR_BYTES = 192;

/** Characters a Kanji-mode segment (13 bits) or a double-byte charset could hold. */
function isDoubleByteScript(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x11ff) ||
    (cp >= 0x2e80 && cp <= 0x9fff) ||
    (cp >= 0xac00 && cp <= 0xd7af) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xff01 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6)
  );
}

/**
 * The fewest data bits any QR encoding could spend on `text`: digits at 10/3 bits, alphanumeric
 * characters at 5.5, Latin-1 and other characters a single-byte charset (ECI) can hold at 8, CJK
 * and Hangul at 13 (Kanji mode), characters beyond the BMP at 32, plus the smallest segment
 * header the text needs. A lower bound: a payload over the capacity cannot come from a QR code.
 */
export function minimumDataBits(text: string): number {
  let sixths = 0;
  let needsByte = false;
  let needsAlnum = false;
  let hasKanji = false;
  let any = false;
  for (const ch of text) {
    any = true;
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0x30 && cp <= 0x39) sixths += DIGIT;
    else if ((cp >= 0x41 && cp <= 0x5a) || ALPHANUMERIC.includes(ch)) {
      sixths += ALNUM;
      needsAlnum = true;
    } else if (cp > 0xffff) {
      sixths += FOUR_BYTES;
      needsByte = true;
    } else if (isDoubleByteScript(cp)) {
      sixths += KANJI;
      hasKanji = true;
    } else {
      sixths += BYTE;
      needsByte = true;
    }
  }
  // The smallest segment header the text needs: mode indicator (4 bits) + character count
  // indicator of version 40 (byte 16, alphanumeric 13, Kanji 12, numeric 14). Digits alone could
  // sit in an alphanumeric segment, whose header (17) is the smallest that holds them.
  const header = !any ? 0 : needsByte ? 20 : needsAlnum ? 17 : hasKanji ? 16 : 17;
  return Math.ceil(sixths / 6) + header;
}

/** Throws `ERR_QR_PAYLOAD_TOO_LARGE` when no QR code could hold `text`. */
export function assertFitsInQrCode(text: string): void {
  // Every UTF-16 unit costs at least 10/3 bits: past 7,089 units nothing fits.
  const bits = text.length > qrPayloadLimits.maxNumeric ? Infinity : minimumDataBits(text);
  if (bits > qrPayloadLimits.maxDataBits) {
    throw new QrPayloadError(
      'too-large',
      `the payload (${text.length} characters${Number.isFinite(bits) ? `, at least ${bits} bits` : ''}) is larger than any QR code can hold: ` +
        `the largest (version 40-L) carries ${qrPayloadLimits.maxDataBits} data bits, that is ${qrPayloadLimits.maxNumeric} digits, ` +
        `${qrPayloadLimits.maxAlphanumeric} upper-case alphanumeric characters or ${qrPayloadLimits.maxBytes} bytes; ` +
        `it did not come from a QR code, so it is not classified`,
    );
  }
}
