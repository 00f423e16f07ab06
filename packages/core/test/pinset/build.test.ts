import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildPinsetPayload,
  buildRollback,
  compilePolicy,
  pinsetToPolicy,
  PinsetError,
  signPinset,
  verifyPinset,
} from '@qrpin/core';
import { DAY, NOW, NOW_S, makeKey, manifest, payload, pinOf } from './fixtures.ts';

const ed = makeKey('EdDSA', 'primary');
const trustedKeys = [{ kid: 'primary', alg: 'EdDSA' as const, jwk: ed.jwk }];

describe('buildPinsetPayload', () => {
  it('carries each host with canonical pattern, pins, backups, includeSubdomains and mode', () => {
    const p = payload();
    assert.deepEqual(p, {
      v: 1,
      project: 'spring-campaign',
      seq: 7,
      iat: NOW_S - 60,
      exp: NOW_S + 30 * DAY,
      hosts: [
        {
          pattern: '**.example.com',
          pins: [pinOf('leaf')],
          backupPins: [pinOf('backup')],
          includeSubdomains: true,
          mode: 'enforce',
        },
        {
          pattern: 'api.example.net',
          pins: [pinOf('api')],
          backupPins: [pinOf('api-backup')],
          includeSubdomains: false,
          mode: 'report',
        },
      ],
      rollout: { stage: 'everyone', enforcePercent: 100 },
    });
  });

  it('takes a rollout stage', () => {
    const p = buildPinsetPayload(compilePolicy(manifest), {
      seq: 1,
      iat: NOW_S,
      exp: NOW_S + DAY,
      rollout: { stage: 'beta', enforcePercent: 10 },
    });
    assert.deepEqual(p.rollout, { stage: 'beta', enforcePercent: 10 });
  });

  it('takes an expiry policy, and refuses one it does not know', () => {
    const options = { seq: 1, iat: NOW_S, exp: NOW_S + DAY };
    assert.equal(buildPinsetPayload(compilePolicy(manifest), options).onExpiry, undefined);
    assert.equal(
      buildPinsetPayload(compilePolicy(manifest), { ...options, onExpiry: 'enforce' }).onExpiry,
      'enforce',
    );
    assert.throws(
      () => buildPinsetPayload(compilePolicy(manifest), { ...options, onExpiry: 'panic' as 'enforce' }),
      (err: unknown) =>
        err instanceof PinsetError &&
        err.code === 'ERR_PINSET_OPTIONS' &&
        /payload\.onExpiry: "panic"/.test(err.message),
    );
  });

  const bad: Array<[string, Partial<{ seq: number; iat: number; exp: number }>, RegExp]> = [
    ['a seq of zero', { seq: 0 }, /payload\.seq: 0/],
    ['a fractional seq', { seq: 1.5 }, /payload\.seq: 1\.5/],
    ['exp equal to iat', { iat: NOW_S, exp: NOW_S }, /payload\.exp: .* must be after iat/],
    ['a negative iat', { iat: -5 }, /payload\.iat: -5/],
  ];
  for (const [name, options, message] of bad) {
    it(`refuses ${name} with ERR_PINSET_OPTIONS`, () => {
      assert.throws(
        () => payload(options),
        (err: unknown) =>
          err instanceof PinsetError && err.code === 'ERR_PINSET_OPTIONS' && message.test(err.message),
      );
    });
  }
});

describe('buildRollback', () => {
  it('keeps the pins, puts every host in report mode, rolls out report-only and takes seq + 1', () => {
    const original = payload();
    const rollback = buildRollback(original);
    assert.equal(rollback.seq, 8);
    assert.equal(rollback.rollbackOf, 7);
    assert.deepEqual(rollback.rollout, { stage: 'report-only', enforcePercent: 0 });
    assert.deepEqual(
      rollback.hosts.map((h) => [h.pattern, h.pins, h.backupPins, h.mode]),
      original.hosts.map((h) => [h.pattern, h.pins, h.backupPins, 'report']),
    );
    assert.equal(rollback.exp, original.exp);
  });

  it('signs into a document that verifies after the original', () => {
    const original = payload();
    const first = signPinset(original, { privateKey: ed.privateKey, kid: 'primary' });
    const second = signPinset(buildRollback(original), { privateKey: ed.privateKey, kid: 'primary' });
    const accepted = verifyPinset(first, { trustedKeys, now: () => NOW, lastSeq: 6 });
    const rolledBack = verifyPinset(second, { trustedKeys, now: () => NOW, lastSeq: accepted.payload.seq });
    assert.equal(rolledBack.payload.rollbackOf, 7);
    assert.ok(rolledBack.payload.hosts.every((h) => h.mode === 'report'));
  });

  it('refuses a seq that is not above the original', () => {
    assert.throws(() => buildRollback(payload(), { seq: 7 }), {
      code: 'ERR_PINSET_OPTIONS',
      message: /must be a safe integer higher than the rolled-back seq 7/,
    });
  });
});

describe('pinsetToPolicy', () => {
  it('gives back the policy the payload was built from', () => {
    const policy = pinsetToPolicy(payload());
    const original = compilePolicy(manifest);
    assert.equal(policy.project, original.project);
    assert.deepEqual(
      policy.hosts.map((h) => [h.pattern.toString(), h.pins.map(String), h.backupPins.map(String), h.mode]),
      original.hosts.map((h) => [h.pattern.toString(), h.pins.map(String), h.backupPins.map(String), h.mode]),
    );
    assert.ok(policy.hosts[0]?.pattern.matches('deep.www.example.com'));
  });

  it('refuses a payload that does not fit the schema', () => {
    assert.throws(() => pinsetToPolicy({ ...payload(), hosts: [{ ...payload().hosts[0]!, pins: [] }] }), {
      code: 'ERR_PINSET_MALFORMED',
    });
  });
});
