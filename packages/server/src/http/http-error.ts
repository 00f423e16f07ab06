/**
 * The JSON error body of every 4xx and 5xx answer: `{ "error": { "code": "…", "message": "…" } }`,
 * never a stack trace.
 */
import { StoreError } from '../storage/error.ts';

/**
 * The codes the HTTP layer adds to the store's (`ERR_STORE_*`) and the verifier's (`ERR_PINSET_*`):
 * - `ERR_HTTP_NOT_FOUND`: no such route, project document or seq;
 * - `ERR_HTTP_UNAUTHORIZED`: no bearer token, or not a token of this project;
 * - `ERR_HTTP_RATE_LIMITED`: too many admin requests from this address (see `Retry-After`);
 * - `ERR_HTTP_BODY_TOO_LARGE`: the body is over the limit (256 KiB by default);
 * - `ERR_HTTP_MALFORMED_JSON`: the body is not JSON;
 * - `ERR_HTTP_UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json`;
 * - `ERR_HTTP_BAD_REQUEST`: a field is missing or has the wrong type;
 * - `ERR_HTTP_NO_SIGNING_KEYS`: the project has no signing key to verify against;
 * - `ERR_HTTP_PROJECT_MISMATCH`: the document names another project than the URL;
 * - `ERR_HTTP_UNAVAILABLE`: the store does not answer (`/readyz`);
 * - `ERR_HTTP_CROSS_ORIGIN`: sign-in or sign-out from another origin (`Origin`, `Sec-Fetch-Site`);
 * - `ERR_HTTP_ROLLBACK_INVALID`: the pre-signed rollback is not a report-only copy of the document;
 * - `ERR_HTTP_CSRF`: a cookie-authenticated change came without the session's CSRF token;
 * - `ERR_HTTP_CONFLICT`: the request conflicts with what exists (too many webhooks or ingest keys …);
 * - `ERR_HTTP_INTERNAL`: anything else (the server log has the details).
 */
export type HttpErrorCode =
  | 'ERR_HTTP_NOT_FOUND'
  | 'ERR_HTTP_UNAUTHORIZED'
  | 'ERR_HTTP_RATE_LIMITED'
  | 'ERR_HTTP_BODY_TOO_LARGE'
  | 'ERR_HTTP_MALFORMED_JSON'
  | 'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_HTTP_BAD_REQUEST'
  | 'ERR_HTTP_NO_SIGNING_KEYS'
  | 'ERR_HTTP_PROJECT_MISMATCH'
  | 'ERR_HTTP_UNAVAILABLE'
  | 'ERR_HTTP_CROSS_ORIGIN'
  | 'ERR_HTTP_CONFLICT'
  | 'ERR_HTTP_ROLLBACK_INVALID'
  | 'ERR_HTTP_CSRF'
  | 'ERR_HTTP_INTERNAL';

/** The JSON body of an error answer. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/**
 * An error the HTTP layer answers with as is: status, code, message, extra headers.
 *
 * @example
 * ```ts
 * throw new HttpError(404, 'ERR_HTTP_NOT_FOUND', 'project "demo" has no published pinset');
 * ```
 */
export class HttpError extends Error {
  readonly statusCode: number;
  /** An `ERR_HTTP_*` code, or a store or verifier code passed through. */
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    statusCode: number,
    code: HttpErrorCode | string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * Runs a store insert that carries a cap (`max`) and answers the store's `ERR_STORE_LIMIT` as 409
 * `ERR_HTTP_CONFLICT`, "a project has at most `max` `what`".
 */
export async function atMost<T>(max: number, what: string, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (err) {
    if (err instanceof StoreError && err.code === 'ERR_STORE_LIMIT') {
      throw new HttpError(409, 'ERR_HTTP_CONFLICT', `a project has at most ${max} ${what}`);
    }
    throw err;
  }
}
