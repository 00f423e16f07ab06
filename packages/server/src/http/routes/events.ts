// Event ingestion: batches of journey events from apps, each app authenticated by its ingest key,
// every field validated, and the batch acknowledged only once it is durably committed.
import type { FastifyInstance } from 'fastify';
import { QrpinError, validateTelemetryEvent, type TelemetryEvent } from '@qrpin/core';
import { HttpError } from '../http-error.ts';
import type { HttpContext } from '../../lib/http-context.ts';
import { sha256Hex } from '../../lib/sha256.ts';

/** Events in one batch at most. */
export const MAX_EVENTS_PER_BATCH = 1000;
/** Bytes of one batch at most. */
export const MAX_EVENTS_BODY_BYTES = 1024 * 1024;

export function registerEventRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.post('/v1/events', { bodyLimit: MAX_EVENTS_BODY_BYTES }, async (request, reply) => {
    const header = request.headers['x-qrpin-ingest-key'];
    const key = typeof header === 'string' ? header : undefined;
    if (key === undefined || key.length < 16 || key.length > 256) {
      throw new HttpError(401, 'ERR_HTTP_UNAUTHORIZED', 'send the app’s ingest key in x-qrpin-ingest-key');
    }
    const keyHash = sha256Hex(key);
    const take = ctx.ingestBuckets.take(keyHash);
    if (!take.ok) {
      throw new HttpError(
        429,
        'ERR_HTTP_RATE_LIMITED',
        `too many batches for this key; retry in ${take.retryAfterSeconds} s`,
        {
          'retry-after': String(take.retryAfterSeconds),
        },
      );
    }
    const owner = await ctx.store.findIngestKey(keyHash);
    if (owner === undefined) throw new HttpError(401, 'ERR_HTTP_UNAUTHORIZED', 'unknown ingest key');
    const body = request.body as { events?: unknown } | undefined;
    const list = body?.events;
    if (typeof body !== 'object' || body === null || !Array.isArray(list) || list.length === 0) {
      throw new HttpError(
        400,
        'ERR_HTTP_BAD_REQUEST',
        'the body must be {"events": [ … ]} with at least one event',
      );
    }
    if (list.length > MAX_EVENTS_PER_BATCH) {
      throw new HttpError(
        413,
        'ERR_HTTP_BODY_TOO_LARGE',
        `a batch holds at most ${MAX_EVENTS_PER_BATCH} events`,
      );
    }
    // An index rather than `list.entries()`, which makes a pair an event: this runs for every event.
    const events: TelemetryEvent[] = [];
    for (let i = 0; i < list.length; i++) {
      let event: TelemetryEvent;
      try {
        event = validateTelemetryEvent(list[i]);
      } catch (err) {
        if (err instanceof QrpinError)
          throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', `events[${i}]: ${err.message}`);
        throw err;
      }
      if (event.project !== owner.project || event.appId !== owner.appId) {
        throw new HttpError(
          403,
          'ERR_HTTP_PROJECT_MISMATCH',
          `events[${i}] is for ${event.project}/${event.appId}; this key reports for ${owner.project}/${owner.appId}`,
        );
      }
      events.push(event);
    }
    const pending = ctx.ingestPending;
    if (pending.events + events.length > pending.max) {
      throw new HttpError(
        503,
        'ERR_HTTP_UNAVAILABLE',
        'the server is storing as many events as it can; retry later',
        {
          'retry-after': '1',
        },
      );
    }
    let stored: number;
    pending.events += events.length;
    try {
      stored = await ctx.store.insertEvents(events);
    } catch (err) {
      request.log.error({ err }, 'storing events failed');
      throw new HttpError(503, 'ERR_HTTP_UNAVAILABLE', 'the events could not be stored; retry later', {
        'retry-after': '5',
      });
    } finally {
      pending.events -= events.length;
    }
    ctx.metrics.ingested(events);
    return reply.code(202).send({ accepted: stored });
  });
}
