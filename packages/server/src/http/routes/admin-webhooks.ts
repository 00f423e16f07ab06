// Admin routes for alert webhooks: add one (its signing secret is shown once, in the answer), list
// them (never with secrets), remove one. Bearer admin token of the project, rate-limited.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { adminRoute, checkAdmin } from '../auth.ts';
import { atMost, HttpError } from '../http-error.ts';
import { projectParam, type HttpContext } from '../../lib/http-context.ts';
import type { WebhookRecord } from '../../storage/telemetry-store.ts';

/** Webhooks a project may have. */
export const MAX_WEBHOOKS = 20;

/** A webhook URL: absolute http(s), at most 2,048 characters, no credentials, no fragment. */
export function checkWebhookUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) {
    throw new HttpError(
      400,
      'ERR_HTTP_BAD_REQUEST',
      'url must be an absolute http(s) URL of at most 2048 characters',
    );
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', 'url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', `url must use https (or http), not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new HttpError(
      400,
      'ERR_HTTP_BAD_REQUEST',
      'url must not carry credentials: deliveries are signed instead',
    );
  }
  if (url.hash !== '') throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', 'url must not carry a fragment');
  return url.href;
}

const view = (w: WebhookRecord) => ({ id: w.id, url: w.url, createdAt: w.createdAt });

export function registerAdminWebhookRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const admin = adminRoute(ctx);

  app.post('/v1/projects/:project/webhooks', admin, async (request, reply) => {
    const project = projectParam(request.params);
    await checkAdmin(ctx, request, project);
    const body = request.body as { url?: unknown } | null;
    const url = checkWebhookUrl(typeof body === 'object' && body !== null ? body.url : undefined);
    const secret = randomBytes(32).toString('base64url');
    const record = await atMost(MAX_WEBHOOKS, 'webhooks; remove one first', () =>
      ctx.store.addWebhook(project, url, secret, MAX_WEBHOOKS),
    );
    request.log.info({ project, webhook: record.id }, 'webhook added');
    return reply
      .code(201)
      .header('cache-control', 'no-store')
      .send({
        ...view(record),
        secret,
        note: 'the secret is shown once: keep it to verify x-qrpin-signature',
      });
  });

  app.get('/v1/projects/:project/webhooks', admin, async (request, reply) => {
    const project = projectParam(request.params);
    await checkAdmin(ctx, request, project);
    const hooks = await ctx.store.listWebhooks(project);
    return reply.header('cache-control', 'no-store').send({ webhooks: hooks.map(view) });
  });

  app.delete('/v1/projects/:project/webhooks/:id', admin, async (request, reply) => {
    const project = projectParam(request.params);
    await checkAdmin(ctx, request, project);
    const raw = (request.params as { id?: string }).id ?? '';
    if (!/^[1-9][0-9]{0,15}$/.test(raw)) throw new HttpError(404, 'ERR_HTTP_NOT_FOUND', 'no such webhook');
    if (!(await ctx.store.removeWebhook(project, Number(raw)))) {
      throw new HttpError(404, 'ERR_HTTP_NOT_FOUND', 'no such webhook');
    }
    return reply.code(204).send();
  });
}
