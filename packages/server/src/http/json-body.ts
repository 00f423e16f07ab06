// JSON request bodies, read as bytes. A large event batch is parsed in pieces: V8 puts a string of
// more than 128 KiB in its large-object space, one memory mapping each, made and unmapped again
// for every body; on this project's machines that took 0.5 ms a body of 134 KiB, 4 ns a byte
// against 0.2 for a smaller string, and it ran on the event loop. A body of the one shape
// `{"events": [ … ]}` is cut into pieces of about 32 KiB, at commas that stand between a `}` and a
// `{` (between two events, as far as bytes can tell), and each piece is parsed as an array by
// Fastify's own JSON parser (the same prototype-poisoning checks) and the pieces joined. A cut can
// fall inside a string or a nested list that holds `},{`: then a piece does not parse, and the body
// is parsed whole, as is any other body. The answer is the same either way (see parseJsonBytes),
// only the time differs.
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Bodies up to this many bytes are parsed whole. */
const WHOLE_UP_TO = 64 * 1024;
/** About how many bytes each piece of a large body holds. */
const PIECE_BYTES = 32 * 1024;

// Bytes of JSON's structure.
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const EVENTS_KEY = Buffer.from('"events"');

const isSpace = (byte: number | undefined): boolean =>
  byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/**
 * Where to cut the array of a `{"events": [ … ]}` body: the byte ranges of its pieces (`start` to
 * `end`, the commas between pieces left out), each cut at a comma with a `}` before it and a `{`
 * after it (white space aside) once the piece holds `pieceBytes`; or `undefined` when the body is
 * not of that shape (then it is parsed whole, and refused if it is not JSON). Only bytes are
 * looked at: a cut may fall inside a string; {@link parseJsonBytes} then parses the body whole.
 * Exported for tests.
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

  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const pieces: [number, number][] = [];
  let pieceStart = i;
  let at = pieceStart + Math.max(1, pieceBytes);
  while (at < end) {
    const comma = bytes.indexOf(COMMA, at);
    if (comma < 0 || comma >= end) break;
    at = comma + 1;
    let before = comma - 1;
    while (before > pieceStart && isSpace(bytes[before])) before--;
    if (bytes[before] !== CLOSE_OBJECT) continue;
    let after = comma + 1;
    while (after < end && isSpace(bytes[after])) after++;
    if (bytes[after] !== OPEN_OBJECT) continue;
    pieces.push([pieceStart, comma]);
    pieceStart = comma + 1;
    at = pieceStart + Math.max(1, pieceBytes);
  }
  pieces.push([pieceStart, end]);
  return pieces;
}

type Done = (err: Error | null, body?: unknown) => void;
type JsonParser = (request: FastifyRequest, body: string, done: Done) => void;

/**
 * Parses a JSON body given as bytes with `parse` (Fastify's default JSON parser): whole, or, for a
 * large event batch, in pieces (see {@link eventPieces}), falling back to the whole text if any
 * piece does not parse. The same answer as `parse` of the whole text: the whole is
 * `{"events": [` + the pieces joined by commas + `]}`, so if every piece parses as an array, the
 * whole parses too, to the pieces' elements in order (and `parse` refuses a poisoned key in a
 * piece as it would in the whole); if a piece does not, the answer is the whole text's.
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
    let failed = false;
    // UTF-8 is cut at ASCII commas only, never inside a character.
    parse(request, `[${body.toString('utf8', start, end)}]`, (err, piece) => {
      if (err !== null) failed = true;
      else for (const event of piece as unknown[]) events.push(event);
    });
    if (failed) {
      parse(request, body.toString('utf8'), done);
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
