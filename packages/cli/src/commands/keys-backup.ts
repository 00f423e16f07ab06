// qrpin keys backup: a backup key pair and its CSR, kept offline, whose pin goes in backupPins.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { computePins, createCertificateRequest, QrpinError } from '@qrpin/core';
import { EXIT, flag, jsonOption, stringOption, type Command } from '../lib/command.ts';
import { writeUserFile } from '../lib/files.ts';
import { generateKeyPair, KEY_TYPES } from '../lib/keys.ts';

export const keysBackupCommand: Command = {
  name: 'keys backup',
  summary: 'generate a backup key pair and CSR; print the pin to add to backupPins',
  usage: 'keys backup --cn <host> [--type ec-p256] [--out dir] [--name base] [--force] [--json]',
  optionHelp: [
    '--cn <host>      the host the backup certificate will be for (CSR subject and SAN)',
    `--type <type>    ${KEY_TYPES.join(' | ')} (default ec-p256)`,
    '--out <dir>      where to write the files (default: current directory)',
    '--name <base>    file name base (default: backup-<host>)',
    '--force          replace existing files',
    '--json           the pin and file paths as JSON',
  ],
  examples: ['qrpin keys backup --cn promo.example.com --out ~/offline-keys'],
  options: {
    ...jsonOption,
    cn: { type: 'string' },
    type: { type: 'string' },
    out: { type: 'string' },
    name: { type: 'string' },
    force: { type: 'boolean' },
  },
  positionals: [0, 0],
  async run(args, ctx) {
    const cn = stringOption(args, 'cn');
    if (cn === undefined || !/^[a-z0-9*.-]{1,253}$/i.test(cn)) {
      throw new QrpinError(
        'ERR_USAGE',
        '--cn takes the host name the backup certificate is for, e.g. --cn promo.example.com',
      );
    }
    const type = stringOption(args, 'type') ?? 'ec-p256';
    const dir = stringOption(args, 'out') ?? '.';
    const base = stringOption(args, 'name') ?? `backup-${cn.replace(/\*/g, 'wildcard')}`;
    if (!/^[\w.-]{1,100}$/.test(base))
      throw new QrpinError('ERR_USAGE', `--name "${base}" is not a plain file name`);
    const pair = generateKeyPair(type);
    mkdirSync(join(ctx.cwd, dir), { recursive: true, mode: 0o700 });
    const overwrite = flag(args, 'force');
    const keyPath = join(dir, `${base}.key`);
    const csrPath = join(dir, `${base}.csr`);
    const pubPath = join(dir, `${base}.pub.pem`);
    const csr = createCertificateRequest({ subject: { commonName: cn }, ...pair, dnsNames: [cn] });
    writeUserFile(ctx.cwd, keyPath, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, {
      overwrite,
      secret: true,
    });
    writeUserFile(ctx.cwd, csrPath, csr, { overwrite });
    writeUserFile(ctx.cwd, pubPath, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string, {
      overwrite,
    });
    const [computed] = computePins(csr);
    const pin = computed?.pin.toString() ?? '';
    if (flag(args, 'json')) {
      ctx.stdout.write(
        `${JSON.stringify({ pin, type, privateKey: keyPath, csr: csrPath, publicKey: pubPath }, null, 2)}\n`,
      );
    } else {
      ctx.stdout.write(`${pin}\n`);
      ctx.stderr.write(
        [
          `backup key for ${cn} (${type}):`,
          `  private key  ${keyPath}  (mode 0600 — move it offline; it is never printed)`,
          `  CSR          ${csrPath}  (have your CA sign it only when you rotate)`,
          `  public key   ${pubPath}`,
          `add the pin above to backupPins of the host in qrpin.yaml`,
          '',
        ].join('\n'),
      );
    }
    return EXIT.ok;
  },
};
