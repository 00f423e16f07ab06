// Minimal DER reader: just enough of X.690 to check that a blob is well-formed before OpenSSL sees
// it and to walk the few structures node:crypto cannot parse (PKCS#10 requests, certificate
// extensions). Internal; not exported from the package.
//
// Every read is bounded: lengths are checked against the enclosing element before anything is
// read, long-form lengths are limited to four bytes, and walks stop at a fixed nesting depth, so
// hostile input yields ERR_DER_INVALID and never an out-of-range read, a deep recursion or a hang.
import { QrpinError } from '../errors/qrpin-error.ts';

/** Universal and context-specific tag bytes used by the callers. */
export const Tag = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OBJECT_IDENTIFIER: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

const CONSTRUCTED = 0x20;
const HIGH_TAG_NUMBER = 0x1f;
const MAX_LENGTH_OCTETS = 4;
const MAX_OID_ARC_OCTETS = 7; // 49 bits: every arc stays a safe integer

/** How deep {@link checkDer} descends into constructed elements unless told otherwise. */
export const DEFAULT_MAX_DEPTH = 32;

/** One tag-length-value element, located by offsets into the buffer it was read from. */
export interface DerElement {
  /** The identifier octet (class, constructed bit and tag number; low-tag-number form only). */
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  /** Offset just past the last content octet. */
  readonly end: number;
}

function fail(message: string): never {
  throw new QrpinError('ERR_DER_INVALID', message);
}

/** True when the element's tag has the constructed bit set (SEQUENCE, SET, `[n]` EXPLICIT). */
export function isConstructed(element: DerElement): boolean {
  return (element.tag & CONSTRUCTED) !== 0;
}

/** The content octets of an element (a view, not a copy). */
export function contentOf(bytes: Uint8Array, element: DerElement): Uint8Array {
  return bytes.subarray(element.contentStart, element.end);
}

/** The whole encoding of an element, header included (a view, not a copy). */
export function encodingOf(bytes: Uint8Array, element: DerElement): Uint8Array {
  return bytes.subarray(element.start, element.end);
}

/**
 * Reads the element that starts at `offset` and must end by `limit`. Throws ERR_DER_INVALID on a
 * high tag number, an indefinite (BER) length, a length of more than four octets, or a length
 * that runs past `limit`.
 */
export function readElement(bytes: Uint8Array, offset: number, limit: number = bytes.length): DerElement {
  const end = Math.min(limit, bytes.length);
  if (offset + 2 > end)
    fail(`the data ends at offset ${offset}, where an element header was expected (truncated?)`);
  const tag = bytes[offset]!;
  if ((tag & HIGH_TAG_NUMBER) === HIGH_TAG_NUMBER) {
    fail(`the element at offset ${offset} uses the high-tag-number form, which qrpin does not read`);
  }
  const first = bytes[offset + 1]!;
  let length: number;
  let contentStart: number;
  if (first < 0x80) {
    length = first;
    contentStart = offset + 2;
  } else {
    const count = first & 0x7f;
    if (count === 0) fail(`the element at offset ${offset} has an indefinite length, which is BER, not DER`);
    if (count > MAX_LENGTH_OCTETS)
      fail(`the element at offset ${offset} has a ${count}-octet length, more than any input qrpin reads`);
    contentStart = offset + 2 + count;
    if (contentStart > end) fail(`the length of the element at offset ${offset} is cut off (truncated?)`);
    length = 0;
    for (let i = offset + 2; i < contentStart; i++) length = length * 256 + bytes[i]!;
  }
  if (length > end - contentStart) {
    fail(
      `the element at offset ${offset} declares ${length} content bytes ` +
        `but only ${end - contentStart} remain (truncated?)`,
    );
  }
  return { tag, start: offset, contentStart, end: contentStart + length };
}

/**
 * The elements directly inside a constructed element, in order. Stops with ERR_DER_INVALID after
 * `maxChildren` rather than building an unbounded list.
 */
export function readChildren(bytes: Uint8Array, parent: DerElement, maxChildren = 10_000): DerElement[] {
  if (!isConstructed(parent)) {
    fail(`the element at offset ${parent.start} is primitive where a constructed one was expected`);
  }
  const children: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end;) {
    if (children.length >= maxChildren) {
      fail(`the element at offset ${parent.start} holds more than the ${maxChildren} elements expected`);
    }
    const child = readElement(bytes, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

function checkNested(bytes: Uint8Array, element: DerElement, depth: number, maxDepth: number): void {
  if (!isConstructed(element)) return;
  if (depth > maxDepth) fail(`its elements are nested deeper than ${maxDepth} levels`);
  for (let offset = element.contentStart; offset < element.end;) {
    const child = readElement(bytes, offset, element.end);
    checkNested(bytes, child, depth + 1, maxDepth);
    offset = child.end;
  }
}

/** Options for {@link checkDer}. */
export interface CheckDerOptions {
  /** The deepest nesting of constructed elements accepted (default {@link DEFAULT_MAX_DEPTH}). */
  readonly maxDepth?: number;
  /** Accept bytes after the first element (OpenSSL's TRUSTED CERTIFICATE appends trust data). */
  readonly allowTrailing?: boolean;
}

/**
 * Checks that `bytes` hold one well-formed DER element (and, unless `allowTrailing`, nothing
 * after it), walking every constructed element down to `maxDepth`; returns the outer element.
 */
export function checkDer(bytes: Uint8Array, options: CheckDerOptions = {}): DerElement {
  const { maxDepth = DEFAULT_MAX_DEPTH, allowTrailing = false } = options;
  if (bytes.length === 0) fail('there are no bytes');
  const root = readElement(bytes, 0);
  if (!allowTrailing && root.end !== bytes.length) {
    fail(`${bytes.length - root.end} unexpected bytes follow the element that ends at offset ${root.end}`);
  }
  checkNested(bytes, root, 1, maxDepth);
  return root;
}

/** Decodes the content of an OBJECT IDENTIFIER into dotted form (`1.2.840.10045.2.1`). */
export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) fail('an OBJECT IDENTIFIER is empty');
  const arcs: number[] = [];
  let value = 0;
  let octets = 0;
  for (const byte of content) {
    if (octets === 0 && byte === 0x80) fail('an OBJECT IDENTIFIER arc starts with a padding octet');
    if (++octets > MAX_OID_ARC_OCTETS) fail('an OBJECT IDENTIFIER arc is larger than qrpin reads');
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) {
        const first = value < 40 ? 0 : value < 80 ? 1 : 2;
        arcs.push(first, value - first * 40);
      } else arcs.push(value);
      value = 0;
      octets = 0;
    }
  }
  if (octets !== 0) fail('an OBJECT IDENTIFIER ends inside an arc (truncated?)');
  return arcs.join('.');
}

/** Reads an element that must carry `tag`; `what` names it in the error. */
export function expectTag(element: DerElement | undefined, tag: number, what: string): DerElement {
  if (element === undefined) fail(`the ${what} is missing`);
  if (element.tag !== tag) {
    fail(
      `expected the ${what} (tag 0x${hex(tag)}) at offset ${element.start}, found tag 0x${hex(element.tag)}`,
    );
  }
  return element;
}

/** The bits of a BIT STRING that has no unused bits (signatures, keys). */
export function bitStringBytes(bytes: Uint8Array, element: DerElement): Uint8Array {
  const content = contentOf(bytes, element);
  if (content.length === 0) fail(`the BIT STRING at offset ${element.start} is empty`);
  if (content[0] !== 0) fail(`the BIT STRING at offset ${element.start} has unused bits`);
  return content.subarray(1);
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
