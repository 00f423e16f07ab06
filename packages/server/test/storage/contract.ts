// The storage contract: one suite, run against every PinsetStore implementation.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { PinsetStore, PublishInput } from '../../src/storage/pinset-store.ts';
import { StoreError } from '../../src/storage/error.ts';
import type { StoreFactory, StoreFixture } from '../helpers/stores.ts';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A stand-in document: the store never parses the JWS, it stores the bytes. */
export function doc(seq: number, project = 'demo'): PublishInput {
  const jws = `stub.${Buffer.from(JSON.stringify({ project, seq })).toString('base64url')}.sig`;
  const rollbackJws = `stub.${Buffer.from(JSON.stringify({ project, seq: seq + 1, rollback: true })).toString('base64url')}.sig`;
  return { seq, jws, sha256: sha(jws), rollbackJws, rollbackSeq: seq + 1 };
}

function storeError(code: string, message?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof StoreError, `expected a StoreError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  };
}

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`the ${name} pinset store`, () => {
    let fixture: StoreFixture;
    let store: PinsetStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.open();
      await store.migrate();
      await store.createProject('demo');
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('applies migrations idempotently, again and from a second handle, keeping the data', async () => {
      await store.publish('demo', doc(1));
      await store.migrate();
      const second = fixture.open();
      await second.migrate();
      assert.equal((await second.current('demo'))?.seq, 1);
    });

    it('lets two handles migrate a fresh database at once', async () => {
      const fresh = await factory();
      try {
        const a = fresh.open();
        const b = fresh.open();
        await Promise.all([a.migrate(), b.migrate()]);
        await a.createProject('p1');
        assert.deepEqual(await b.history('p1', { limit: 5 }), []);
      } finally {
        await fresh.cleanup();
      }
    });

    it('answers a ping', async () => {
      await store.ping();
    });

    it('refuses to create a project twice', async () => {
      await assert.rejects(
        store.createProject('demo'),
        storeError('ERR_STORE_CONFLICT', /"demo" already exists/),
      );
    });

    for (const bad of ['', 'Upper', '-lead', 'a b', 'x'.repeat(65), 'semi;colon']) {
      it(`refuses the project id ${JSON.stringify(bad)}`, async () => {
        await assert.rejects(store.createProject(bad), storeError('ERR_STORE_OPTIONS', /is not valid/));
      });
    }

    it('keeps admin token hashes per project', async () => {
      await store.createProject('other');
      await store.addAdminToken('demo', sha('token-a'));
      await store.addAdminToken('demo', sha('token-a'));
      await store.addAdminToken('other', sha('token-b'));
      assert.deepEqual(await store.findAdminTokenHashes('demo'), [sha('token-a')]);
      assert.deepEqual(await store.findAdminTokenHashes('other'), [sha('token-b')]);
      assert.deepEqual(await store.findAdminTokenHashes('nobody'), []);
    });

    it('refuses a token for an unknown project and a token hash that is not a SHA-256', async () => {
      await assert.rejects(store.addAdminToken('nobody', sha('t')), storeError('ERR_STORE_UNKNOWN_PROJECT'));
      await assert.rejects(store.addAdminToken('demo', 'plain-token'), storeError('ERR_STORE_OPTIONS'));
    });

    it('keeps public signing keys and refuses a duplicate kid or a private key', async () => {
      const jwk = { kty: 'OKP', crv: 'Ed25519', x: 'abc' };
      await store.addSigningKey('demo', { kid: 'primary', alg: 'EdDSA', jwk });
      await store.addSigningKey('demo', { kid: 'backup', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } });
      assert.deepEqual(await store.signingKeys('demo'), [
        { kid: 'primary', alg: 'EdDSA', jwk },
        { kid: 'backup', alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256' } },
      ]);
      await assert.rejects(
        store.addSigningKey('demo', { kid: 'primary', alg: 'EdDSA', jwk }),
        storeError('ERR_STORE_CONFLICT', /already has a key "primary"/),
      );
      await assert.rejects(
        store.addSigningKey('demo', { kid: 'k', alg: 'EdDSA', jwk: { ...jwk, d: 'secret' } }),
        storeError('ERR_STORE_OPTIONS', /private JWK/),
      );
    });

    it('publishes in order and serves the highest seq as current', async () => {
      assert.equal(await store.current('demo'), undefined);
      const first = await store.publish('demo', doc(1));
      assert.equal(first.seq, 1);
      assert.equal(first.kind, 'published');
      assert.equal(first.hasRollback, true);
      assert.equal(first.rollbackSeq, 2);
      await store.publish('demo', doc(5));
      const current = await store.current('demo');
      assert.equal(current?.seq, 5);
      assert.equal(current?.jws, doc(5).jws);
      assert.equal(current?.sha256, doc(5).sha256);
      assert.ok(!Number.isNaN(Date.parse(current?.publishedAt ?? '')));
      assert.equal((await store.bySeq('demo', 1))?.jws, doc(1).jws);
      assert.equal(await store.bySeq('demo', 2), undefined);
    });

    it('refuses a seq lower than or equal to the latest', async () => {
      await store.publish('demo', doc(3));
      for (const seq of [3, 2, 0]) {
        await assert.rejects(
          store.publish('demo', doc(seq)),
          storeError(
            'ERR_STORE_SEQ_CONFLICT',
            new RegExp(`seq ${seq} is not greater than the latest stored seq 3`),
          ),
        );
      }
      assert.equal((await store.current('demo'))?.seq, 3);
    });

    it('refuses to publish to an unknown project', async () => {
      await assert.rejects(store.publish('nobody', doc(1)), storeError('ERR_STORE_UNKNOWN_PROJECT'));
    });

    const badInputs: ReadonlyArray<readonly [string, PublishInput]> = [
      ['a negative seq', { ...doc(1), seq: -1 }],
      ['a fractional seq', { ...doc(1), seq: 1.5 }],
      ['an unsafe seq', { ...doc(1), seq: 2 ** 53 }],
      ['an empty jws', { ...doc(1), jws: '' }],
      ['a sha256 that is not hex', { ...doc(1), sha256: 'x'.repeat(64) }],
      ['a rollback seq not above seq', { ...doc(4), rollbackSeq: 4 }],
      ['a rollback seq without a rollback', { seq: 1, jws: 'a', sha256: sha('a'), rollbackSeq: 2 }],
    ];
    for (const [what, input] of badInputs) {
      it(`refuses a publish with ${what}`, async () => {
        await assert.rejects(store.publish('demo', input), storeError('ERR_STORE_OPTIONS'));
      });
    }

    it('lets exactly one of several concurrent publishes of one seq win', async () => {
      const second = fixture.open();
      const attempts = [store, second, store, second, store, second].map((s, i) =>
        s.publish('demo', { ...doc(7), jws: `attempt-${i}`, sha256: sha(`attempt-${i}`) }),
      );
      const results = await Promise.allSettled(attempts);
      const won = results.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1);
      for (const r of results) {
        if (r.status === 'rejected') storeError('ERR_STORE_SEQ_CONFLICT')(r.reason);
      }
      const winner = won[0] as PromiseFulfilledResult<{ jws: string }>;
      assert.equal((await store.current('demo'))?.jws, winner.value.jws);
    });

    it('keeps the seq order when concurrent publishes carry different seqs', async () => {
      const seqs = [4, 2, 9, 6, 3];
      await Promise.allSettled(seqs.map((seq) => store.publish('demo', doc(seq))));
      const history = await store.history('demo', { limit: 10 });
      const published = history.map((p) => p.seq).reverse();
      assert.ok(published.includes(9));
      assert.deepEqual(
        [...published].sort((a, b) => a - b),
        published,
      );
      assert.equal((await store.current('demo'))?.seq, 9);
    });

    it('lists history newest first, bounded by the limit', async () => {
      for (const seq of [1, 2, 3, 4]) await store.publish('demo', doc(seq));
      assert.deepEqual(
        (await store.history('demo', { limit: 3 })).map((p) => p.seq),
        [4, 3, 2],
      );
      assert.deepEqual(await store.history('nobody', { limit: 3 }), []);
      await assert.rejects(store.history('demo', { limit: 0 }), storeError('ERR_STORE_OPTIONS'));
    });

    it('releases the pre-signed rollback of the current document as its own seq', async () => {
      await store.publish('demo', doc(1));
      await store.publish('demo', doc(2));
      const released = await store.releaseRollback('demo');
      assert.equal(released.seq, 3);
      assert.equal(released.kind, 'rollback');
      assert.equal(released.jws, doc(2).rollbackJws);
      assert.equal(released.sha256, sha(doc(2).rollbackJws ?? ''));
      assert.equal(released.hasRollback, false);
      assert.equal((await store.current('demo'))?.seq, 3);
      assert.deepEqual(
        (await store.history('demo', { limit: 10 })).map((p) => [p.seq, p.kind]),
        [
          [3, 'rollback'],
          [2, 'published'],
          [1, 'published'],
        ],
      );
      await assert.rejects(
        store.releaseRollback('demo'),
        storeError('ERR_STORE_NO_ROLLBACK', /current document \(seq 3\) has no pre-signed rollback/),
      );
      await assert.rejects(store.publish('demo', doc(3)), storeError('ERR_STORE_SEQ_CONFLICT'));
      assert.equal((await store.publish('demo', doc(4))).seq, 4);
    });

    it('has no rollback to release before the first document or for an unknown project', async () => {
      await assert.rejects(
        store.releaseRollback('demo'),
        storeError('ERR_STORE_NO_ROLLBACK', /has no document/),
      );
      await assert.rejects(store.releaseRollback('nobody'), storeError('ERR_STORE_UNKNOWN_PROJECT'));
    });

    it('releases the rollback of the current document, not of an earlier one', async () => {
      await store.publish('demo', { ...doc(1), rollbackSeq: 10 });
      await store.publish('demo', doc(2));
      // The current document (seq 2) carries a rollback at seq 3: releasing it works.
      assert.equal((await store.releaseRollback('demo')).seq, 3);
    });
  });
}
