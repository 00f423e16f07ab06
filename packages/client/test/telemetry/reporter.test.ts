import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateTelemetryEvent, type TelemetryEvent } from '@qrpin/core';
import { TelemetryReporter, type JourneyEvent, type TelemetryReporterOptions } from '@qrpin/client';

const APP = { project: 'spring', appId: 'kiosk', appVersion: '1.4.2', platform: 'node' };

function event(n: number, extra: Partial<JourneyEvent> = {}): JourneyEvent {
  return {
    type: 'hop',
    time: new Date(Date.UTC(2026, 10, 24, 12, 0, n)).toISOString(),
    sessionId: `session-${n}`,
    host: 'promo.example.com',
    url: `https://promo.example.com/spring?src=qr&n=${n}#frag`,
    status: 200,
    ...extra,
  };
}

describe('TelemetryReporter', () => {
  let server: Server;
  let endpoint: string;
  let answers: number[] = [];
  const received: Array<{ key: string | undefined; events: TelemetryEvent[] }> = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const status = answers.shift() ?? 202;
        if (status === 202) {
          const parsed = JSON.parse(body) as { events: unknown[] };
          received.push({
            key: req.headers['x-qrpin-ingest-key'] as string | undefined,
            events: parsed.events.map((e) => validateTelemetryEvent(e)),
          });
        }
        res.writeHead(status).end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events`;
  });
  after(() => server.close());

  const reporter = (extra: Partial<TelemetryReporterOptions> = {}): TelemetryReporter =>
    new TelemetryReporter({
      endpoint,
      ingestKey: 'ingest-key-123',
      app: APP,
      batchSize: 3,
      maxQueue: 10,
      setTimer: () => undefined,
      clearTimer: () => undefined,
      random: () => 0.5,
      ...extra,
    });

  it('sends batches of valid events with the app fields and the ingest key, URLs stripped', async () => {
    received.length = 0;
    answers = [];
    const r = reporter({ context: () => ({ pinsetSeq: 7, cohort: 12 }) });
    for (let i = 0; i < 7; i++) r.record(event(i));
    await r.flush();
    assert.deepEqual(
      received.map((b) => b.events.length),
      [3, 3, 1],
    );
    assert.ok(received.every((b) => b.key === 'ingest-key-123'));
    const first = received[0]?.events[0];
    assert.equal(first?.url, 'https://promo.example.com/spring');
    assert.equal(first?.appId, 'kiosk');
    assert.equal(first?.pinsetSeq, 7);
    assert.deepEqual(r.stats, { queued: 0, sent: 7, dropped: 0, rejected: 0, failedAttempts: 0 });
  });

  it('reports an abandon the app records, at the time it gives, beside the journey events', async () => {
    received.length = 0;
    answers = [];
    const r = reporter();
    r.record(event(1, { type: 'scan' }));
    r.record({
      type: 'abandon',
      time: '2026-11-24T11:00:09.250Z',
      sessionId: 'session-1',
      destination: 'poster',
    });
    await r.flush();
    const [scan, abandon] = received.flatMap((b) => b.events);
    assert.equal(scan?.type, 'scan');
    assert.deepEqual(abandon, {
      type: 'abandon',
      time: '2026-11-24T11:00:09.250Z',
      sessionId: 'session-1',
      destination: 'poster',
      ...APP,
    });
  });

  it('drops the oldest events, and counts them, when the queue is full', async () => {
    received.length = 0;
    answers = [];
    const r = reporter({ batchSize: 5, maxQueue: 5 });
    for (let i = 0; i < 8; i++) r.record(event(i));
    assert.equal(r.stats.dropped, 3);
    await r.flush();
    assert.deepEqual(
      received.flatMap((b) => b.events.map((e) => e.sessionId)),
      ['session-3', 'session-4', 'session-5', 'session-6', 'session-7'],
    );
  });

  it('keeps a batch the server is too busy for, and sends it on the next attempt', async () => {
    received.length = 0;
    answers = [503, 429];
    const r = reporter();
    r.record(event(1));
    await r.flush();
    await r.flush();
    assert.deepEqual(r.stats, { queued: 1, sent: 0, dropped: 0, rejected: 0, failedAttempts: 2 });
    await r.flush();
    assert.equal(r.stats.sent, 1);
    assert.equal(received.length, 1);
  });

  it('drops and counts a batch the server refuses as invalid, so it cannot block the queue', async () => {
    answers = [400];
    const r = reporter();
    r.record(event(1));
    await r.flush();
    assert.deepEqual(r.stats, { queued: 0, sent: 0, dropped: 0, rejected: 1, failedAttempts: 0 });
  });

  it('never throws when the server is unreachable, and retries later', async () => {
    const r = reporter({ endpoint: 'http://127.0.0.1:1/v1/events' });
    r.record(event(1));
    await r.flush();
    assert.equal(r.stats.queued, 1);
    assert.equal(r.stats.failedAttempts, 1);
  });

  it('backs off exponentially with jitter between failed attempts', async () => {
    const delays: number[] = [];
    answers = [503, 503, 503];
    const r = reporter({
      minBackoffMs: 1000,
      maxBackoffMs: 3000,
      setTimer: (_fn, ms) => {
        delays.push(ms);
        return undefined;
      },
    });
    r.record(event(1));
    await r.flush();
    await r.flush();
    await r.flush();
    assert.deepEqual(delays.slice(-3), [750, 1500, 2250]);
    answers = [];
    await r.close();
    assert.equal(r.stats.sent, 1);
  });

  it('flushes on close and ignores events after it', async () => {
    received.length = 0;
    answers = [];
    const r = reporter();
    r.record(event(1));
    await r.close();
    r.record(event(2));
    assert.equal(r.stats.sent, 1);
    assert.equal(r.stats.queued, 0);
  });
});
