import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HostPattern, QrpinError } from '@qrpin/core';

describe('HostPattern', () => {
  const matches: Array<[string, string, boolean]> = [
    ['promo.example.com', 'promo.example.com', true],
    ['promo.example.com', 'PROMO.Example.com.', true],
    ['promo.example.com', 'a.promo.example.com', false],
    ['*.example.com', 'a.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.b.example.com', false],
    ['**.example.com', 'example.com', true],
    ['**.example.com', 'a.example.com', true],
    ['**.example.com', 'a.b.c.example.com', true],
    ['**.example.com', 'badexample.com', false],
    ['*.example.com', 'aexample.com', false],
    ['bücher.example', 'xn--bcher-kva.example', true],
    ['BÜCHER.example.', 'bücher.EXAMPLE', true],
  ];
  for (const [pattern, host, expected] of matches) {
    it(`${expected ? 'matches' : 'does not match'} ${host} with ${pattern}`, () => {
      assert.equal(HostPattern.parse(pattern).matches(host), expected);
    });
  }

  it('normalises case, IDN and the trailing dot', () => {
    assert.equal(HostPattern.parse('**.Bücher.Example.').toString(), '**.xn--bcher-kva.example');
    assert.equal(HostPattern.parse(' *.A.Example.com ').toString(), '*.a.example.com');
  });

  const bad: Array<[string, string, string]> = [
    ['**.co.uk', 'ERR_HOST_PATTERN_PUBLIC_SUFFIX', 'covers the public suffix "co.uk"'],
    ['*.com', 'ERR_HOST_PATTERN_PUBLIC_SUFFIX', 'covers the public suffix "com"'],
    ['**.uk', 'ERR_HOST_PATTERN_PUBLIC_SUFFIX', 'public suffix'],
    ['*', 'ERR_HOST_PATTERN_INVALID', 'wildcard'],
    ['a.*.example.com', 'ERR_HOST_PATTERN_INVALID', 'wildcard that is not a leading'],
    ['***.example.com', 'ERR_HOST_PATTERN_INVALID', 'wildcard'],
    ['', 'ERR_HOST_PATTERN_INVALID', 'non-empty'],
    ['exa mple.com', 'ERR_HOST_PATTERN_INVALID', 'characters a host name cannot have'],
    ['https://example.com', 'ERR_HOST_PATTERN_INVALID', 'characters'],
    ['example.com:443', 'ERR_HOST_PATTERN_INVALID', 'characters'],
    ['user@example.com', 'ERR_HOST_PATTERN_INVALID', 'characters'],
    ['192.168.1.10', 'ERR_HOST_PATTERN_INVALID', 'IP address'],
    ['-bad.example.com', 'ERR_HOST_PATTERN_INVALID', 'invalid label'],
    [`${'a'.repeat(64)}.example.com`, 'ERR_HOST_PATTERN_INVALID', 'invalid label'],
    ['a..example.com', 'ERR_HOST_PATTERN_INVALID', 'invalid label'],
    ['x'.repeat(5000), 'ERR_HOST_PATTERN_INVALID', 'too long'],
  ];
  for (const [input, code, fragment] of bad) {
    it(`refuses ${JSON.stringify(input.slice(0, 30))} with ${code}`, () => {
      assert.throws(
        () => HostPattern.parse(input),
        (err: unknown) => err instanceof QrpinError && err.code === code && err.message.includes(fragment),
      );
    });
  }

  it('knows a private suffix wildcard is shared by many owners', () => {
    assert.equal(HostPattern.parse('*.github.io').coversPrivateSuffix, true);
    assert.equal(HostPattern.parse('*.acme.github.io').coversPrivateSuffix, false);
  });

  it('tells covered and overlapping patterns apart', () => {
    const apex = HostPattern.parse('**.example.com');
    const one = HostPattern.parse('*.example.com');
    const exact = HostPattern.parse('a.example.com');
    const other = HostPattern.parse('*.other.example');
    assert.ok(one.isCoveredBy(apex));
    assert.ok(exact.isCoveredBy(one));
    assert.ok(exact.isCoveredBy(apex));
    assert.ok(!apex.isCoveredBy(one));
    assert.ok(apex.overlaps(one));
    assert.ok(!other.overlaps(apex));
    assert.ok(HostPattern.parse('*.x.example.com').overlaps(apex));
  });

  it('throws nothing but its coded errors for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          const p = HostPattern.parse(text);
          assert.equal(HostPattern.parse(p.toString()).toString(), p.toString());
        } catch (err) {
          assert.ok(
            err instanceof QrpinError &&
              (err.code === 'ERR_HOST_PATTERN_INVALID' || err.code === 'ERR_HOST_PATTERN_PUBLIC_SUFFIX'),
            String(err),
          );
        }
      }),
      { numRuns: 2000 },
    );
  });
});
