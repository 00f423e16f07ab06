// The public, cacheable routes: the current document and each document by seq.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CurrentDocumentCache } from '../../lib/current-cache.ts';
import type { ServerMetrics } from '../../lib/metrics.ts';
import { HttpError } from '../http-error.ts';
import { projectParam, type HttpContext } from '../../lib/http-context.ts';
import type { StoredPinset } from '../../storage/pinset-store.ts';

/** `Cache-Control` of the current document: caches may serve it for a minute. */
export const CURRENT_CACHE_CONTROL = 'public, max-age=60';
/** `Cache-Control` of a document by seq: its bytes never change. */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** Weak comparison of `If-None-Match` against a strong ETag (RFC 9110, section 13.1.2). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .includes(etag);
}

const CURRENT_ROUTE = /^\/v1\/projects\/([a-z0-9](?:[a-z0-9-]{0,198}[a-z0-9])?)\/pinset$/;

/**
 * The fast path of the hottest route: a GET of a project's current document that memory already
 * holds is answered straight on the socket, with the same headers, ETag/304 handling and metrics as
 * the Fastify route; anything else (another route, a query string, a document not in memory)
 * returns false and goes to Fastify.
 */
export function serveCurrentFromMemory(
  req: IncomingMessage,
  res: ServerResponse,
  cache: CurrentDocumentCache,
  metrics: ServerMetrics,
): boolean {
  if (req.method !== 'GET' || req.url === undefined) return false;
  const project = CURRENT_ROUTE.exec(req.url)?.[1];
  if (project === undefined) return false;
  const doc = cache.peek(project);
  if (doc === undefined) return false;
  const wire = wireOf(doc);
  const header = req.headers['if-none-match'];
  // A client that sends back the ETag it was given needs no list parsing.
  if (header === wire.etag || matches(Array.isArray(header) ? header.join(',') : header, wire.etag)) {
    res.writeHead(304, wire.notModified as string[]).end();
    metrics.request('GET', CURRENT_ROUTE_NAME, 304);
  } else {
    res.writeHead(200, wire.ok as string[]).end(wire.body);
    metrics.request('GET', CURRENT_ROUTE_NAME, 200);
  }
  metrics.seen(project, doc.seq);
  return true;
}

const CURRENT_ROUTE_NAME = '/v1/projects/:project/pinset';

/** A document's answer, prepared once per stored document rather than on every request. */
interface Wire {
  readonly etag: string;
  readonly body: Buffer;
  /** Header names and values in one flat list, as `writeHead` takes them without conversion. */
  readonly ok: readonly string[];
  readonly notModified: readonly string[];
}

const wires = new WeakMap<StoredPinset, Wire>();

function wireOf(doc: StoredPinset): Wire {
  let wire = wires.get(doc);
  if (wire === undefined) {
    const etag = `"${doc.sha256}"`;
    const body = Buffer.from(doc.jws, 'utf8');
    const notModified = [
      'etag',
      etag,
      'cache-control',
      CURRENT_CACHE_CONTROL,
      'x-qrpin-seq',
      String(doc.seq),
    ];
    const ok = [...notModified, 'content-type', 'application/jose', 'content-length', String(body.length)];
    wire = { etag, body, ok, notModified };
    wires.set(doc, wire);
  }
  return wire;
}

function sendDocument(
  request: FastifyRequest,
  reply: FastifyReply,
  doc: StoredPinset,
  cacheControl: string,
): FastifyReply {
  const etag = `"${doc.sha256}"`;
  reply.header('etag', etag).header('cache-control', cacheControl).header('x-qrpin-seq', String(doc.seq));
  if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.code(200).header('content-type', 'application/jose').send(doc.jws);
}

export function registerPublicPinsetRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get('/v1/projects/:project/pinset', async (request, reply) => {
    const project = projectParam(request.params);
    const doc = await ctx.current.current(project);
    if (doc === undefined) {
      throw new HttpError(404, 'ERR_HTTP_NOT_FOUND', `project "${project}" has no published pinset`);
    }
    ctx.metrics.seen(project, doc.seq);
    return sendDocument(request, reply, doc, CURRENT_CACHE_CONTROL);
  });

  app.get('/v1/projects/:project/pinset/:seq', async (request, reply) => {
    const project = projectParam(request.params);
    const raw = (request.params as { seq: string }).seq;
    const seq = /^(0|[1-9][0-9]{0,15})$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(seq)) {
      throw new HttpError(404, 'ERR_HTTP_NOT_FOUND', 'seq must be a non-negative integer');
    }
    const doc = await ctx.store.bySeq(project, seq);
    if (doc === undefined) {
      throw new HttpError(404, 'ERR_HTTP_NOT_FOUND', `project "${project}" has no pinset with seq ${seq}`);
    }
    return sendDocument(request, reply, doc, IMMUTABLE_CACHE_CONTROL);
  });
}
