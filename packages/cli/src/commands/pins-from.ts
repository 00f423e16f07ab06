// qrpin pins from: SPKI pins of certificates, keys and CSRs in files.
import { computePins, type ComputedPin } from '@qrpin/core';
import { EXIT, flag, jsonOption, type Command } from '../lib/command.ts';
import { readUserFile } from '../lib/files.ts';

export const pinsFromCommand: Command = {
  name: 'pins from',
  summary: 'compute SPKI pins from certificates, bundles, public/private keys and CSRs (PEM or DER)',
  usage: 'pins from <file…> [--json]',
  optionHelp: ['--json  the pins as JSON'],
  examples: ['qrpin pins from chain.pem', 'qrpin pins from backup.csr server.key --json'],
  options: { ...jsonOption },
  positionals: [1, 1000],
  async run(args, ctx) {
    const results: Array<{ file: string; pins: ComputedPin[] }> = [];
    for (const file of args.positionals) {
      results.push({
        file,
        pins: computePins(readUserFile(ctx.cwd, file, 1024 * 1024 + 1), { label: file }),
      });
    }
    if (flag(args, 'json')) {
      const json = results.map(({ file, pins }) => ({
        file,
        pins: pins.map((p) => ({
          pin: p.pin.toString(),
          source: p.source,
          key: p.keyDescription,
          subject: p.subject ?? null,
          issuer: p.issuer ?? null,
          notAfter: p.notAfter?.toISOString() ?? null,
          index: p.index,
        })),
      }));
      ctx.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      return EXIT.ok;
    }
    for (const { file, pins } of results) {
      for (const p of pins) {
        const what = [
          p.source,
          p.keyDescription,
          p.subject === undefined ? '' : `subject ${oneLine(p.subject)}`,
        ]
          .filter(Boolean)
          .join(', ');
        ctx.stdout.write(`${p.pin.toString()}  ${file}#${p.index}  ${what}\n`);
      }
    }
    return EXIT.ok;
  },
};

function oneLine(dn: string): string {
  return dn.split('\n').join(', ');
}
