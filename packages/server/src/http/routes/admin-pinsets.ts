// The admin routes: publish a verified document with its pre-signed rollback, release the rollback,
// list the history. Each needs a bearer token of the project and is rate-limited per client address.
import type { FastifyInstance } from 'fastify';
import { QrpinError } from '@qrpin/core';
import { HttpError } from '../http-error.ts';
import { adminRoute, checkAdmin } from '../auth.ts';
import { projectParam, type HttpContext } from '../../lib/http-context.ts';
import { sha256Hex } from '../../lib/sha256.ts';
import type { VerifiedDocument, VerifyContext } from '../verifier.ts';
import type { StoredPinset } from '../../storage/pinset-store.ts';

function summary(doc: StoredPinset): Record<string, unknown> {
  return {
    seq: doc.seq,
    sha256: doc.sha256,
    kind: doc.kind,
    hasRollback: doc.hasRollback,
    rollbackSeq: doc.rollbackSeq ?? null,
    publishedAt: doc.publishedAt,
  };
}

function stringField(body: unknown, name: string): string {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value !== 'string' || value.length === 0) {
    throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', `the body needs "${name}": a compact JWS string`);
  }
  return value;
}

/**
 * The server releases the pre-signed rollback by itself, so it checks at publish time that it is
 * one: it names the document it rolls back, enforces nothing (report-only rollout, every host in
 * report mode) and keeps every host and pin of the document, so reports go on for the same keys.
 */
function checkRollback(doc: VerifiedDocument, rollback: VerifiedDocument): void {
  const refuse = (why: string): never => {
    throw new HttpError(422, 'ERR_HTTP_ROLLBACK_INVALID', `rollbackJws: ${why}; sign it with qrpin sign`);
  };
  const r = rollback.payload;
  if (r.rollbackOf !== doc.payload.seq) {
    refuse(`it rolls back seq ${String(r.rollbackOf ?? 'none')}, not the published seq ${doc.payload.seq}`);
  }
  if (r.rollout.stage !== 'report-only') refuse(`its rollout stage is ${r.rollout.stage}, not report-only`);
  const enforcing = r.hosts.find((h) => h.mode !== 'report');
  if (enforcing !== undefined) refuse(`host ${enforcing.pattern} is in ${enforcing.mode} mode, not report`);
  const key = (h: { pattern: string; pins: readonly string[] }) =>
    `${h.pattern} ${[...h.pins].sort().join(' ')}`;
  const kept = new Set(r.hosts.map(key));
  const lost = doc.payload.hosts.find((h) => !kept.has(key(h)));
  if (lost !== undefined) refuse(`it does not keep host ${lost.pattern} with the document's pins`);
}

export function registerAdminPinsetRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const admin = adminRoute(ctx);

  async function verified(
    project: string,
    field: string,
    jws: string,
    context: VerifyContext,
  ): Promise<VerifiedDocument> {
    let doc: VerifiedDocument;
    try {
      doc = await ctx.verify(jws, context);
    } catch (err) {
      // A refusal is a qrpin error (`ERR_PINSET_*` …); anything else (a bug, a Node system error)
      // is the server's fault and answers 500.
      const code = err instanceof QrpinError ? err.code : (err as { code?: unknown }).code;
      if (typeof code !== 'string' || !(err instanceof QrpinError || /^ERR_PINSET_[A-Z_]+$/.test(code)))
        throw err;
      ctx.metrics.refused(project, code);
      const message = `${field}: ${(err as Error).message}`;
      throw new HttpError(code === 'ERR_PINSET_ROLLBACK' ? 409 : 422, code, message);
    }
    const { payload } = doc;
    if (payload.project !== project) {
      ctx.metrics.refused(project, 'ERR_HTTP_PROJECT_MISMATCH');
      throw new HttpError(
        422,
        'ERR_HTTP_PROJECT_MISMATCH',
        `${field}: the document is for project ${JSON.stringify(payload.project)}, not "${project}"`,
      );
    }
    if (!Number.isSafeInteger(payload.seq) || payload.seq < 0) {
      throw new HttpError(422, 'ERR_PINSET_MALFORMED', `${field}: seq is not a non-negative integer`);
    }
    return doc;
  }

  app.post('/v1/projects/:project/pinsets', admin, async (request, reply) => {
    const project = projectParam(request.params);
    await checkAdmin(ctx, request, project);
    const jws = stringField(request.body, 'jws');
    const rollbackJws = stringField(request.body, 'rollbackJws');
    const trustedKeys = await ctx.store.signingKeys(project);
    if (trustedKeys.length === 0) {
      throw new HttpError(
        422,
        'ERR_HTTP_NO_SIGNING_KEYS',
        `project "${project}" has no signing key to verify against; add its public signing keys first`,
      );
    }
    const lastSeq = (await ctx.store.current(project))?.seq;
    const doc = await verified(project, 'jws', jws, { trustedKeys, lastSeq });
    const rollback = await verified(project, 'rollbackJws', rollbackJws, {
      trustedKeys,
      lastSeq: doc.payload.seq,
    });
    checkRollback(doc, rollback);
    let stored: StoredPinset;
    try {
      stored = await ctx.store.publish(project, {
        seq: doc.payload.seq,
        jws,
        sha256: sha256Hex(jws),
        rollbackJws,
        rollbackSeq: rollback.payload.seq,
      });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string') ctx.metrics.refused(project, code);
      throw err;
    }
    ctx.current.invalidate(project);
    ctx.metrics.published(project, 'published', stored.seq);
    request.log.info({ project, seq: stored.seq }, 'pinset published');
    return reply
      .code(201)
      .header('location', `/v1/projects/${project}/pinset/${stored.seq}`)
      .send({ project, ...summary(stored) });
  });

  app.post('/v1/projects/:project/rollback', admin, async (request, reply) => {
    const project = projectParam(request.params);
    await checkAdmin(ctx, request, project);
    const stored = await ctx.store.releaseRollback(project);
    ctx.current.invalidate(project);
    ctx.metrics.published(project, 'rollback', stored.seq);
    request.log.warn({ project, seq: stored.seq }, 'pre-signed rollback released');
    return reply
      .code(201)
      .header('location', `/v1/projects/${project}/pinset/${stored.seq}`)
      .send({ project, ...summary(stored) });
  });

  app.get('/v1/projects/:project/pinsets', admin, async (request, reply) => {
    const project = projectParam(request.params);
    await checkAdmin(ctx, request, project);
    const raw = (request.query as { limit?: unknown }).limit;
    const limit =
      raw === undefined ? 50 : typeof raw === 'string' && /^[1-9][0-9]{0,5}$/.test(raw) ? Number(raw) : 0;
    if (limit < 1 || limit > ctx.historyMax) {
      throw new HttpError(
        400,
        'ERR_HTTP_BAD_REQUEST',
        `limit must be an integer from 1 to ${ctx.historyMax}`,
      );
    }
    const pinsets = await ctx.store.history(project, { limit });
    return reply.header('cache-control', 'no-store').send({ project, pinsets: pinsets.map(summary) });
  });
}
