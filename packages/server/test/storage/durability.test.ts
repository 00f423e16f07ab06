import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../../src/storage/sqlite/store.ts';

const CHILD = fileURLToPath(new URL('./fixtures/publish-forever.ts', import.meta.url));

describe('the SQLite store under kill -9', () => {
  it('still serves the last acknowledged document after the publishing process is SIGKILLed', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'qrpin-durable-'));
    try {
      const setup = openSqliteStore({ directory });
      await setup.migrate();
      await setup.createProject('demo');
      await setup.close();

      const child = spawn(process.execPath, ['--conditions=qrpin-source', CHILD, directory], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('close', (_code, signal) => resolve(signal)),
      );
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          if ((stdout.match(/^ack \d+$/gm) ?? []).length >= 200) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('close', () => reject(new Error(`the child ended before it was killed: ${stderr}`)));
      });
      assert.equal(await exited, 'SIGKILL');
      const acks = (stdout.match(/^ack \d+$/gm) ?? []).map((line) => Number(line.slice(4)));
      const lastAck = Math.max(...acks);

      const reopened = openSqliteStore({ directory });
      try {
        await reopened.migrate();
        const current = await reopened.current('demo');
        assert.ok(current !== undefined, 'a document survived');
        assert.ok(current.seq >= lastAck, `current seq ${current.seq} is at least the last ack ${lastAck}`);
        assert.equal((await reopened.bySeq('demo', lastAck))?.jws, `stub.${lastAck}.durable`);
        const next = current.seq + 1;
        const jws = `stub.${next}.after`;
        assert.equal(
          (await reopened.publish('demo', { seq: next, jws, sha256: '0'.repeat(64) })).seq,
          next,
          'the reopened store takes new publishes',
        );
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
