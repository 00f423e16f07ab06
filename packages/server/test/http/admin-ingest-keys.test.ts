import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createServer } from '../../src/http/create-server.ts';
import { MAX_INGEST_KEYS } from '../../src/http/routes/admin-ingest-keys.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import { FACTORIES, type StoreFixture } from '../helpers/stores.ts';
import { stubVerify } from '../helpers/stub-verifier.ts';

const TOKEN = 'ingest-admin-token-0123456789abcdef';
const AUTUMN_TOKEN = 'autumn-admin-token-0123456789abcdef';
const hash = (text: string): string => createHash('sha256').update(text).digest('hex');

function event(appId: string, n = 1): Record<string, unknown> {
  return {
    type: 'scan',
    time: new Date(Date.UTC(2026, 10, 24, 12, 0, n % 60)).toISOString(),
    project: 'spring',
    appId,
    appVersion: '1.4.2',
    platform: 'node',
    sessionId: `session-${n}`,
    destination: 'spring-poster',
  };
}

for (const [name, factory] of FACTORIES) {
  describe(`the ingest key admin routes on ${name}`, () => {
    let fixture: StoreFixture;
    let store: PinsetStore;
    let app: FastifyInstance;
    const logLines: string[] = [];
    before(async () => {
      fixture = await factory();
      store = fixture.open();
      await store.migrate();
      await store.createProject('spring');
      await store.createProject('autumn');
      await store.createProject('crowded');
      await store.addAdminToken('spring', hash(TOKEN));
      await store.addAdminToken('crowded', hash(TOKEN));
      await store.addAdminToken('autumn', hash(AUTUMN_TOKEN));
      app = createServer({
        store,
        verify: stubVerify,
        logger: { level: 'trace', stream: { write: (line: string) => logLines.push(line) } },
        limits: { adminBurst: 1000 },
      });
    });
    after(async () => {
      await app.close();
      await fixture.cleanup();
    });

    const call = (
      method: 'GET' | 'POST' | 'DELETE',
      url: string,
      payload?: unknown,
      token: string | null = TOKEN,
    ) =>
      app.inject({
        method,
        url,
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
    const send = (key: string, appId: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'x-qrpin-ingest-key': key },
        payload: { events: [event(appId)] },
      });
    const create = async (appId: string, project = 'spring') => {
      const res = await call('POST', `/v1/projects/${project}/ingest-keys`, { appId });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { keyId: string; appId: string; createdAt: string; key: string };
    };

    it('creates a key shown once, which the events route takes at once', async () => {
      const res = await call('POST', '/v1/projects/spring/ingest-keys', { appId: 'kiosk' });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      const body = res.json();
      assert.match(body.key, /^qi_[A-Za-z0-9_-]{43}$/);
      assert.equal(body.appId, 'kiosk');
      assert.equal(body.keyId, hash(body.key).slice(0, 12));
      assert.equal(new Date(body.createdAt).toISOString(), body.createdAt);
      assert.deepEqual(await store.findIngestKey(hash(body.key)), { project: 'spring', appId: 'kiosk' });
      const sent = await send(body.key, 'kiosk');
      assert.equal(sent.statusCode, 202, sent.body);
      assert.deepEqual(sent.json(), { accepted: 1 });
    });

    it('gives a key that reports for its own app only', async () => {
      const { key } = await create('poster-app');
      const other = await send(key, 'kiosk');
      assert.equal(other.statusCode, 403);
      assert.equal(other.json().error.code, 'ERR_HTTP_PROJECT_MISMATCH');
    });

    it('lists keys by id, app and date, with neither a key nor a hash in the answer', async () => {
      const made = [await create('lister-a'), await create('lister-b')];
      const res = await call('GET', '/v1/projects/spring/ingest-keys');
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['cache-control'], 'no-store');
      const listed = res.json().ingestKeys as Array<Record<string, string>>;
      for (const m of made) {
        assert.deepEqual(
          listed.find((k) => k.keyId === m.keyId),
          { keyId: m.keyId, appId: m.appId, createdAt: m.createdAt },
        );
        assert.ok(!res.body.includes(m.key), 'the list holds a key');
        assert.ok(!res.body.includes(hash(m.key)), 'the list holds a key hash');
      }
      for (const k of listed) assert.deepEqual(Object.keys(k).sort(), ['appId', 'createdAt', 'keyId']);
    });

    it('revokes a key: its events are refused with 401 at once, and a second revoke is 404', async () => {
      const { key, keyId } = await create('revoked-app');
      assert.equal((await send(key, 'revoked-app')).statusCode, 202);
      const revoked = await call('DELETE', `/v1/projects/spring/ingest-keys/${keyId}`);
      assert.equal(revoked.statusCode, 204, revoked.body);
      const refused = await send(key, 'revoked-app');
      assert.equal(refused.statusCode, 401);
      assert.equal(refused.json().error.code, 'ERR_HTTP_UNAUTHORIZED');
      const again = await call('DELETE', `/v1/projects/spring/ingest-keys/${keyId}`);
      assert.equal(again.statusCode, 404);
      assert.equal(again.json().error.code, 'ERR_HTTP_NOT_FOUND');
      const listed = (await call('GET', '/v1/projects/spring/ingest-keys')).json().ingestKeys;
      assert.ok(!listed.some((k: { keyId: string }) => k.keyId === keyId));
    });

    it('revokes in the key’s own project only', async () => {
      const { key, keyId } = await create('guarded-app');
      const elsewhere = await call('DELETE', `/v1/projects/crowded/ingest-keys/${keyId}`);
      assert.equal(elsewhere.statusCode, 404);
      assert.equal((await send(key, 'guarded-app')).statusCode, 202);
    });

    const unauthenticated: ReadonlyArray<readonly ['GET' | 'POST' | 'DELETE', string]> = [
      ['POST', '/v1/projects/spring/ingest-keys'],
      ['GET', '/v1/projects/spring/ingest-keys'],
      ['DELETE', '/v1/projects/spring/ingest-keys/0123456789ab'],
    ];
    for (const [method, url] of unauthenticated) {
      it(`needs an admin token for ${method} ${url.replace(/\/[0-9a-f]{12}$/, '/:keyId')}`, async () => {
        const payload = method === 'POST' ? { appId: 'kiosk' } : undefined;
        const none = await call(method, url, payload, null);
        assert.equal(none.statusCode, 401);
        assert.equal(none.json().error.code, 'ERR_HTTP_UNAUTHORIZED');
        assert.equal(none.headers['www-authenticate'], 'Bearer realm="qrpin"');
        const autumn = await call(method, url, payload, AUTUMN_TOKEN);
        assert.equal(autumn.statusCode, 401);
        assert.match(autumn.json().error.message, /not an admin token of project "spring"/);
      });
    }

    it('lets another project’s token neither see nor revoke the keys', async () => {
      const { key, keyId } = await create('private-app');
      const listed = await call('GET', '/v1/projects/autumn/ingest-keys', undefined, AUTUMN_TOKEN);
      assert.equal(listed.statusCode, 200);
      assert.deepEqual(listed.json().ingestKeys, []);
      const revoke = await call(
        'DELETE',
        `/v1/projects/autumn/ingest-keys/${keyId}`,
        undefined,
        AUTUMN_TOKEN,
      );
      assert.equal(revoke.statusCode, 404);
      assert.equal((await send(key, 'private-app')).statusCode, 202);
    });

    const malformed: ReadonlyArray<readonly [string, unknown, RegExp]> = [
      ['no appId', {}, /\{"appId": "<app id>"\}/],
      ['a number appId', { appId: 42 }, /\{"appId": "<app id>"\}/],
      ['a null appId', { appId: null }, /\{"appId": "<app id>"\}/],
      ['an array body', ['kiosk'], /\{"appId": "<app id>"\}/],
      ['a string body', 'kiosk', /\{"appId": "<app id>"\}/],
      ['an empty appId', { appId: '' }, /appId: app id .* is not 1 to 128 printable characters/],
      ['an appId with a space', { appId: 'my app' }, /not 1 to 128 printable characters/],
      ['an appId with a NUL', { appId: 'kiosk\u0000' }, /not 1 to 128 printable characters/],
      ['an appId with a newline', { appId: 'kiosk\nadmin' }, /not 1 to 128 printable characters/],
      ['an appId of 129 characters', { appId: 'a'.repeat(129) }, /not 1 to 128 printable characters/],
      ['a non-ASCII appId', { appId: 'kïosk' }, /not 1 to 128 printable characters/],
    ];
    for (const [what, payload, message] of malformed) {
      it(`refuses a create with ${what} with 400 ERR_HTTP_BAD_REQUEST`, async () => {
        const before = (await store.listIngestKeys('spring')).length;
        const res = await app.inject({
          method: 'POST',
          url: '/v1/projects/spring/ingest-keys',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          payload: JSON.stringify(payload),
        });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().error.code, 'ERR_HTTP_BAD_REQUEST');
        assert.match(res.json().error.message, message);
        assert.equal((await store.listIngestKeys('spring')).length, before);
      });
    }

    it('refuses a body that is not JSON, or not a JSON object', async () => {
      const broken = await app.inject({
        method: 'POST',
        url: '/v1/projects/spring/ingest-keys',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        payload: '{"appId": "kiosk"',
      });
      assert.equal(broken.statusCode, 400);
      assert.equal(broken.json().error.code, 'ERR_HTTP_MALFORMED_JSON');
      const form = await app.inject({
        method: 'POST',
        url: '/v1/projects/spring/ingest-keys',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'appId=kiosk',
      });
      assert.equal(form.statusCode, 415);
      assert.equal(form.json().error.code, 'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE');
      const text = await app.inject({
        method: 'POST',
        url: '/v1/projects/spring/ingest-keys',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
        payload: 'kiosk',
      });
      assert.equal(text.statusCode, 400);
      assert.equal(text.json().error.code, 'ERR_HTTP_BAD_REQUEST');
    });

    for (const keyId of ['ABCDEF012345', '0123456789a', '0123456789abc', '%25', hash('x')]) {
      it(`answers 404 to a revoke of the malformed key id ${JSON.stringify(keyId.slice(0, 16))}`, async () => {
        const res = await call('DELETE', `/v1/projects/spring/ingest-keys/${keyId}`);
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().error.code, 'ERR_HTTP_NOT_FOUND');
      });
    }

    it(`refuses a project’s key number ${MAX_INGEST_KEYS + 1} with 409 until one is revoked`, async () => {
      const made: string[] = [];
      for (let i = 0; i < MAX_INGEST_KEYS; i++) made.push((await create(`app-${i}`, 'crowded')).keyId);
      const refused = await call('POST', '/v1/projects/crowded/ingest-keys', { appId: 'one-more' });
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json().error.code, 'ERR_HTTP_CONFLICT');
      assert.match(refused.json().error.message, new RegExp(`at most ${MAX_INGEST_KEYS} ingest keys`));
      assert.equal((await store.listIngestKeys('crowded')).length, MAX_INGEST_KEYS);
      assert.equal((await call('DELETE', `/v1/projects/crowded/ingest-keys/${made[0]}`)).statusCode, 204);
      await create('one-more', 'crowded');
    });

    it('never writes a key to the log', async () => {
      const { key, keyId } = await create('logged-app');
      assert.equal((await send(key, 'logged-app')).statusCode, 202);
      await call('GET', '/v1/projects/spring/ingest-keys');
      await call('DELETE', `/v1/projects/spring/ingest-keys/${keyId}`);
      assert.equal((await send(key, 'logged-app')).statusCode, 401);
      const log = logLines.join('');
      assert.match(log, new RegExp(`"keyId":"${keyId}".*"msg":"ingest key created"`));
      assert.match(log, /"msg":"ingest key revoked"/);
      assert.ok(!log.includes(key), 'a key is in the log');
      assert.ok(!log.includes(key.slice(3)), 'a key without its prefix is in the log');
      assert.ok(!log.includes(TOKEN), 'the admin token is in the log');
    });
  });
}
