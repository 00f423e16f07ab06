/**
 * The dashboard's sign-in: `POST /v1/session` trades a project's admin token for a session cookie,
 * `GET /v1/session` tells the page who it is signed in as, `DELETE /v1/session` signs out.
 *
 * The cookie (`qrpin_session`) holds 32 random bytes and is `HttpOnly; SameSite=Strict; Path=/`
 * (`Secure` over https); the store keeps only its SHA-256. Each session has its own random CSRF
 * token, which the page gets in the JSON answer (never in a cookie) and sends back in
 * `x-qrpin-csrf` on state-changing requests. Sign-in and sign-out also refuse a cross-origin
 * `Origin` (or `Sec-Fetch-Site`), and sign-in takes JSON only, so no form on another site can post
 * to it. Sign-in attempts share the admin routes' per-address rate limit.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6265 (cookies)
 * @see https://owasp.org/www-community/SameSite
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_HEADER, SESSION_COOKIE, cookieValue, isAdminToken, secretHash } from '../auth.ts';
import { HttpError, type ErrorBody } from '../http-error.ts';
import type { HttpContext } from '../../lib/http-context.ts';
import { PROJECT_ID } from '../../lib/store-input.ts';
import type { SessionRecord } from '../../storage/telemetry-store.ts';

/** How long a dashboard session lasts unless told otherwise: 12 hours. */
export const SESSION_TTL_MS = 12 * 3600 * 1000;

/** Options of {@link registerSessionRoutes}. */
export interface SessionRoutesOptions {
  /** How long a session lasts, in ms (default {@link SESSION_TTL_MS}). */
  readonly ttlMs?: number | undefined;
}

const UNAUTHORIZED_HEADERS = { 'www-authenticate': 'Bearer realm="qrpin"' };

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The `Set-Cookie` value of a session, or of its removal (`maxAgeSeconds` 0). */
function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}

/**
 * Refuses a request another site's page made: an `Origin` other than this server's own (as the
 * request reached it: behind a proxy, set `trustProxy`), or a `Sec-Fetch-Site` other than
 * `same-origin` or `none`.
 */
function checkSameOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  const own = `${request.protocol}://${request.host}`;
  const crossSite = typeof site === 'string' && site !== 'same-origin' && site !== 'none';
  if (crossSite || (origin !== undefined && origin !== own)) {
    const from = origin === undefined ? `a ${String(site)} page` : JSON.stringify(origin.slice(0, 200));
    throw new HttpError(
      403,
      'ERR_HTTP_CROSS_ORIGIN',
      `a request from ${from} is refused: sign in from the dashboard of ${own}`,
    );
  }
}

/** Sign-in takes JSON only: a form or `text/plain` post from another site never gets this far. */
function checkJson(request: FastifyRequest): void {
  const type = request.headers['content-type'];
  const media = typeof type === 'string' ? type.split(';')[0]?.trim().toLowerCase() : undefined;
  if (media !== 'application/json') {
    throw new HttpError(415, 'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  }
}

function rateLimit(ctx: HttpContext, request: FastifyRequest): void {
  const take = ctx.adminBuckets.take(request.ip);
  if (!take.ok) {
    throw new HttpError(
      429,
      'ERR_HTTP_RATE_LIMITED',
      `too many sign-in attempts from this address; retry in ${take.retryAfterSeconds} s`,
      { 'retry-after': String(take.retryAfterSeconds) },
    );
  }
}

function credentials(body: unknown): { project: string; token: string } {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const { project, token } = fields;
  if (typeof project !== 'string' || !PROJECT_ID.test(project)) {
    throw new HttpError(
      400,
      'ERR_HTTP_BAD_REQUEST',
      'the body needs "project": a project id (1 to 64 of a-z 0-9 . _ -)',
    );
  }
  if (typeof token !== 'string' || token.length === 0 || token.length > 512) {
    throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', 'the body needs "token": an admin token of the project');
  }
  return { project, token };
}

function sessionJson(session: SessionRecord): Record<string, unknown> {
  return {
    project: session.project,
    csrfToken: session.csrfToken,
    expiresAt: new Date(session.expiresAt).toISOString(),
  };
}

/**
 * Registers `POST`, `GET` and `DELETE /v1/session`.
 *
 * @example
 * ```ts
 * registerSessionRoutes(app, ctx); // in createServer, once
 * ```
 */
export function registerSessionRoutes(
  app: FastifyInstance,
  ctx: HttpContext,
  options: SessionRoutesOptions = {},
): void {
  const ttlMs = options.ttlMs ?? SESSION_TTL_MS;
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 60_000) {
    throw new RangeError(`a session must last a whole number of ms, at least a minute (got ${ttlMs})`);
  }
  const maxAgeSeconds = Math.floor(ttlMs / 1000);

  /** The session of the request's cookie, with its hash; `undefined` without a live one. */
  async function sessionOf(
    request: FastifyRequest,
  ): Promise<{ hash: string; session: SessionRecord } | undefined> {
    const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (cookie === undefined) return undefined;
    const hash = secretHash(cookie);
    const session = await ctx.store.findSession(hash, ctx.nowMs());
    return session === undefined ? undefined : { hash, session };
  }

  /** 401, clearing a dead cookie the browser still sends. */
  function signedOut(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (request.headers.cookie?.includes(`${SESSION_COOKIE}=`) === true) {
      reply.header('set-cookie', sessionCookie(request, '', 0));
    }
    const body: ErrorBody = {
      error: {
        code: 'ERR_HTTP_UNAUTHORIZED',
        message: 'no session: sign in with an admin token of the project',
      },
    };
    return reply.code(401).headers(UNAUTHORIZED_HEADERS).send(body);
  }

  app.post(
    '/v1/session',
    {
      // Before the body is read: a refused client costs no parsing.
      onRequest: async (request) => {
        rateLimit(ctx, request);
        checkSameOrigin(request);
        checkJson(request);
      },
    },
    async (request, reply) => {
      const { project, token } = credentials(request.body);
      if (!(await isAdminToken(ctx, project, token))) {
        throw new HttpError(
          401,
          'ERR_HTTP_UNAUTHORIZED',
          `the token is not an admin token of project "${project}"`,
          UNAUTHORIZED_HEADERS,
        );
      }
      const id = randomBytes(32).toString('base64url');
      const session: SessionRecord = {
        project,
        expiresAt: ctx.nowMs() + ttlMs,
        csrfToken: randomBytes(32).toString('base64url'),
      };
      await ctx.store.createSession(secretHash(id), session);
      request.log.info({ project }, 'dashboard session created');
      return reply
        .code(201)
        .header('set-cookie', sessionCookie(request, id, maxAgeSeconds))
        .header('cache-control', 'no-store')
        .send(sessionJson(session));
    },
  );

  app.get('/v1/session', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const found = await sessionOf(request);
    if (found === undefined) return signedOut(request, reply);
    return reply.send(sessionJson(found.session));
  });

  app.delete(
    '/v1/session',
    { onRequest: async (request) => checkSameOrigin(request) },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const found = await sessionOf(request);
      if (found === undefined) return signedOut(request, reply);
      const csrf = request.headers[CSRF_HEADER];
      if (typeof csrf !== 'string' || !sameSecret(csrf, found.session.csrfToken)) {
        throw new HttpError(403, 'ERR_HTTP_CSRF', `send the session's CSRF token in ${CSRF_HEADER}`);
      }
      await ctx.store.deleteSession(found.hash);
      request.log.info({ project: found.session.project }, 'dashboard session ended');
      return reply
        .code(204)
        .header('set-cookie', sessionCookie(request, '', 0))
        .send();
    },
  );
}
