// Calling a project's admin routes on a qrpin server: where the server, the project and the admin
// token come from (options, the manifest, QRPIN_ADMIN_TOKEN), and one request with its JSON answer.
import { request } from 'undici';
import { QrpinError } from '@qrpin/core';
import { stringOption, type CommandArgs } from './command.ts';
import type { CliContext } from './context.ts';
import { readUserFile } from './files.ts';
import { DEFAULT_MANIFEST, loadManifest, manifestOption } from './manifest.ts';

/** The options of every command that calls the admin API. */
export const adminOptions = {
  ...manifestOption,
  server: { type: 'string' },
  project: { type: 'string' },
  'token-file': { type: 'string' },
} as const;

/** Their help lines. */
export const adminOptionHelp = [
  '-m, --manifest <file>   where the project and server URL come from (default qrpin.yaml)',
  '--server <url>          the qrpin server (default: the manifest\u2019s server)',
  '--project <id>          the project (default: the manifest\u2019s project)',
  '--token-file <file>     the project\u2019s admin token (else QRPIN_ADMIN_TOKEN)',
] as const;

/** A project on a server, and the token to administer it. */
export interface AdminTarget {
  readonly server: string;
  readonly project: string;
  readonly token: string;
}

/** An answer of the admin API: the status and the parsed JSON body (or the text's start). */
export interface AdminAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * The server, project and token from the options, falling back on the manifest (read only when an
 * option is missing) and QRPIN_ADMIN_TOKEN. Missing pieces are `ERR_USAGE`.
 */
export function adminTarget(args: CommandArgs, ctx: CliContext): AdminTarget {
  let server = stringOption(args, 'server');
  let project = stringOption(args, 'project');
  if (server === undefined || project === undefined) {
    const file = stringOption(args, 'manifest');
    let manifest: { readonly server?: string | undefined; readonly project: string };
    try {
      manifest = loadManifest(ctx.cwd, file ?? DEFAULT_MANIFEST).manifest;
    } catch (err) {
      if (file === undefined && err instanceof QrpinError && err.code === 'ERR_FILE_READ') {
        throw new QrpinError(
          'ERR_USAGE',
          `name the server with --server and the project with --project, or run where ${DEFAULT_MANIFEST} is (-m)`,
          { cause: err },
        );
      }
      throw err;
    }
    server ??= manifest.server;
    project ??= manifest.project;
  }
  if (server === undefined) {
    throw new QrpinError('ERR_USAGE', 'name the server with --server or the manifest\u2019s server');
  }
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(project)) {
    throw new QrpinError(
      'ERR_USAGE',
      `--project "${project}" is not a project id: 1 to 64 lower-case letters, digits, ".", "_" or "-"`,
    );
  }
  return { server, project, token: adminToken(args, ctx) };
}

/**
 * The admin token from `--token-file` (read, surrounding whitespace dropped), else
 * QRPIN_ADMIN_TOKEN; neither is `ERR_USAGE`. The token is a secret: never print it.
 */
export function adminToken(args: CommandArgs, ctx: CliContext): string {
  const tokenFile = stringOption(args, 'token-file');
  const token =
    tokenFile === undefined
      ? ctx.env.QRPIN_ADMIN_TOKEN
      : readUserFile(ctx.cwd, tokenFile, 4096).toString('utf8').trim();
  if (token === undefined || token === '') {
    throw new QrpinError('ERR_USAGE', 'give the admin token with --token-file or QRPIN_ADMIN_TOKEN');
  }
  return token;
}

/**
 * Sends one admin request to `v1/projects/<project>/<path>` with the bearer token; an unreachable
 * server is `ERR_FETCH_FAILED`, any answer (2xx or not) is returned.
 */
export async function adminRequest(
  target: AdminTarget,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<AdminAnswer> {
  const base = target.server.endsWith('/') ? target.server : `${target.server}/`;
  let url: URL;
  try {
    url = new URL(`v1/projects/${encodeURIComponent(target.project)}/${path}`, base);
  } catch (err) {
    throw new QrpinError('ERR_USAGE', `--server "${target.server}" is not a URL`, { cause: err });
  }
  const response = await request(url, {
    method,
    headers: {
      authorization: `Bearer ${target.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
  }).catch((err: unknown) => {
    throw new QrpinError('ERR_FETCH_FAILED', `cannot reach ${target.server}: ${(err as Error).message}`, {
      cause: err,
    });
  });
  const text = await response.body.text();
  let parsed: unknown = text.slice(0, 500);
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's page): its start says enough.
  }
  return { status: response.statusCode, body: parsed };
}

/** One line on what the server refused: `HTTP 401: <message> [<code>]`. */
export function describeRefusal(answer: AdminAnswer): string {
  const error = (answer.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const message = typeof error?.message === 'string' ? error.message : String(answer.body ?? '');
  const code = typeof error?.code === 'string' ? error.code : 'ERR_HTTP';
  return `HTTP ${answer.status}: ${message} [${code}]`;
}
