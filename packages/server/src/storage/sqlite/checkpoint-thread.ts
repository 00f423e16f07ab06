// The checkpoint thread's own code: a worker thread with a connection of its own that copies
// committed WAL frames into the database file (a PASSIVE checkpoint: it never waits for, nor
// blocks, a writer or a reader) whenever checkpointer.ts asks. Nothing here may load @qrpin/core.
import { parentPort, workerData } from 'node:worker_threads';
import { DatabaseSync } from 'node:sqlite';
import type { CheckpointResult, CheckpointThreadData } from './checkpointer.ts';

const data = workerData as CheckpointThreadData | undefined;
if (parentPort !== null && data?.qrpinCheckpointThread === true) {
  const port = parentPort;
  const db = new DatabaseSync(data.file);
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  port.on('message', (message: 'checkpoint' | 'close') => {
    if (message === 'close') {
      db.close();
      port.close();
      return;
    }
    let result: CheckpointResult;
    try {
      const row = checkpoint.get() as { busy: number; log: number; checkpointed: number };
      result = { ok: true, log: Number(row.log), checkpointed: Number(row.checkpointed) };
    } catch (err) {
      result = { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(result);
  });
}
