import { MIGRATIONS } from '../../src/storage/migrations.ts';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
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
