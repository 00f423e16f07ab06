// qrpin publish: upload a signed pinset document and its pre-signed rollback to the server,
// after checking that it cannot lock clients out of the hosts as they are served right now.
import type { X509Certificate } from 'node:crypto';
import { Pin, QrpinError, verifyPinset, type PinsetPayload } from '@qrpin/core';
import { EXIT, flag, jsonOption, stringOption, type Command } from '../lib/command.ts';
import { readUserFile } from '../lib/files.ts';
import { adminRequest, adminToken, describeRefusal, type AdminAnswer } from '../lib/admin-api.ts';
import { DEFAULT_MANIFEST, loadManifest, manifestOption } from '../lib/manifest.ts';
import { fetchChain } from '../lib/tls-fetch.ts';
import { styleFor } from '../lib/style.ts';
import type { CliContext } from '../lib/context.ts';

/** One host's bricking check. */
export interface ServedCheck {
  readonly host: string;
  readonly ok: boolean;
  readonly problem?: string | undefined;
}

export const publishCommand: Command = {
  name: 'publish',
  summary: 'upload a signed pinset and its rollback to the server, refusing one that would lock clients out',
  usage:
    'publish <pinset.jws> <rollback.jws> [--server url] [--token-file f] [--ca f] [--target host=addr:port] [--force] [--json]',
  optionHelp: [
    '-m, --manifest <file>         the manifest (for the project and server URL; default qrpin.yaml)',
    '--server <url>                the qrpin server (default: the manifest\u2019s server)',
    '--token-file <file>           the admin token (else QRPIN_ADMIN_TOKEN)',
    '--ca <file>                   trust these CAs when fetching the served chains (default: system store)',
    '--target <host=addr[:port]>   fetch host\u2019s chain from this address (repeatable)',
    '--force                       publish even if a host\u2019s served keys match no pin or no backup pin is held back',
    '--json                        the checks and the server\u2019s answer as JSON',
  ],
  examples: ['qrpin publish pinset-7.jws pinset-8-rollback.jws --token-file ~/.qrpin/admin-token'],
  options: {
    ...manifestOption,
    ...jsonOption,
    server: { type: 'string' },
    'token-file': { type: 'string' },
    ca: { type: 'string' },
    target: { type: 'string', multiple: true },
    force: { type: 'boolean' },
  },
  positionals: [2, 2],
  async run(args, ctx) {
    const [documentFile = '', rollbackFile = ''] = args.positionals;
    const { manifest } = loadManifest(ctx.cwd, stringOption(args, 'manifest') ?? DEFAULT_MANIFEST);
    const server = stringOption(args, 'server') ?? manifest.server;
    if (server === undefined)
      throw new QrpinError('ERR_USAGE', 'name the server with --server or the manifest\u2019s server');
    const token = adminToken(args, ctx);
    const jws = readUserFile(ctx.cwd, documentFile, 128 * 1024)
      .toString('utf8')
      .trim();
    const rollbackJws = readUserFile(ctx.cwd, rollbackFile, 128 * 1024)
      .toString('utf8')
      .trim();
    // Verified here as a client would (signature, kid, project, expiry), before anything is sent.
    const verifyOptions = { trustedKeys: manifest.signingKeys, now: ctx.now, project: manifest.project };
    const { payload } = verifyPinset(jws, verifyOptions);
    verifyPinset(rollbackJws, { ...verifyOptions, lastSeq: payload.seq });
    const caFile = stringOption(args, 'ca');
    const ca = caFile === undefined ? undefined : readUserFile(ctx.cwd, caFile, 1024 * 1024).toString('utf8');
    const targets = parseTargets(args.values.target);
    const checks = await checkServedKeys(payload, async (host) => {
      const target = targets.get(host);
      const chain = await fetchChain({
        host,
        port: target?.port ?? 443,
        connectAddress: target?.address,
        ca,
      });
      return { validated: chain.validated, error: chain.validationError, pins: chain.served.map(pinOf) };
    });
    const failing = checks.filter((c) => !c.ok);
    const style = styleFor(ctx);
    if (!flag(args, 'json')) {
      for (const c of checks)
        ctx.stdout.write(`${c.host}: ${c.ok ? style.green('ok') : style.red(c.problem ?? '')}\n`);
    }
    if (failing.length > 0 && !flag(args, 'force')) {
      if (flag(args, 'json')) ctx.stdout.write(`${JSON.stringify({ published: false, checks }, null, 2)}\n`);
      ctx.stderr.write(
        `qrpin: refusing to publish seq ${payload.seq}: ${failing.length} host(s) would lock clients out or have no backup; fix the pinset, or pass --force\n`,
      );
      return EXIT.findings;
    }
    // The project is the one the verified document names, not an option.
    const answer = await adminRequest({ server, project: payload.project, token }, 'POST', 'pinsets', {
      jws,
      rollbackJws,
    });
    const published = answer.status === 201 || answer.status === 200;
    if (flag(args, 'json')) {
      ctx.stdout.write(
        `${JSON.stringify({ published, status: answer.status, answer: answer.body ?? '', checks }, null, 2)}\n`,
      );
    } else {
      report(ctx, published, payload, answer);
    }
    return published ? EXIT.ok : EXIT.findings;
  },
};

/**
 * The bricking guard: for every host the document pins (exact hosts, and the apex of `**.`
 * patterns; `*.` patterns name no single host and are skipped), at least one of its pins must be
 * a key the host serves now, and at least one backup pin must be a key it does not serve.
 */
export async function checkServedKeys(
  payload: PinsetPayload,
  served: (host: string) => Promise<{ validated: boolean; error?: string | undefined; pins: string[] }>,
): Promise<ServedCheck[]> {
  const checks: ServedCheck[] = [];
  for (const host of payload.hosts) {
    if (host.pattern.startsWith('*.')) {
      checks.push({
        host: host.pattern,
        ok: true,
        problem: 'not checked: a one-label wildcard names no single host',
      });
      continue;
    }
    const name = host.pattern.replace(/^\*\*\./, '');
    let chain: Awaited<ReturnType<typeof served>>;
    try {
      chain = await served(name);
    } catch (err) {
      checks.push({
        host: name,
        ok: false,
        problem: `cannot fetch the served chain: ${(err as Error).message}`,
      });
      continue;
    }
    if (!chain.validated) {
      checks.push({
        host: name,
        ok: false,
        problem: `the served chain does not validate: ${chain.error ?? ''}`,
      });
      continue;
    }
    const all = [...host.pins, ...host.backupPins];
    if (!all.some((p) => chain.pins.includes(p))) {
      checks.push({
        host: name,
        ok: false,
        problem: 'none of the pins matches a key the host serves now: clients would be locked out',
      });
    } else if (!host.backupPins.some((p) => !chain.pins.includes(p))) {
      checks.push({
        host: name,
        ok: false,
        problem: 'no backup pin outside the served chain: a key change would lock clients out',
      });
    } else {
      checks.push({ host: name, ok: true });
    }
  }
  return checks;
}

function pinOf(cert: X509Certificate): string {
  return Pin.fromSpki(cert.publicKey.export({ type: 'spki', format: 'der' })).toString();
}

function parseTargets(
  value: string | boolean | Array<string | boolean> | undefined,
): Map<string, { address: string; port: number }> {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const map = new Map<string, { address: string; port: number }>();
  for (const item of list) {
    const match =
      typeof item === 'string' ? /^([a-z0-9.-]+)=([0-9a-f.:]+?)(?::(\d{1,5}))?$/i.exec(item) : null;
    if (match === null)
      throw new QrpinError('ERR_USAGE', `--target takes host=address[:port], not "${String(item)}"`);
    map.set((match[1] ?? '').toLowerCase(), {
      address: match[2] ?? '',
      port: match[3] === undefined ? 443 : Number(match[3]),
    });
  }
  return map;
}

function report(ctx: CliContext, published: boolean, payload: PinsetPayload, answer: AdminAnswer): void {
  if (published) {
    ctx.stderr.write(
      `published ${payload.project} seq ${payload.seq} (HTTP ${answer.status}); its rollback is stored beside it\n`,
    );
    return;
  }
  ctx.stderr.write(`qrpin: the server refused seq ${payload.seq} (${describeRefusal(answer)})\n`);
}
