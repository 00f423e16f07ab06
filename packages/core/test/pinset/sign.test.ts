import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { PinsetError, inspectPinset, signPinset, verifyPinset } from '@qrpin/core';
import { NOW, NOW_S, DAY, makeKey, payload } from './fixtures.ts';

const ed = makeKey('EdDSA', 'primary');

describe('signPinset', () => {
  it('writes the protected header alg, kid and typ, and EdDSA by default', () => {
    const jws = signPinset(payload(), { privateKey: ed.privateKey, kid: 'primary' });
    assert.match(jws, /^[\w-]+\.[\w-]+\.[\w-]{86}$/);
    assert.deepEqual(inspectPinset(jws).header, { alg: 'EdDSA', kid: 'primary', typ: 'qrpin-pinset+jws' });
  });

  it('is deterministic for EdDSA', () => {
    const options = { privateKey: ed.privateKey, kid: 'primary' };
    assert.equal(signPinset(payload(), options), signPinset(payload(), options));
  });

  const badOptions: Array<[string, () => string, RegExp]> = [
    [
      'an ES256 key used for EdDSA',
      () => signPinset(payload(), { privateKey: makeKey('ES256', 'x').privateKey, kid: 'x', alg: 'EdDSA' }),
      /alg EdDSA needs an Ed25519 private key, got ec prime256v1/,
    ],
    [
      'a P-384 key used for ES256',
      () =>
        signPinset(payload(), {
          privateKey: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
          kid: 'x',
          alg: 'ES256',
        }),
      /needs a P-256 private key, got ec secp384r1/,
    ],
    [
      'a public key',
      () => signPinset(payload(), { privateKey: ed.publicKey, kid: 'x' }),
      /must be a private KeyObject/,
    ],
    [
      'a kid with a space',
      () => signPinset(payload(), { privateKey: ed.privateKey, kid: 'my key' }),
      /kid must be/,
    ],
    [
      'alg HS256',
      () => signPinset(payload(), { privateKey: ed.privateKey, kid: 'x', alg: 'HS256' as 'EdDSA' }),
      /alg "HS256" must be/,
    ],
  ];
  for (const [name, attempt, message] of badOptions) {
    it(`refuses ${name}`, () => {
      assert.throws(attempt, (err: unknown) => {
        assert.ok(err instanceof PinsetError);
        assert.equal(err.code, 'ERR_PINSET_OPTIONS');
        assert.match(err.message, message);
        return true;
      });
    });
  }

  it('refuses to sign a payload the schema refuses', () => {
    assert.throws(
      () => signPinset({ ...payload(), seq: -1 }, { privateKey: ed.privateKey, kid: 'primary' }),
      {
        code: 'ERR_PINSET_MALFORMED',
        message: /payload\.seq: -1 must be a positive safe integer/,
      },
    );
  });

  it('round-trips any valid seq, iat and lifetime (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: NOW_S - 200, max: NOW_S + 200 }),
        fc.integer({ min: 1, max: 400 * DAY }),
        (seq, iat, life) => {
          const p = payload({ seq, iat, exp: NOW_S + life + 300 });
          const jws = signPinset(p, { privateKey: ed.privateKey, kid: 'primary' });
          const got = verifyPinset(jws, {
            trustedKeys: [{ kid: 'primary', alg: 'EdDSA', jwk: ed.jwk }],
            now: () => NOW,
          });
          assert.deepEqual(got.payload, p);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('inspectPinset', () => {
  it('decodes header and payload without a key', () => {
    const jws = signPinset(payload(), { privateKey: ed.privateKey, kid: 'primary' });
    const seen = inspectPinset(jws);
    assert.deepEqual(seen.payload, payload());
    assert.equal(seen.signatureBytes, 64);
  });

  it('refuses what is not a compact JWS', () => {
    assert.throws(() => inspectPinset('not a jws'), { code: 'ERR_PINSET_MALFORMED' });
    assert.throws(() => inspectPinset('A'.repeat(70_000)), { code: 'ERR_PINSET_TOO_LARGE' });
  });
});
