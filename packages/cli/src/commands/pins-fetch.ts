// qrpin pins fetch: connect to a server, show the chain it serves and every certificate's pin.
import { describeCertificate, QrpinError, type CertificateSummary } from '@qrpin/core';
import { EXIT, flag, jsonOption, stringOption, type Command } from '../lib/command.ts';
import { readUserFile } from '../lib/files.ts';
import { fetchChain, type FetchedChain } from '../lib/tls-fetch.ts';
import { styleFor } from '../lib/style.ts';
import type { CliContext } from '../lib/context.ts';

export const pinsFetchCommand: Command = {
  name: 'pins fetch',
  summary: 'connect to host[:port], show the served chain with each certificate’s pin and expiry',
  usage: 'pins fetch <host[:port]> [--servername name] [--connect address] [--ca file] [--json]',
  optionHelp: [
    '--servername <name>   SNI and the name to validate (default: host)',
    '--connect <address>   connect to this address instead of resolving host (like curl --connect-to)',
    '--ca <file>           trust these PEM CA certificates instead of the system store',
    '--timeout <ms>        handshake timeout (default 10000)',
    '--json                the chain as JSON',
  ],
  examples: [
    'qrpin pins fetch promo.example.com',
    'qrpin pins fetch api.example.com:8443 --ca internal-ca.pem --json',
    'qrpin pins fetch promo.example.com --connect 127.0.0.1',
  ],
  options: {
    ...jsonOption,
    servername: { type: 'string' },
    connect: { type: 'string' },
    ca: { type: 'string' },
    timeout: { type: 'string' },
  },
  positionals: [1, 1],
  async run(args, ctx) {
    const { host, port } = parseHostPort(args.positionals[0] as string);
    const caFile = stringOption(args, 'ca');
    const timeout = stringOption(args, 'timeout');
    const timeoutMs = timeout === undefined ? undefined : Number(timeout);
    if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0 && timeoutMs <= 600_000)) {
      throw new QrpinError(
        'ERR_USAGE',
        `--timeout takes milliseconds between 1 and 600000, not "${timeout}"`,
      );
    }
    const chain = await fetchChain({
      host,
      port,
      servername: stringOption(args, 'servername'),
      connectAddress: stringOption(args, 'connect'),
      ca: caFile === undefined ? undefined : readUserFile(ctx.cwd, caFile, 1024 * 1024).toString('utf8'),
      timeoutMs,
    });
    const now = ctx.now();
    const summaries = chain.served.map((cert) => describeCertificate(cert, now));
    if (flag(args, 'json')) {
      ctx.stdout.write(`${JSON.stringify(fetchedToJson(chain, summaries), null, 2)}\n`);
    } else {
      ctx.stdout.write(formatChain(chain, summaries, ctx));
    }
    return chain.validated ? EXIT.ok : EXIT.findings;
  },
};

/** Splits `host`, `host:port` and `[v6]:port`. */
export function parseHostPort(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = match?.[3] === undefined ? 443 : Number(match[3]);
  if (match === null || host === undefined || port < 1 || port > 65_535) {
    throw new QrpinError('ERR_USAGE', `"${text}" is not host or host:port (port 1–65535)`);
  }
  return { host, port };
}

function fetchedToJson(chain: FetchedChain, summaries: readonly CertificateSummary[]): unknown {
  return {
    host: chain.host,
    port: chain.port,
    servername: chain.servername,
    address: chain.address,
    protocol: chain.protocol,
    cipher: chain.cipher,
    validated: chain.validated,
    validationError: chain.validationError ?? null,
    chain: summaries.map((s) => ({
      subject: s.subject,
      issuer: s.issuer,
      key: s.keyDescription,
      pin: s.pin.toString(),
      notBefore: s.notBefore.toISOString(),
      notAfter: s.notAfter.toISOString(),
      daysToExpiry: s.daysToExpiry,
      isCA: s.isCA,
      selfSigned: s.selfSigned,
      subjectAltNames: s.subjectAltNames,
    })),
  };
}

function formatChain(chain: FetchedChain, summaries: readonly CertificateSummary[], ctx: CliContext): string {
  const style = styleFor(ctx);
  const lines = [
    `${chain.servername}:${chain.port} (${chain.address}) ${chain.protocol ?? ''} ${chain.cipher}`,
    chain.validated
      ? `validation: ${style.green('OK')} (chain trusted, name matches)`
      : `validation: ${style.red('FAILED')} — ${chain.validationError ?? ''}; do not pin a chain you have not validated`,
    '',
  ];
  summaries.forEach((s, i) => {
    const expiry =
      s.daysToExpiry < 0
        ? style.red(`expired ${-s.daysToExpiry} days ago`)
        : s.daysToExpiry <= 30
          ? style.yellow(`expires in ${s.daysToExpiry} days`)
          : `expires in ${s.daysToExpiry} days`;
    const role = i === 0 ? 'leaf' : s.selfSigned ? 'root' : 'intermediate';
    lines.push(
      `${i}. ${role}  ${oneLine(s.subject)}`,
      `   issuer   ${oneLine(s.issuer)}`,
      `   key      ${s.keyDescription}, ${expiry} (${s.notAfter.toISOString().slice(0, 10)})`,
      `   pin      ${style.bold(s.pin.toString())}`,
      '',
    );
  });
  lines.push(
    'Pin the key you control (usually the leaf or your issuing CA) and add a backup pin from "qrpin keys backup".',
    '',
  );
  return lines.join('\n');
}

function oneLine(dn: string): string {
  return dn.split('\n').join(', ');
}
