// PEM reader (RFC 7468, with the RFC 1421 headers OpenSSL still writes for legacy encrypted keys).
// Internal; not exported from the package.
import { QrpinError, describeInput } from '../errors/qrpin-error.ts';

/** One `-----BEGIN X-----` … `-----END X-----` block, decoded. */
export interface PemBlock {
  /** 0-based position of the block in the text. */
  readonly index: number;
  /** The label between `BEGIN ` and `-----`, e.g. `CERTIFICATE`. */
  readonly label: string;
  /** RFC 1421 headers (`Proc-Type`, `DEK-Info`), keyed by lower-cased name. */
  readonly headers: ReadonlyMap<string, string>;
  /** The decoded base64 body. */
  readonly der: Uint8Array;
}

const BEGIN = '-----BEGIN ';
const DASHES = '-----';
const MAX_LABEL = 64;
// RFC 7468 §3: printable characters except '-', words joined by a single space or hyphen.
const LABEL = /^[\x21-\x2c\x2e-\x7e]+(?:[ -][\x21-\x2c\x2e-\x7e]+)*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEADER = /^([A-Za-z0-9-]+):\s*(.*)$/;

/** Names a block in error messages: `PEM block 2 (CERTIFICATE)`. */
export function nameBlock(index: number, label?: string): string {
  return label === undefined ? `PEM block ${index}` : `PEM block ${index} (${label})`;
}

function fail(prefix: string, message: string): never {
  throw new QrpinError('ERR_PEM_INVALID', `${prefix}${message}`);
}

function decodeBody(body: string, prefix: string, where: string): Pick<PemBlock, 'headers' | 'der'> {
  const lines = body.split(/\r?\n|\r/);
  const headers = new Map<string, string>();
  let line = 0;
  while (line < lines.length && lines[line]!.trim() === '') line++;
  for (let match; line < lines.length && (match = HEADER.exec(lines[line]!.trim())) !== null; line++) {
    headers.set(match[1]!.toLowerCase(), match[2]!);
  }
  const base64 = lines.slice(line).join('').replace(/\s+/g, '');
  if (base64 === '') fail(prefix, `${where} is empty`);
  if (!BASE64.test(base64)) {
    const bad = /[^A-Za-z0-9+/=\s]/.exec(base64)?.[0];
    const detail = bad === undefined ? 'misplaced "=" padding' : `the character ${JSON.stringify(bad)}`;
    fail(prefix, `${where} is not valid base64: it contains ${detail}`);
  }
  if (base64.length % 4 !== 0) {
    fail(prefix, `${where} is not valid base64: its length is not a multiple of 4 (truncated?)`);
  }
  return { headers, der: new Uint8Array(Buffer.from(base64, 'base64')) };
}

/**
 * Every PEM block of `text`, in order; text between blocks is ignored (RFC 7468 §2). Throws
 * ERR_PEM_INVALID naming the block for a malformed BEGIN line, a missing END line or a body that
 * is not base64. `prefix` is prepended to every error message (e.g. the file name).
 */
export function readPemBlocks(text: string, prefix = ''): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (let from = 0, begin; (begin = text.indexOf(BEGIN, from)) !== -1;) {
    const index = blocks.length;
    const labelStart = begin + BEGIN.length;
    const labelEnd = text.indexOf(DASHES, labelStart);
    const label = labelEnd === -1 ? '' : text.slice(labelStart, labelEnd);
    if (labelEnd === -1 || label.length > MAX_LABEL || !LABEL.test(label)) {
      const line = text.slice(
        begin,
        text.indexOf('\n', begin) === -1 ? undefined : text.indexOf('\n', begin),
      );
      fail(prefix, `${nameBlock(index)} has a malformed BEGIN line ${describeInput(line)}`);
    }
    const where = nameBlock(index, label);
    const endLine = `-----END ${label}${DASHES}`;
    const end = text.indexOf(endLine, labelEnd + DASHES.length);
    if (end === -1) fail(prefix, `${where} has no "${endLine}" line (truncated?)`);
    const body = text.slice(labelEnd + DASHES.length, end);
    if (body.includes(BEGIN)) fail(prefix, `${where} has a BEGIN line inside it before its END line`);
    blocks.push({ index, label, ...decodeBody(body, prefix, where) });
    from = end + endLine.length;
  }
  return blocks;
}
