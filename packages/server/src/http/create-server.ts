/**
 * The qrpin HTTP API: signed pinset documents for clients (public, cacheable) and the admin routes
 * that publish them (bearer token per project, rate-limited), plus `/healthz`, `/readyz` and
 * `/metrics`. Every error answer is JSON `{ "error": { "code", "message" } }`, never a stack.
 *
 * The server holds public keys only: it verifies each document with the injected verifier before
 * it stores it, and can release a stored pre-signed rollback without any private key.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515 (JWS; documents are served as `application/jose`)
 * @see https://www.rfc-editor.org/rfc/rfc9111 (HTTP caching: `Cache-Control`, `ETag`, 304)
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { ServerMetrics, type DestinationGauges } from '../lib/metrics.ts';
import { destinationGauges } from '../metrics/destination-gauges.ts';
import { TokenBuckets } from '../lib/token-bucket.ts';
import type { HttpContext } from '../lib/http-context.ts';
import { StoreError } from '../storage/error.ts';
import type { PinsetStore } from '../storage/pinset-store.ts';
import { HttpError, type ErrorBody } from './http-error.ts';
import { registerAdminPinsetRoutes } from './routes/admin-pinsets.ts';
import { registerEventRoutes } from './routes/events.ts';
import { useJsonBytesParser } from './json-body.ts';
import { registerReportRoutes } from './routes/reports.ts';
import { registerMetricsRoutes } from './routes/metrics.ts';
import { registerAdminWebhookRoutes } from './routes/admin-webhooks.ts';
import { registerAdminIngestKeyRoutes } from './routes/admin-ingest-keys.ts';
import { retentionPolicy, type RetentionPolicy } from '../retention/policy.ts';
import { CurrentDocumentCache } from '../lib/current-cache.ts';
import { registerPublicPinsetRoutes, serveCurrentFromMemory } from './routes/public-pinsets.ts';
import { registerDashboardRoutes } from './routes/dashboard.ts';
import { registerSessionRoutes } from './routes/session.ts';
import { createServer as createHttpServer } from 'node:http';
import type { PinsetVerifier } from './verifier.ts';

/** Bounds of {@link createServer}. */
export interface ServerLimits {
  /** Largest request body in bytes (default 256 KiB); larger answers 413. */
  readonly bodyBytes?: number | undefined;
  /** Admin requests a client address may make at once (default 30). */
  readonly adminBurst?: number | undefined;
  /** Admin requests a client address gets back per second (default 1). */
  readonly adminRefillPerSecond?: number | undefined;
  /** Event batches an ingest key may send at once (default 100), and gets back per second (default 50). */
  readonly ingestBurst?: number | undefined;
  readonly ingestRefillPerSecond?: number | undefined;
  /**
   * Events received but not yet committed, across all keys, beyond which a batch is refused with
   * 503 and `Retry-After` instead of queued (default 100,000): a store that falls behind sheds
   * load rather than holding ever more batches in memory.
   */
  readonly ingestPendingEvents?: number | undefined;
  /** Largest `limit` of the history route (default 500). */
  readonly historyMax?: number | undefined;
  /**
   * How long a replica serves the current document from memory, in ms (default 1000; 0 reads the
   * store on every request). Publishes and rollbacks on the same replica take effect at once.
   */
  readonly currentCacheMs?: number | undefined;
}

/** Logger settings: `false` for none, or pino's level and a destination stream. */
export type ServerLogger =
  | boolean
  | {
      readonly level?: string | undefined;
      readonly stream?: { write(line: string): unknown } | undefined;
    };

/** Options of {@link createServer}. */
export interface CreateServerOptions {
  /** The store, migrated. */
  readonly store: PinsetStore;
  /** Verifies a document before it is stored (see {@link PinsetVerifier}). */
  readonly verify: PinsetVerifier;
  /**
   * Fastify's pino logger (default: on, level `info`, to stdout); `Authorization` and
   * `x-qrpin-ingest-key` are redacted.
   */
  readonly logger?: ServerLogger | undefined;
  readonly limits?: ServerLimits | undefined;
  /** Trust `X-Forwarded-For` from a reverse proxy (Fastify's `trustProxy`; default `false`). */
  readonly trustProxy?: boolean | string | undefined;
  /** The clock for rate limiting, in milliseconds (default `Date.now`). */
  readonly nowMs?: (() => number) | undefined;
  /**
   * How long telemetry is kept (defaults in `DEFAULT_RETENTION`): the metrics API answers from the
   * rollups still kept. The purge itself runs in `startServer`.
   */
  readonly retention?: Partial<RetentionPolicy> | undefined;
  /** The counters `/metrics` shows; pass one to count the work of jobs running beside the server. */
  readonly metrics?: ServerMetrics | undefined;
}

const REDACT = {
  paths: [
    'req.headers.authorization',
    'request.headers.authorization',
    'headers.authorization',
    'req.headers["x-qrpin-ingest-key"]',
    'request.headers["x-qrpin-ingest-key"]',
    'headers["x-qrpin-ingest-key"]',
  ],
  censor: '[redacted]',
};

function loggerOptions(logger: ServerLogger | undefined): boolean | Record<string, unknown> {
  if (logger === false) return false;
  const settings = logger === true || logger === undefined ? {} : logger;
  return {
    level: settings.level ?? 'info',
    redact: REDACT,
    ...(settings.stream === undefined ? {} : { stream: settings.stream }),
  };
}

const STORE_STATUS: Record<StoreError['code'], number> = {
  ERR_STORE_SEQ_CONFLICT: 409,
  ERR_STORE_CONFLICT: 409,
  ERR_STORE_NO_ROLLBACK: 409,
  ERR_STORE_LIMIT: 409,
  ERR_STORE_UNKNOWN_PROJECT: 404,
  ERR_STORE_OPTIONS: 400,
};

/** Maps any error to the status and JSON body the client sees. */
function toAnswer(err: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const answer = (status: number, code: string, message: string, headers: Record<string, string> = {}) => ({
    status,
    body: { error: { code, message } },
    headers,
  });
  if (err instanceof HttpError) return answer(err.statusCode, err.code, err.message, { ...err.headers });
  if (err instanceof StoreError) return answer(STORE_STATUS[err.code], err.code, err.message);
  const fastifyError = err as Partial<FastifyError>;
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return answer(413, 'ERR_HTTP_BODY_TOO_LARGE', 'the request body is over the size limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return answer(415, 'ERR_HTTP_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return answer(400, 'ERR_HTTP_MALFORMED_JSON', 'the request body is not valid JSON');
    default:
  }
  if (err instanceof SyntaxError && fastifyError.statusCode === 400) {
    return answer(400, 'ERR_HTTP_MALFORMED_JSON', 'the request body is not valid JSON');
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return answer(status, 'ERR_HTTP_BAD_REQUEST', 'the request is not valid');
  }
  return answer(500, 'ERR_HTTP_INTERNAL', 'internal error; the server log has the details');
}

/**
 * Builds the Fastify instance of the qrpin API; call `listen()` on it (or `inject()` in tests).
 *
 * @example
 * ```ts
 * const store = await openStore({ databaseUrl: process.env.QRPIN_DATABASE_URL });
 * const app = createServer({
 *   store,
 *   verify: (jws, { trustedKeys, lastSeq }) => verifyPinset(jws, { trustedKeys, lastSeq, now: () => new Date() }),
 * });
 * await app.listen({ host: '127.0.0.1', port: 8080 });
 * ```
 */
export function createServer(options: CreateServerOptions): FastifyInstance {
  const limits = options.limits ?? {};
  const metrics = options.metrics ?? new ServerMetrics();
  const current = new CurrentDocumentCache(
    options.store,
    limits.currentCacheMs ?? 1000,
    options.nowMs ?? Date.now,
  );
  const app = Fastify({
    logger: loggerOptions(options.logger),
    bodyLimit: limits.bodyBytes ?? 256 * 1024,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
    // The clients' poll of the current document is answered before Fastify when memory holds it.
    serverFactory: (handler) =>
      createHttpServer((req, res) => {
        if (!serveCurrentFromMemory(req, res, current, metrics)) handler(req, res);
      }),
  });
  useJsonBytesParser(app);
  const ctx: HttpContext = {
    store: options.store,
    verify: options.verify,
    metrics,
    adminBuckets: new TokenBuckets(
      limits.adminBurst ?? 30,
      limits.adminRefillPerSecond ?? 1,
      options.nowMs ?? Date.now,
    ),
    ingestBuckets: new TokenBuckets(
      limits.ingestBurst ?? 100,
      limits.ingestRefillPerSecond ?? 50,
      options.nowMs ?? Date.now,
    ),
    ingestPending: { events: 0, max: limits.ingestPendingEvents ?? 100_000 },
    historyMax: limits.historyMax ?? 500,
    nowMs: options.nowMs ?? Date.now,
    // One cache for the fast path and the routes: a publish or rollback replaces what both serve.
    current,
  };

  app.setErrorHandler((err, request, reply) => {
    const { status, body, headers } = toAnswer(err);
    if (status >= 500) request.log.error({ err }, 'request failed');
    return reply.code(status).headers(headers).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({
      error: {
        code: 'ERR_HTTP_NOT_FOUND',
        message: `no route for ${request.method} ${request.url.slice(0, 200)}`,
      },
    } satisfies ErrorBody);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.request(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request) => {
    try {
      await options.store.ping();
    } catch (err) {
      request.log.error({ err }, 'store does not answer');
      throw new HttpError(503, 'ERR_HTTP_UNAVAILABLE', 'the store does not answer');
    }
    return { status: 'ready' };
  });
  app.get('/metrics', async (request, reply) => {
    let gauges: DestinationGauges[] = [];
    try {
      gauges = await destinationGauges(options.store, ctx.nowMs());
    } catch (err) {
      // The process counters are still worth scraping when the store does not answer.
      request.log.error({ err }, 'reading rollups for /metrics failed');
    }
    return reply
      .header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
      .send(metrics.render(gauges));
  });

  registerPublicPinsetRoutes(app, ctx);
  registerDashboardRoutes(app);
  registerSessionRoutes(app, ctx);
  registerAdminPinsetRoutes(app, ctx);
  registerEventRoutes(app, ctx);
  registerReportRoutes(app, ctx);
  registerAdminWebhookRoutes(app, ctx);
  registerAdminIngestKeyRoutes(app, ctx);
  const retention = retentionPolicy(options.retention);
  registerMetricsRoutes(app, ctx, {
    minuteSeconds: retention.minuteRollupsDays * 86_400,
    hourSeconds: retention.hourRollupsDays * 86_400,
  });
  return app;
}
