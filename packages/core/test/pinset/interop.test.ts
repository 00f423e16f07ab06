// Interop with panva/jose, an independent JOSE implementation: what qrpin signs, jose verifies,
// and what jose signs with a trusted key, qrpin verifies.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CompactSign, compactVerify, importJWK, importPKCS8 } from 'jose';
import { signPinset, verifyPinset, PinsetError } from '@qrpin/core';
import { NOW, makeKey, payload } from './fixtures.ts';

for (const alg of ['EdDSA', 'ES256'] as const) {
  describe(`interop with jose (${alg})`, () => {
    const key = makeKey(alg, `interop-${alg}`);
    const trustedKeys = [{ kid: key.kid, alg, jwk: key.jwk }];
    const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

    it('a document qrpin signs verifies with jose compactVerify', async () => {
      const jws = signPinset(payload(), { privateKey: key.privateKey, kid: key.kid, alg });
      const result = await compactVerify(jws, await importJWK(key.jwk, alg), { algorithms: [alg] });
      assert.deepEqual(result.protectedHeader, { alg, kid: key.kid, typ: 'qrpin-pinset+jws' });
      assert.deepEqual(JSON.parse(new TextDecoder().decode(result.payload)), payload());
    });

    it('a document jose CompactSign signs with a trusted key verifies in qrpin', async () => {
      const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload({ seq: 9 }))))
        .setProtectedHeader({ alg, kid: key.kid, typ: 'qrpin-pinset+jws' })
        .sign(await importPKCS8(pem, alg));
      const { header, payload: got } = verifyPinset(jws, { trustedKeys, now: () => NOW, lastSeq: 8 });
      assert.equal(header.alg, alg);
      assert.deepEqual(got, payload({ seq: 9 }));
    });

    it('a document jose signs with another key under the trusted kid is refused', async () => {
      const other = makeKey(alg, key.kid);
      const otherPem = other.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload())))
        .setProtectedHeader({ alg, kid: key.kid, typ: 'qrpin-pinset+jws' })
        .sign(await importPKCS8(otherPem, alg));
      assert.throws(
        () => verifyPinset(jws, { trustedKeys, now: () => NOW }),
        (err: unknown) => err instanceof PinsetError && err.code === 'ERR_PINSET_SIGNATURE',
      );
    });
  });
}
