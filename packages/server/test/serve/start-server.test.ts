import { MIGRATIONS } from '../../src/storage/migrations.ts';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServer } from '../../src/serve/start-server.ts';
import { POSTGRES_URL } from '../helpers/stores.ts';
import { stubVerify } from '../helpers/stub-verifier.ts';

describe('startServer', () => {
  it('uses a migrated SQLite file in the given directory when no database URL is set', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'qrpin-serve-'));
    try {
      const server = await startServer({
        verify: stubVerify,
        directory,
        port: 0,
        logger: false,
        databaseUrl: '',
      });
      try {
        assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        const ready = await fetch(`${server.url}/readyz`);
        assert.equal(ready.status, 200);
        assert.ok(existsSync(join(directory, 'qrpin.db')));
        await server.store.createProject('demo');
        const none = await fetch(`${server.url}/v1/projects/demo/pinset`);
        assert.equal(none.status, 404);
      } finally {
        await server.close();
        await server.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('uses PostgreSQL when a database URL is given', async () => {
    const schema = `qrpin_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const server = await startServer({ verify: stubVerify, databaseUrl: url.href, port: 0, logger: false });
      try {
        assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
        const { rows } = await admin.query(
          `SELECT version FROM ${schema}.schema_migrations ORDER BY version`,
        );
        assert.deepEqual(
          rows.map((r: { version: number }) => r.version),
          MIGRATIONS.map((m) => m.version),
        );
      } finally {
        await server.close();
      }
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});

describe('startServer alert job', () => {
  it('runs spike detection, delivers webhooks and counts both in /metrics', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'qrpin-serve-'));
    const received: string[] = [];
    const hook = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(String(req.headers['x-qrpin-signature']));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const server = await startServer({
        verify: stubVerify,
        directory,
        port: 0,
        logger: false,
        databaseUrl: '',
        alerts: { intervalMs: 50, detector: { baselineWindows: 20, baselineLookbackWindows: 20 } },
      });
      try {
        await server.store.createProject('spring');
        const { port } = hook.address() as AddressInfo;
        await server.store.addWebhook('spring', `http://127.0.0.1:${port}/`, 'secret-of-the-serve-test');
        // Twenty quiet windows, then a window with half its connections failing, all closed.
        const spike = Math.floor(Date.now() / 60_000) * 60 - 180;
        const events = [];
        for (let w = 20; w >= 0; w -= 1) {
          for (let i = 0; i < 20; i += 1) {
            events.push({
              type: w === 0 && i % 2 === 0 ? ('tls_error' as const) : ('tls_ok' as const),
              time: new Date((spike - w * 60 + i) * 1000).toISOString(),
              project: 'spring',
              appId: 'kiosk',
              appVersion: '1.0.0',
              platform: 'ios',
              sessionId: `s-${w}-${i}`,
              destination: 'poster',
            });
          }
        }
        await server.store.insertEvents(events);
        let text = '';
        for (
          let i = 0;
          i < 100 && !/qrpin_webhook_deliveries_total\{outcome="delivered"\} 1/.test(text);
          i += 1
        ) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          text = await (await fetch(`${server.url}/metrics`)).text();
        }
        assert.match(text, /qrpin_alerts_total\{[^}]*destination="poster"[^}]*\} 1/);
        assert.match(text, /qrpin_webhook_deliveries_total\{outcome="delivered"\} 1/);
        assert.equal(received.length, 1);
        assert.match(received[0]!, /^sha256=[0-9a-f]{64}$/);
      } finally {
        await server.close();
      }
    } finally {
      await new Promise<void>((resolve) => hook.close(() => resolve()));
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('refuses bad alert options with a coded error, leaving nothing open', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'qrpin-serve-'));
    try {
      await assert.rejects(
        startServer({ verify: stubVerify, directory, port: 0, logger: false, alerts: { windowSeconds: 90 } }),
        { code: 'ERR_ALERT_OPTIONS' },
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
