import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createServer } from '../../src/http/create-server.ts';
import { secretHash } from '../../src/http/auth.ts';
import { SESSION_TTL_MS } from '../../src/http/routes/session.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import { FACTORIES, type StoreFixture } from '../helpers/stores.ts';
import { stubVerify } from '../helpers/stub-verifier.ts';

const SESSION_COOKIE =
  /^qrpin_session=([A-Za-z0-9_-]{43}); Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/;
const CLEARED_COOKIE = /^qrpin_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/;

function errorCode(res: LightMyRequestResponse): string {
  const body = res.json() as { error?: { code?: unknown; message?: unknown } };
  assert.equal(typeof body.error?.message, 'string');
  return String(body.error?.code);
}

function setCookie(res: LightMyRequestResponse): string | undefined {
  const header = res.headers['set-cookie'];
  return Array.isArray(header) ? header.join('\n') : header;
}

for (const [name, factory] of FACTORIES) {
  describe(`dashboard sessions (/v1/session) on ${name}`, () => {
    const token = randomBytes(24).toString('base64url');
    const otherToken = randomBytes(24).toString('base64url');
    const start = Date.UTC(2026, 11, 1, 10, 0, 0);
    let clock = start;
    let fixture: StoreFixture;
    let store: PinsetStore;
    let app: FastifyInstance;

    before(async () => {
      fixture = await factory();
      store = fixture.open();
      await store.migrate();
      await store.createProject('spring');
      await store.createProject('autumn');
      await store.addAdminToken('spring', secretHash(token));
      await store.addAdminToken('autumn', secretHash(otherToken));
      app = createServer({
        store,
        verify: stubVerify,
        logger: false,
        nowMs: () => clock,
        trustProxy: true,
        limits: { adminBurst: 10_000 },
      });
    });
    after(async () => {
      await app.close();
      await fixture.cleanup();
    });

    const signIn = (body: unknown, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/v1/session',
        headers: { 'content-type': 'application/json', ...headers },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      });

    /** Signs in to spring and returns the cookie value and the CSRF token. */
    async function session(): Promise<{ cookie: string; csrf: string }> {
      const res = await signIn({ project: 'spring', token });
      assert.equal(res.statusCode, 201, res.body);
      const cookie = SESSION_COOKIE.exec(setCookie(res) ?? '')?.[1];
      assert.ok(cookie !== undefined, `a session cookie: ${setCookie(res)}`);
      return { cookie, csrf: (res.json() as { csrfToken: string }).csrfToken };
    }

    it('trades an admin token for an HttpOnly, SameSite=Strict session cookie and a CSRF token', async () => {
      const res = await signIn({ project: 'spring', token });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      const cookie = setCookie(res) ?? '';
      assert.match(cookie, SESSION_COOKIE, 'no Secure over plain http');
      const body = res.json() as { project: string; csrfToken: string; expiresAt: string };
      assert.deepEqual(Object.keys(body).sort(), ['csrfToken', 'expiresAt', 'project']);
      assert.equal(body.project, 'spring');
      assert.match(body.csrfToken, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(body.expiresAt, new Date(start + 12 * 3600_000).toISOString());
      assert.equal(SESSION_TTL_MS, 12 * 3600_000);
      const id = SESSION_COOKIE.exec(cookie)?.[1] ?? '';
      assert.notEqual(id, body.csrfToken);
      assert.ok(!res.body.includes(id), 'the cookie value is not in the body');
    });

    it('stores only the hash of the session cookie', async () => {
      const { cookie, csrf } = await session();
      const stored = await store.findSession(secretHash(cookie), clock);
      assert.deepEqual(stored, { project: 'spring', expiresAt: start + SESSION_TTL_MS, csrfToken: csrf });
      assert.equal(await store.findSession(cookie, clock), undefined);
    });

    it('gives each sign-in its own cookie and CSRF token', async () => {
      const a = await session();
      const b = await session();
      assert.notEqual(a.cookie, b.cookie);
      assert.notEqual(a.csrf, b.csrf);
    });

    it('marks the cookie Secure when the request came over https', async () => {
      const res = await signIn(
        { project: 'spring', token },
        { 'x-forwarded-proto': 'https', origin: 'https://localhost:80' },
      );
      assert.equal(res.statusCode, 201, res.body);
      assert.match(setCookie(res) ?? '', /; HttpOnly; SameSite=Strict; Secure$/);
    });

    it('answers the current session to GET /v1/session, and 401 without one', async () => {
      const { cookie, csrf } = await session();
      const res = await app.inject({
        method: 'GET',
        url: '/v1/session',
        headers: { cookie: `qrpin_session=${cookie}` },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.deepEqual(res.json(), {
        project: 'spring',
        csrfToken: csrf,
        expiresAt: new Date(start + SESSION_TTL_MS).toISOString(),
      });
      const none = await app.inject({ method: 'GET', url: '/v1/session' });
      assert.equal(none.statusCode, 401);
      assert.equal(errorCode(none), 'ERR_HTTP_UNAUTHORIZED');
      assert.equal(setCookie(none), undefined);
    });

    it('answers 401 to an unknown cookie and clears it', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/v1/session',
        headers: { cookie: `qrpin_session=${randomBytes(32).toString('base64url')}` },
      });
      assert.equal(res.statusCode, 401);
      assert.match(setCookie(res) ?? '', CLEARED_COOKIE);
    });

    const wrong: Array<[string, unknown]> = [
      ['a wrong token', { project: 'spring', token: 'not-the-token-0000000000' }],
      ['another project’s token', { project: 'spring', token: otherToken }],
      ['the token of an unknown project', { project: 'winter', token }],
    ];
    for (const [what, body] of wrong) {
      it(`refuses ${what} with 401 and no cookie`, async () => {
        const res = await signIn(body);
        assert.equal(res.statusCode, 401, res.body);
        assert.equal(errorCode(res), 'ERR_HTTP_UNAUTHORIZED');
        assert.equal(setCookie(res), undefined);
      });
    }

    const bad: Array<[string, string, Record<string, string>, number, string]> = [
      ['no project', JSON.stringify({ token }), {}, 400, 'ERR_HTTP_BAD_REQUEST'],
      [
        'a project id that cannot exist',
        JSON.stringify({ project: '../x', token }),
        {},
        400,
        'ERR_HTTP_BAD_REQUEST',
      ],
      ['no token', JSON.stringify({ project: 'spring' }), {}, 400, 'ERR_HTTP_BAD_REQUEST'],
      ['an empty token', JSON.stringify({ project: 'spring', token: '' }), {}, 400, 'ERR_HTTP_BAD_REQUEST'],
      ['a body that is not an object', '"spring"', {}, 400, 'ERR_HTTP_BAD_REQUEST'],
      ['malformed JSON', '{"project":', {}, 400, 'ERR_HTTP_MALFORMED_JSON'],
      [
        'a text/plain body (what a cross-site form can send)',
        JSON.stringify({ project: 'spring', token }),
        { 'content-type': 'text/plain' },
        415,
        'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'a form body',
        `project=spring&token=${token}`,
        { 'content-type': 'application/x-www-form-urlencoded' },
        415,
        'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE',
      ],
    ];
    for (const [what, payload, headers, status, code] of bad) {
      it(`refuses ${what} with ${status} ${code}`, async () => {
        const res = await signIn(payload, headers);
        assert.equal(res.statusCode, status, res.body);
        assert.equal(errorCode(res), code);
        assert.equal(setCookie(res), undefined);
      });
    }

    const foreign: Array<[string, Record<string, string>]> = [
      ['another origin', { origin: 'https://evil.example' }],
      ['the same host over another scheme', { origin: 'https://localhost:80' }],
      ['an opaque origin', { origin: 'null' }],
      ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
      ['a same-site (sibling) fetch', { 'sec-fetch-site': 'same-site' }],
    ];
    for (const [what, headers] of foreign) {
      it(`refuses a sign-in from ${what} with 403, creating nothing`, async () => {
        const res = await signIn({ project: 'spring', token }, headers);
        assert.equal(res.statusCode, 403, res.body);
        assert.equal(errorCode(res), 'ERR_HTTP_CROSS_ORIGIN');
        assert.equal(setCookie(res), undefined);
      });
    }

    it('accepts a sign-in from its own origin', async () => {
      const res = await signIn(
        { project: 'spring', token },
        { origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' },
      );
      assert.equal(res.statusCode, 201, res.body);
    });

    it('signs out only with the CSRF token, then forgets the session and clears the cookie', async () => {
      const { cookie, csrf } = await session();
      const headers = { cookie: `qrpin_session=${cookie}` };
      const without = await app.inject({ method: 'DELETE', url: '/v1/session', headers });
      assert.equal(without.statusCode, 403);
      assert.equal(errorCode(without), 'ERR_HTTP_CSRF');
      const wrongCsrf = await app.inject({
        method: 'DELETE',
        url: '/v1/session',
        headers: { ...headers, 'x-qrpin-csrf': randomBytes(32).toString('base64url') },
      });
      assert.equal(wrongCsrf.statusCode, 403);
      assert.equal(errorCode(wrongCsrf), 'ERR_HTTP_CSRF');
      const crossOrigin = await app.inject({
        method: 'DELETE',
        url: '/v1/session',
        headers: { ...headers, 'x-qrpin-csrf': csrf, origin: 'https://evil.example' },
      });
      assert.equal(crossOrigin.statusCode, 403);
      assert.equal(errorCode(crossOrigin), 'ERR_HTTP_CROSS_ORIGIN');
      assert.notEqual(await store.findSession(secretHash(cookie), clock), undefined, 'still signed in');

      const res = await app.inject({
        method: 'DELETE',
        url: '/v1/session',
        headers: { ...headers, 'x-qrpin-csrf': csrf },
      });
      assert.equal(res.statusCode, 204, res.body);
      assert.match(setCookie(res) ?? '', CLEARED_COOKIE);
      assert.equal(await store.findSession(secretHash(cookie), clock), undefined);
      const after = await app.inject({ method: 'GET', url: '/v1/session', headers });
      assert.equal(after.statusCode, 401);
      const again = await app.inject({
        method: 'DELETE',
        url: '/v1/session',
        headers: { ...headers, 'x-qrpin-csrf': csrf },
      });
      assert.equal(again.statusCode, 401);
    });

    it('lets the cookie read its own project’s metrics, never another project’s', async () => {
      const { cookie } = await session();
      const headers = { cookie: `qrpin_session=${cookie}` };
      const own = await app.inject({ method: 'GET', url: '/v1/projects/spring/metrics/dimensions', headers });
      assert.equal(own.statusCode, 200, own.body);
      const other = await app.inject({
        method: 'GET',
        url: '/v1/projects/autumn/metrics/dimensions',
        headers,
      });
      assert.equal(other.statusCode, 401);
      assert.equal(errorCode(other), 'ERR_HTTP_UNAUTHORIZED');
    });

    it('ends a session after 12 hours', async () => {
      const { cookie } = await session();
      const headers = { cookie: `qrpin_session=${cookie}` };
      clock = start + SESSION_TTL_MS - 1;
      try {
        const before = await app.inject({ method: 'GET', url: '/v1/session', headers });
        assert.equal(before.statusCode, 200, before.body);
        clock = start + SESSION_TTL_MS;
        const expired = await app.inject({ method: 'GET', url: '/v1/session', headers });
        assert.equal(expired.statusCode, 401);
        assert.match(setCookie(expired) ?? '', CLEARED_COOKIE);
        const metrics = await app.inject({
          method: 'GET',
          url: '/v1/projects/spring/metrics/dimensions',
          headers,
        });
        assert.equal(metrics.statusCode, 401);
      } finally {
        clock = start;
      }
    });
  });
}

describe('sign-in rate limit', () => {
  it('answers 429 with Retry-After once the address has spent the admin burst', async () => {
    const [, factory] = FACTORIES[0] ?? assert.fail('a store factory');
    const fixture = await factory();
    const store = fixture.open();
    await store.migrate();
    const app = createServer({
      store,
      verify: stubVerify,
      logger: false,
      nowMs: () => 0,
      limits: { adminBurst: 3, adminRefillPerSecond: 1 },
    });
    try {
      const attempt = () =>
        app.inject({
          method: 'POST',
          url: '/v1/session',
          headers: { 'content-type': 'application/json' },
          payload: { project: 'spring', token: 'guess-0000000000000000' },
        });
      for (let i = 0; i < 3; i++) assert.equal((await attempt()).statusCode, 401);
      const limited = await attempt();
      assert.equal(limited.statusCode, 429);
      assert.equal(errorCode(limited), 'ERR_HTTP_RATE_LIMITED');
      assert.equal(limited.headers['retry-after'], '1');
    } finally {
      await app.close();
      await fixture.cleanup();
    }
  });
});
