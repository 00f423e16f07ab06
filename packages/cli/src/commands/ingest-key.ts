// qrpin ingest-key create / list / revoke: the keys apps send events with (x-qrpin-ingest-key),
// made and revoked on the server through its admin API. A key is a secret: the server shows it
// once, and `create` writes it to a 0600 file rather than to the terminal unless --print is asked.
import { statSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { QrpinError } from '@qrpin/core';
import { EXIT, flag, jsonOption, stringOption, type Command } from '../lib/command.ts';
import { writeUserFile } from '../lib/files.ts';
import {
  adminOptionHelp,
  adminOptions,
  adminRequest,
  adminTarget,
  describeRefusal,
  type AdminTarget,
} from '../lib/admin-api.ts';
import type { CliContext } from '../lib/context.ts';

/** App ids as the server takes them: 1 to 128 printable ASCII characters, no spaces. */
const APP_ID = /^[\x21-\x7e]{1,128}$/;
/** Key ids: the first 12 hex digits of the key's SHA-256. */
const KEY_ID = /^[0-9a-f]{12}$/;

interface ListedKey {
  readonly keyId: string;
  readonly appId: string;
  readonly createdAt: string;
}

/** The file `create` writes by default: `ingest-key-<app id>`, unsafe characters as `_`. */
export function defaultKeyFile(appId: string): string {
  return `ingest-key-${appId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

function refused(ctx: CliContext, what: string, answer: { status: number; body: unknown }): number {
  ctx.stderr.write(`qrpin: ${what}: the server refused (${describeRefusal(answer)})\n`);
  return EXIT.findings;
}

export const ingestKeyCreateCommand: Command = {
  name: 'ingest-key create',
  summary: 'make an ingest key for an app on the server; the key goes to a 0600 file, never the terminal',
  usage:
    'ingest-key create <app-id> [--out file | --print] [--force] [--server url] [--project id] [--token-file f] [--json]',
  optionHelp: [
    '--out <file>            where to write the key, mode 0600 (default ingest-key-<app-id>)',
    '--force                 replace the --out file if it exists',
    '--print                 write the key to stdout instead of a file (for a secret manager\u2019s pipe)',
    ...adminOptionHelp,
    '--json                  the key id, app, project, date and file (the key itself only with --print)',
  ],
  examples: [
    'qrpin ingest-key create kiosk --server https://pins.example.com --token-file ~/.qrpin/admin-token',
    'qrpin ingest-key create ios-app --out secrets/ios-ingest-key',
    'qrpin ingest-key create android-app --print | vault kv put secret/qrpin/android ingest_key=-',
  ],
  options: {
    ...adminOptions,
    ...jsonOption,
    out: { type: 'string' },
    force: { type: 'boolean' },
    print: { type: 'boolean' },
  },
  positionals: [1, 1],
  async run(args, ctx) {
    const appId = args.positionals[0] ?? '';
    if (!APP_ID.test(appId)) {
      throw new QrpinError(
        'ERR_USAGE',
        `app id ${JSON.stringify(appId.slice(0, 140))} is not 1 to 128 printable characters without spaces`,
      );
    }
    const print = flag(args, 'print');
    if (print && stringOption(args, 'out') !== undefined) {
      throw new QrpinError('ERR_USAGE', '--print and --out exclude each other: the key goes to one place');
    }
    const target = adminTarget(args, ctx);
    const out = print ? undefined : (stringOption(args, 'out') ?? defaultKeyFile(appId));
    const force = flag(args, 'force');
    // Claim the file before the server makes the key, so that a key is never made only to be lost.
    let reserved = false;
    if (out !== undefined && !force) {
      writeUserFile(ctx.cwd, out, '', { secret: true });
      reserved = true;
    } else if (out !== undefined) {
      checkDirectory(ctx, out);
    }
    let answer;
    try {
      answer = await adminRequest(target, 'POST', 'ingest-keys', { appId });
    } catch (err) {
      if (reserved && out !== undefined) unlinkSync(resolve(ctx.cwd, out));
      throw err;
    }
    if (answer.status !== 201) {
      if (reserved && out !== undefined) unlinkSync(resolve(ctx.cwd, out));
      return refused(ctx, `no ingest key made for app ${appId} of project ${target.project}`, answer);
    }
    const made = answer.body as Partial<ListedKey> & { key?: unknown };
    if (typeof made.key !== 'string' || typeof made.keyId !== 'string') {
      if (reserved && out !== undefined) unlinkSync(resolve(ctx.cwd, out));
      throw new QrpinError(
        'ERR_FETCH_FAILED',
        `${target.server} answered 201 without a key: is it a qrpin server?`,
      );
    }
    const record = { project: target.project, appId, keyId: made.keyId, createdAt: made.createdAt };
    if (out !== undefined) {
      try {
        writeUserFile(ctx.cwd, out, `${made.key}\n`, { secret: true, overwrite: true });
      } catch (err) {
        throw new QrpinError(
          'ERR_FILE_READ',
          `ingest key ${made.keyId} was made but not written (${(err as Error).message}); revoke it with: qrpin ingest-key revoke ${made.keyId}`,
          { cause: err },
        );
      }
    }
    if (flag(args, 'json')) {
      const result = out === undefined ? { ...record, key: made.key } : { ...record, file: out };
      ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else if (out === undefined) {
      ctx.stdout.write(`${made.key}\n`);
    } else {
      ctx.stdout.write(`${made.keyId}\n`);
    }
    ctx.stderr.write(
      [
        `made ingest key ${made.keyId} for app ${appId} of project ${target.project}`,
        out === undefined
          ? '  the key is on stdout and shown nowhere else: the server keeps only its hash'
          : `  key in ${out} (mode 0600; shown nowhere else: the server keeps only its hash)`,
        `the app sends it in x-qrpin-ingest-key${out === undefined ? '' : `, e.g. QRPIN_INGEST_KEY="$(cat ${out})"`}`,
        `revoke it with: qrpin ingest-key revoke ${made.keyId}`,
        '',
      ].join('\n'),
    );
    return EXIT.ok;
  },
};

/** With --force nothing is claimed up front; still refuse a missing directory before the server makes a key. */
function checkDirectory(ctx: CliContext, out: string): void {
  const dir = dirname(resolve(ctx.cwd, out));
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDirectory) throw new QrpinError('ERR_FILE_READ', `cannot write ${out}: no such directory`);
}

export const ingestKeyListCommand: Command = {
  name: 'ingest-key list',
  summary: 'list a project\u2019s ingest keys on the server: key id, app and date, never a key',
  usage: 'ingest-key list [--server url] [--project id] [--token-file f] [--json]',
  optionHelp: [...adminOptionHelp, '--json                  the keys as JSON'],
  examples: ['qrpin ingest-key list --server https://pins.example.com --project spring --json'],
  options: { ...adminOptions, ...jsonOption },
  positionals: [0, 0],
  async run(args, ctx) {
    const target = adminTarget(args, ctx);
    const answer = await adminRequest(target, 'GET', 'ingest-keys');
    if (answer.status !== 200)
      return refused(ctx, `cannot list the ingest keys of ${target.project}`, answer);
    const keys = listedKeys(target, answer.body);
    if (flag(args, 'json')) {
      ctx.stdout.write(`${JSON.stringify({ project: target.project, ingestKeys: keys }, null, 2)}\n`);
      return EXIT.ok;
    }
    if (keys.length === 0) {
      ctx.stderr.write(
        `project ${target.project} has no ingest keys; make one with: qrpin ingest-key create <app-id>\n`,
      );
      return EXIT.ok;
    }
    const width = Math.max(3, ...keys.map((k) => k.appId.length));
    ctx.stdout.write(
      [
        `${'KEY ID'.padEnd(12)}  ${'APP'.padEnd(width)}  CREATED`,
        ...keys.map((k) => `${k.keyId}  ${k.appId.padEnd(width)}  ${k.createdAt}`),
        '',
      ].join('\n'),
    );
    return EXIT.ok;
  },
};

function listedKeys(target: AdminTarget, body: unknown): ListedKey[] {
  const list = (body as { ingestKeys?: unknown } | undefined)?.ingestKeys;
  if (!Array.isArray(list)) {
    throw new QrpinError(
      'ERR_FETCH_FAILED',
      `${target.server} answered without a list of keys: is it a qrpin server?`,
    );
  }
  // Only the three fields a listing has, each as text: nothing else the server sent is shown.
  return list.map((k: Record<string, unknown>) => ({
    keyId: String(k.keyId),
    appId: String(k.appId),
    createdAt: String(k.createdAt),
  }));
}

export const ingestKeyRevokeCommand: Command = {
  name: 'ingest-key revoke',
  summary: 'revoke an ingest key on the server: events sent with it are refused from then on',
  usage: 'ingest-key revoke <key-id> [--server url] [--project id] [--token-file f] [--json]',
  optionHelp: [...adminOptionHelp, '--json                  whether it was revoked, as JSON'],
  examples: ['qrpin ingest-key revoke 3f9a0c1d2b4e --token-file ~/.qrpin/admin-token'],
  options: { ...adminOptions, ...jsonOption },
  positionals: [1, 1],
  async run(args, ctx) {
    const keyId = (args.positionals[0] ?? '').toLowerCase();
    if (!KEY_ID.test(keyId)) {
      throw new QrpinError(
        'ERR_USAGE',
        `key id ${JSON.stringify(keyId.slice(0, 80))} is not 12 hex digits (see qrpin ingest-key list)`,
      );
    }
    const target = adminTarget(args, ctx);
    const answer = await adminRequest(target, 'DELETE', `ingest-keys/${keyId}`);
    const revoked = answer.status === 204;
    if (flag(args, 'json')) {
      ctx.stdout.write(
        `${JSON.stringify({ project: target.project, keyId, revoked, status: answer.status }, null, 2)}\n`,
      );
    }
    if (!revoked) return refused(ctx, `ingest key ${keyId} of project ${target.project} not revoked`, answer);
    ctx.stderr.write(
      `revoked ingest key ${keyId} of project ${target.project}: events sent with it are refused from now on\n`,
    );
    return EXIT.ok;
  },
};
