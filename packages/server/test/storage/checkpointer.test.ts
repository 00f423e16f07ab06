// The SQLite store's checkpoint thread copies the WAL into the database file beside the event loop
// after group commits; these tests watch it do so on a real database, and check that the store
// behaves the same without it.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TelemetryEvent } from '@qrpin/core';
import { openSqliteStore } from '../../src/storage/sqlite/store.ts';
import type { CheckpointResult } from '../../src/storage/sqlite/checkpointer.ts';

const DAY = 86_400;
const BASE = Date.UTC(2026, 11, 1, 12, 0, 0);

function batch(n: number, salt: number): TelemetryEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'scan',
    time: new Date(BASE + ((i + salt) % 600) * 1000).toISOString(),
    project: 'ckpt',
    appId: 'kiosk',
    appVersion: '1.0.0',
    platform: 'ios',
    sessionId: `session-${salt}-${i}-0123456789`,
    destination: `d${i % 7}`,
  }));
}

describe('the SQLite checkpoint thread', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'qrpin-ckpt-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('copies committed WAL frames into the database file after group commits, and stops on close', async () => {
    const results: CheckpointResult[] = [];
    const store = openSqliteStore({ directory, onCheckpoint: (result) => results.push(result) });
    await store.migrate();
    await store.createProject('ckpt');
    for (let i = 0; i < 20; i++) await store.insertEvents(batch(500, i));
    // Each commit nudges the thread; wait for it to report (the runner's timeout bounds this).
    while (!results.some((r) => r.ok && r.checkpointed > 0)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const result of results) {
      assert.equal(result.ok, true, JSON.stringify(result));
      if (result.ok) assert.ok(result.checkpointed <= result.log, JSON.stringify(result));
    }
    const [row] = await store.queryRollups('ckpt', {
      span: DAY,
      from: Math.floor(BASE / 1000 / DAY) * DAY,
      to: Math.floor(BASE / 1000 / DAY) * DAY + DAY,
      groupBy: [],
    });
    assert.equal(row?.events, 10_000);
    await store.close();
    // The last connection to close removes the WAL: the thread's connection is closed too.
    assert.equal(existsSync(join(directory, 'qrpin.db-wal')), false);
  });

  it('stores and counts the same without it, and reports nothing', async () => {
    const results: CheckpointResult[] = [];
    const store = openSqliteStore({
      directory,
      checkpointThread: false,
      onCheckpoint: (result) => results.push(result),
    });
    await store.migrate();
    await store.createProject('ckpt');
    for (let i = 0; i < 5; i++) await store.insertEvents(batch(500, i));
    assert.equal(await store.countEvents('ckpt'), 2500);
    await store.close();
    assert.deepEqual(results, []);
    assert.equal(existsSync(join(directory, 'qrpin.db-wal')), false);
  });
});
