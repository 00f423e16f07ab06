// @ts-check
/**
 * The page's HTTP client: same-origin `fetch` with the session cookie (HttpOnly, so the page never
 * sees it), the session's CSRF token on state-changing requests, and coded errors.
 */

/** @typedef {import('./types.js').Session} Session */

/** The header that carries the session's CSRF token (docs/dashboard.md). */
export const CSRF_HEADER = 'x-qrpin-csrf';

/** An error answer of the API (`{ error: { code, message } }`), or a network failure (status 0). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {number | undefined} [retryAfterSeconds]
   */
  constructor(status, code, message, retryAfterSeconds) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The CSRF token of the current session, kept in memory only. */
let csrfToken = '';

/**
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, signal?: AbortSignal }} [options]
 * @returns {Promise<unknown>}
 */
async function request(method, path, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== '') headers[CSRF_HEADER] = csrfToken;
  /** @type {Response} */
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error',
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal: options.signal ?? null,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'ERR_NETWORK', 'the server did not answer; check that qrpin serve is running');
  }
  if (res.status === 204) return undefined;
  /** @type {unknown} */
  let data;
  try {
    data = await res.json();
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const error = /** @type {{ error?: { code?: unknown, message?: unknown } } | undefined} */ (data)?.error;
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(
      res.status,
      typeof error?.code === 'string' ? error.code : `HTTP_${res.status}`,
      typeof error?.message === 'string' ? error.message : `the server answered ${res.status}`,
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
  }
  return data;
}

/**
 * Signs in with a project's admin token: the server sets the session cookie and answers the
 * session's CSRF token.
 *
 * @param {string} project
 * @param {string} token
 * @returns {Promise<Session>}
 */
export async function signIn(project, token) {
  const session = /** @type {Session} */ (await request('POST', '/v1/session', { body: { project, token } }));
  csrfToken = session.csrfToken;
  return session;
}

/**
 * The current session, or `undefined` when there is none (401).
 *
 * @returns {Promise<Session | undefined>}
 */
export async function currentSession() {
  try {
    const session = /** @type {Session} */ (await request('GET', '/v1/session'));
    csrfToken = session.csrfToken;
    return session;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return undefined;
    throw err;
  }
}

/** Ends the session on the server (the cookie is cleared); an already ended one is fine. */
export async function signOut() {
  try {
    await request('DELETE', '/v1/session');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) throw err;
  } finally {
    csrfToken = '';
  }
}

/** Forgets the CSRF token (the session ended on the server). */
export function forgetSession() {
  csrfToken = '';
}

/**
 * @param {string} project
 * @param {string} path under `/v1/projects/<project>/`
 * @param {Record<string, string>} params
 * @param {AbortSignal} signal
 * @returns {Promise<unknown>}
 */
export function projectGet(project, path, params, signal) {
  const query = new URLSearchParams(params).toString();
  const url = `/v1/projects/${encodeURIComponent(project)}/${path}${query === '' ? '' : `?${query}`}`;
  return request('GET', url, { signal });
}
