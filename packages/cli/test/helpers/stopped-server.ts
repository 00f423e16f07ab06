// The URL of a qrpin server that ran and stopped: nothing listens there any more, so a command
// pointed at it meets a refused connection rather than a made-up address.
import { join } from 'node:path';
import { corePinsetVerifier, startServer } from '@qrpin/server';

/** Starts a server on a free port with its database under `directory`, stops it, returns its URL. */
export async function stoppedServerUrl(directory: string): Promise<string> {
  const stopped = await startServer({
    verify: corePinsetVerifier(),
    directory: join(directory, 'stopped-db'),
    port: 0,
    logger: false,
  });
  await stopped.close();
  return stopped.url;
}
