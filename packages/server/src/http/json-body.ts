// JSON request bodies, read as bytes. A large event batch is parsed in pieces: V8 puts a string of
// more than 128 KiB in its large-object space, one memory mapping each, made and unmapped again
// for every body; on this project's machines that took 0.5 ms a body of 134 KiB, 4 ns a byte
// against 0.2 for a smaller string, and it ran on the event loop. A body of the one shape
// `{"events": [ … ]}` is cut at commas between the array's elements into pieces of about 32 KiB,
// each parsed as an array by Fastify's own JSON parser (the same prototype-poisoning checks), and
// the pieces joined. Any other body, and any body whose cutting does not come out even, is parsed
// whole, as before: the answer is the same either way, only the time differs.
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Bodies up to this many bytes are parsed whole. */
const WHOLE_UP_TO = 64 * 1024;
/** About how many bytes each piece of a large body holds. */
const PIECE_BYTES = 32 * 1024;

// Bytes of JSON's structure.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const EVENTS_KEY = Buffer.from('"events"');

const isSpace = (byte: number | undefined): boolean =>
  byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * Where to cut the array of a `{"events": [ … ]}` body: the byte ranges of its pieces, each a run
 * of whole elements (`start` to `end`, commas between pieces left out), or `undefined` when the
 * body is not of that shape or its brackets and strings do not balance (then it is parsed whole,
 * and refused if it is not JSON). Exported for tests.
 */
export function eventPieces(body: Uint8Array, pieceBytes = PIECE_BYTES): [number, number][] | undefined {
  // `{ "events" : [` …
  let i = 0;
  while (isSpace(body[i])) i++;
  if (body[i++] !== OPEN_OBJECT) return undefined;
  while (isSpace(body[i])) i++;
  for (const byte of EVENTS_KEY) if (body[i++] !== byte) return undefined;
  while (isSpace(body[i])) i++;
  if (body[i++] !== 0x3a) return undefined;
  while (isSpace(body[i])) i++;
  if (body[i++] !== OPEN_ARRAY) return undefined;
  // … `] }` at the end.
  let end = body.length - 1;
  while (isSpace(body[end])) end--;
  if (body[end--] !== CLOSE_OBJECT) return undefined;
  while (isSpace(body[end])) end--;
  if (body[end] !== CLOSE_ARRAY || end < i) return undefined;

  const pieces: [number, number][] = [];
  let pieceStart = i;
  let depth = 0;
  // Whether the piece holds anything but white space: `[1, ]` cut after the comma would leave two
  // pieces that parse (`[1]`, `[ ]`) of a whole that does not.
  let filled = false;
  while (i < end) {
    const byte = body[i] as number;
    if (byte === COMMA && depth === 0 && i - pieceStart >= pieceBytes) {
      if (!filled) return undefined;
      pieces.push([pieceStart, i]);
      pieceStart = i + 1;
      filled = false;
      i++;
      continue;
    }
    if (!isSpace(byte)) filled = true;
    if (byte === QUOTE) {
      // To the closing quote: the next one not escaped (preceded by an even run of backslashes).
      let j = i + 1;
      for (;;) {
        j = body.indexOf(QUOTE, j);
        if (j < 0 || j >= end) return undefined;
        let backslashes = 0;
        while (body[j - 1 - backslashes] === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
        j++;
      }
      i = j + 1;
      continue;
    }
    if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) depth++;
    else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
      if (--depth < 0) return undefined;
    }
    i++;
  }
  if (depth !== 0 || (pieces.length > 0 && !filled)) return undefined;
  pieces.push([pieceStart, end]);
  return pieces;
}

type Done = (err: Error | null, body?: unknown) => void;
type JsonParser = (request: FastifyRequest, body: string, done: Done) => void;

/**
 * Parses a JSON body given as bytes with `parse` (Fastify's default JSON parser): whole, or, for a
 * large event batch, in pieces (see {@link eventPieces}). The same answer as `parse` of the whole
 * text: if every piece parses, so does the whole (the pieces are the array's elements, cut at its
 * commas, and the rest is `{"events": [` and `]}`); if the whole parses, the cuts fall between
 * elements, so every piece does.
 */
export function parseJsonBytes(
  parse: JsonParser,
  request: FastifyRequest,
  body: Buffer,
  done: Done,
  wholeUpTo = WHOLE_UP_TO,
  pieceBytes = PIECE_BYTES,
): void {
  const pieces = body.length > wholeUpTo ? eventPieces(body, pieceBytes) : undefined;
  if (pieces === undefined) {
    parse(request, body.toString('utf8'), done);
    return;
  }
  const events: unknown[] = [];
  for (const [start, end] of pieces) {
    let failed: Error | null = null;
    // UTF-8 is cut at ASCII commas only, never inside a character.
    parse(request, `[${body.toString('utf8', start, end)}]`, (err, piece) => {
      if (err !== null) failed = err;
      else for (const event of piece as unknown[]) events.push(event);
    });
    if (failed !== null) {
      done(failed);
      return;
    }
  }
  done(null, { events });
}

/**
 * Replaces the instance's JSON body parser with {@link parseJsonBytes} over Fastify's own (its
 * prototype and constructor poisoning refused, as by default).
 *
 * @example
 * ```ts
 * const app = Fastify();
 * useJsonBytesParser(app);
 * ```
 */
export function useJsonBytesParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error') as JsonParser;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) =>
    parseJsonBytes(parse, request, body as Buffer, done),
  );
}
