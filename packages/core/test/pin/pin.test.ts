import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Pin, QrpinError } from '@qrpin/core';

const B64 = 'r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=';

describe('Pin', () => {
  it('parses the canonical, curl and bare forms to the same value', () => {
    for (const text of [`sha256/${B64}`, `sha256//${B64}`, B64, `  sha256/${B64}\n`]) {
      assert.equal(Pin.parse(text).toString(), `sha256/${B64}`);
    }
    assert.equal(Pin.parse(B64).toCurl(), `sha256//${B64}`);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['empty', '', /is not base64|decodes to 0 bytes/],
    ['short digest', 'sha256/AAAA', /decodes to 3 bytes/],
    ['sha1 pin', 'sha1/AAAAAAAAAAAAAAAAAAAAAAAAAAA=', /only sha256/],
    ['base64url', `sha256/${B64.replace(/\//g, '_').replace(/\+/g, '-')}`, /base64url/],
    ['not base64', 'sha256/@@@@', /is not base64/],
    ['hex digest', 'a'.repeat(64), /decodes to 48 bytes/],
    ['oversized', `sha256/${'A'.repeat(10_000)}`, /too long/],
    ['missing padding', `sha256/${B64.slice(0, 43)}`, /decodes to|not base64/],
  ];
  for (const [name, input, message] of bad) {
    it(`rejects a ${name} pin with ERR_PIN_INVALID`, () => {
      assert.throws(
        () => Pin.parse(input),
        (err: unknown) =>
          err instanceof QrpinError && err.code === 'ERR_PIN_INVALID' && message.test(err.message),
      );
    });
  }

  it('round-trips any 32-byte digest through its text forms', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const pin = Pin.fromDigest(bytes);
        assert.ok(Pin.parse(pin.toString()).equals(pin));
        assert.ok(Pin.parse(pin.toCurl()).equals(pin));
        assert.ok(Pin.parse(pin.base64).equals(pin));
      }),
    );
  });

  it('throws nothing but ERR_PIN_INVALID for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        try {
          Pin.parse(text);
        } catch (err) {
          assert.ok(err instanceof QrpinError && err.code === 'ERR_PIN_INVALID');
        }
      }),
    );
  });
});
