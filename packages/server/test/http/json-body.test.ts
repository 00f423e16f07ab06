import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyRequest } from 'fastify';
import fc from 'fast-check';
import { eventPieces, parseJsonBytes, useJsonBytesParser } from '../../src/http/json-body.ts';

// Fastify's own JSON parser, as the server uses it: the reference every answer is held to.
const parse = Fastify().getDefaultJsonParser('error', 'error') as unknown as (
  request: FastifyRequest,
  body: string,
  done: (err: Error | null, body?: unknown) => void,
) => void;
const request = {} as FastifyRequest;

type Outcome = { ok: true; value: unknown } | { ok: false; code: string };

function outcome(run: (done: (err: Error | null, body?: unknown) => void) => void): Outcome {
  let result: Outcome | undefined;
  run((err, body) => {
    result =
      err === null ? { ok: true, value: body } : { ok: false, code: (err as { code?: string }).code ?? '' };
  });
  assert.ok(result !== undefined, 'the parser answered at once');
  return result;
}

const whole = (text: string): Outcome => outcome((done) => parse(request, text, done));
/** Parsed as a large body would be: in pieces of `pieceBytes` (the threshold set to 0). */
const inPieces = (text: string, pieceBytes: number): Outcome =>
  outcome((done) => parseJsonBytes(parse, request, Buffer.from(text), done, 0, pieceBytes));

const event = (n: number): string =>
  JSON.stringify({ type: 'scan', sessionId: `s-${n}`, note: `a "quoted" [x] {y}, \\ ${n}`, seq: n });
const batch = (n: number, sep = ','): string =>
  `{"events":[${Array.from({ length: n }, (_, i) => event(i)).join(sep)}]}`;

describe('JSON bodies parsed from bytes', () => {
  it('cuts a large event batch into pieces between its events', () => {
    const text = batch(40);
    const pieces = eventPieces(Buffer.from(text), 200);
    assert.ok(pieces !== undefined && pieces.length > 5, `cut into ${pieces?.length} pieces`);
    for (const [start, end] of pieces) {
      assert.ok(
        Array.isArray(JSON.parse(`[${text.slice(start, end)}]`)),
        'each piece is a run of whole events',
      );
    }
    assert.deepEqual(inPieces(text, 200), whole(text));
  });

  const cases: [string, string][] = [
    ['an event batch', batch(30)],
    [
      'one with white space everywhere',
      ` \n{ "events" :\t[ ${batch(20).slice(11, -2).replaceAll(',{', ' , {')} ] } \r\n`,
    ],
    ['an empty batch', '{"events":[]}'],
    [
      'a batch of scalars and nested arrays',
      `{"events":[${'1,"a,b",[1,[2,{"c":[3]}]],null,'.repeat(50)}true]}`,
    ],
    [
      'escaped quotes and backslashes at the ends of strings',
      `{"events":[${'"a\\\\","b\\"],[","c\\\\\\"",'.repeat(40)}"d"]}`,
    ],
    ['multi-byte characters', `{"events":[${'"été ☃ 𝄞","日本",'.repeat(60)}"ok"]}`],
    ['a trailing comma', `{"events":[${event(1)},${event(2)},]}`],
    ['a trailing comma after many events', batch(30).replace(/\]\}$/, ',]}')],
    ['a leading comma', `{"events":[,${event(1)}]}`],
    ['two commas in a row', batch(30).replace('},{', '},,{')],
    ['white space only between two commas', batch(30).replace('},{', '},     ,{')],
    ['a missing comma', batch(30).replace('},{', '}{')],
    ['an unclosed string', `{"events":[${event(1)},"abc]}`],
    ['an unclosed object', `{"events":[${event(1)},{"a":1]}`],
    ['an extra closing bracket', `{"events":[${event(1)}]],"x":[1]}`],
    ['a second key', `{"events":[${event(1)}],"more":[${event(2)}]}`],
    ['the key spelt with an escape', `{"\\u0065vents":[${event(1)}]}`],
    ['another key', `{"eventz":[${event(1)}]}`],
    ['a prototype-poisoning key in an event', batch(20).replace('"type"', '"__proto__":{"x":1},"type"')],
    [
      'a constructor-poisoning key in an event',
      batch(20).replace('"type"', '"constructor":{"prototype":{"x":1}},"type"'),
    ],
    ['strings that hold },{ (cuts inside them)', batch(30).replaceAll('[x] {y}', '[x]},{y}')],
    ['a nested list of objects', `{"events":[${'{"a":[{"b":1},{"c":2}]},'.repeat(30)}{}]}`],
    ['a byte order mark', `\ufeff${batch(20)}`],
    ['text after the body', `${batch(20)} x`],
    ['no body at all', ''],
    ['just white space', '   '],
  ];
  for (const [what, text] of cases) {
    it(`gives the whole parser’s answer for ${what}`, () => {
      const expected = whole(text);
      for (const pieceBytes of [1, 7, 64, 200, 100_000])
        assert.deepEqual(inPieces(text, pieceBytes), expected);
    });
  }

  it('cuts batches of events into pieces, compact or pretty-printed', () => {
    const pretty = JSON.stringify(JSON.parse(batch(30)), null, 2);
    for (const text of [batch(30), cases[1]?.[1] ?? '', pretty]) {
      const pieces = eventPieces(Buffer.from(text), 7);
      const events = (JSON.parse(text) as { events: unknown[] }).events.length;
      assert.ok(pieces !== undefined && pieces.length === events, `${pieces?.length} pieces of ${events}`);
      for (const [start, end] of pieces) assert.ok(JSON.parse(`[${text.slice(start, end)}]`).length === 1);
    }
  });

  it('gives the whole parser’s answer for any text made of JSON’s structure and some noise', () => {
    const token = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      '\\',
      ' ',
      '\n',
      '1',
      'a',
      '"x"',
      'null',
      '{"a":1}',
      '[2]',
      ',,',
      '},{',
      '"},{"',
      '} , {',
    );
    const value = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v));
    const text = fc
      .tuple(
        fc.array(fc.oneof(value, value, token), { maxLength: 40 }),
        fc.constantFrom('{"events":[', ' { "events" : [ ', '{"events":', '{"events":[['),
        fc.constantFrom(']}', ' ] } ', ']', ']]}', ',]}'),
        fc.constantFrom(',', ' , ', ''),
      )
      .map(([parts, head, tail, sep]) => head + parts.join(sep) + tail);
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 40 }), (t, pieceBytes) => {
        assert.deepEqual(inPieces(t, pieceBytes), whole(t));
      }),
      { numRuns: 3000 },
    );
  });

  it('parses small bodies whole, and large ones of another shape whole', () => {
    const small = outcome((done) => parseJsonBytes(parse, request, Buffer.from(batch(3)), done));
    assert.deepEqual(small, whole(batch(3)));
    assert.equal(eventPieces(Buffer.from(`[${event(1)}]`)), undefined);
    assert.equal(eventPieces(Buffer.from(`{"events":{"a":[1,2]}}`)), undefined);
  });

  it('answers a real server’s large batch as it answers the same events sent whole', async () => {
    const app = Fastify();
    useJsonBytesParser(app);
    app.post('/echo', { bodyLimit: 1024 * 1024 }, async (req) => req.body);
    const send = (payload: string) =>
      app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload });
    try {
      const text = batch(2000); // over 64 KiB: parsed in pieces
      assert.ok(text.length > 128 * 1024);
      const res = await send(text);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), JSON.parse(text));
      const refused = await send(text.replace('"type"', '"__proto__":{"x":1},"type"'));
      assert.equal(refused.statusCode, 400);
      assert.equal(refused.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY');
    } finally {
      await app.close();
    }
  });
});
