// WAL checkpoints beside the event loop. In WAL mode every commit appends to the WAL, and SQLite
// copies the WAL back into the database file (a checkpoint) once it holds 1,000 pages — on the
// connection that committed, so on the event loop, with two fsyncs: under ingestion that made one
// commit in ten take several times as long. Here a thread of its own (checkpoint-thread.ts) runs a
// PASSIVE checkpoint after each group commit, so that the frames are mostly copied by the time the
// event loop's own automatic checkpoint comes, which is left on: it then has little left to copy,
// and it is what lets SQLite start the WAL over (a checkpoint racing new commits never catches up
// with all of them). The thread is only a help: if it cannot start or dies, nothing changes but the
// event loop doing all the copying again.
import { Worker } from 'node:worker_threads';

/** What the thread is started with. */
export interface CheckpointThreadData {
  /** Marks the thread as qrpin's checkpoint thread (the module does nothing anywhere else). */
  readonly qrpinCheckpointThread: true;
  /** The database file, in WAL mode already. */
  readonly file: string;
}

/** One checkpoint's outcome: frames in the WAL and frames copied into the database file. */
export type CheckpointResult =
  | { readonly ok: true; readonly log: number; readonly checkpointed: number }
  | { readonly ok: false; readonly message: string };

export interface Checkpointer {
  /** Asks for a checkpoint (after a commit); one at a time, the next as soon as it is done. */
  nudge(): void;
  /** Stops the thread, after the checkpoint in hand. */
  close(): Promise<void>;
}

/** The thread's module, next to this one (`.ts` when run from source, `.js` when built). */
const MODULE = new URL(
  `./checkpoint-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

/**
 * @example
 * ```ts
 * const checkpointer = startCheckpointer('./.qrpin/qrpin.db');
 * checkpointer.nudge(); // after a commit
 * await checkpointer.close();
 * ```
 */
export function startCheckpointer(
  file: string,
  onCheckpoint?: (result: CheckpointResult) => void,
): Checkpointer {
  // Started at the first nudge: a store that never ingests never starts it.
  let worker: Worker | undefined;
  let started = false;
  let inHand = false;
  let again = false;

  function start(): void {
    started = true;
    const data: CheckpointThreadData = { qrpinCheckpointThread: true, file };
    try {
      worker = new Worker(MODULE, { workerData: data });
    } catch {
      return; // the event loop's automatic checkpoints do it all
    }
    const dead = (): void => {
      worker = undefined;
    };
    worker.on('error', dead);
    worker.on('exit', dead);
    worker.on('message', (result: CheckpointResult) => {
      inHand = false;
      try {
        onCheckpoint?.(result);
      } catch {
        // An observer's failure changes nothing.
      }
      if (again) {
        again = false;
        nudge();
      }
    });
    // A checkpoint never keeps the process alive: it is safe to stop at any point. (After the
    // listeners: a 'message' listener added to an unref'd worker refs its port again.)
    worker.unref();
  }

  function nudge(): void {
    if (!started) start();
    if (worker === undefined) return;
    if (inHand) {
      again = true;
      return;
    }
    inHand = true;
    worker.postMessage('checkpoint');
  }

  return {
    nudge,
    async close() {
      started = true; // none after closing
      const stopping = worker;
      worker = undefined;
      if (stopping === undefined) return;
      const exited = new Promise((resolve) => stopping.once('exit', resolve));
      stopping.ref(); // until it has closed its connection and exited
      stopping.postMessage('close');
      await exited;
    },
  };
}
