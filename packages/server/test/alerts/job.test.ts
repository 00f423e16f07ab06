// The alert job against real stores: rollups in, alerts and signed webhook deliveries out, once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TelemetryEvent } from '@qrpin/core';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import type { AlertRecord } from '../../src/storage/telemetry-store.ts';
import { startAlertJob, type AlertJobOptions } from '../../src/alerts/job.ts';
import type { DeliveryReport } from '../../src/alerts/webhook.ts';
import { FACTORIES, sqliteFactory } from '../helpers/stores.ts';

// Windows are placed before the current minute of the real clock (one test moves them decades
// away); the job's clock is two minutes ahead, so every window holding events is closed.
const CURRENT = Math.floor(Date.now() / 60_000) * 60;
const JOB_NOW_MS = (CURRENT + 120) * 1000;
const SPIKE = CURRENT - 5 * 60;
const BASELINE_WINDOWS = 40;

// A small baseline so the fixture stays small; the other thresholds are the defaults.
const DETECTOR = { baselineWindows: 30, baselineLookbackWindows: 30 } as const;

type Kind = 'tls_ok' | 'tls_error' | 'pin_failure';

function events(
  destination: string,
  bucket: number,
  counts: Partial<Record<Kind, number>>,
): TelemetryEvent[] {
  const out: TelemetryEvent[] = [];
  for (const [type, n] of Object.entries(counts) as [Kind, number][]) {
    for (let i = 0; i < n; i += 1) {
      out.push({
        type,
        time: new Date((bucket + (i % 59)) * 1000).toISOString(),
        project: 'spring',
        appId: 'kiosk',
        appVersion: '1.0.0',
        platform: 'ios',
        sessionId: `${destination}-${bucket}-${type}-${i}`,
        destination,
        ...(type === 'pin_failure' ? { mode: 'enforce' as const, host: 'pay.example.com' } : {}),
        ...(type === 'tls_error' ? { code: 'ECONNRESET', host: 'pay.example.com' } : {}),
      });
    }
  }
  return out;
}

/**
 * `poster`: TLS errors jump from about 1% to 50% in the `spike` window. `sticker`: pin failures jump
 * from none to 40% in the same window. `flyer`: a quiet destination, three attempts a window, all
 * failing in the `spike` window.
 */
function campaign(spike = SPIKE): TelemetryEvent[] {
  const all: TelemetryEvent[] = [];
  for (let w = BASELINE_WINDOWS; w >= 1; w -= 1) {
    const bucket = spike - w * 60;
    all.push(...events('poster', bucket, { tls_ok: 30, tls_error: w % 3 === 0 ? 1 : 0 }));
    all.push(...events('sticker', bucket, { tls_ok: 30 }));
    all.push(...events('flyer', bucket, { tls_ok: 3 }));
  }
  all.push(...events('poster', spike, { tls_ok: 15, tls_error: 15 }));
  all.push(...events('sticker', spike, { tls_ok: 30, pin_failure: 12 }));
  all.push(...events('flyer', spike, { tls_error: 3 }));
  for (let w = 1; w <= 3; w += 1) {
    all.push(...events('poster', spike + w * 60, { tls_ok: 30 }));
    all.push(...events('sticker', spike + w * 60, { tls_ok: 30 }));
  }
  return all;
}

async function receiver(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const summary = (alerts: readonly AlertRecord[]) =>
  alerts
    .map((a) => ({
      destination: a.destination,
      kind: a.kind,
      windowStart: a.windowStart,
      windowSeconds: a.windowSeconds,
      observed: a.observed,
    }))
    .sort((a, b) => a.destination.localeCompare(b.destination));

const expected = (spike: number) => [
  {
    destination: 'poster',
    kind: 'tls_error_rate',
    windowStart: spike,
    windowSeconds: 60,
    observed: { errors: 15, attempts: 30 },
  },
  {
    destination: 'sticker',
    kind: 'pin_failure_rate',
    windowStart: spike,
    windowSeconds: 60,
    observed: { errors: 12, attempts: 30 },
  },
];
const EXPECTED = expected(SPIKE);

for (const [name, factory] of FACTORIES) {
  describe(`the alert job on ${name}`, () => {
    async function withCampaign(
      run: (store: PinsetStore, open: () => PinsetStore) => Promise<void>,
      spike = SPIKE,
    ): Promise<void> {
      const fixture = await factory();
      try {
        const store = fixture.open();
        await store.migrate();
        await store.createProject('spring');
        await store.insertEvents(campaign(spike));
        await run(store, () => fixture.open());
      } finally {
        await fixture.cleanup();
      }
    }

    const jobOptions = (store: PinsetStore, extra: Partial<AlertJobOptions> = {}): AlertJobOptions => ({
      store,
      now: () => JOB_NOW_MS,
      intervalMs: 3_600_000,
      detector: DETECTOR,
      webhook: { minBackoffMs: 10, maxBackoffMs: 20 },
      ...extra,
    });

    it('alerts the TLS error spike and the pin failure spike of their window, and not the quiet destination', async () => {
      const hook = await receiver();
      try {
        await withCampaign(async (store) => {
          await store.addWebhook('spring', hook.url, 'secret-of-the-test-webhook');
          const seen: AlertRecord[] = [];
          const deliveries: DeliveryReport[] = [];
          const job = startAlertJob(
            jobOptions(store, { onAlert: (a) => seen.push(a), onDelivery: (r) => deliveries.push(r) }),
          );
          const result = await job.runOnce();
          await job.stop();
          assert.deepEqual(summary(result.alerts), EXPECTED);
          assert.deepEqual(summary(seen), EXPECTED);
          assert.equal(result.projects, 1);
          assert.equal(result.failedProjects, 0);
          assert.deepEqual(summary(await store.listAlerts('spring', { limit: 10 })), EXPECTED);
          // Each alert was POSTed to the webhook, and its delivery settled as delivered.
          assert.deepEqual(result.deliveries, { delivered: 2, retry: 0, failed: 0, stale: 0 });
          assert.equal(hook.bodies.length, 2);
          assert.deepEqual(deliveries.map((d) => d.result).sort(), ['delivered', 'delivered']);
          for (const alert of result.alerts) {
            assert.deepEqual(
              (await store.deliveries(alert.id)).map((d) => d.state),
              ['delivered'],
            );
          }
        });
      } finally {
        await hook.close();
      }
    });

    it('delivers the webhooks of alerts raised on a clock decades from the real one', async () => {
      // The campaign and the job's clock in May 2003: its alerts are dated, and their deliveries
      // due, by that clock, not by the store's.
      const spike = Date.UTC(2003, 4, 5, 14, 0) / 1000;
      const jobNowMs = (spike + 5 * 60 + 120) * 1000;
      const hook = await receiver();
      try {
        await withCampaign(async (store) => {
          await store.addWebhook('spring', hook.url, 'secret-of-the-test-webhook');
          const job = startAlertJob(jobOptions(store, { now: () => jobNowMs }));
          const result = await job.runOnce();
          await job.stop();
          assert.deepEqual(summary(result.alerts), expected(spike));
          for (const alert of result.alerts) {
            assert.equal(alert.createdAt, new Date(jobNowMs).toISOString());
            assert.deepEqual(
              (await store.deliveries(alert.id)).map((d) => d.state),
              ['delivered'],
            );
          }
          assert.deepEqual(result.deliveries, { delivered: 2, retry: 0, failed: 0, stale: 0 });
          const posted = hook.bodies.map((b) => (JSON.parse(b) as { alert: { id: number } }).alert.id);
          assert.deepEqual(
            posted.sort((x, y) => x - y),
            result.alerts.map((a) => a.id).sort((x, y) => x - y),
          );
        }, spike);
      } finally {
        await hook.close();
      }
    });

    it('raises nothing twice: not on a second run, not after a restart, not on later runs', async () => {
      await withCampaign(async (store) => {
        const first = startAlertJob(jobOptions(store));
        assert.equal((await first.runOnce()).alerts.length, 2);
        assert.equal((await first.runOnce()).alerts.length, 0);
        await first.stop();
        // A restarted job walks the same windows again.
        const restarted = startAlertJob(jobOptions(store));
        assert.equal((await restarted.runOnce()).alerts.length, 0);
        await restarted.stop();
        // Minutes later the spike is still within the catch-up windows.
        for (const minutes of [1, 2, 10, 30]) {
          const later = startAlertJob(jobOptions(store, { now: () => JOB_NOW_MS + minutes * 60_000 }));
          assert.equal((await later.runOnce()).alerts.length, 0, `${minutes} minutes later`);
          await later.stop();
        }
        assert.deepEqual(summary(await store.listAlerts('spring', { limit: 10 })), EXPECTED);
      });
    });

    it('lets exactly one of two replicas running together store each alert', async () => {
      await withCampaign(async (store, open) => {
        const other = open();
        const a = startAlertJob(jobOptions(store));
        const b = startAlertJob(jobOptions(other));
        const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
        await Promise.all([a.stop(), b.stop()]);
        assert.deepEqual(summary([...ra.alerts, ...rb.alerts]), EXPECTED);
        assert.equal((await store.listAlerts('spring', { limit: 10 })).length, 2);
      });
    });

    it('evaluates closed windows only', async () => {
      await withCampaign(async (store) => {
        // The clock inside the spike window, then just after it but before it settled.
        for (const at of [SPIKE + 30, SPIKE + 60 + 10]) {
          const job = startAlertJob(jobOptions(store, { now: () => at * 1000 }));
          assert.deepEqual((await job.runOnce()).alerts, [], `at ${at - SPIKE} s into the spike`);
          await job.stop();
        }
        const settled = startAlertJob(jobOptions(store, { now: () => (SPIKE + 60 + 30) * 1000 }));
        const result = await settled.runOnce();
        await settled.stop();
        assert.deepEqual(summary(result.alerts), EXPECTED);
      });
    });
  });
}

describe('startAlertJob', () => {
  it('stop() waits for the run in progress', async () => {
    const fixture = await sqliteFactory();
    try {
      const store = fixture.open();
      await store.migrate();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let finished = false;
      const job = startAlertJob({
        store: {
          ...pick(store),
          activeProjects: async (from, to) => {
            await gate;
            const projects = await store.activeProjects(from, to);
            finished = true;
            return projects;
          },
        },
        intervalMs: 3_600_000,
      });
      const run = job.runOnce();
      const stopping = job.stop().then(() => finished);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(finished, false);
      release();
      assert.equal(await stopping, true, 'stop resolved only after the run finished');
      await run;
    } finally {
      await fixture.cleanup();
    }
  });

  it('logs a failing project and goes on with the others', async () => {
    const fixture = await sqliteFactory();
    try {
      const store = fixture.open();
      await store.migrate();
      const logged: string[] = [];
      const job = startAlertJob({
        store: {
          ...pick(store),
          activeProjects: () => Promise.resolve(['broken', 'spring']),
          queryRollups: (project, query) =>
            project === 'broken'
              ? Promise.reject(new Error('disk on fire'))
              : store.queryRollups(project, query),
        },
        intervalMs: 3_600_000,
        log: { info: () => undefined, error: (_fields, message) => void logged.push(message) },
      });
      const result = await job.runOnce();
      await job.stop();
      assert.equal(result.projects, 2);
      assert.equal(result.failedProjects, 1);
      assert.deepEqual(logged, ['alert evaluation failed']);
    } finally {
      await fixture.cleanup();
    }
  });

  const refusals: ReadonlyArray<readonly [string, Partial<AlertJobOptions>, string, RegExp]> = [
    [
      'a window that is not whole minutes',
      { windowSeconds: 90 },
      'ERR_ALERT_OPTIONS',
      /windowSeconds is 90: expected a multiple of 60 that divides 86400/,
    ],
    [
      'a window that does not divide a day',
      { windowSeconds: 420 },
      'ERR_ALERT_OPTIONS',
      /windowSeconds is 420/,
    ],
    [
      'a zero interval',
      { intervalMs: 0 },
      'ERR_ALERT_OPTIONS',
      /intervalMs is 0: expected an integer from 10/,
    ],
    ['no catch-up window', { catchUpWindows: 0 }, 'ERR_ALERT_OPTIONS', /catchUpWindows is 0/],
    ['a negative settle time', { settleSeconds: -1 }, 'ERR_ALERT_OPTIONS', /settleSeconds is -1/],
    [
      'a bad detector option',
      { detector: { spanWindows: 0 } },
      'ERR_ALERT_OPTIONS',
      /detector option spanWindows is 0/,
    ],
    [
      'a bad webhook option',
      { webhook: { maxAttempts: 0 } },
      'ERR_WEBHOOK_OPTIONS',
      /webhook option maxAttempts is 0/,
    ],
  ];
  for (const [what, options, code, message] of refusals) {
    it(`refuses ${what} with ${code}`, () => {
      assert.throws(() => startAlertJob({ store: pick(undefined), ...options }), { code, message });
    });
  }
});

// The store methods the job uses (a stand-in that is never called when the options are refused).
function pick(store: PinsetStore | undefined): AlertJobOptions['store'] {
  const fail = (): never => {
    throw new Error('not called');
  };
  return {
    activeProjects: store ? (f, t) => store.activeProjects(f, t) : fail,
    queryRollups: store ? (p, q) => store.queryRollups(p, q) : fail,
    listAlerts: store ? (p, o) => store.listAlerts(p, o) : fail,
    insertAlert: store ? (a, n) => store.insertAlert(a, n) : fail,
    claimDeliveries: store ? (n, l, m) => store.claimDeliveries(n, l, m) : fail,
    settleDelivery: store ? (i, c, o, n) => store.settleDelivery(i, c, o, n) : fail,
  };
}
