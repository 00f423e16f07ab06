import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QrpinError } from '@qrpin/core';

describe('QrpinError', () => {
  it('carries its code, its message and its cause', () => {
    const cause = new Error('inner');
    const err = new QrpinError('ERR_PIN_INVALID', 'pin "x" is not valid', { cause });
    assert.equal(err.code, 'ERR_PIN_INVALID');
    assert.equal(err.message, 'pin "x" is not valid');
    assert.equal(err.cause, cause);
    assert.equal(err.name, 'QrpinError');
  });
});
