import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseQrPayload, QrPayloadError, qrPayloadLimits } from '@qrpin/core';

const tooLarge = (err: unknown): boolean =>
  err instanceof QrPayloadError && err.code === 'ERR_QR_PAYLOAD_TOO_LARGE' && err.reason === 'too-large';

describe('the QR size limit', () => {
  const fits: Array<[string, string]> = [
    ['7,089 digits (numeric mode)', '1'.repeat(qrPayloadLimits.maxNumeric)],
    ['4,296 upper-case alphanumerics (alphanumeric mode)', 'A'.repeat(qrPayloadLimits.maxAlphanumeric)],
    ['2,953 lower-case letters (byte mode)', 'a'.repeat(qrPayloadLimits.maxBytes)],
    ['2,953 Latin-1 letters (byte mode, ISO-8859-1)', 'é'.repeat(qrPayloadLimits.maxBytes)],
    ['1,817 kanji (Kanji mode)', '漢'.repeat(qrPayloadLimits.maxKanji)],
    ['a long https URL', `https://example.com/${'a'.repeat(2900)}`],
  ];
  for (const [name, text] of fits) {
    it(`accepts ${name}`, () => {
      assert.doesNotThrow(() => parseQrPayload(text));
    });
  }

  const over: Array<[string, string]> = [
    ['7,090 digits', '1'.repeat(qrPayloadLimits.maxNumeric + 1)],
    ['4,297 upper-case alphanumerics', 'A'.repeat(qrPayloadLimits.maxAlphanumeric + 1)],
    ['2,954 lower-case letters', 'a'.repeat(qrPayloadLimits.maxBytes + 1)],
    ['1,818 kanji', '漢'.repeat(qrPayloadLimits.maxKanji + 1)],
    ['740 emoji (four bytes each in every encoding)', '😀'.repeat(740)],
    ['5,000 characters of text', 'x'.repeat(5000)],
    ['a megabyte', 'x'.repeat(1 << 20)],
  ];
  for (const [name, text] of over) {
    it(`refuses ${name}`, () => {
      assert.throws(() => parseQrPayload(text), tooLarge);
    });
  }

  it('checks the size before anything else, even a refused scheme', () => {
    assert.throws(() => parseQrPayload(`javascript:${'x'.repeat(5000)}`), tooLarge);
  });
});
