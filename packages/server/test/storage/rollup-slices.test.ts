// The main rollups are folded on SQLite a slice at a time, each slice with its own cursor: which
// slice a row falls in is part of what those cursors mean, so the hash must never change, and a
// database whose cursors were kept per table and span (before migration 7) must go on counting
// every event once.
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import type { TelemetryEvent } from '@qrpin/core';
import { ROLLUP_SLICES, fnv1a32, rollupSlice } from '../../src/storage/telemetry/aggregate.ts';
import { openSqliteStore } from '../../src/storage/sqlite/store.ts';
import { ROLLUP_SPANS } from '../../src/storage/telemetry-store.ts';

describe('rollup slices', () => {
  it('hash with 32-bit FNV-1a (the published test vectors)', () => {
    // From the FNV reference test suite (Fowler, Noll, Vo): FNV-1a 32 of "", "a" and "foobar".
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  });

  it('deal rows by their dimensions joined with NUL, into every slice', () => {
    const key = 'promo\u0000spring\u00002.0.0\u0000ios\u00004';
    assert.equal(rollupSlice('promo', 'spring', '2.0.0', 'ios', 4), fnv1a32(key) % ROLLUP_SLICES);
    // An absent campaign or pinset seq is part of the key as stored ('' and -1).
    assert.equal(
      rollupSlice('promo', '', '2.0.0', 'ios', -1),
      fnv1a32('promo\u0000\u00002.0.0\u0000ios\u0000-1') % ROLLUP_SLICES,
    );
    const seen = new Set<number>();
    for (let d = 0; d < 100; d++) seen.add(rollupSlice(`destination-${d}`, 'spring', '2.0.0', 'ios', 4));
    assert.deepEqual(
      [...seen].sort(),
      Array.from({ length: ROLLUP_SLICES }, (_, i) => i),
    );
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), fc.integer(), (d, c, v, p, s) => {
        const slice = rollupSlice(d, c, v, p, s);
        return Number.isInteger(slice) && slice >= 0 && slice < ROLLUP_SLICES;
      }),
    );
  });
});

describe('migration 7: fold cursors per slice', () => {
  let directory: string | undefined;
  afterEach(() => {
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  });

  function scans(n: number, from: number): TelemetryEvent[] {
    return Array.from({ length: n }, (_, i) => ({
      type: 'scan',
      time: new Date(Date.UTC(2026, 10, 30, 12, 0, 0) + (from + i) * 1000).toISOString(),
      project: 'slices',
      appId: 'kiosk',
      appVersion: `1.${i % 3}.0`,
      platform: i % 2 === 0 ? 'ios' : 'android',
      sessionId: `s-${from + i}`,
      destination: `d${i % 20}`,
      campaign: 'spring',
    }));
  }

  it('starts every slice where its table and span had got to, and counts each event once', async () => {
    directory = mkdtempSync(join(tmpdir(), 'qrpin-slices-'));
    const store = openSqliteStore({ directory });
    await store.migrate();
    await store.createProject('slices');
    await store.insertEvents(scans(500, 0));
    await store.close();

    // Back to the state before migration 7: one cursor per table and span, where the folds had got.
    const db = new DatabaseSync(join(directory, 'qrpin.db'));
    const newest = Number((db.prepare('SELECT MAX(id) AS id FROM events').get() as { id: number }).id);
    db.exec(
      `DELETE FROM rollup_progress WHERE target LIKE 'rollups/%'; DELETE FROM schema_migrations WHERE version = 7`,
    );
    const cursor = db.prepare('INSERT INTO rollup_progress (target, last_event_id) VALUES (?, ?)');
    for (const span of ROLLUP_SPANS) cursor.run(`rollups/${span}`, newest);
    // Events stored after the last fold: the migrated cursors must fold them, and only them.
    db.close();
    const later = openSqliteStore({ directory });
    await later.migrate();
    await later.insertEvents(scans(300, 500));
    const day = 86_400;
    const from = Math.floor(Date.UTC(2026, 10, 30) / 1000 / day) * day;
    for (const span of ROLLUP_SPANS) {
      const [row] = await later.queryRollups('slices', { span, from, to: from + day, groupBy: [] });
      assert.equal(row?.scans, 800, `span ${span}`);
    }
    await later.close();

    const after = new DatabaseSync(join(directory, 'qrpin.db'), { readOnly: true });
    try {
      const targets = (
        after.prepare('SELECT target FROM rollup_progress ORDER BY target').all() as { target: string }[]
      ).map((r) => r.target);
      const expected = ROLLUP_SPANS.flatMap((span) =>
        Array.from({ length: ROLLUP_SLICES }, (_, slice) => `rollups/${span}#${slice}`),
      );
      assert.deepEqual(
        targets.filter((t) => t.startsWith('rollups/')),
        [...expected].sort(),
      );
    } finally {
      after.close();
    }
  });
});
