/**
 * Webhook delivery of alerts: each alert is POSTed as JSON to every webhook of its project, signed
 * with the webhook's secret (HMAC-SHA256 over `<unix seconds>.<body>`), from the store's outbox so
 * a delivery survives restarts and is sent by one replica at a time.
 *
 * - 2xx: delivered. 3xx: failed for good (redirects are never followed: the signature and the body
 *   must not travel to a host nobody configured).
 * - 408, 429, 5xx, a timeout or a network error: retried after an exponential backoff with jitter,
 *   or after `Retry-After` when the receiver says so (bounded by `maxRetryAfterMs`).
 * - Any other 4xx: failed for good. After `maxAttempts` attempts: failed for good.
 *
 * Neither the secret nor the body is ever logged or reported: outcomes carry a status code or an
 * error code only. See `docs/alerts.md` for the format and how to verify a signature.
 */
import { createHmac } from 'node:crypto';
import type {
  AlertRecord,
  DeliveryOutcome,
  TelemetryStore,
  WebhookDelivery,
} from '../storage/telemetry-store.ts';
import { AlertError } from './error.ts';

/** The header carrying `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export const SIGNATURE_HEADER = 'x-qrpin-signature';
/** The header carrying the unix time in seconds the signature was made at. */
export const TIMESTAMP_HEADER = 'x-qrpin-timestamp';
/** The header carrying the delivery's id: the same on every retry, for receivers to deduplicate. */
export const DELIVERY_HEADER = 'x-qrpin-delivery';

/** How webhooks are sent. */
export interface WebhookOptions {
  /** The whole attempt (connect, send, answer headers). Default 10 s. */
  readonly timeoutMs?: number | undefined;
  /** Attempts before a delivery fails for good. Default 8. */
  readonly maxAttempts?: number | undefined;
  /** The backoff before the first retry, doubled at each next one. Default 10 s. */
  readonly minBackoffMs?: number | undefined;
  /** The longest backoff. Default 1 hour. */
  readonly maxBackoffMs?: number | undefined;
  /** A receiver's `Retry-After` is honoured up to this. Default 1 hour. */
  readonly maxRetryAfterMs?: number | undefined;
  /** Uniform in [0, 1), for the jitter. Default `Math.random`. */
  readonly random?: (() => number) | undefined;
  /** The fetch to send with. Default the global `fetch`. */
  readonly fetch?: typeof fetch | undefined;
}

/** {@link WebhookOptions} with every default filled in. */
export interface ResolvedWebhookOptions {
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly minBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly maxRetryAfterMs: number;
  readonly random: () => number;
  readonly fetch: typeof fetch;
}

const LIMITS = {
  timeoutMs: [1, 300_000],
  maxAttempts: [1, 100],
  minBackoffMs: [1, 86_400_000],
  maxBackoffMs: [1, 7 * 86_400_000],
  maxRetryAfterMs: [0, 7 * 86_400_000],
} as const;

const DEFAULTS = {
  timeoutMs: 10_000,
  maxAttempts: 8,
  minBackoffMs: 10_000,
  maxBackoffMs: 3_600_000,
  maxRetryAfterMs: 3_600_000,
} as const;

/**
 * Fills in the defaults and checks every option: `ERR_WEBHOOK_OPTIONS` names the first one out of
 * range.
 *
 * @example
 * ```ts
 * resolveWebhookOptions({ maxAttempts: 3 }).timeoutMs; // 10000
 * resolveWebhookOptions({ timeoutMs: 0 }); // throws AlertError ERR_WEBHOOK_OPTIONS
 * ```
 */
export function resolveWebhookOptions(options: WebhookOptions = {}): ResolvedWebhookOptions {
  const numbers: Record<string, number> = {};
  for (const name of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
    const value = options[name] ?? DEFAULTS[name];
    const [min, max] = LIMITS[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new AlertError(
        'ERR_WEBHOOK_OPTIONS',
        `webhook option ${name} is ${String(value)}: expected an integer from ${min} to ${max} (default ${DEFAULTS[name]})`,
      );
    }
    numbers[name] = value;
  }
  if (numbers.maxBackoffMs! < numbers.minBackoffMs!) {
    throw new AlertError(
      'ERR_WEBHOOK_OPTIONS',
      `webhook option maxBackoffMs is ${numbers.maxBackoffMs}: expected at least minBackoffMs (${numbers.minBackoffMs})`,
    );
  }
  for (const name of ['random', 'fetch'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new AlertError('ERR_WEBHOOK_OPTIONS', `webhook option ${name} must be a function`);
    }
  }
  return {
    timeoutMs: numbers.timeoutMs!,
    maxAttempts: numbers.maxAttempts!,
    minBackoffMs: numbers.minBackoffMs!,
    maxBackoffMs: numbers.maxBackoffMs!,
    maxRetryAfterMs: numbers.maxRetryAfterMs!,
    random: options.random ?? Math.random,
    fetch: options.fetch ?? globalThis.fetch,
  };
}

const rate = (errors: number, attempts: number): number | null =>
  attempts > 0 ? Math.round((errors / attempts) * 1e6) / 1e6 : null;

/**
 * The JSON body of an alert's webhook (documented in `docs/alerts.md`).
 *
 * @example
 * ```ts
 * JSON.stringify(alertPayload(alert)); // {"type":"qrpin.alert","alert":{"id":3,…}}
 * ```
 */
export function alertPayload(alert: AlertRecord): unknown {
  return {
    type: 'qrpin.alert',
    alert: {
      id: alert.id,
      project: alert.project,
      destination: alert.destination,
      kind: alert.kind,
      windowStart: new Date(alert.windowStart * 1000).toISOString(),
      windowEnd: new Date((alert.windowStart + alert.windowSeconds) * 1000).toISOString(),
      windowSeconds: alert.windowSeconds,
      observed: { ...alert.observed, rate: rate(alert.observed.errors, alert.observed.attempts) },
      baseline: { ...alert.baseline, rate: rate(alert.baseline.errors, alert.baseline.attempts) },
      pValue: alert.pValue,
      createdAt: alert.createdAt,
    },
  };
}

/**
 * The value of the {@link SIGNATURE_HEADER}: `sha256=` and the hex HMAC-SHA256, keyed with the
 * webhook's secret (its UTF-8 bytes, as shown when the webhook was added), of
 * `<timestamp>.<body>`.
 *
 * @example
 * ```ts
 * signWebhook('s3cret', 1764590400, '{"type":"qrpin.alert"}'); // 'sha256=…64 hex digits'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc2104 (HMAC)
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What one attempt gave: the outcome to settle, and what may be logged about it. */
export interface AttemptResult {
  readonly outcome: DeliveryOutcome;
  /** The HTTP status, when the receiver answered. */
  readonly status?: number | undefined;
  readonly durationMs: number;
}

/**
 * The milliseconds a `Retry-After` value asks to wait (delay-seconds or an HTTP date, RFC 9110
 * §10.2.3), or `undefined` when absent or unreadable.
 */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its weekday and month ("Tue, 01 Dec 2026 12:00:00 GMT").
  const date = /^[A-Za-z]{3},? /.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function backoffMs(attempt: number, o: ResolvedWebhookOptions): number {
  const ceiling = Math.min(o.maxBackoffMs, o.minBackoffMs * 2 ** Math.min(attempt - 1, 40));
  // Half fixed, half random: retries spread out but never come back at once.
  return Math.round(ceiling / 2 + (ceiling / 2) * o.random());
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function networkCode(err: unknown): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return 'timeout';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'network error';
}

/**
 * Sends one delivery once and decides its outcome (nothing is stored: see
 * {@link deliverPending}). `now()` is unix ms.
 *
 * @example
 * ```ts
 * const [delivery] = await store.claimDeliveries(Date.now(), 1, 60_000);
 * const { outcome } = await attemptDelivery(delivery, resolveWebhookOptions(), Date.now);
 * await store.settleDelivery(delivery.id, delivery.claim, outcome, Date.now());
 * ```
 */
export async function attemptDelivery(
  delivery: WebhookDelivery,
  options: ResolvedWebhookOptions,
  now: () => number,
): Promise<AttemptResult> {
  const attempt = delivery.attempts + 1;
  const started = now();
  const timestamp = Math.floor(started / 1000);
  const body = JSON.stringify(alertPayload(delivery.alert));
  const retryOrFail = (error: string, waitMs: number | undefined, status?: number): AttemptResult => {
    const ended = now();
    const retry = attempt < options.maxAttempts;
    let delay = backoffMs(attempt, options);
    if (waitMs !== undefined) delay = Math.max(delay, Math.min(waitMs, options.maxRetryAfterMs));
    return {
      outcome: { ok: false, retryAt: retry ? ended + delay : undefined, error },
      status,
      durationMs: ended - started,
    };
  };
  let response: Response;
  try {
    response = await options.fetch(delivery.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'qrpin-webhook/1',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(delivery.secret, timestamp, body),
        [DELIVERY_HEADER]: String(delivery.id),
      },
      body,
    });
  } catch (err) {
    return retryOrFail(networkCode(err), undefined);
  }
  // The answer's body is not read: it could be large, and nothing in it matters.
  await response.body?.cancel().catch(() => undefined);
  const status = response.status;
  if (status >= 200 && status < 300) {
    return { outcome: { ok: true }, status, durationMs: now() - started };
  }
  if (retryable(status)) {
    return retryOrFail(`HTTP ${status}`, retryAfterMs(response.headers.get('retry-after'), now()), status);
  }
  const error =
    status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
  return { outcome: { ok: false, retryAt: undefined, error }, status, durationMs: now() - started };
}

/** What {@link deliverPending} reports of each attempt: ids and codes, never the secret or body. */
export interface DeliveryReport {
  readonly deliveryId: number;
  readonly webhookId: number;
  readonly alertId: number;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * `delivered`, `retry` (scheduled again), `failed` (for good), or `stale`: the attempt outlived
   * its lease and the delivery was claimed again meanwhile, so its outcome was not recorded (the
   * newer claim's is).
   */
  readonly result: 'delivered' | 'retry' | 'failed' | 'stale';
  readonly status?: number | undefined;
  /** The error code or status, when not delivered. */
  readonly error?: string | undefined;
  /** Unix ms of the next attempt, for `retry`. */
  readonly retryAt?: number | undefined;
  readonly durationMs: number;
}

/** Options of {@link deliverPending}. */
export interface DeliverPendingOptions {
  readonly store: Pick<TelemetryStore, 'claimDeliveries' | 'settleDelivery'>;
  /** Unix ms. Default `Date.now`. */
  readonly now?: (() => number) | undefined;
  readonly webhook?: WebhookOptions | undefined;
  /** Deliveries claimed (and sent concurrently) at a time. Default 10. */
  readonly batchSize?: number | undefined;
  /** Batches per call at most, so one call stays bounded. Default 10. */
  readonly maxBatches?: number | undefined;
  readonly onDelivery?: ((report: DeliveryReport) => void) | undefined;
}

/** How many attempts of a {@link deliverPending} call ended each way. */
export interface DeliveryCounts {
  readonly delivered: number;
  readonly retry: number;
  readonly failed: number;
  /** Attempts whose outcome was not recorded: the delivery had been claimed again meanwhile. */
  readonly stale: number;
}

/**
 * Sends every delivery due now from the store's outbox: claims a batch (leased so another replica
 * does not send it too), sends them concurrently, settles each outcome, until the outbox has
 * nothing due or `maxBatches` batches went.
 *
 * @example
 * ```ts
 * const counts = await deliverPending({ store, onDelivery: (r) => log.info(r, 'webhook') });
 * counts.delivered; // 2
 * ```
 */
export async function deliverPending(options: DeliverPendingOptions): Promise<DeliveryCounts> {
  const webhook = resolveWebhookOptions(options.webhook);
  const now = options.now ?? Date.now;
  const batchSize = options.batchSize ?? 10;
  const maxBatches = options.maxBatches ?? 10;
  for (const [name, value] of [
    ['batchSize', batchSize],
    ['maxBatches', maxBatches],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1 || value > 1000) {
      throw new AlertError(
        'ERR_WEBHOOK_OPTIONS',
        `webhook option ${name} is ${String(value)}: expected an integer from 1 to 1000`,
      );
    }
  }
  // The lease outlasts the attempt: a slow receiver never gets the same delivery twice at once.
  const leaseMs = 2 * webhook.timeoutMs + 5000;
  const counts = { delivered: 0, retry: 0, failed: 0, stale: 0 };
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const claimed = await options.store.claimDeliveries(now(), batchSize, leaseMs);
    await Promise.all(
      claimed.map(async (delivery) => {
        const { outcome, status, durationMs } = await attemptDelivery(delivery, webhook, now);
        const settled = await options.store.settleDelivery(delivery.id, delivery.claim, outcome, now());
        const result = !settled
          ? 'stale'
          : outcome.ok
            ? 'delivered'
            : outcome.retryAt === undefined
              ? 'failed'
              : 'retry';
        counts[result] += 1;
        options.onDelivery?.({
          deliveryId: delivery.id,
          webhookId: delivery.webhookId,
          alertId: delivery.alert.id,
          attempt: delivery.attempts + 1,
          result,
          status,
          error: outcome.ok ? undefined : outcome.error,
          retryAt: outcome.ok ? undefined : outcome.retryAt,
          durationMs,
        });
      }),
    );
    if (claimed.length < batchSize) break;
  }
  return counts;
}
