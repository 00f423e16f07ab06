// The ingest thread's own code: a worker thread with a connection of its own that runs the event
// writer and the roller (`localIngest`) for the store on the main thread (see ingest.ts), answering
// its requests in order and telling it of each group commit.
import { parentPort, workerData } from 'node:worker_threads';
import { openConnection } from './connection.ts';
import {
  crossError,
  localIngest,
  type IngestReply,
  type IngestRequest,
  type IngestThreadData,
} from './ingest.ts';
import { statementCache } from './statement-cache.ts';

const data = workerData as IngestThreadData | undefined;
if (parentPort !== null && data?.qrpinIngestThread === true) {
  const port = parentPort;
  const db = openConnection(data.file, data.busyTimeoutMs);
  const statement = statementCache(db);
  const ingest = localIngest({
    db,
    statement,
    projectExists: (project) => statement('SELECT 1 FROM projects WHERE id = ?').get(project) !== undefined,
    maxGroupEvents: data.maxGroupEvents,
    walFile: `${data.file}-wal`,
    onGroupCommit: (info) => port.postMessage({ op: 'group', info } satisfies IngestReply),
  });
  const settle = (id: number, answer: Promise<number | void>): void => {
    answer.then(
      (value) => port.postMessage({ op: 'settled', id, ok: true, value: value ?? 0 } satisfies IngestReply),
      (err: unknown) =>
        port.postMessage({ op: 'settled', id, ok: false, error: crossError(err) } satisfies IngestReply),
    );
  };
  port.on('message', (request: IngestRequest) => {
    switch (request.op) {
      case 'submit':
        settle(request.id, ingest.submit(request.events, request.seconds, request.received));
        break;
      case 'catch-up':
        settle(request.id, ingest.catchUp());
        break;
      case 'close':
        settle(
          request.id,
          ingest.close().then(() => {
            db.close();
          }),
        );
        break;
    }
  });
}
