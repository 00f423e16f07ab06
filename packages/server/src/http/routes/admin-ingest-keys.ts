// Admin routes for the ingest keys apps send events with: create one for an app (the key is in
// the answer once; the store keeps its SHA-256), list them (by key id, never a key), revoke one.
// Bearer admin token of the project, rate-limited. No key is ever logged.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { adminRoute, checkAdmin } from '../auth.ts';
import { atMost, HttpError } from '../http-error.ts';
import { projectParam, type HttpContext } from '../../lib/http-context.ts';
import { sha256Hex } from '../../lib/sha256.ts';
import { checkAppId, INGEST_KEY_ID, ingestKeyId } from '../../lib/store-input.ts';
import { StoreError } from '../../storage/error.ts';
import type { IngestKeyRecord } from '../../storage/telemetry-store.ts';

/** Ingest keys a project may have. */
export const MAX_INGEST_KEYS = 100;

/** The prefix of every key this route makes, so a leaked one is recognisable in a scan. */
export const INGEST_KEY_PREFIX = 'qi_';

/**
 * A fresh ingest key: {@link INGEST_KEY_PREFIX} and 32 random bytes in base64url (46 characters).
 *
 * @example
 * ```ts
 * const key = newIngestKey(); // 'qi_3q2-…'
 * await store.addIngestKey('spring', 'kiosk', sha256Hex(key));
 * ```
 */
export function newIngestKey(): string {
  return `${INGEST_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The `appId` of a create request's body, or 400. */
function appIdOf(body: unknown): string {
  const appId = typeof body === 'object' && body !== null ? (body as { appId?: unknown }).appId : undefined;
  if (typeof appId !== 'string') {
    throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', 'the body must be {"appId": "<app id>"}');
  }
  try {
    return checkAppId(appId);
  } catch (err) {
    if (err instanceof StoreError) throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', `appId: ${err.message}`);
    throw err;
  }
}

const view = (k: IngestKeyRecord) => ({ keyId: k.keyId, appId: k.appId, createdAt: k.createdAt });

export function registerAdminIngestKeyRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const admin = adminRoute(ctx);

  app.post('/v1/projects/:project/ingest-keys', admin, async (request, reply) => {
    const project = projectParam(request.params);
    await checkAdmin(ctx, request, project);
    const appId = appIdOf(request.body);
    const existing = await ctx.store.listIngestKeys(project);
    // Key ids are short: draw again in the (about one in 10^12) case that one is taken already.
    const taken = new Set(existing.map((k) => k.keyId));
    let key = newIngestKey();
    while (taken.has(ingestKeyId(sha256Hex(key)))) key = newIngestKey();
    const keyHash = sha256Hex(key);
    const keyId = ingestKeyId(keyHash);
    // The store checks the cap again in the insert's transaction: concurrent creations never pass it.
    await atMost(MAX_INGEST_KEYS, 'ingest keys; revoke one first', () =>
      ctx.store.addIngestKey(project, appId, keyHash, MAX_INGEST_KEYS),
    );
    const record = (await ctx.store.listIngestKeys(project)).find((k) => k.keyId === keyId);
    if (record === undefined) {
      // Revoked between the two calls, or a hash already owned elsewhere: no key to hand out.
      throw new HttpError(409, 'ERR_HTTP_CONFLICT', 'the new ingest key was not kept; try again');
    }
    request.log.info({ project, appId, keyId }, 'ingest key created');
    return reply
      .code(201)
      .header('cache-control', 'no-store')
      .send({
        ...view(record),
        key,
        note: 'the key is shown once: give it to the app (x-qrpin-ingest-key); the server keeps only its hash',
      });
  });

  app.get('/v1/projects/:project/ingest-keys', admin, async (request, reply) => {
    const project = projectParam(request.params);
    await checkAdmin(ctx, request, project);
    const keys = await ctx.store.listIngestKeys(project);
    return reply.header('cache-control', 'no-store').send({ ingestKeys: keys.map(view) });
  });

  app.delete('/v1/projects/:project/ingest-keys/:keyId', admin, async (request, reply) => {
    const project = projectParam(request.params);
    await checkAdmin(ctx, request, project);
    const keyId = (request.params as { keyId?: string }).keyId ?? '';
    if (!INGEST_KEY_ID.test(keyId) || !(await ctx.store.removeIngestKey(project, keyId))) {
      throw new HttpError(404, 'ERR_HTTP_NOT_FOUND', 'no such ingest key');
    }
    request.log.info({ project, keyId }, 'ingest key revoked');
    return reply.code(204).send();
  });
}
