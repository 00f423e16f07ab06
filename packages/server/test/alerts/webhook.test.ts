// Webhook delivery against a real local HTTP receiver and a real store's outbox.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { AlertInput } from '../../src/storage/telemetry-store.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import {
  alertPayload,
  deliverPending,
  resolveWebhookOptions,
  retryAfterMs,
  signWebhook,
  type DeliveryReport,
  type WebhookOptions,
} from '../../src/alerts/webhook.ts';
import { AlertError } from '../../src/alerts/error.ts';
import { FACTORIES } from '../helpers/stores.ts';

const SECRET = 'dGhlLXdlYmhvb2stc2VjcmV0LWZvci10ZXN0cy0xMjM0';
// The alert is raised at the real clock (some tests deliver on the default clock, Date.now): the
// tests' own clock starts a minute later.
const T0 = Date.now() + 60_000;

interface Received {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

type Answer = { status: number; headers?: Record<string, string> } | 'hang';

/** A receiver answering each request with the next scripted answer (the last one repeats). */
async function receiver(
  answers: Answer[],
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const answer = answers[Math.min(received.length - 1, answers.length - 1)]!;
      if (answer === 'hang') return;
      res.writeHead(answer.status, answer.headers ?? {});
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a receiver does: recompute the signature over `<timestamp>.<raw body>`, compare in constant time. */
function verify(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const timestamp = String(headers['x-qrpin-timestamp']);
  const given = Buffer.from(String(headers['x-qrpin-signature']));
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`,
  );
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const ALERT: AlertInput = {
  project: 'spring',
  destination: 'poster',
  kind: 'pin_failure_rate',
  windowStart: Date.UTC(2026, 11, 1, 11, 58) / 1000,
  windowSeconds: 60,
  observed: { errors: 40, attempts: 200 },
  baseline: { errors: 3, attempts: 12_000 },
  pValue: 1e-40,
};

for (const [name, factory] of FACTORIES) {
  describe(`webhook delivery on ${name}`, () => {
    // A store with a project, one webhook at `url` and one alert queued for it.
    async function withOutbox(
      url: string,
      run: (store: PinsetStore, alertId: number) => Promise<void>,
    ): Promise<void> {
      const fixture = await factory();
      try {
        const store = fixture.open();
        await store.migrate();
        await store.createProject('spring');
        await store.addWebhook('spring', url, SECRET);
        const alert = await store.insertAlert(ALERT, Date.now());
        assert.ok(alert !== undefined);
        await run(store, alert.id);
      } finally {
        await fixture.cleanup();
      }
    }

    const fast: WebhookOptions = { minBackoffMs: 10, maxBackoffMs: 40, timeoutMs: 2000, random: () => 0.5 };

    it('POSTs the alert as signed JSON and marks it delivered on 2xx', async () => {
      const hook = await receiver([{ status: 204 }]);
      try {
        await withOutbox(hook.url, async (store, alertId) => {
          const reports: DeliveryReport[] = [];
          const counts = await deliverPending({ store, webhook: fast, onDelivery: (r) => reports.push(r) });
          assert.deepEqual(counts, { delivered: 1, retry: 0, failed: 0, stale: 0 });
          assert.equal(hook.received.length, 1);
          const [request] = hook.received;
          assert.equal(request!.url, '/hook');
          assert.equal(request!.headers['content-type'], 'application/json');
          assert.ok(verify(SECRET, request!.headers, request!.body), 'the signature verifies');
          assert.ok(!verify('another secret', request!.headers, request!.body));
          const timestamp = Number(request!.headers['x-qrpin-timestamp']);
          assert.ok(Math.abs(timestamp - Date.now() / 1000) < 60);
          const body = JSON.parse(request!.body) as { type: string; alert: Record<string, unknown> };
          assert.equal(body.type, 'qrpin.alert');
          assert.equal(body.alert.id, alertId);
          assert.equal(body.alert.destination, 'poster');
          assert.equal(body.alert.kind, 'pin_failure_rate');
          assert.equal(body.alert.windowStart, new Date(ALERT.windowStart * 1000).toISOString());
          assert.deepEqual(body.alert.observed, { errors: 40, attempts: 200, rate: 0.2 });
          assert.equal(request!.headers['x-qrpin-delivery'], String(reports[0]!.deliveryId));
          const [settled, ...others] = await store.deliveries(alertId);
          assert.deepEqual(others, []);
          assert.deepEqual(
            { ...settled, nextAttemptAt: 0 },
            {
              webhookId: reports[0]!.webhookId,
              state: 'delivered',
              attempts: 1,
              lastError: null,
              nextAttemptAt: 0,
            },
          );
          // Nothing is due any more.
          assert.deepEqual(await deliverPending({ store, webhook: fast }), {
            delivered: 0,
            retry: 0,
            failed: 0,
            stale: 0,
          });
          // Reports carry ids and codes, never the secret or the body.
          assert.ok(!JSON.stringify(reports).includes(SECRET));
          assert.ok(!JSON.stringify(reports).includes('poster'));
        });
      } finally {
        await hook.close();
      }
    });

    it('retries after a 503 with backoff, and delivers on the next attempt', async () => {
      const hook = await receiver([{ status: 503 }, { status: 200 }]);
      try {
        await withOutbox(hook.url, async (store, alertId) => {
          let now = T0;
          const reports: DeliveryReport[] = [];
          const onDelivery = (r: DeliveryReport): void => void reports.push(r);
          assert.deepEqual(await deliverPending({ store, now: () => now, webhook: fast, onDelivery }), {
            delivered: 0,
            retry: 1,
            failed: 0,
            stale: 0,
          });
          // Backoff of the first retry: half of 10 ms fixed, plus half of it times the jitter (0.5).
          assert.equal(reports[0]!.retryAt, T0 + 8);
          assert.equal(reports[0]!.error, 'HTTP 503');
          // Not due yet.
          now = T0 + 5;
          assert.deepEqual(await deliverPending({ store, now: () => now, webhook: fast }), {
            delivered: 0,
            retry: 0,
            failed: 0,
            stale: 0,
          });
          now = T0 + 8;
          assert.deepEqual(await deliverPending({ store, now: () => now, webhook: fast, onDelivery }), {
            delivered: 1,
            retry: 0,
            failed: 0,
            stale: 0,
          });
          assert.equal(reports[1]!.attempt, 2);
          assert.equal(hook.received.length, 2);
          // Each attempt is signed afresh, with the same delivery id.
          assert.ok(hook.received.every((r) => verify(SECRET, r.headers, r.body)));
          assert.equal(
            hook.received[0]!.headers['x-qrpin-delivery'],
            hook.received[1]!.headers['x-qrpin-delivery'],
          );
          const [state] = await store.deliveries(alertId);
          assert.equal(state!.state, 'delivered');
          assert.equal(state!.attempts, 2);
        });
      } finally {
        await hook.close();
      }
    });

    it('records nothing for an attempt that outlived its lease once the delivery was claimed again', async () => {
      const hook = await receiver([{ status: 200 }]);
      try {
        await withOutbox(hook.url, async (store, alertId) => {
          const reports: DeliveryReport[] = [];
          let reclaimed: number | undefined;
          // While the first attempt is out, its lease ends and another replica claims the delivery.
          const racing: Pick<PinsetStore, 'claimDeliveries' | 'settleDelivery'> = {
            claimDeliveries: (nowMs, limit, leaseMs) => store.claimDeliveries(nowMs, limit, leaseMs),
            async settleDelivery(id, claim, outcome, nowMs) {
              const [again] = await store.claimDeliveries(T0 + 3_600_000, 1, 60_000);
              reclaimed = again?.claim;
              return store.settleDelivery(id, claim, outcome, nowMs);
            },
          };
          const counts = await deliverPending({
            store: racing,
            now: () => T0,
            webhook: fast,
            onDelivery: (r) => reports.push(r),
          });
          assert.deepEqual(counts, { delivered: 0, retry: 0, failed: 0, stale: 1 });
          assert.equal(reports[0]!.result, 'stale');
          assert.notEqual(reclaimed, undefined);
          const [state] = await store.deliveries(alertId);
          assert.deepEqual([state!.state, state!.attempts], ['pending', 0]);
          assert.equal(state!.nextAttemptAt, T0 + 3_600_000 + 60_000);
          // The newer claim settles it; the delivery is sent and recorded once more.
          const later = T0 + 3_600_000 + 60_000;
          assert.deepEqual(await deliverPending({ store, now: () => later, webhook: fast }), {
            delivered: 1,
            retry: 0,
            failed: 0,
            stale: 0,
          });
          assert.equal(hook.received.length, 2);
          const [done] = await store.deliveries(alertId);
          assert.deepEqual([done!.state, done!.attempts], ['delivered', 1]);
        });
      } finally {
        await hook.close();
      }
    });

    it('honours Retry-After, bounded by maxRetryAfterMs', async () => {
      const hook = await receiver([
        { status: 429, headers: { 'retry-after': '7' } },
        { status: 503, headers: { 'retry-after': '86400' } },
        { status: 200 },
      ]);
      try {
        await withOutbox(hook.url, async (store) => {
          let now = T0;
          const reports: DeliveryReport[] = [];
          const options = {
            store,
            now: () => now,
            webhook: { ...fast, maxRetryAfterMs: 60_000 },
            onDelivery: (r: DeliveryReport) => void reports.push(r),
          };
          await deliverPending(options);
          assert.equal(reports[0]!.retryAt, T0 + 7000);
          now = T0 + 7000;
          await deliverPending(options);
          assert.equal(reports[1]!.retryAt, T0 + 7000 + 60_000);
          now = T0 + 67_000;
          await deliverPending(options);
          assert.equal(reports[2]!.result, 'delivered');
        });
      } finally {
        await hook.close();
      }
    });

    it('gives up after maxAttempts attempts', async () => {
      const hook = await receiver([{ status: 500 }]);
      try {
        await withOutbox(hook.url, async (store, alertId) => {
          let now = T0;
          const results: string[] = [];
          for (let i = 0; i < 5; i += 1) {
            await deliverPending({
              store,
              now: () => now,
              webhook: { ...fast, maxAttempts: 3 },
              onDelivery: (r) => void results.push(r.result),
            });
            now += 1000;
          }
          assert.deepEqual(results, ['retry', 'retry', 'failed']);
          assert.equal(hook.received.length, 3);
          const [state] = await store.deliveries(alertId);
          assert.deepEqual(
            { ...state, webhookId: 0 },
            // The third attempt was claimed at T0 + 2000, leased for 2 × timeoutMs + 5000.
            { webhookId: 0, state: 'failed', attempts: 3, lastError: 'HTTP 500', nextAttemptAt: T0 + 11_000 },
          );
        });
      } finally {
        await hook.close();
      }
    });

    it('fails for good on a 4xx other than 408 and 429', async () => {
      const hook = await receiver([{ status: 410 }]);
      try {
        await withOutbox(hook.url, async (store, alertId) => {
          assert.deepEqual(await deliverPending({ store, webhook: fast }), {
            delivered: 0,
            retry: 0,
            failed: 1,
            stale: 0,
          });
          assert.equal((await store.deliveries(alertId))[0]!.lastError, 'HTTP 410');
        });
      } finally {
        await hook.close();
      }
    });

    it('retries a 408', async () => {
      const hook = await receiver([{ status: 408 }]);
      try {
        await withOutbox(hook.url, async (store) => {
          assert.deepEqual(await deliverPending({ store, webhook: fast }), {
            delivered: 0,
            retry: 1,
            failed: 0,
            stale: 0,
          });
        });
      } finally {
        await hook.close();
      }
    });

    it('never follows a redirect: the signed body goes nowhere else', async () => {
      const elsewhere = await receiver([{ status: 200 }]);
      const hook = await receiver([{ status: 307, headers: { location: elsewhere.url } }]);
      try {
        await withOutbox(hook.url, async (store, alertId) => {
          assert.deepEqual(await deliverPending({ store, webhook: fast }), {
            delivered: 0,
            retry: 0,
            failed: 1,
            stale: 0,
          });
          assert.equal(hook.received.length, 1);
          assert.equal(elsewhere.received.length, 0);
          assert.equal(
            (await store.deliveries(alertId))[0]!.lastError,
            'HTTP 307 (redirects are not followed)',
          );
        });
      } finally {
        await hook.close();
        await elsewhere.close();
      }
    });

    it('retries a receiver that does not answer in time, and one that refuses connections', async () => {
      const hook = await receiver(['hang']);
      try {
        await withOutbox(hook.url, async (store, alertId) => {
          const reports: DeliveryReport[] = [];
          await deliverPending({
            store,
            webhook: { ...fast, timeoutMs: 200 },
            onDelivery: (r) => void reports.push(r),
          });
          assert.equal(reports[0]!.result, 'retry');
          assert.equal(reports[0]!.error, 'timeout');
          assert.equal((await store.deliveries(alertId))[0]!.lastError, 'timeout');
        });
      } finally {
        await hook.close();
      }
      // The port is closed now: connection refused.
      await withOutbox(hook.url, async (store) => {
        const reports: DeliveryReport[] = [];
        await deliverPending({ store, webhook: fast, onDelivery: (r) => void reports.push(r) });
        assert.equal(reports[0]!.result, 'retry');
        assert.equal(reports[0]!.error, 'ECONNREFUSED');
      });
    });

    it('sends a delivery once even when two replicas drain the outbox together', async () => {
      const hook = await receiver([{ status: 200 }]);
      try {
        await withOutbox(hook.url, async (store) => {
          const [a, b] = await Promise.all([
            deliverPending({ store, webhook: fast }),
            deliverPending({ store, webhook: fast }),
          ]);
          assert.equal(a.delivered + b.delivered, 1);
          assert.equal(hook.received.length, 1);
        });
      } finally {
        await hook.close();
      }
    });
  });
}

describe('signWebhook', () => {
  it('is the hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret', () => {
    // Cross-checked with openssl, as a receiver in another language would compute it.
    const body = '{"type":"qrpin.alert","alert":{"id":1}}';
    const openssl = execFileSync('openssl', ['dgst', '-sha256', '-hmac', 's3cret'], {
      input: `1764590400.${body}`,
    }).toString();
    assert.equal(
      signWebhook('s3cret', 1_764_590_400, body),
      `sha256=${/= ([0-9a-f]{64})/.exec(openssl)![1]}`,
    );
    assert.match(signWebhook('s3cret', 1, 'x'), /^sha256=[0-9a-f]{64}$/);
    assert.notEqual(signWebhook('s3cret', 1, 'x'), signWebhook('s3cret', 2, 'x'));
  });

  it('gives a body that is plain JSON of the alert', () => {
    const payload = alertPayload({ ...ALERT, id: 9, createdAt: '2026-12-01T12:00:00.000Z' });
    assert.deepEqual(JSON.parse(JSON.stringify(payload)), {
      type: 'qrpin.alert',
      alert: {
        id: 9,
        project: 'spring',
        destination: 'poster',
        kind: 'pin_failure_rate',
        windowStart: '2026-12-01T11:58:00.000Z',
        windowEnd: '2026-12-01T11:59:00.000Z',
        windowSeconds: 60,
        observed: { errors: 40, attempts: 200, rate: 0.2 },
        baseline: { errors: 3, attempts: 12_000, rate: 0.00025 },
        pValue: 1e-40,
        createdAt: '2026-12-01T12:00:00.000Z',
      },
    });
  });
});

describe('retryAfterMs', () => {
  it('reads delay-seconds and HTTP dates, and ignores anything else', () => {
    const AT = Date.UTC(2026, 11, 1, 12, 0, 0);
    assert.equal(retryAfterMs('120', AT), 120_000);
    assert.equal(retryAfterMs(new Date(AT + 30_000).toUTCString(), AT), 30_000);
    assert.equal(retryAfterMs(new Date(AT - 30_000).toUTCString(), AT), 0);
    assert.equal(retryAfterMs(null, AT), undefined);
    assert.equal(retryAfterMs('soon', AT), undefined);
    assert.equal(retryAfterMs('-5', AT), undefined);
  });
});

describe('resolveWebhookOptions', () => {
  const refusals: ReadonlyArray<readonly [string, WebhookOptions, RegExp]> = [
    ['a zero timeout', { timeoutMs: 0 }, /timeoutMs is 0: expected an integer from 1 to 300000/],
    ['no attempts', { maxAttempts: 0 }, /maxAttempts is 0/],
    ['a fractional backoff', { minBackoffMs: 1.5 }, /minBackoffMs is 1\.5/],
    ['a NaN bound', { maxRetryAfterMs: Number.NaN }, /maxRetryAfterMs is NaN/],
    [
      'a ceiling below the first backoff',
      { minBackoffMs: 5000, maxBackoffMs: 1000 },
      /maxBackoffMs is 1000: expected at least minBackoffMs \(5000\)/,
    ],
    [
      'a fetch that is not a function',
      { fetch: 'yes' as unknown as typeof fetch },
      /fetch must be a function/,
    ],
  ];
  for (const [what, options, message] of refusals) {
    it(`refuses ${what} with ERR_WEBHOOK_OPTIONS`, () => {
      assert.throws(
        () => resolveWebhookOptions(options),
        (err: unknown) =>
          err instanceof AlertError && err.code === 'ERR_WEBHOOK_OPTIONS' && message.test(err.message),
      );
    });
  }

  it('refuses a bad batch size when draining', async () => {
    await assert.rejects(
      deliverPending({
        store: { claimDeliveries: () => Promise.resolve([]), settleDelivery: () => Promise.resolve(true) },
        batchSize: 0,
      }),
      { code: 'ERR_WEBHOOK_OPTIONS', message: /batchSize is 0/ },
    );
  });
});
