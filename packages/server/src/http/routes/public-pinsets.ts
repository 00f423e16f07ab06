// The public, cacheable routes: the current document and each document by seq.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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
    const doc = await ctx.store.current(project);
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
