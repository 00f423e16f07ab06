import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { QrpinError } from '@qrpin/core';
import {
  Tag,
  bitStringBytes,
  checkDer,
  contentOf,
  decodeOid,
  expectTag,
  readChildren,
  readElement,
} from '../../src/lib/der.ts';
import type { DerElement } from '../../src/lib/der.ts';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

/** A tree of DER values, encoded by the test's own writer. */
type Tree = { tag: number; content: Uint8Array } | { tag: number; children: Tree[] };

function encodeLength(length: number): number[] {
  if (length < 0x80) return [length];
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

function encode(tree: Tree): Uint8Array {
  const content = 'content' in tree ? tree.content : Buffer.concat(tree.children.map(encode));
  return Uint8Array.from([tree.tag, ...encodeLength(content.length), ...content]);
}

function decode(der: Uint8Array, element: DerElement): Tree {
  if ((element.tag & 0x20) === 0)
    return { tag: element.tag, content: Uint8Array.from(contentOf(der, element)) };
  return { tag: element.tag, children: readChildren(der, element).map((child) => decode(der, child)) };
}

/** The tree as plain JSON-like data, so generated and decoded trees compare by value. */
function plain(tree: Tree): unknown {
  return 'content' in tree
    ? { tag: tree.tag, content: Array.from(tree.content) }
    : { tag: tree.tag, children: tree.children.map(plain) };
}

function encodeOid(arcs: number[]): Uint8Array {
  const [first = 0, second = 0, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk = [arc % 128];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n % 128) | 0x80);
    out.push(...chunk);
  }
  return Uint8Array.from(out);
}

const primitiveTags = fc.constantFrom(0x02, 0x04, 0x05, 0x06, 0x0c, 0x16, 0x80, 0x82);
const constructedTags = fc.constantFrom(0x30, 0x31, 0xa0, 0xa3);
const trees = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ tag: primitiveTags, content: fc.uint8Array({ maxLength: 300 }) }),
    fc.record({ tag: constructedTags, children: fc.array(tie('tree'), { maxLength: 4 }) }),
  ),
})).tree;

function rejects(run: () => unknown, message: RegExp): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof QrpinError, `expected a QrpinError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_DER_INVALID');
    assert.match(err.message, message);
    return true;
  });
}

describe('readElement', () => {
  it('reads a short-form length', () => {
    assert.deepEqual(readElement(bytes(0x04, 0x03, 1, 2, 3), 0), {
      tag: 0x04,
      start: 0,
      contentStart: 2,
      end: 5,
    });
  });

  it('reads one- and two-octet long-form lengths', () => {
    const long1 = Uint8Array.from([0x04, 0x81, 0x80, ...new Uint8Array(0x80)]);
    assert.deepEqual(readElement(long1, 0), { tag: 0x04, start: 0, contentStart: 3, end: 0x83 });
    const long2 = Uint8Array.from([0x04, 0x82, 0x01, 0x00, ...new Uint8Array(0x100)]);
    assert.deepEqual(readElement(long2, 0), { tag: 0x04, start: 0, contentStart: 4, end: 0x104 });
  });

  const bad: Array<[string, Uint8Array, RegExp]> = [
    [
      'content that runs past the end',
      bytes(0x30, 0x05, 0x02, 0x01),
      /declares 5 content bytes but only 2 remain/,
    ],
    ['a length cut off', bytes(0x30, 0x82, 0x01), /length of the element at offset 0 is cut off/],
    ['a lone tag byte', bytes(0x30), /where an element header was expected/],
    ['an indefinite (BER) length', bytes(0x30, 0x80, 0x00, 0x00), /indefinite length/],
    ['a five-octet length', bytes(0x04, 0x85, 0, 0, 0, 0, 1, 0), /5-octet length/],
    ['a high tag number', bytes(0x1f, 0x81, 0x01, 0x00), /high-tag-number form/],
    ['a length near 2^32', bytes(0x04, 0x84, 0xff, 0xff, 0xff, 0xff), /declares 4294967295 content bytes/],
  ];
  for (const [name, input, message] of bad) {
    it(`rejects ${name}`, () => rejects(() => readElement(input, 0), message));
  }

  it('never reads past the limit it is given', () => {
    rejects(() => readElement(bytes(0x04, 0x02, 1, 2), 0, 3), /declares 2 content bytes but only 1 remain/);
  });
});

describe('checkDer', () => {
  it('accepts one well-formed element and returns it', () => {
    const der = encode({ tag: 0x30, children: [{ tag: 0x02, content: bytes(0) }] });
    assert.deepEqual(checkDer(der), { tag: 0x30, start: 0, contentStart: 2, end: 5 });
  });

  it('rejects bytes after the element unless asked to allow them', () => {
    const der = bytes(0x05, 0x00, 0xff);
    rejects(() => checkDer(der), /1 unexpected bytes follow the element that ends at offset 2/);
    assert.equal(checkDer(der, { allowTrailing: true }).end, 2);
  });

  it('rejects no bytes at all', () => rejects(() => checkDer(new Uint8Array(0)), /there are no bytes/));

  it('rejects a child that overruns its parent', () => {
    rejects(
      () => checkDer(bytes(0x30, 0x03, 0x04, 0x05, 0x00)),
      /declares 5 content bytes but only 1 remain/,
    );
  });

  it('accepts nesting up to the depth limit and rejects one level more', () => {
    const nested = (depth: number): Tree =>
      depth === 1 ? { tag: 0x30, children: [] } : { tag: 0x30, children: [nested(depth - 1)] };
    assert.ok(checkDer(encode(nested(4)), { maxDepth: 4 }));
    rejects(() => checkDer(encode(nested(5)), { maxDepth: 4 }), /nested deeper than 4 levels/);
    rejects(() => checkDer(encode(nested(1000))), /nested deeper than 32 levels/);
  });

  it('reads back any tree its encoder writes', () => {
    fc.assert(
      fc.property(trees, (tree) => {
        const der = encode(tree);
        assert.deepEqual(plain(decode(der, checkDer(der, { maxDepth: 1000 }))), plain(tree));
      }),
    );
  });

  it('answers random bytes with an element inside the buffer or ERR_DER_INVALID', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        try {
          const root = checkDer(input);
          assert.equal(root.end, input.length);
        } catch (err) {
          assert.ok(err instanceof QrpinError && err.code === 'ERR_DER_INVALID', String(err));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('answers mutated well-formed DER with ERR_DER_INVALID or elements inside their parents', () => {
    const walk = (der: Uint8Array, element: DerElement): void => {
      assert.ok(element.start < element.contentStart && element.end <= der.length);
      if ((element.tag & 0x20) === 0) return;
      for (const child of readChildren(der, element)) {
        assert.ok(child.start >= element.contentStart && child.end <= element.end);
        walk(der, child);
      }
    };
    fc.assert(
      fc.property(trees, fc.nat(), fc.integer({ min: 0, max: 255 }), (tree, at, value) => {
        const der = Uint8Array.from(encode(tree));
        der[at % der.length] = value;
        try {
          walk(der, checkDer(der));
        } catch (err) {
          assert.ok(err instanceof QrpinError && err.code === 'ERR_DER_INVALID', String(err));
        }
      }),
    );
  });
});

describe('readChildren', () => {
  it('lists the elements inside a constructed element in order', () => {
    const der = encode({
      tag: 0x30,
      children: [
        { tag: 0x02, content: bytes(1) },
        { tag: 0x05, content: bytes() },
      ],
    });
    assert.deepEqual(
      readChildren(der, checkDer(der)).map((child) => child.tag),
      [0x02, 0x05],
    );
  });

  it('refuses to list the inside of a primitive element', () => {
    const der = bytes(0x04, 0x02, 0x30, 0x00);
    rejects(() => readChildren(der, checkDer(der)), /is primitive where a constructed one was expected/);
  });

  it('stops at the number of children the caller expects at most', () => {
    const der = encode({ tag: 0x30, children: [0, 1, 2].map(() => ({ tag: 0x05, content: bytes() })) });
    rejects(() => readChildren(der, checkDer(der), 2), /holds more than the 2 elements expected/);
  });
});

describe('decodeOid', () => {
  const known: Array<[string, string]> = [
    ['2a864886f70d01010b', '1.2.840.113549.1.1.11'],
    ['2a8648ce3d040302', '1.2.840.10045.4.3.2'],
    ['2b6570', '1.3.101.112'],
    ['551d11', '2.5.29.17'],
    ['883703', '2.999.3'],
  ];
  for (const [encoded, dotted] of known) {
    it(`decodes ${dotted}`, () => assert.equal(decodeOid(hex(encoded)), dotted));
  }

  it('rejects an empty identifier, a truncated arc, a padded arc and an oversized arc', () => {
    rejects(() => decodeOid(bytes()), /empty/);
    rejects(() => decodeOid(hex('2a86')), /ends inside an arc/);
    rejects(() => decodeOid(hex('2a8001')), /starts with a padding octet/);
    rejects(() => decodeOid(hex('2affffffffffffff7f')), /larger than qrpin reads/);
  });

  it('round-trips any identifier', () => {
    const oids = fc
      .tuple(
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 39 }),
        fc.array(fc.nat(), { maxLength: 8 }),
      )
      .map(([first, second, rest]) => [first, second, ...rest]);
    fc.assert(fc.property(oids, (arcs) => assert.equal(decodeOid(encodeOid(arcs)), arcs.join('.'))));
  });
});

describe('expectTag and bitStringBytes', () => {
  it('names the element that is missing or carries the wrong tag', () => {
    rejects(() => expectTag(undefined, Tag.SEQUENCE, 'subject Name'), /the subject Name is missing/);
    const der = bytes(0x04, 0x00);
    rejects(
      () => expectTag(checkDer(der), Tag.SEQUENCE, 'subject Name'),
      /expected the subject Name \(tag 0x30\) at offset 0, found tag 0x04/,
    );
  });

  it('returns the bits of a BIT STRING and refuses unused bits or an empty one', () => {
    const der = bytes(0x03, 0x03, 0x00, 0xab, 0xcd);
    assert.deepEqual(bitStringBytes(der, checkDer(der)), bytes(0xab, 0xcd));
    const unused = bytes(0x03, 0x02, 0x04, 0xf0);
    rejects(() => bitStringBytes(unused, checkDer(unused)), /has unused bits/);
    const empty = bytes(0x03, 0x00);
    rejects(() => bitStringBytes(empty, checkDer(empty)), /is empty/);
  });
});
