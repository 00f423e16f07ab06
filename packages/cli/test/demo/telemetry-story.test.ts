import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { parseManifest } from '@qrpin/core';
import type { JourneyEvent } from '@qrpin/client';
import { openStore, signWebhook } from '@qrpin/server';
import { demoManifest } from '../../src/demo/manifest.ts';
import { runTelemetryStory, type TelemetryStory } from '../../src/demo/telemetry-story.ts';

const PROMO = 'promo.demo.qrpin.test';
const API = 'api.demo.qrpin.test';
const pin = (n: number): string => `sha256/${Buffer.alloc(32, n).toString('base64')}`;
const MINUTE = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + 'Z';

describe('the demo telemetry story', () => {
  let dir: string;
  let story: TelemetryStory;
  // The story runs on the clock it is given; the store queues webhook deliveries on its own clock,
  // so the two must agree: the real one.
  let startedMs: number;
  let endedMs: number;
  let range: string;
  const lines: string[] = [];
  const jwk = () => generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qrpin-telemetry-story-'));
    const text = demoManifest({
      promo: { host: PROMO, port: 8443 },
      api: { host: API, port: 9443 },
      pins: new Map([
        [PROMO, { leafPin: pin(1), caPin: pin(2) }],
        [API, { leafPin: pin(3), caPin: pin(2) }],
      ]),
      backups: new Map([
        [PROMO, pin(4)],
        [API, pin(5)],
      ]),
      expires: '2026-09-01',
      signingJwks: [jwk(), jwk()],
    });
    startedMs = Date.now();
    const now = new Date(startedMs).toISOString();
    const realEvents: JourneyEvent[] = [
      { type: 'scan', time: now, sessionId: 'real-1', destination: 'spring-poster' },
      {
        type: 'tls_error',
        time: now,
        sessionId: 'real-1',
        destination: 'spring-poster',
        host: PROMO,
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      },
    ];
    story = await runTelemetryStory({
      dir,
      manifest: parseManifest(text).manifest,
      redirects: new Map([[`https://${PROMO}:8443/spring`, `https://${PROMO}:8443/spring/landing`]]),
      realEvents,
      clock: () => new Date(),
      write: (line) => lines.push(line),
    });
    endedMs = Date.now();
    range = `from=${iso(startedMs - 4 * 60 * MINUTE)}&to=${iso(endedMs + 2 * MINUTE)}`;
  });
  after(async () => {
    await story.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const token = (): string => readFileSync(join(dir, 'server', 'admin-token'), 'utf8').trim();
  const api = async <T>(path: string): Promise<T> => {
    const res = await request(`${story.server.url}/v1/projects/qrpin-demo${path}`, {
      headers: { authorization: `Bearer ${token()}` },
    });
    assert.equal(res.statusCode, 200, path);
    return (await res.body.json()) as T;
  };

  it('stores every acknowledged event, and the metrics API counts them all', async () => {
    assert.ok(story.ok, lines.join('\n'));
    assert.ok(story.eventsSent > 5000, String(story.eventsSent));
    assert.equal(await story.server.store.countEvents('qrpin-demo'), story.eventsSent);
    const overview = await api<{
      totals: { events: number; scans: number; completes: number; abandons: number; tlsErrors: number };
      destinations: Array<{ destination: string; status: string }>;
    }>(`/metrics/overview?${range}`);
    assert.equal(overview.totals.events, story.eventsSent);
    assert.ok(overview.totals.completes < overview.totals.scans);
    assert.ok(overview.totals.abandons > 0);
    assert.deepEqual(overview.destinations.map((d) => d.destination).sort(), [
      'loyalty-checkin',
      'spring-app-offer',
      'spring-poster',
      'summer-teaser',
    ]);
    const dims = await api<{ campaigns: string[]; appVersions: string[]; platforms: string[] }>(
      `/metrics/dimensions?${range}`,
    );
    assert.deepEqual(dims.campaigns.sort(), ['loyalty', 'spring-2026', 'summer-2026']);
    assert.deepEqual(dims.platforms.sort(), ['android', 'ios', 'node']);
    assert.ok(dims.appVersions.length >= 4, dims.appVersions.join(', '));
    const pinsets = await api<{ adoption: Array<{ pinsetSeq: number | null }> }>(`/metrics/pinsets?${range}`);
    assert.deepEqual(pinsets.adoption.map((a) => a.pinsetSeq).sort(), [1, null]);
  });

  it('raises the interception spike on spring-poster, and only there, in the burst it sent', async () => {
    const { alerts } = await api<{
      alerts: Array<{ id: number; destination: string; kind: string; windowStart: string }>;
    }>('/alerts');
    assert.deepEqual(alerts.map((a) => a.id).sort(), [...story.alertIds].sort());
    assert.deepEqual(alerts.map((a) => `${a.destination} ${a.kind}`).sort(), [
      'spring-poster pin_failure_rate',
      'spring-poster tls_error_rate',
    ]);
    // The burst runs over the five minutes that start nine minutes before the story's minute.
    const first = Math.floor(startedMs / MINUTE) * MINUTE - 9 * MINUTE;
    const last = Math.floor(endedMs / MINUTE) * MINUTE - 5 * MINUTE;
    for (const alert of alerts) {
      const start = Date.parse(alert.windowStart);
      assert.ok(start >= first && start <= last, `${alert.windowStart} in ${iso(first)}..${iso(last)}`);
    }
  });

  it('delivers each alert to the receiver, which accepted it only after verifying its signature', async () => {
    assert.equal(story.receiver.received.length, story.alertIds.length);
    assert.deepEqual(story.receiver.received.map((r) => r.alert.id).sort(), [...story.alertIds].sort());
    for (const id of story.alertIds) {
      const deliveries = await story.server.store.deliveries(id);
      assert.deepEqual(
        deliveries.map((d) => [d.state, d.attempts]),
        [['delivered', 1]],
      );
    }
    assert.equal(story.receiver.refused, 0);
    assert.ok(
      lines.some((l) => /received: delivery \d+, alert #\d+ spring-poster .*; signature verified/.test(l)),
    );
  });

  it('has a receiver that refuses deliveries not signed with the webhook secret', async () => {
    const body = JSON.stringify({ type: 'qrpin.alert', alert: { id: 99 } });
    const ts = Math.floor(Date.now() / 1000);
    const post = async (headers: Record<string, string>): Promise<number> => {
      const res = await request(story.receiver.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      await res.body.dump();
      return res.statusCode;
    };
    assert.equal(await post({}), 401);
    assert.equal(
      await post({
        'x-qrpin-timestamp': String(ts),
        'x-qrpin-signature': signWebhook('not-the-secret', ts, body),
      }),
      401,
    );
    assert.equal(
      await post({
        'x-qrpin-timestamp': String(ts - 3600),
        'x-qrpin-signature': signWebhook('not-the-secret', ts - 3600, body),
      }),
      401,
    );
    assert.equal(story.receiver.refused, 3);
    assert.equal(story.receiver.received.length, story.alertIds.length);
  });

  it('serves the dashboard and keeps the ingest keys in 0600 files', async () => {
    const page = await request(story.dashboardUrl);
    assert.equal(page.statusCode, 200);
    assert.match(await page.body.text(), /<!doctype html>/i);
    for (const app of ['spring-app', 'scan-kiosk']) {
      const file = join(dir, 'server', `ingest-key-${app}`);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const key = readFileSync(file, 'utf8').trim();
      assert.ok(!lines.join('\n').includes(key), 'ingest keys are never printed');
    }
  });

  it('removes its webhook on close, so a later qrpin serve posts nowhere', async () => {
    await story.close();
    const store = await openStore({ directory: join(dir, 'server') });
    try {
      assert.deepEqual(await store.listWebhooks('qrpin-demo'), []);
      assert.equal(await store.countEvents('qrpin-demo'), story.eventsSent);
    } finally {
      await store.close();
    }
    assert.ok(existsSync(join(dir, 'server', 'admin-token')));
  });
});
