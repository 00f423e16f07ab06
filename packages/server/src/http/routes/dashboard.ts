/**
 * The dashboard's static files (`@qrpin/dashboard`): the page at `/` and its modules, style sheet
 * and icon at `/assets/<file>`. The files are read once, when the routes are registered, into an
 * allow-list keyed by file name; a request only ever looks a name up in it, so no path a client
 * sends reaches the file system (`..`, `%2e%2e`, `%2f` and the like simply name nothing).
 *
 * Every answer carries a strict Content Security Policy (no inline script or style, no foreign
 * origin), `nosniff`, `no-referrer`, `DENY` framing and a same-origin opener policy. Files are
 * revalidated on each load (`no-cache`) against a strong ETag, so a server upgrade never mixes old
 * and new modules, and an unchanged file costs a 304.
 *
 * @see https://www.w3.org/TR/CSP3/
 * @see https://www.rfc-editor.org/rfc/rfc9111 (HTTP caching)
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { publicDir } from '@qrpin/dashboard';
import { HttpError } from '../http-error.ts';

/** The page's Content Security Policy: its own scripts, styles and API only, no inline code. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers of every dashboard answer (page, assets and their 304s). */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** `Cache-Control` of the dashboard's files: keep, but revalidate (ETag) before each use. */
export const DASHBOARD_CACHE_CONTROL = 'no-cache';

/** The file types served, by extension; any other file in the directory is left out. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Names a file may have to be served: no dot first, no separator, nothing to decode. */
const FILE_NAME = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9]+)+$/;

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/** Options of {@link registerDashboardRoutes}. */
export interface DashboardRoutesOptions {
  /** The directory of the files (default: the `public/` directory of `@qrpin/dashboard`). */
  readonly directory?: string | undefined;
}

/** Reads the allow-list: every regular file of `directory` with a served type and a plain name. */
function loadAssets(directory: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (!entry.isFile() || contentType === undefined || !FILE_NAME.test(entry.name)) continue;
    const body = readFileSync(join(directory, entry.name));
    const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
    assets.set(entry.name, { body, contentType, etag });
  }
  if (!assets.has('index.html')) {
    throw new Error(`the dashboard directory ${directory} has no index.html`);
  }
  return assets;
}

/** Weak comparison of `If-None-Match` with a strong ETag (RFC 9110, section 13.1.2). */
function notModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .includes(etag);
}

function serve(request: FastifyRequest, reply: FastifyReply, asset: Asset): FastifyReply {
  reply
    .headers(DASHBOARD_SECURITY_HEADERS)
    .header('cache-control', DASHBOARD_CACHE_CONTROL)
    .header('etag', asset.etag);
  if (notModified(request, asset.etag)) return reply.code(304).send();
  return reply.header('content-type', asset.contentType).send(asset.body);
}

/**
 * Serves the dashboard: `GET /` is the page, `GET /assets/<file>` its other files. Unknown names
 * answer `404 ERR_HTTP_NOT_FOUND`. `HEAD` works on both.
 *
 * @example
 * ```ts
 * registerDashboardRoutes(app); // in createServer, once
 * ```
 */
export function registerDashboardRoutes(app: FastifyInstance, options: DashboardRoutesOptions = {}): void {
  const assets = loadAssets(options.directory ?? publicDir);
  const index = assets.get('index.html') as Asset;

  app.get('/', async (request, reply) => serve(request, reply, index));
  app.get('/assets/:file', async (request, reply) => {
    const file = (request.params as { file?: unknown }).file;
    const asset = typeof file === 'string' && file !== 'index.html' ? assets.get(file) : undefined;
    if (asset === undefined) {
      throw new HttpError(404, 'ERR_HTTP_NOT_FOUND', 'no such dashboard file', {
        ...DASHBOARD_SECURITY_HEADERS,
      });
    }
    return serve(request, reply, asset);
  });
}
