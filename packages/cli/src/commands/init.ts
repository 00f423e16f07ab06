// qrpin init: write a commented starter manifest.
import { starterManifest } from '@qrpin/core';
import { EXIT, flag, stringOption, type Command } from '../lib/command.ts';
import { writeUserFile } from '../lib/files.ts';
import { DEFAULT_MANIFEST } from '../lib/manifest.ts';

export const initCommand: Command = {
  name: 'init',
  summary: 'write a commented starter manifest (qrpin.yaml)',
  usage: 'init [--manifest file] [--force]',
  optionHelp: [
    '-m, --manifest <file>  where to write it (default qrpin.yaml)',
    '--force                replace an existing file',
  ],
  examples: ['qrpin init', 'qrpin init --manifest campaigns/spring.yaml'],
  options: { manifest: { type: 'string', short: 'm' }, force: { type: 'boolean' } },
  positionals: [0, 0],
  async run(args, ctx) {
    const file = stringOption(args, 'manifest') ?? DEFAULT_MANIFEST;
    writeUserFile(ctx.cwd, file, starterManifest(), { overwrite: flag(args, 'force') });
    ctx.stderr.write(
      `wrote ${file}: list your QR destinations, then fill in pins with "qrpin pins fetch <host>" and a backup with "qrpin keys backup"\n`,
    );
    return EXIT.ok;
  },
};
