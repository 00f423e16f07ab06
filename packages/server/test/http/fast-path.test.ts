import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { createServer } from '../../src/http/create-server.ts';
import { sqliteFactory } from '../helpers/stores.ts';
import { stubJws, stubVerify } from '../helpers/stub-verifier.ts';

const TOKEN = 'fast-path-test-token-0123456789';

// The current document answered from memory on the socket must be indistinguishable from the
// Fastify route's answer: same status, body and caching headers, same 304, counted in /metrics.
describe('the in-memory fast path of GET …/pinset', () => {
  it('answers exactly as the Fastify route does, and is counted', async () => {
    const fixture = await sqliteFactory();
    const store = fixture.open();
    await store.migrate();
    await store.createProject('spring');
    await store.addAdminToken('spring', createHash('sha256').update(TOKEN).digest('hex'));
    await store.addSigningKey('spring', { kid: 'primary', alg: 'EdDSA', jwk: { kty: 'OKP' } });
    const fast = createServer({ store, verify: stubVerify, logger: false });
    const slow = createServer({ store, verify: stubVerify, logger: false, limits: { currentCacheMs: 0 } });
    let reachedFastify = 0;
    fast.addHook('onRequest', async (request) => {
      if (request.url.endsWith('/pinset')) reachedFastify += 1;
    });
    try {
      const published = await fast.inject({
        method: 'POST',
        url: '/v1/projects/spring/pinsets',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: {
          jws: stubJws({ project: 'spring', seq: 1 }),
          rollbackJws: stubJws({ project: 'spring', seq: 2, rollback: true }),
        },
      });
      assert.equal(published.statusCode, 201);
      await fast.listen({ host: '127.0.0.1', port: 0 });
      await slow.listen({ host: '127.0.0.1', port: 0 });
      const url = (app: typeof fast): string =>
        `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/projects/spring/pinset`;
      const get = async (app: typeof fast, headers: Record<string, string> = {}) => {
        const res = await request(url(app), { headers });
        const body = await res.body.text();
        const pick = ['etag', 'cache-control', 'x-qrpin-seq', 'content-type', 'content-length'];
        return {
          status: res.statusCode,
          body,
          headers: Object.fromEntries(pick.map((h) => [h, res.headers[h]])),
        };
      };
      await get(fast); // fills the fast replica's memory through the Fastify route
      assert.equal(reachedFastify, 1);
      const fromMemory = await get(fast);
      assert.equal(reachedFastify, 1, 'the second GET is answered from memory, before Fastify');
      const fromFastify = await get(slow);
      assert.deepEqual(fromMemory, fromFastify);
      assert.equal(fromMemory.status, 200);
      assert.equal(fromMemory.body, stubJws({ project: 'spring', seq: 1 }));
      const etag = String(fromMemory.headers.etag);
      const notModified = await get(fast, { 'if-none-match': etag });
      assert.equal(notModified.status, 304);
      assert.equal(notModified.body, '');
      assert.deepEqual(notModified, await get(slow, { 'if-none-match': etag }));
      const metrics = await fast.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /route="\/v1\/projects\/:project\/pinset",status="200"\} 2/);
      assert.match(metrics.body, /route="\/v1\/projects\/:project\/pinset",status="304"\} 1/);
      assert.equal(reachedFastify, 1, 'the 304 came from memory too');

      // A rollback released on this replica replaces what the fast path serves at once.
      const released = await fast.inject({
        method: 'POST',
        url: '/v1/projects/spring/rollback',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(released.statusCode, 201);
      const after = await get(fast);
      assert.equal(after.headers['x-qrpin-seq'], '2');
      assert.equal(after.body, stubJws({ project: 'spring', seq: 2, rollback: true }));
    } finally {
      await fast.close();
      await slow.close();
      await fixture.cleanup();
    }
  });
});
