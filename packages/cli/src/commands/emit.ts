// qrpin emit: compile the manifest into one platform's pinning config.
import { compilePolicy, emit, emitTargets, lintManifest, QrpinError, type EmitTarget } from '@qrpin/core';
import { EXIT, flag, jsonOption, stringOption, type Command } from '../lib/command.ts';
import { writeUserFile } from '../lib/files.ts';
import { DEFAULT_MANIFEST, loadManifest, manifestOption, where } from '../lib/manifest.ts';

const targetNames = (): string[] => emitTargets.map((t) => t.target);

export const emitCommand: Command = {
  name: 'emit',
  summary: 'write the pinning config of one platform (okhttp-kotlin, android-nsc, ios-plist, …)',
  usage: 'emit <target> [--manifest file] [--out file] [--ios-identity ca|leaf] [--force] [--json]',
  optionHelp: [
    '<target>               one of: okhttp-kotlin, okhttp-java, android-nsc, ios-plist, trustkit, react-native, curl, node',
    '-m, --manifest <file>  the manifest (default qrpin.yaml)',
    '-o, --out <file>       write the config there instead of stdout (refuses to replace a file without --force)',
    '--ios-identity <kind>  ios-plist: pin CA (NSPinnedCAIdentities, default) or leaf identities',
    '--force                emit even when lint finds errors; replace --out',
    '--json                 the result (content, warnings, requirements) as JSON',
  ],
  examples: [
    'qrpin emit android-nsc --out app/src/main/res/xml/network_security_config.xml',
    'qrpin emit okhttp-kotlin',
    'qrpin emit node --out policy.json',
  ],
  options: {
    ...manifestOption,
    ...jsonOption,
    out: { type: 'string', short: 'o' },
    'ios-identity': { type: 'string' },
    force: { type: 'boolean' },
  },
  positionals: [1, 1],
  async run(args, ctx) {
    const target = args.positionals[0] as string;
    if (!targetNames().includes(target)) {
      throw new QrpinError(
        'ERR_EMIT_TARGET',
        `unknown target "${target}"; choose one of ${targetNames().join(', ')}`,
      );
    }
    const iosIdentity = stringOption(args, 'ios-identity');
    if (iosIdentity !== undefined && iosIdentity !== 'ca' && iosIdentity !== 'leaf') {
      throw new QrpinError('ERR_USAGE', `--ios-identity takes "ca" or "leaf", not "${iosIdentity}"`);
    }
    const file = stringOption(args, 'manifest') ?? DEFAULT_MANIFEST;
    const parsed = loadManifest(ctx.cwd, file);
    const errors = lintManifest(parsed.manifest, { now: ctx.now() }).filter((f) => f.severity === 'error');
    if (errors.length > 0 && !flag(args, 'force')) {
      for (const f of errors)
        ctx.stderr.write(`${where(parsed, file, f.path)}: error ${f.rule} ${f.message}\n`);
      ctx.stderr.write(
        `qrpin: refusing to emit a config from a manifest with ${errors.length} lint error(s): a wrong pinset can lock users out; fix them, or pass --force\n`,
      );
      return EXIT.findings;
    }
    const policy = compilePolicy(parsed.manifest);
    const result = emit(target as EmitTarget, policy, iosIdentity === undefined ? {} : { iosIdentity });
    const out = stringOption(args, 'out');
    if (out !== undefined) writeUserFile(ctx.cwd, out, result.content, { overwrite: flag(args, 'force') });
    if (flag(args, 'json')) {
      ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else if (out === undefined) {
      ctx.stdout.write(result.content);
    }
    for (const w of result.warnings) ctx.stderr.write(`warning: ${w.host}: ${w.message} [${w.code}]\n`);
    ctx.stderr.write(
      `${target}: requires ${result.requires.join('; ')}${out === undefined ? '' : `; wrote ${out}`}\n`,
    );
    return EXIT.ok;
  },
};
