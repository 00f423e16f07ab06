// qrpin serve: the pinset server, with embedded SQLite (or PostgreSQL from QRPIN_DATABASE_URL).
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { corePinsetVerifier, startServer } from '@qrpin/server';
import { QrpinError } from '@qrpin/core';
import { EXIT, integerOption, stringOption, type Command } from '../lib/command.ts';
import { DEFAULT_MANIFEST, loadManifest, manifestOption } from '../lib/manifest.ts';
import { prepareProject } from '../lib/server-setup.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary:
    'serve signed pinset documents (SQLite in ./.qrpin by default; PostgreSQL with QRPIN_DATABASE_URL)',
  usage:
    'serve [-m qrpin.yaml] [--port 8080] [--host 127.0.0.1] [--dir .qrpin] [--retention-days 30] [--alert-interval 60]',
  optionHelp: [
    '-m, --manifest <file>  the project and its signing public keys (default qrpin.yaml)',
    '--port <n>             port to listen on (default 8080; 0 picks a free one)',
    '--host <address>       address to listen on (default 127.0.0.1: expose it deliberately)',
    '--dir <dir>            SQLite database and admin token directory (default .qrpin)',
    '--retention-days <n>   days raw telemetry events are kept (default 30; rollups and alerts longer)',
    '--alert-interval <s>   seconds between runs of spike detection and webhook delivery (default 60)',
    'QRPIN_DATABASE_URL     use this PostgreSQL database instead of SQLite',
    'QRPIN_ADMIN_TOKEN      the admin token to accept (else one is made and written to <dir>/admin-token, 0600)',
  ],
  examples: [
    'qrpin serve',
    'QRPIN_DATABASE_URL=postgres://pins@db/pins qrpin serve --host 0.0.0.0 --port 8443',
    'qrpin serve --retention-days 7 --alert-interval 30',
  ],
  options: {
    ...manifestOption,
    port: { type: 'string' },
    host: { type: 'string' },
    dir: { type: 'string' },
    'retention-days': { type: 'string' },
    'alert-interval': { type: 'string' },
  },
  positionals: [0, 0],
  async run(args, ctx) {
    const portText = stringOption(args, 'port') ?? '8080';
    const port = Number(portText);
    if (!(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
      throw new QrpinError('ERR_USAGE', `--port takes 0 to 65535, not "${portText}"`);
    }
    const retentionDays = integerOption(args, 'retention-days', 1, 36_500) ?? 30;
    const alertSeconds = integerOption(args, 'alert-interval', 1, 86_400) ?? 60;
    const { manifest } = loadManifest(ctx.cwd, stringOption(args, 'manifest') ?? DEFAULT_MANIFEST);
    const dir = resolve(ctx.cwd, stringOption(args, 'dir') ?? '.qrpin');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const databaseUrl = ctx.env.QRPIN_DATABASE_URL;
    const server = await startServer({
      verify: corePinsetVerifier(ctx.now),
      databaseUrl: databaseUrl === '' ? undefined : databaseUrl,
      directory: dir,
      host: stringOption(args, 'host') ?? '127.0.0.1',
      port,
      retention: { eventsDays: retentionDays },
      alerts: { intervalMs: alertSeconds * 1000 },
    });
    try {
      const prepared = await prepareProject(server.store, manifest, {
        cwd: ctx.cwd,
        tokenFile: join(dir, 'admin-token'),
        envToken: ctx.env.QRPIN_ADMIN_TOKEN,
      });
      ctx.stderr.write(
        [
          `qrpin serve: ${server.url} (${databaseUrl ? 'PostgreSQL' : `SQLite in ${dir}`})`,
          `  project ${prepared.project}: GET ${server.url}/v1/projects/${prepared.project}/pinset`,
          `  dashboard: ${server.url}/ (sign in with project ${prepared.project} and an admin token)`,
          `  raw events kept ${retentionDays} days; spike detection and webhooks every ${alertSeconds} s`,
          prepared.keysAdded.length > 0 ? `  signing keys added: ${prepared.keysAdded.join(', ')}` : '',
          prepared.tokenFile === undefined
            ? ''
            : `  admin token written to ${prepared.tokenFile} (mode 0600; pass it to qrpin publish --token-file)`,
          'press Ctrl-C to stop',
          '',
        ]
          .filter((l) => l !== '')
          .join('\n') + '\n',
      );
      await new Promise<void>((done) => {
        process.once('SIGINT', () => done());
        process.once('SIGTERM', () => done());
      });
    } finally {
      await server.close();
    }
    return EXIT.ok;
  },
};
