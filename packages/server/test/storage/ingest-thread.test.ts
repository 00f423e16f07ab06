// The SQLite store writes events and folds them into the rollups in an ingest thread with its own
// connection (ingest.ts). The contract suites run through it; these tests check what only the
// thread has: acknowledgements after the reported commit, the store's clock carried across, a
// close that finishes what is pending, a thread that cannot start refusing instead of hanging,
// and a process that still exits on its own.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import type { TelemetryEvent } from '@qrpin/core';
import { openSqliteStore } from '../../src/storage/sqlite/store.ts';
import { threadIngest } from '../../src/storage/sqlite/ingest.ts';
import type { GroupCommitInfo } from '../../src/storage/sqlite/event-writer.ts';
import { checkEvents } from '../../src/lib/store-input.ts';

const CHILD = fileURLToPath(new URL('./fixtures/ingest-unclosed.ts', import.meta.url));
const BASE = Date.UTC(2026, 11, 1, 12, 0, 0);

function scans(project: string, n: number, salt: number): TelemetryEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'scan',
    time: new Date(BASE + ((i + salt) % 60) * 1000).toISOString(),
    project,
    appId: 'kiosk',
    appVersion: '1.0.0',
    platform: 'android',
    sessionId: `session-${salt}-${i}-0123456789`,
    destination: `d${i % 3}`,
  }));
}

describe('the SQLite store’s ingest thread', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'qrpin-ingest-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  async function migrated(project: string): Promise<void> {
    const setup = openSqliteStore({ directory });
    await setup.migrate();
    await setup.createProject(project);
    await setup.close();
  }

  it('acknowledges each batch only after the commit that stored it was reported', async () => {
    await migrated('acks');
    let committed = 0;
    const commits: GroupCommitInfo[] = [];
    const store = openSqliteStore({
      directory,
      onGroupCommit(info) {
        commits.push(info);
        committed += info.events;
      },
    });
    try {
      const batches = Array.from({ length: 12 }, (_, i) => scans('acks', 50 + i, i));
      let acknowledged = 0;
      await Promise.all(
        batches.map(async (batch) => {
          assert.equal(await store.insertEvents(batch), batch.length);
          acknowledged += batch.length;
          assert.ok(
            acknowledged <= committed,
            `${acknowledged} acknowledged, ${committed} reported committed`,
          );
        }),
      );
      const total = batches.reduce((n, b) => n + b.length, 0);
      assert.equal(committed, total);
      assert.equal(
        commits.reduce((n, c) => n + c.batches, 0),
        batches.length,
      );
      const from = BASE / 1000;
      const [row] = await store.queryRollups('acks', { span: 60, from, to: from + 60, groupBy: [] });
      assert.equal(row?.events, total, 'the rollups count every acknowledged event');
    } finally {
      await store.close();
    }
  });

  it('stores the arrival time by the store’s clock, not the thread’s', async () => {
    await migrated('clock');
    const clock = new Date('2031-05-06T07:08:09.010Z');
    const store = openSqliteStore({ directory, now: () => clock });
    await store.insertEvents(scans('clock', 3, 0));
    await store.close();
    const db = new DatabaseSync(join(directory, 'qrpin.db'));
    try {
      const rows = db.prepare('SELECT DISTINCT received_at FROM events').all();
      assert.deepEqual(
        rows.map((r) => r.received_at),
        [clock.toISOString()],
      );
    } finally {
      db.close();
    }
  });

  it('commits every batch still pending before close resolves, and refuses any after', async () => {
    await migrated('closing');
    const store = openSqliteStore({ directory });
    const pending = Array.from({ length: 8 }, (_, i) => store.insertEvents(scans('closing', 100, i)));
    await store.close();
    assert.deepEqual(await Promise.all(pending), Array<number>(8).fill(100));
    await assert.rejects(store.insertEvents(scans('closing', 1, 9)));
    const again = openSqliteStore({ directory });
    try {
      assert.equal(await again.countEvents('closing'), 800);
      const from = BASE / 1000;
      const [row] = await again.queryRollups('closing', { span: 3600, from, to: from + 3600, groupBy: [] });
      assert.equal(row?.events, 800);
    } finally {
      await again.close();
    }
  });

  it('refuses what waits on a thread that cannot open the database, and starts another at the next request', async () => {
    const nested = join(directory, 'not-yet');
    const file = join(nested, 'qrpin.db');
    const ingest = threadIngest({ file, busyTimeoutMs: 1000, maxGroupEvents: 20_000 });
    const events = scans('later', 5, 0);
    await assert.rejects(
      ingest.submit(events, checkEvents(events), new Date().toISOString()),
      (err: Error) => {
        assert.match(
          err.message,
          /^the ingest thread stopped \(.*\); nothing waiting on it was acknowledged$/,
        );
        return true;
      },
    );
    mkdirSync(nested);
    const setup = openSqliteStore({ directory: nested });
    await setup.migrate();
    await setup.createProject('later');
    await setup.close();
    assert.equal(await ingest.submit(events, checkEvents(events), new Date().toISOString()), 5);
    assert.ok((await ingest.catchUp()) >= 5, 'the new thread folded the events');
    await ingest.close();
  });

  it('lets the process exit on its own when the store is left open', { timeout: 60_000 }, async () => {
    const child = spawn(
      process.execPath,
      ['--conditions=qrpin-source', '--disable-warning=ExperimentalWarning', CHILD, directory],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, err);
    assert.equal(out, 'stored 40 counted 40\n');
  });
});
