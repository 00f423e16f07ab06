/**
 * Who may call a project's routes: an admin bearer token of the project (tools, `qrpin publish`),
 * or a dashboard session cookie created by signing in with such a token. The store keeps only the
 * SHA-256 of tokens and of session cookies; both are compared in constant time.
 *
 * A request authenticated by the cookie that changes state must also carry the session's CSRF
 * token in `x-qrpin-csrf` (the cookie is `SameSite=Strict` as well); a bearer token is not ambient,
 * so it needs none.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './http-error.ts';
import type { HttpContext } from '../lib/http-context.ts';

/** The name of the dashboard's session cookie. */
export const SESSION_COOKIE = 'qrpin_session';
/** The header that carries the session's CSRF token on state-changing requests. */
export const CSRF_HEADER = 'x-qrpin-csrf';

const UNAUTHORIZED_HEADERS = { 'www-authenticate': 'Bearer realm="qrpin"' };

/** The hex SHA-256 of a token or cookie value, as the store keeps it. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The token of an `Authorization: Bearer …` header, or `undefined`. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(header.trim());
  return match?.[1];
}

/** The value of one cookie of a `Cookie` header, or `undefined`. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{16,256}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether the token is an admin token of the project (every stored hash compared, no early exit). */
export async function isAdminToken(ctx: HttpContext, project: string, token: string): Promise<boolean> {
  const presented = Buffer.from(secretHash(token), 'hex');
  let valid = false;
  for (const hash of await ctx.store.findAdminTokenHashes(project)) {
    const stored = Buffer.from(hash, 'hex');
    if (stored.length === presented.length && timingSafeEqual(stored, presented)) valid = true;
  }
  return valid;
}

/** Admin routes: a bearer admin token of the project, else 401. */
export async function checkAdmin(ctx: HttpContext, request: FastifyRequest, project: string): Promise<void> {
  const token = bearerToken(request.headers.authorization);
  if (token === undefined) {
    throw new HttpError(
      401,
      'ERR_HTTP_UNAUTHORIZED',
      'an admin token is needed: send "Authorization: Bearer <token>"',
      UNAUTHORIZED_HEADERS,
    );
  }
  if (!(await isAdminToken(ctx, project, token))) {
    throw new HttpError(
      401,
      'ERR_HTTP_UNAUTHORIZED',
      `the token is not an admin token of project "${project}"`,
      UNAUTHORIZED_HEADERS,
    );
  }
}

/**
 * Routes the dashboard calls: a bearer admin token of the project, or a live session cookie of
 * the project. On a method other than GET/HEAD, a cookie must come with the session's CSRF token.
 */
export async function checkReader(ctx: HttpContext, request: FastifyRequest, project: string): Promise<void> {
  if (request.headers.authorization !== undefined) return checkAdmin(ctx, request, project);
  const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
  const session =
    cookie === undefined ? undefined : await ctx.store.findSession(secretHash(cookie), ctx.nowMs());
  if (session === undefined || session.project !== project) {
    throw new HttpError(
      401,
      'ERR_HTTP_UNAUTHORIZED',
      `sign in to project "${project}" or send "Authorization: Bearer <admin token>"`,
      UNAUTHORIZED_HEADERS,
    );
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const csrf = request.headers[CSRF_HEADER];
    if (typeof csrf !== 'string' || !sameSecret(csrf, session.csrfToken)) {
      throw new HttpError(403, 'ERR_HTTP_CSRF', `send the session's CSRF token in ${CSRF_HEADER}`);
    }
  }
}

/**
 * The route options of every admin route: a per-address rate limit that runs first (`onRequest`),
 * before the body is read, so a refused client costs no parsing. The route itself still checks the
 * project's token with {@link checkAdmin}.
 */
export function adminRoute(ctx: HttpContext): { onRequest: (request: FastifyRequest) => Promise<void> } {
  return {
    onRequest: async (request) => {
      const take = ctx.adminBuckets.take(request.ip);
      if (!take.ok) {
        throw new HttpError(
          429,
          'ERR_HTTP_RATE_LIMITED',
          `too many admin requests from this address; retry in ${take.retryAfterSeconds} s`,
          { 'retry-after': String(take.retryAfterSeconds) },
        );
      }
    },
  };
}
