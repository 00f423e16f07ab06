import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import pg from 'pg';
import { openSqliteStore } from '../../src/storage/sqlite/store.ts';
import { openPostgresStore } from '../../src/storage/postgres/store.ts';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';
import { POSTGRES_URL } from '../helpers/stores.ts';

const CHILD = fileURLToPath(new URL('./fixtures/serve-events.ts', import.meta.url));
const KEY = 'durable-ingest-key-0123456789abcdef';
const BATCH = 200;
const SENDERS = 6;

interface Target {
  /** Arguments of the child. */
  readonly args: readonly string[];
  /** A fresh handle on the same database. */
  open(): PinsetStore;
  /** Every stored session id of the project, read straight from the database. */
  sessionIds(): Promise<Set<string>>;
  cleanup(): Promise<void>;
}

async function sqliteTarget(): Promise<Target> {
  const directory = mkdtempSync(join(tmpdir(), 'qrpin-ingest-'));
  return {
    args: ['sqlite', directory],
    open: () => openSqliteStore({ directory }),
    async sessionIds() {
      const { DatabaseSync } = await import('node:sqlite');
      const db = new DatabaseSync(join(directory, 'qrpin.db'), { readOnly: true });
      try {
        const rows = db.prepare("SELECT session_id FROM events WHERE project = 'spring'").all();
        return new Set(rows.map((r) => String(r.session_id)));
      } finally {
        db.close();
      }
    },
    async cleanup() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function postgresTarget(): Promise<Target> {
  const schema = `qrpin_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    args: ['postgres', url.href],
    open: () => openPostgresStore({ connectionString: POSTGRES_URL, schema, maxConnections: 2 }),
    async sessionIds() {
      const { rows } = await admin.query(`SELECT session_id FROM ${schema}.events WHERE project = 'spring'`);
      return new Set(rows.map((r: { session_id: string }) => r.session_id));
    },
    async cleanup() {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

function batch(sender: number, n: number): { id: string; events: Record<string, unknown>[] } {
  const id = `b${sender}-${n}`;
  const time = new Date(Date.UTC(2026, 11, 1, 12, n % 60, sender)).toISOString();
  return {
    id,
    events: Array.from({ length: BATCH }, (_, i) => ({
      type: i % 4 === 0 ? 'scan' : i % 4 === 1 ? 'tls_ok' : i % 4 === 2 ? 'hop' : 'complete',
      time,
      project: 'spring',
      appId: 'kiosk',
      appVersion: '2.0.0',
      platform: 'android',
      sessionId: `${id}-${i}`,
      destination: `poster-${sender % 3}`,
      campaign: 'durability',
    })),
  };
}

/** Starts the child server, returns its URL and a way to kill it. */
async function startChild(args: readonly string[]) {
  const child = spawn(
    process.execPath,
    ['--conditions=qrpin-source', '--disable-warning=ExperimentalWarning', CHILD, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const closed = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('close', (_c, signal) => resolve(signal)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const match = /^url (\S+)$/m.exec(stdout);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.on('close', () => reject(new Error(`the server child ended early: ${stderr}`)));
  });
  return { url, kill: () => child.kill('SIGKILL'), closed };
}

for (const [name, makeTarget] of [
  ['SQLite', sqliteTarget],
  ['PostgreSQL', postgresTarget],
] as const) {
  describe(`event ingestion on ${name} under kill -9`, () => {
    it('loses no acknowledged event, stores each batch whole or not at all, and counts each stored event once', async () => {
      const target = await makeTarget();
      try {
        const setup = target.open();
        await setup.migrate();
        await setup.createProject('spring');
        await setup.addIngestKey('spring', 'kiosk', createHash('sha256').update(KEY).digest('hex'));
        await setup.close();

        const server = await startChild(target.args);
        const dispatcher = new Agent({ connections: SENDERS });
        const acknowledged = new Set<string>();
        const sent = new Map<string, string[]>();
        let killed = false;
        const killAfter = 40;
        const sender = async (s: number): Promise<void> => {
          for (let n = 0; !killed; n++) {
            const { id, events } = batch(s, n);
            sent.set(
              id,
              events.map((e) => String(e.sessionId)),
            );
            try {
              const res = await request(`${server.url}/v1/events`, {
                method: 'POST',
                dispatcher,
                headers: { 'content-type': 'application/json', 'x-qrpin-ingest-key': KEY },
                body: JSON.stringify({ events }),
              });
              const text = await res.body.text();
              if (res.statusCode === 202) {
                assert.deepEqual(JSON.parse(text), { accepted: BATCH });
                acknowledged.add(id);
                if (acknowledged.size >= killAfter && !killed) {
                  // Killed while the other senders' batches are in flight.
                  killed = true;
                  server.kill();
                }
              } else {
                assert.fail(`batch ${id} answered ${res.statusCode}: ${text}`);
              }
            } catch (err) {
              if (!killed) throw err;
            }
          }
        };
        await Promise.all(Array.from({ length: SENDERS }, (_, s) => sender(s)));
        assert.equal(await server.closed, 'SIGKILL');
        await dispatcher.close();

        const stored = await target.sessionIds();
        for (const id of acknowledged) {
          for (const session of sent.get(id) ?? [])
            assert.ok(stored.has(session), `acknowledged ${session} was lost`);
        }
        let whole = 0;
        for (const [id, sessions] of sent) {
          const present = sessions.filter((s) => stored.has(s)).length;
          assert.ok(
            present === 0 || present === sessions.length,
            `batch ${id} is stored in part: ${present}/${BATCH}`,
          );
          if (present > 0) whole++;
        }
        assert.ok(whole >= acknowledged.size);
        assert.equal(stored.size, whole * BATCH);

        // After a restart, the rollups count exactly the stored events, and ingestion goes on.
        const reopened = target.open();
        try {
          await reopened.migrate();
          const [total] = await reopened.queryRollups('spring', {
            span: 86_400,
            from: Date.UTC(2026, 11, 1) / 1000,
            to: Date.UTC(2026, 11, 2) / 1000,
            groupBy: [],
          });
          assert.equal(total?.events, stored.size);
          assert.equal(total?.scans, stored.size / 4);
        } finally {
          await reopened.close();
        }
        const again = await startChild(target.args);
        try {
          const { events } = batch(99, 0);
          const res = await request(`${again.url}/v1/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-qrpin-ingest-key': KEY },
            body: JSON.stringify({ events }),
          });
          assert.equal(res.statusCode, 202, await res.body.text());
        } finally {
          again.kill();
          await again.closed;
        }
        assert.equal((await target.sessionIds()).size, stored.size + BATCH);
      } finally {
        await target.cleanup();
      }
    });
  });
}
