// qrpin keys signing: an offline key pair that signs pinset documents; its public JWK goes in signingKeys.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { QrpinError, type PinsetAlgorithm } from '@qrpin/core';
import { EXIT, flag, jsonOption, stringOption, type Command } from '../lib/command.ts';
import { writeUserFile } from '../lib/files.ts';

const KID = /^[\w.-]{1,100}$/;

export const keysSigningCommand: Command = {
  name: 'keys signing',
  summary: 'generate an offline pinset signing key; print the public JWK for signingKeys',
  usage: 'keys signing [--kid id] [--alg EdDSA|ES256] [--out dir] [--force] [--json]',
  optionHelp: [
    '--kid <id>       key id, written in every document it signs (default: signing-<date>)',
    '--alg <alg>      EdDSA (Ed25519, the default) | ES256 (ECDSA P-256)',
    '--out <dir>      where to write the private key (default: current directory)',
    '--force          replace an existing key file',
    '--json           the manifest entry {kid, alg, jwk} and the key path as JSON',
  ],
  examples: [
    'qrpin keys signing --kid primary-2026 --out ~/offline-keys',
    'qrpin keys signing --kid backup-2026 --alg ES256 --out /media/usb --json',
  ],
  options: {
    ...jsonOption,
    kid: { type: 'string' },
    alg: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  },
  positionals: [0, 0],
  async run(args, ctx) {
    const kid = stringOption(args, 'kid') ?? `signing-${ctx.now().toISOString().slice(0, 10)}`;
    if (!KID.test(kid)) {
      throw new QrpinError(
        'ERR_USAGE',
        `--kid "${kid}" must be 1 to 100 letters, digits, dots, dashes or underscores (it also names the key file)`,
      );
    }
    const alg = stringOption(args, 'alg') ?? 'EdDSA';
    if (alg !== 'EdDSA' && alg !== 'ES256') {
      throw new QrpinError('ERR_USAGE', `--alg takes EdDSA or ES256, not "${alg}"`);
    }
    const pair =
      alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const dir = stringOption(args, 'out') ?? '.';
    mkdirSync(join(ctx.cwd, dir), { recursive: true, mode: 0o700 });
    const keyPath = join(dir, `${kid}.key`);
    writeUserFile(ctx.cwd, keyPath, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, {
      overwrite: flag(args, 'force'),
      secret: true,
    });
    const jwk = pair.publicKey.export({ format: 'jwk' });
    const entry = { kid, alg: alg satisfies PinsetAlgorithm, jwk };
    if (flag(args, 'json')) {
      ctx.stdout.write(`${JSON.stringify({ ...entry, privateKey: keyPath }, null, 2)}\n`);
    } else {
      ctx.stdout.write([`- kid: ${kid}`, `  alg: ${alg}`, `  jwk: ${JSON.stringify(jwk)}`, ''].join('\n'));
      ctx.stderr.write(
        [
          `pinset signing key ${kid} (${alg}):`,
          `  private key  ${keyPath}  (mode 0600 — keep it offline; it is never printed)`,
          'add the entry above to signingKeys in qrpin.yaml, and make a second key as a backup',
          `sign with: qrpin sign --key ${keyPath} --kid ${kid} --seq <n>`,
          '',
        ].join('\n'),
      );
    }
    return EXIT.ok;
  },
};
