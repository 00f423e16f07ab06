// Splitting and decoding a compact JWS without trusting it: size, three base64url parts, JSON.
import { PinsetError } from '../error.ts';
import { decodeBase64url } from './base64url.ts';

const HEADER_KEYS = new Set(['alg', 'kid', 'typ']);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A compact JWS taken apart, nothing verified. */
export interface DecodedCompact {
  readonly header: Readonly<Record<string, unknown>>;
  readonly payload: unknown;
  readonly signature: Uint8Array;
  /** The ASCII bytes `base64url(header).base64url(payload)` the signature covers. */
  readonly signingInput: Uint8Array;
}

/** Checks the size, then decodes the three parts (`ERR_PINSET_TOO_LARGE`, `ERR_PINSET_MALFORMED`). */
export function decodeCompact(jws: unknown, maxBytes: number): DecodedCompact {
  if (typeof jws !== 'string') {
    throw new PinsetError('ERR_PINSET_MALFORMED', `a pinset document must be text, got ${typeof jws}`);
  }
  // A string of n UTF-16 units is at least n UTF-8 bytes: refuse huge input before measuring it.
  if (jws.length > maxBytes || Buffer.byteLength(jws, 'utf8') > maxBytes) {
    throw new PinsetError(
      'ERR_PINSET_TOO_LARGE',
      `the pinset document is over ${maxBytes} bytes; a pinset that large is refused unread`,
    );
  }
  const parts = jws.split('.');
  if (parts.length !== 3) {
    throw new PinsetError(
      'ERR_PINSET_MALFORMED',
      `a pinset document is a compact JWS of three base64url parts separated by dots; this has ${parts.length} part${parts.length === 1 ? '' : 's'}`,
    );
  }
  const [h = '', p = '', s = ''] = parts;
  const header = json(h, 'header');
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new PinsetError('ERR_PINSET_MALFORMED', 'the JWS header must be a JSON object');
  }
  for (const key of Object.keys(header)) {
    if (!HEADER_KEYS.has(key)) {
      throw new PinsetError(
        'ERR_PINSET_MALFORMED',
        `the JWS header has member ${JSON.stringify(key)}; a pinset header holds only alg, kid and typ`,
      );
    }
  }
  const payload = json(p, 'payload');
  const signature = decodeBase64url(s);
  if (signature === undefined) {
    throw new PinsetError('ERR_PINSET_MALFORMED', 'the JWS signature is not canonical unpadded base64url');
  }
  return {
    header: header as Record<string, unknown>,
    payload,
    signature,
    signingInput: Buffer.from(`${h}.${p}`, 'ascii'),
  };
}

function json(part: string, name: string): unknown {
  const bytes = part.length === 0 ? undefined : decodeBase64url(part);
  if (bytes === undefined) {
    throw new PinsetError('ERR_PINSET_MALFORMED', `the JWS ${name} is not canonical unpadded base64url`);
  }
  try {
    return JSON.parse(utf8.decode(bytes)) as unknown;
  } catch (err) {
    throw new PinsetError(
      'ERR_PINSET_MALFORMED',
      `the JWS ${name} is not UTF-8 JSON: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
