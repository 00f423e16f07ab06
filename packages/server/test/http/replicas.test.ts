import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from '../../src/http/create-server.ts';
import { FACTORIES } from '../helpers/stores.ts';
import { stubJws, stubVerify } from '../helpers/stub-verifier.ts';

const TOKEN = 'replica-test-token-0123456789';

// Two replicas on one database: each serves the current document from memory for a moment. A
// publish is visible at once on the replica that took it, and on the other once its second is up.
for (const [name, factory] of FACTORIES) {
  describe(`two replicas sharing ${name}`, () => {
    it('serve a new document at once where it was published, and within the cache time elsewhere', async () => {
      const fixture = await factory();
      let clock = 1_000_000;
      const storeA = fixture.open();
      const storeB = fixture.open();
      await storeA.migrate();
      await storeB.migrate();
      await storeA.createProject('spring');
      await storeA.addAdminToken('spring', createHash('sha256').update(TOKEN).digest('hex'));
      await storeA.addSigningKey('spring', { kid: 'primary', alg: 'EdDSA', jwk: { kty: 'OKP' } });
      const options = {
        verify: stubVerify,
        logger: false,
        nowMs: () => clock,
        limits: { currentCacheMs: 1000 },
      } as const;
      const a = createServer({ ...options, store: storeA });
      const b = createServer({ ...options, store: storeB });
      const publish = (seq: number) =>
        a.inject({
          method: 'POST',
          url: '/v1/projects/spring/pinsets',
          headers: { authorization: `Bearer ${TOKEN}` },
          payload: {
            jws: stubJws({ project: 'spring', seq }),
            rollbackJws: stubJws({ project: 'spring', seq: seq + 1, rollback: true }),
          },
        });
      const seqOn = async (app: typeof a): Promise<string | undefined> =>
        (await app.inject({ method: 'GET', url: '/v1/projects/spring/pinset' })).headers['x-qrpin-seq'] as
          string | undefined;
      try {
        assert.equal((await publish(1)).statusCode, 201);
        assert.equal(await seqOn(a), '1');
        assert.equal(await seqOn(b), '1');
        assert.equal((await publish(3)).statusCode, 201);
        assert.equal(await seqOn(a), '3', 'the publishing replica serves it at once');
        assert.equal(await seqOn(b), '1', 'the other replica still has its cached document');
        clock += 1001;
        assert.equal(await seqOn(b), '3', 'and serves the new one once its cache time is up');
      } finally {
        await a.close();
        await b.close();
        await fixture.cleanup();
      }
    });
  });
}
