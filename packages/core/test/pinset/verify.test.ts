import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, sign as rawSign } from 'node:crypto';
import fc from 'fast-check';
import {
  PinsetError,
  signPinset,
  verifyPinset,
  type PinsetErrorCode,
  type PinsetTrustedKey,
} from '@qrpin/core';
import { DAY, NOW, NOW_S, makeKey, payload } from './fixtures.ts';

const ed = makeKey('EdDSA', 'primary');
const es = makeKey('ES256', 'backup');
const trustedKeys: PinsetTrustedKey[] = [
  { kid: ed.kid, alg: ed.alg, jwk: ed.jwk },
  { kid: es.kid, alg: es.alg, jwk: es.jwk },
];
const now = (): Date => NOW;
const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function rejects(jws: string, code: PinsetErrorCode, message: RegExp, lastSeq?: number): void {
  assert.throws(
    () => verifyPinset(jws, { trustedKeys, now, lastSeq }),
    (err: unknown) => {
      assert.ok(err instanceof PinsetError, `expected a PinsetError, got ${String(err)}`);
      assert.equal(err.code, code, err.message);
      assert.match(err.message, message);
      return true;
    },
  );
}

function signed(seq = 7): string {
  return signPinset(payload({ seq }), { privateKey: ed.privateKey, kid: ed.kid, alg: 'EdDSA' });
}

describe('verifyPinset', () => {
  for (const key of [ed, es]) {
    it(`returns the header and payload of a document signed with ${key.alg}`, () => {
      const jws = signPinset(payload(), { privateKey: key.privateKey, kid: key.kid, alg: key.alg });
      const { header, payload: got } = verifyPinset(jws, { trustedKeys, now, lastSeq: 6 });
      assert.deepEqual(header, { alg: key.alg, kid: key.kid, typ: 'qrpin-pinset+jws' });
      assert.deepEqual(got, payload());
    });
  }

  it('accepts a KeyObject in place of the JWK, and reduces a private key to its public half', () => {
    for (const material of [ed.publicKey, ed.privateKey]) {
      const result = verifyPinset(signed(), {
        trustedKeys: [{ kid: ed.kid, alg: 'EdDSA', jwk: material }],
        now,
      });
      assert.equal(result.header.kid, 'primary');
    }
  });

  it('accepts a trusted KeyObject as well as a JWK', () => {
    const result = verifyPinset(signed(), {
      trustedKeys: [{ kid: ed.kid, alg: 'EdDSA', key: ed.publicKey }],
      now,
    });
    assert.equal(result.payload.seq, 7);
  });

  it('rejects a document with one payload byte flipped', () => {
    const [h, p, s] = signed().split('.') as [string, string, string];
    const bytes = Buffer.from(p, 'base64url');
    const at = bytes.indexOf('spring');
    bytes[at] = 'S'.charCodeAt(0);
    rejects(
      `${h}.${bytes.toString('base64url')}.${s}`,
      'ERR_PINSET_SIGNATURE',
      /does not verify with trusted key "primary"/,
    );
  });

  it('rejects a signature from an untrusted key that claims a trusted kid', () => {
    const mallory = makeKey('EdDSA', ed.kid);
    const jws = signPinset(payload(), { privateKey: mallory.privateKey, kid: ed.kid, alg: 'EdDSA' });
    rejects(jws, 'ERR_PINSET_SIGNATURE', /signed by another key/);
  });

  it('rejects a document signed under an unknown kid', () => {
    const other = makeKey('EdDSA', 'stranger');
    const jws = signPinset(payload(), { privateKey: other.privateKey, kid: 'stranger', alg: 'EdDSA' });
    rejects(
      jws,
      'ERR_PINSET_UNKNOWN_KEY',
      /kid "stranger" is not a trusted signing key \(trusted: "primary", "backup"\)/,
    );
  });

  it('rejects a document whose alg does not fit the trusted key of its kid', () => {
    const [, p] = signed().split('.') as [string, string, string];
    const h = b64({ alg: 'ES256', kid: ed.kid, typ: 'qrpin-pinset+jws' });
    rejects(
      `${h}.${p}.${'A'.repeat(86)}`,
      'ERR_PINSET_UNKNOWN_KEY',
      /"primary" is EdDSA, but the document says ES256/,
    );
  });

  it('rejects alg "none" with an empty signature', () => {
    const h = b64({ alg: 'none', kid: ed.kid, typ: 'qrpin-pinset+jws' });
    rejects(
      `${h}.${b64(payload())}.`,
      'ERR_PINSET_ALGORITHM',
      /alg is "none"; only EdDSA and ES256 are accepted/,
    );
  });

  it('rejects HS256 keyed with the trusted public key (the algorithm confusion attack)', () => {
    const h = b64({ alg: 'HS256', kid: ed.kid, typ: 'qrpin-pinset+jws' });
    const body = b64(payload());
    for (const secret of [
      ed.publicKey.export({ type: 'spki', format: 'pem' }),
      ed.publicKey.export({ type: 'spki', format: 'der' }),
      Buffer.from(JSON.stringify(ed.jwk)),
    ]) {
      const mac = createHmac('sha256', secret).update(`${h}.${body}`).digest('base64url');
      rejects(`${h}.${body}.${mac}`, 'ERR_PINSET_ALGORITHM', /alg is "HS256"/);
    }
  });

  for (const alg of ['RS256', 'ES384', 'PS256', 'Ed25519', 'eddsa', '', 42]) {
    it(`rejects alg ${JSON.stringify(alg)}`, () => {
      const h = b64({ alg, kid: ed.kid, typ: 'qrpin-pinset+jws' });
      rejects(`${h}.${b64(payload())}.${'A'.repeat(86)}`, 'ERR_PINSET_ALGORITHM', /only EdDSA and ES256/);
    });
  }

  it('rejects a replayed document whose seq is not above the last accepted one', () => {
    rejects(signed(7), 'ERR_PINSET_ROLLBACK', /seq 7 is not newer than the last accepted seq 7/, 7);
    rejects(signed(5), 'ERR_PINSET_ROLLBACK', /seq 5 is not newer than the last accepted seq 7/, 7);
    assert.equal(verifyPinset(signed(8), { trustedKeys, now, lastSeq: 7 }).payload.seq, 8);
  });

  it('rejects a document signed for another project when the verifier names its project', () => {
    const project = verifyPinset(signed(8), { trustedKeys, now }).payload.project;
    assert.equal(verifyPinset(signed(8), { trustedKeys, now, project }).payload.seq, 8);
    assert.throws(
      () => verifyPinset(signed(8), { trustedKeys, now, project: 'another-project' }),
      (err: unknown) =>
        err instanceof PinsetError &&
        err.code === 'ERR_PINSET_PROJECT' &&
        /is for project ".*", not "another-project"/.test(err.message),
    );
  });

  it('rejects an expired document, and honours the clock skew', () => {
    const jws = (exp: number): string =>
      signPinset(payload({ iat: NOW_S - 30 * DAY, exp }), { privateKey: ed.privateKey, kid: ed.kid });
    rejects(
      jws(NOW_S - DAY),
      'ERR_PINSET_EXPIRED',
      /expired at 2026-11-23T12:00:00Z \(now 2026-11-24T12:00:00Z\)/,
    );
    rejects(jws(NOW_S - 300), 'ERR_PINSET_EXPIRED', /expired/);
    assert.equal(verifyPinset(jws(NOW_S - 299), { trustedKeys, now }).payload.exp, NOW_S - 299);
  });

  it('rejects a document issued far in the future, and honours the clock skew', () => {
    const jws = (iat: number): string =>
      signPinset(payload({ iat, exp: iat + DAY }), { privateKey: ed.privateKey, kid: ed.kid });
    rejects(jws(NOW_S + DAY), 'ERR_PINSET_NOT_YET_VALID', /in the future/);
    assert.ok(verifyPinset(jws(NOW_S + 300), { trustedKeys, now }));
    assert.ok(verifyPinset(jws(NOW_S + 900), { trustedKeys, now, maxSkewSeconds: 900 }));
  });

  it('rejects an oversized document before reading it', () => {
    rejects(`${signed()}${'A'.repeat(64 * 1024)}`, 'ERR_PINSET_TOO_LARGE', /over 65536 bytes/);
    assert.throws(() => verifyPinset(signed(), { trustedKeys, now, maxBytes: 100 }), {
      code: 'ERR_PINSET_TOO_LARGE',
    });
  });

  it('rejects a wrong or missing typ', () => {
    const [, p, s] = signed().split('.') as [string, string, string];
    for (const typ of ['JWT', 'application/qrpin-pinset+jws', undefined]) {
      rejects(
        `${b64({ alg: 'EdDSA', kid: ed.kid, typ })}.${p}.${s}`,
        'ERR_PINSET_TYPE',
        /expected "qrpin-pinset\+jws"/,
      );
    }
  });

  const malformed: Array<[string, string, RegExp]> = [
    ['an empty string', '', /three base64url parts.*this has 1 part$/],
    ['two parts', 'abc.def', /this has 2 parts/],
    ['four parts', 'a.b.c.d', /this has 4 parts/],
    ['a padded part', `${b64({ alg: 'EdDSA' })}=.e30.`, /header is not canonical unpadded base64url/],
    ['standard base64 characters', `${b64({})}.e3+9.`, /payload is not canonical/],
    [
      'a header that is not JSON',
      `${Buffer.from('{nope').toString('base64url')}.e30.`,
      /header is not UTF-8 JSON/,
    ],
    ['a header that is a list', `${b64([])}.e30.`, /header must be a JSON object/],
    [
      'a header with an embedded key',
      `${b64({ alg: 'EdDSA', kid: 'primary', typ: 'qrpin-pinset+jws', jwk: {} })}.e30.`,
      /member "jwk"/,
    ],
    [
      'a header with crit',
      `${b64({ alg: 'EdDSA', kid: 'primary', typ: 'qrpin-pinset+jws', crit: ['b64'] })}.e30.`,
      /member "crit"/,
    ],
    ['invalid UTF-8', `${Buffer.from([0x7b, 0xff, 0x7d]).toString('base64url')}.e30.`, /not UTF-8 JSON/],
  ];
  for (const [name, jws, message] of malformed) {
    it(`rejects ${name} as malformed`, () => rejects(jws, 'ERR_PINSET_MALFORMED', message));
  }

  const badPayloads: Array<[string, (p: Record<string, unknown>) => unknown, RegExp]> = [
    ['an unknown member', (p) => ({ ...p, admin: true }), /unknown member "admin"/],
    ['another version', (p) => ({ ...p, v: 2 }), /payload\.v: 2 is not supported/],
    ['a seq of zero', (p) => ({ ...p, seq: 0 }), /payload\.seq: 0 must be a positive safe integer/],
    ['an unsafe seq', (p) => ({ ...p, seq: 2 ** 53 }), /payload\.seq/],
    ['a fractional iat', (p) => ({ ...p, iat: 1.5 }), /payload\.iat/],
    ['exp before iat', (p) => ({ ...p, exp: p.iat }), /payload\.exp: .* must be after iat/],
    [
      'a host without pins',
      (p) => ({ ...p, hosts: [{ ...host(p), pins: [] }] }),
      /hosts\[0\]\.pins: must hold at least one pin/,
    ],
    [
      'a non-canonical pin',
      (p) => ({
        ...p,
        hosts: [{ ...host(p), pins: [`sha256//${(host(p).pins as string[])[0]?.slice(7)}`] }],
      }),
      /is not canonical/,
    ],
    [
      'a non-canonical pattern',
      (p) => ({ ...p, hosts: [{ ...host(p), pattern: '**.EXAMPLE.com' }] }),
      /not canonical; write "\*\*\.example\.com"/,
    ],
    [
      'includeSubdomains that contradicts the pattern',
      (p) => ({ ...p, hosts: [{ ...host(p), includeSubdomains: false }] }),
      /includeSubdomains: must be true/,
    ],
    [
      'a bad mode',
      (p) => ({ ...p, hosts: [{ ...host(p), mode: 'block' }] }),
      /mode: "block" must be "enforce" or "report"/,
    ],
    [
      'a bad rollout stage',
      (p) => ({ ...p, rollout: { stage: 'all', enforcePercent: 100 } }),
      /rollout\.stage/,
    ],
    [
      'an enforce percentage over 100',
      (p) => ({ ...p, rollout: { stage: 'beta', enforcePercent: 101 } }),
      /rollout\.enforcePercent/,
    ],
    [
      'report-only that enforces',
      (p) => ({ ...p, rollout: { stage: 'report-only', enforcePercent: 5 } }),
      /must be 0 at stage "report-only"/,
    ],
    [
      'a rollbackOf not below seq',
      (p) => ({ ...p, rollbackOf: p.seq }),
      /rollbackOf: 7 must be lower than seq 7/,
    ],
    ['a payload that is a string', () => 'hello', /payload: must be a JSON object/],
  ];
  for (const [name, mutate, message] of badPayloads) {
    it(`rejects a signed payload with ${name}`, () => {
      const body = Buffer.from(JSON.stringify(mutate({ ...payload() }))).toString('base64url');
      const h = b64({ alg: 'EdDSA', kid: ed.kid, typ: 'qrpin-pinset+jws' });
      rejects(`${h}.${body}.${signRaw(`${h}.${body}`)}`, 'ERR_PINSET_MALFORMED', message);
    });
  }

  it('refuses bad options with ERR_PINSET_OPTIONS', () => {
    const cases: Array<[Parameters<typeof verifyPinset>[1], RegExp]> = [
      [{ trustedKeys: [], now }, /trustedKeys is empty/],
      [
        { trustedKeys: [{ kid: 'k', alg: 'EdDSA', jwk: es.jwk }], now },
        /alg EdDSA needs an Ed25519 key, got ec prime256v1/,
      ],
      [{ trustedKeys: [{ kid: 'k', alg: 'ES256', jwk: { kty: 'EC' } }], now }, /not a usable public key/],
      [{ trustedKeys, now, lastSeq: -1 }, /lastSeq -1/],
      [{ trustedKeys } as unknown as Parameters<typeof verifyPinset>[1], /now must be a function/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => verifyPinset(signed(), options),
        (err: unknown) => {
          assert.ok(err instanceof PinsetError);
          assert.equal(err.code, 'ERR_PINSET_OPTIONS');
          assert.match(err.message, message);
          return true;
        },
      );
    }
  });

  it('only ever throws a PinsetError for arbitrary strings', () => {
    const part = fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/);
    const jsonPart = fc
      .jsonValue()
      .map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url'));
    const arbitrary = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.tuple(part, part, part).map((p) => p.join('.')),
      fc.tuple(jsonPart, jsonPart, part).map((p) => p.join('.')),
      fc
        .record({
          alg: fc.constantFrom('EdDSA', 'ES256', 'none', 'HS256'),
          kid: fc.constantFrom('primary', 'backup', 'x'),
          typ: fc.constantFrom('qrpin-pinset+jws', 'JWT'),
        })
        .chain((h) => fc.tuple(fc.constant(b64(h)), jsonPart, part))
        .map((p) => p.join('.')),
    );
    fc.assert(
      fc.property(arbitrary, (jws) => {
        try {
          verifyPinset(jws, { trustedKeys, now });
          return false;
        } catch (err) {
          return err instanceof PinsetError && err.code.startsWith('ERR_PINSET_');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

function host(p: Record<string, unknown>): Record<string, unknown> {
  return { ...(p.hosts as Array<Record<string, unknown>>)[0] };
}

/** Signs arbitrary text with the trusted EdDSA key, to reach the checks after the signature. */
function signRaw(input: string): string {
  return rawSign(null, Buffer.from(input), ed.privateKey).toString('base64url');
}
