import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../src/http/create-server.ts';
import { MAX_WEBHOOKS } from '../../src/http/routes/admin-webhooks.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import { FACTORIES, type StoreFixture } from '../helpers/stores.ts';
import { stubVerify } from '../helpers/stub-verifier.ts';

const TOKEN = 'webhook-admin-token-0123456789abcdef';
const hash = (text: string): string => createHash('sha256').update(text).digest('hex');

for (const [name, factory] of FACTORIES) {
  describe(`the webhook admin routes on ${name}`, () => {
    let fixture: StoreFixture;
    let store: PinsetStore;
    let app: FastifyInstance;
    before(async () => {
      fixture = await factory();
      store = fixture.open();
      await store.migrate();
      await store.createProject('spring');
      await store.addAdminToken('spring', hash(TOKEN));
      app = createServer({ store, verify: stubVerify, logger: false, limits: { adminBurst: 1000 } });
    });
    after(async () => {
      await app.close();
      await fixture.cleanup();
    });

    const call = (
      method: 'GET' | 'POST' | 'DELETE',
      url: string,
      payload?: Record<string, unknown>,
      token = TOKEN,
    ) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload }),
      });

    it('adds a webhook, shows its secret once, lists it without the secret and removes it', async () => {
      const added = await call('POST', '/v1/projects/spring/webhooks', {
        url: 'https://hooks.example.com/qrpin',
      });
      assert.equal(added.statusCode, 201, added.body);
      const body = added.json();
      assert.equal(body.url, 'https://hooks.example.com/qrpin');
      assert.match(body.secret, /^[A-Za-z0-9_-]{43}$/);
      const listed = (await call('GET', '/v1/projects/spring/webhooks')).json();
      assert.deepEqual(
        listed.webhooks.map((w: { url: string }) => w.url),
        ['https://hooks.example.com/qrpin'],
      );
      assert.doesNotMatch(JSON.stringify(listed), new RegExp(body.secret));
      assert.equal((await call('DELETE', `/v1/projects/spring/webhooks/${body.id}`)).statusCode, 204);
      assert.equal((await call('DELETE', `/v1/projects/spring/webhooks/${body.id}`)).statusCode, 404);
      assert.deepEqual((await call('GET', '/v1/projects/spring/webhooks')).json().webhooks, []);
    });

    const refusals: ReadonlyArray<readonly [string, Record<string, unknown>, RegExp]> = [
      ['no url', {}, /absolute http\(s\) URL/],
      ['a relative url', { url: '/hook' }, /absolute http\(s\) URL/],
      ['a file url', { url: 'file:///etc/passwd' }, /https \(or http\), not file:/],
      ['a javascript url', { url: 'javascript:alert(1)' }, /not javascript:/],
      ['credentials in the url', { url: 'https://user:pw@hooks.example.com/' }, /credentials/],
      ['an oversized url', { url: `https://hooks.example.com/${'a'.repeat(3000)}` }, /at most 2048/],
      ['a url that is not a string', { url: 42 }, /absolute http\(s\) URL/],
    ];
    for (const [what, payload, message] of refusals) {
      it(`refuses ${what} with 400`, async () => {
        const res = await call('POST', '/v1/projects/spring/webhooks', payload);
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.code, 'ERR_HTTP_BAD_REQUEST');
        assert.match(res.json().error.message, message);
      });
    }

    it('refuses the same url twice with 409', async () => {
      assert.equal(
        (await call('POST', '/v1/projects/spring/webhooks', { url: 'https://twice.example.com/' }))
          .statusCode,
        201,
      );
      const again = await call('POST', '/v1/projects/spring/webhooks', { url: 'https://twice.example.com/' });
      assert.equal(again.statusCode, 409);
    });

    it(`refuses webhook number ${MAX_WEBHOOKS + 1} with 409, however many requests race for it`, async () => {
      const crowdedToken = 'crowded-admin-token-0123456789abcdef';
      await store.createProject('crowded');
      await store.addAdminToken('crowded', hash(crowdedToken));
      const answers = await Promise.all(
        Array.from({ length: MAX_WEBHOOKS + 3 }, (_, i) =>
          call(
            'POST',
            '/v1/projects/crowded/webhooks',
            { url: `https://hooks.example.com/${i}` },
            crowdedToken,
          ),
        ),
      );
      assert.equal(answers.filter((a) => a.statusCode === 201).length, MAX_WEBHOOKS);
      const refused = answers.filter((a) => a.statusCode !== 201);
      assert.equal(refused.length, 3);
      for (const a of refused) {
        assert.equal(a.statusCode, 409, a.body);
        assert.deepEqual(a.json().error, {
          code: 'ERR_HTTP_CONFLICT',
          message: `a project has at most ${MAX_WEBHOOKS} webhooks; remove one first`,
        });
      }
      assert.equal((await store.listWebhooks('crowded')).length, MAX_WEBHOOKS);
    });

    it('needs the project’s admin token', async () => {
      const res = await call('GET', '/v1/projects/spring/webhooks', undefined, 'not-the-token-0000000000000');
      assert.equal(res.statusCode, 401);
      assert.equal((await call('DELETE', '/v1/projects/spring/webhooks/abc')).statusCode, 404);
    });
  });
}
