import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QrpinError } from '@qrpin/core';
import { PinMismatchError } from '../../src/errors/pin-mismatch-error.ts';
import { formatPinFailure, type PinFailureReport } from '../../src/pin/report.ts';

describe('PinMismatchError', () => {
  it('is a coded QrpinError carrying the report fields and the OkHttp-style message', () => {
    const facts = {
      host: 'a.example.com',
      chain: [{ pin: 'sha256/L', subject: 'CN=a.example.com', issuer: 'CN=CA' }],
      pins: ['sha256/P'],
      backupPins: [],
      mode: 'enforce' as const,
      enforced: true,
      expired: false,
    };
    const report: PinFailureReport = {
      ...facts,
      port: 8443,
      pattern: '*.example.com',
      sessionReused: true,
      date: '2026-01-01T00:00:00.000Z',
      message: formatPinFailure(facts),
    };
    const err = new PinMismatchError(report);
    assert.ok(err instanceof QrpinError);
    assert.equal(err.name, 'PinMismatchError');
    assert.equal(err.code, 'ERR_PIN_MISMATCH');
    assert.equal(err.message, report.message);
    assert.equal(err.host, 'a.example.com');
    assert.equal(err.port, 8443);
    assert.equal(err.pattern, '*.example.com');
    assert.deepEqual(err.chain, facts.chain);
    assert.deepEqual(err.pins, ['sha256/P']);
    assert.equal(err.mode, 'enforce');
    assert.equal(err.sessionReused, true);
  });
});
