/**
 * The demo's alert webhook receiver: a plain `node:http` server on loopback that does what a real
 * receiver must (see docs/alerts.md): it verifies `x-qrpin-signature` over the raw body with the
 * webhook's secret, in constant time, refuses stale timestamps, and only then accepts the alert.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An alert the receiver accepted. */
export interface ReceivedAlert {
  /** `x-qrpin-delivery`. */
  readonly delivery: string;
  readonly alert: {
    readonly id: number;
    readonly destination: string;
    readonly kind: string;
    readonly windowStart: string;
    readonly windowEnd: string;
    readonly observed: { readonly errors: number; readonly attempts: number; readonly rate: number | null };
    readonly baseline: { readonly errors: number; readonly attempts: number; readonly rate: number | null };
    readonly pValue: number;
  };
}

/** A listening receiver. */
export interface WebhookReceiver {
  /** The URL to register as the webhook. */
  readonly url: string;
  /** Accepted alerts, in order of arrival. */
  readonly received: readonly ReceivedAlert[];
  /** Deliveries refused (bad or missing signature, stale timestamp). */
  readonly refused: number;
  /** Sets the secret the webhook was given (shown once when it was added). */
  setSecret(secret: string): void;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
/** Deliveries older or newer than this are refused, so a captured one cannot be replayed. */
const TOLERANCE_SECONDS = 300;

/**
 * Starts the receiver on 127.0.0.1. `now()` is unix ms.
 *
 * @example
 * ```ts
 * const receiver = await startWebhookReceiver(Date.now);
 * receiver.setSecret(secretFromTheAddWebhookAnswer);
 * ```
 */
export async function startWebhookReceiver(now: () => number): Promise<WebhookReceiver> {
  let secret: string | undefined;
  const received: ReceivedAlert[] = [];
  let refused = 0;
  const server = createServer((req, res) => {
    void readBody(req).then(
      (body) => {
        if (
          req.method !== 'POST' ||
          body === undefined ||
          secret === undefined ||
          !verifyDelivery(secret, req.headers, body, now())
        ) {
          refused += 1;
          res.writeHead(401).end();
          return;
        }
        try {
          const payload = JSON.parse(body.toString('utf8')) as {
            type?: unknown;
            alert?: ReceivedAlert['alert'];
          };
          if (payload.type !== 'qrpin.alert' || payload.alert === undefined) throw new Error('not an alert');
          received.push({ delivery: String(req.headers['x-qrpin-delivery'] ?? ''), alert: payload.alert });
          res.writeHead(204).end();
        } catch {
          res.writeHead(400).end();
        }
      },
      () => res.writeHead(400).end(),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/qrpin-alerts`,
    received,
    get refused() {
      return refused;
    },
    setSecret(value) {
      secret = value;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Whether a delivery is genuine: its `x-qrpin-signature` is the HMAC-SHA256, keyed with `secret`, of
 * `<x-qrpin-timestamp>.<raw body>` (compared in constant time), and its timestamp is within five
 * minutes of `nowMs`.
 *
 * @example
 * ```ts
 * verifyDelivery(secret, req.headers, rawBody, Date.now()); // true or false
 * ```
 */
export function verifyDelivery(
  secret: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: Buffer,
  nowMs: number,
): boolean {
  const timestamp = Number(headers['x-qrpin-timestamp']);
  if (!Number.isInteger(timestamp) || Math.abs(nowMs / 1000 - timestamp) > TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`,
  );
  const given = Buffer.from(String(headers['x-qrpin-signature'] ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The body, or `undefined` when it is larger than the receiver takes. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= MAX_BODY ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}
