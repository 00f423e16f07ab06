// qrpin sign: sign the manifest's pins as a pinset document, and its rollback beside it.
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildPinsetPayload,
  buildRollback,
  compilePolicy,
  lintManifest,
  PinsetError,
  QrpinError,
  signPinset,
  verifyPinset,
  type ManifestSigningKey,
  type PinsetAlgorithm,
  type PinsetRollout,
} from '@qrpin/core';
import {
  EXIT,
  flag,
  integerOption,
  jsonOption,
  stringOption,
  type CommandArgs,
  type Command,
} from '../lib/command.ts';
import { readUserFile, writeUserFile } from '../lib/files.ts';
import { DEFAULT_MANIFEST, loadManifest, manifestOption, where } from '../lib/manifest.ts';
import { styleFor } from '../lib/style.ts';
import { formatFindings } from './lint.ts';

const DAY = 86_400;

export const signCommand: Command = {
  name: 'sign',
  summary: 'sign the manifest pins as pinset-<seq>.jws, with a pre-signed rollback document',
  usage:
    'sign [-m qrpin.yaml] --key private.pem --seq <n> [--kid id] [--days 30] [--stage s] [--percent n] [--on-expiry report|enforce] [--out dir] [--force] [--json]',
  optionHelp: [
    '-m, --manifest <file>  the manifest (default qrpin.yaml)',
    '--key <file>           the offline signing private key (PKCS#8 PEM, from qrpin keys signing)',
    '--seq <n>              sequence number: higher than every document published before',
    '--kid <id>             the key id in signingKeys (default: the entry whose JWK is this key)',
    '--days <n>             lifetime of the document in days (default 30)',
    '--stage <stage>        rollout stage: report-only | beta | everyone (default everyone)',
    '--percent <n>          share of clients that enforce, 0-100 (needed for beta)',
    '--on-expiry <policy>   what clients do if it expires with nothing newer: report (default) | enforce',
    '--out <dir>            where to write the documents (default: current directory)',
    '--force                sign despite lint errors, and replace existing documents',
    '--json                 the written files and the payload summary as JSON',
  ],
  examples: [
    'qrpin sign --key ~/offline-keys/primary-2026.key --kid primary-2026 --seq 7 --out dist/pinsets',
    'qrpin sign -m campaigns/spring.yaml --key primary.key --seq 8 --stage beta --percent 10',
  ],
  options: {
    ...manifestOption,
    ...jsonOption,
    key: { type: 'string' },
    kid: { type: 'string' },
    seq: { type: 'string' },
    days: { type: 'string' },
    stage: { type: 'string' },
    percent: { type: 'string' },
    'on-expiry': { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  },
  positionals: [0, 0],
  async run(args, ctx) {
    const keyFile = stringOption(args, 'key');
    if (keyFile === undefined) {
      throw new QrpinError(
        'ERR_USAGE',
        '--key names the offline signing private key, e.g. --key primary.key',
      );
    }
    const seq = integerOption(args, 'seq', 1, Number.MAX_SAFE_INTEGER - 1);
    if (seq === undefined)
      throw new QrpinError('ERR_USAGE', '--seq takes the document sequence number, e.g. --seq 7');
    const days = integerOption(args, 'days', 1, 3650) ?? 30;
    const rollout = rolloutOption(args);
    const file = stringOption(args, 'manifest') ?? DEFAULT_MANIFEST;
    const parsed = loadManifest(ctx.cwd, file);
    const { manifest } = parsed;
    const force = flag(args, 'force');
    const errors = lintManifest(manifest, { now: ctx.now() }).filter((f) => f.severity === 'error');
    if (errors.length > 0 && !force) {
      ctx.stdout.write(formatFindings(errors, (f) => where(parsed, file, f.path), styleFor(ctx)));
      ctx.stderr.write(
        `qrpin: ${file} has ${errors.length} lint error${errors.length === 1 ? '' : 's'}; nothing was signed (fix them, or pass --force)\n`,
      );
      return EXIT.findings;
    }
    const privateKey = readPrivateKey(ctx.cwd, keyFile);
    const { kid, alg } = findSigningKey(manifest.signingKeys, privateKey, stringOption(args, 'kid'), file);
    const iat = Math.floor(ctx.now().getTime() / 1000);
    const onExpiry = stringOption(args, 'on-expiry');
    if (onExpiry !== undefined && onExpiry !== 'report' && onExpiry !== 'enforce') {
      throw new QrpinError('ERR_USAGE', `--on-expiry takes report or enforce, not "${onExpiry}"`);
    }
    const payload = buildPinsetPayload(compilePolicy(manifest), {
      seq,
      iat,
      exp: iat + days * DAY,
      rollout,
      ...(onExpiry === undefined ? {} : { onExpiry }),
    });
    const rollback = buildRollback(payload);
    const documents = [
      {
        path: join(stringOption(args, 'out') ?? '.', `pinset-${seq}.jws`),
        jws: signPinset(payload, { privateKey, kid, alg }),
      },
      {
        path: join(stringOption(args, 'out') ?? '.', `pinset-${rollback.seq}-rollback.jws`),
        jws: signPinset(rollback, { privateKey, kid, alg }),
      },
    ];
    // Check what was signed exactly as a client will, before anything is written.
    for (const doc of documents) {
      verifyPinset(doc.jws, {
        trustedKeys: manifest.signingKeys.filter((k) => k.kid === kid),
        now: () => ctx.now(),
        lastSeq: seq - 1,
      });
    }
    mkdirSync(join(ctx.cwd, stringOption(args, 'out') ?? '.'), { recursive: true });
    for (const doc of documents) writeUserFile(ctx.cwd, doc.path, doc.jws, { overwrite: force });
    const [main, back] = documents as [(typeof documents)[number], (typeof documents)[number]];
    const expires = new Date((iat + days * DAY) * 1000).toISOString();
    if (flag(args, 'json')) {
      ctx.stdout.write(
        `${JSON.stringify(
          {
            pinset: main.path,
            rollback: back.path,
            kid,
            alg,
            seq,
            rollbackSeq: rollback.seq,
            iat,
            exp: payload.exp,
            hosts: payload.hosts.length,
            rollout: payload.rollout,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      ctx.stdout.write(`${main.path}\n${back.path}\n`);
      ctx.stderr.write(
        [
          `signed pinset seq ${seq} of ${manifest.project} with ${kid} (${alg}): ${payload.hosts.length} host${payload.hosts.length === 1 ? '' : 's'}, rollout ${payload.rollout.stage} ${payload.rollout.enforcePercent}%, expires ${expires}`,
          `rollback seq ${rollback.seq} (report-only, same pins) is ready beside it: give it to the server so it can roll back without the private key`,
          ...(errors.length > 0 ? [`warning: signed despite ${errors.length} lint error(s) (--force)`] : []),
          '',
        ].join('\n'),
      );
    }
    return EXIT.ok;
  },
};

function rolloutOption(args: CommandArgs): PinsetRollout | undefined {
  const stage = stringOption(args, 'stage');
  const percent = integerOption(args, 'percent', 0, 100);
  if (stage === undefined && percent === undefined) return undefined;
  switch (stage ?? 'beta') {
    case 'report-only':
      return { stage: 'report-only', enforcePercent: percent ?? 0 };
    case 'everyone':
      return { stage: 'everyone', enforcePercent: percent ?? 100 };
    case 'beta':
      if (percent === undefined) throw new QrpinError('ERR_USAGE', '--stage beta needs --percent <0-100>');
      return { stage: 'beta', enforcePercent: percent };
    default:
      throw new QrpinError('ERR_USAGE', `--stage takes report-only, beta or everyone, not "${stage}"`);
  }
}

function readPrivateKey(cwd: string, path: string): KeyObject {
  const pem = readUserFile(cwd, path, 64 * 1024);
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new QrpinError(
      'ERR_KEY_INVALID',
      `${path} is not an unencrypted private key in PEM (make one with qrpin keys signing)`,
      { cause: err },
    );
  }
}

function findSigningKey(
  keys: readonly ManifestSigningKey[],
  privateKey: KeyObject,
  kid: string | undefined,
  file: string,
): { kid: string; alg: PinsetAlgorithm } {
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const same = (entry: ManifestSigningKey): boolean => {
    try {
      const other = createPublicKey({ key: { ...entry.jwk } as JsonWebKey, format: 'jwk' });
      return spki.equals(other.export({ type: 'spki', format: 'der' }));
    } catch {
      return false;
    }
  };
  const candidates = keys.filter((k) => (kid === undefined || k.kid === kid) && same(k));
  const found = candidates[0];
  if (found === undefined) {
    const listed = keys.map((k) => k.kid).join(', ') || 'none';
    throw new PinsetError(
      'ERR_PINSET_UNKNOWN_KEY',
      kid === undefined
        ? `the public half of this key is not among the signingKeys of ${file} (listed: ${listed}); add it with the JWK qrpin keys signing printed`
        : `signingKeys of ${file} has no entry "${kid}" with this key's public half (listed: ${listed}); clients would refuse the document`,
    );
  }
  return { kid: found.kid, alg: found.alg };
}
