import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { QrpinError, stripUrl, validateTelemetryEvent } from '@qrpin/core';

const valid = {
  type: 'pin_failure',
  time: '2026-11-24T12:00:00.000Z',
  project: 'spring',
  appId: 'kiosk',
  appVersion: '1.4.2',
  platform: 'node',
  sessionId: '0b5f6a3e-1111-4c2b-9d7e-2f0c3a9b8c7d',
  destination: 'spring-poster',
  campaign: 'spring-2026',
  host: 'promo.example.com',
  url: 'https://promo.example.com/spring',
  hop: 0,
  code: 'ERR_PIN_MISMATCH',
  chainPins: [`sha256/${Buffer.alloc(32, 1).toString('base64')}`],
  mode: 'enforce',
  pinsetSeq: 7,
  cohort: 12,
};

describe('validateTelemetryEvent', () => {
  it('accepts a complete event and keeps only its fields', () => {
    assert.deepEqual(validateTelemetryEvent(valid), valid);
    const minimal = Object.fromEntries(
      Object.entries(valid).filter(([key]) => key !== 'destination' && key !== 'campaign'),
    );
    assert.deepEqual(validateTelemetryEvent(minimal), minimal);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an unknown field', { ...valid, ip: '203.0.113.9' }, /event ip is not a field/],
    ['an unknown type', { ...valid, type: 'clicked' }, /event type must be one of/],
    ['a missing project', { ...valid, project: undefined }, /event project is required/],
    ['a local time', { ...valid, time: '2026-11-24 12:00' }, /event time must be an ISO 8601 UTC time/],
    [
      'a URL with a query string',
      { ...valid, url: 'https://promo.example.com/spring?email=a@b.c' },
      /query string/,
    ],
    [
      'a URL with a fragment',
      { ...valid, url: 'https://promo.example.com/#token' },
      /query string or fragment/,
    ],
    ['a URL with credentials', { ...valid, url: 'https://user:pw@promo.example.com/' }, /credentials/],
    [
      'an oversized destination',
      { ...valid, destination: 'x'.repeat(129) },
      /destination must be a string of 1 to 128/,
    ],
    ['control characters', { ...valid, appVersion: '1.0\n<script>' }, /control characters/],
    ['a bad pin in the chain', { ...valid, chainPins: ['sha1/abc'] }, /chainPins must be/],
    ['a cohort over 99', { ...valid, cohort: 100 }, /cohort must be an integer from 0 to 99/],
    ['a non-object', [] as unknown as Record<string, unknown>, /must be an object/],
  ];
  for (const [name, input, message] of bad) {
    it(`refuses ${name} with ERR_EVENT_INVALID`, () => {
      const cleaned = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
      assert.throws(
        () => validateTelemetryEvent(Array.isArray(input) ? input : cleaned),
        (err: unknown) =>
          err instanceof QrpinError && err.code === 'ERR_EVENT_INVALID' && message.test(err.message),
      );
    });
  }

  it('refuses a field the event only inherits, as one of its own', () => {
    const inheriting = Object.assign(Object.create({ ip: '203.0.113.9' }) as object, valid);
    assert.throws(
      () => validateTelemetryEvent(inheriting),
      (err: unknown) => err instanceof QrpinError && /event ip is not a field/.test(err.message),
    );
  });

  it('checks every text field for control characters, one call after another', () => {
    // The check is one regular expression shared by every call: it must keep no state between them.
    for (let i = 0; i < 3; i++) {
      assert.throws(() => validateTelemetryEvent({ ...valid, platform: 'ios\u2028' }), /control characters/);
      assert.deepEqual(validateTelemetryEvent(valid), valid);
    }
  });

  it('throws nothing but ERR_EVENT_INVALID for arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          validateTelemetryEvent(value);
        } catch (err) {
          assert.ok(err instanceof QrpinError && err.code === 'ERR_EVENT_INVALID', String(err));
        }
      }),
    );
  });

  it('strips query strings, fragments and credentials from URLs', () => {
    assert.equal(
      stripUrl('https://u:p@promo.example.com/spring?src=qr#x'),
      'https://promo.example.com/spring',
    );
    assert.equal(stripUrl('not a url'), '');
  });
});
