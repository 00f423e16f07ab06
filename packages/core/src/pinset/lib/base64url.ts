// Strict base64url (RFC 4648 §5, no padding) for JWS parts: refuses what Buffer would quietly accept.
const ALPHABET = /^[A-Za-z0-9_-]*$/;

/** Encodes bytes or UTF-8 text as unpadded base64url. */
export function encodeBase64url(data: Uint8Array | string): string {
  return Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64url');
}

/** Decodes canonical unpadded base64url, or returns `undefined`. */
export function decodeBase64url(text: string): Uint8Array | undefined {
  if (!ALPHABET.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Non-zero trailing bits decode but do not re-encode to the same text: refuse them.
  if (bytes.toString('base64url') !== text) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
