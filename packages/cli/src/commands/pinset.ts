// qrpin pinset inspect / verify: read a signed pinset document, and check it as a client would.
import { inspectPinset, PinsetError, PINSET_MAX_BYTES, QrpinError, verifyPinset } from '@qrpin/core';
import { EXIT, flag, jsonOption, stringOption, type Command } from '../lib/command.ts';
import type { CliContext } from '../lib/context.ts';
import { readUserFile } from '../lib/files.ts';
import { DEFAULT_MANIFEST, loadManifest, manifestOption } from '../lib/manifest.ts';

export const pinsetInspectCommand: Command = {
  name: 'pinset inspect',
  summary: 'print the header and payload of a pinset document, without verifying it',
  usage: 'pinset inspect <file> [--json]',
  optionHelp: ['--json  header, payload and signature length as JSON'],
  examples: ['qrpin pinset inspect dist/pinsets/pinset-7.jws'],
  options: { ...jsonOption },
  positionals: [1, 1],
  async run(args, ctx) {
    const file = args.positionals[0] ?? '';
    const { header, payload, signatureBytes } = inspectPinset(readDocument(ctx, file));
    if (flag(args, 'json')) {
      ctx.stdout.write(
        `${JSON.stringify({ file, verified: false, header, payload, signatureBytes }, null, 2)}\n`,
      );
    } else {
      ctx.stdout.write(
        [
          `header:    ${JSON.stringify(header)}`,
          `payload:   ${JSON.stringify(payload, null, 2).replace(/\n/g, '\n           ')}`,
          `signature: ${signatureBytes} bytes`,
          '',
        ].join('\n'),
      );
      ctx.stderr.write(`${file}: decoded, NOT verified; check it with qrpin pinset verify ${file}\n`);
    }
    return EXIT.ok;
  },
};

export const pinsetVerifyCommand: Command = {
  name: 'pinset verify',
  summary: "verify a pinset document against the manifest's signingKeys, as a client would",
  usage: 'pinset verify <file> [-m qrpin.yaml] [--last-seq n] [--json]',
  optionHelp: [
    '-m, --manifest <file>  the manifest whose signingKeys are trusted (default qrpin.yaml)',
    '--last-seq <n>         the last seq a client accepted: only a higher one passes',
    '--json                 the result (ok, code, message, header, payload) as JSON',
  ],
  examples: [
    'qrpin pinset verify dist/pinsets/pinset-7.jws --last-seq 6',
    'qrpin pinset verify pinset-8-rollback.jws --json',
  ],
  options: { ...manifestOption, ...jsonOption, 'last-seq': { type: 'string' } },
  positionals: [1, 1],
  async run(args, ctx) {
    const file = args.positionals[0] ?? '';
    const lastSeqText = stringOption(args, 'last-seq');
    const lastSeq =
      lastSeqText === undefined
        ? undefined
        : /^\d{1,15}$/.test(lastSeqText)
          ? Number(lastSeqText)
          : Number.NaN;
    if (lastSeq !== undefined && !Number.isSafeInteger(lastSeq)) {
      throw new QrpinError('ERR_USAGE', `--last-seq takes a whole number, not "${lastSeqText}"`);
    }
    const manifestFile = stringOption(args, 'manifest') ?? DEFAULT_MANIFEST;
    const { manifest } = loadManifest(ctx.cwd, manifestFile);
    if (manifest.signingKeys.length === 0) {
      throw new QrpinError(
        'ERR_USAGE',
        `${manifestFile} lists no signingKeys, so nothing can be trusted; add one with qrpin keys signing`,
      );
    }
    const jws = readDocument(ctx, file);
    const json = flag(args, 'json');
    let verified: ReturnType<typeof verifyPinset>;
    try {
      verified = verifyPinset(jws, {
        trustedKeys: manifest.signingKeys,
        lastSeq,
        now: () => ctx.now(),
        project: manifest.project,
      });
    } catch (err) {
      if (!(err instanceof PinsetError) || err.code === 'ERR_PINSET_OPTIONS') throw err;
      if (json)
        ctx.stdout.write(
          `${JSON.stringify({ ok: false, file, code: err.code, message: err.message }, null, 2)}\n`,
        );
      ctx.stderr.write(`qrpin: ${file}: ${err.message} [${err.code}]\n`);
      return EXIT.findings;
    }
    const { header, payload } = verified;
    if (json) {
      ctx.stdout.write(`${JSON.stringify({ ok: true, file, header, payload }, null, 2)}\n`);
    } else {
      ctx.stdout.write(
        `ok: ${file}: ${payload.project} seq ${payload.seq}${payload.rollbackOf === undefined ? '' : ` (rollback of seq ${payload.rollbackOf})`}, signed by ${header.kid} (${header.alg}), ${payload.hosts.length} host${payload.hosts.length === 1 ? '' : 's'}, rollout ${payload.rollout.stage} ${payload.rollout.enforcePercent}%, expires ${new Date(payload.exp * 1000).toISOString()}\n`,
      );
    }
    return EXIT.ok;
  },
};

/** Reads a document file; surrounding whitespace (a trailing newline) is not part of the JWS. */
function readDocument(ctx: CliContext, file: string): string {
  return readUserFile(ctx.cwd, file, PINSET_MAX_BYTES + 1024)
    .toString('utf8')
    .trim();
}
