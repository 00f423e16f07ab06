// qrpin lint: check the manifest for pinning mistakes that brick apps or leave hosts unpinned.
import { lintManifest, type LintFinding } from '@qrpin/core';
import { EXIT, flag, jsonOption, stringOption, type Command } from '../lib/command.ts';
import { DEFAULT_MANIFEST, formatPath, loadManifest, manifestOption, where } from '../lib/manifest.ts';
import { styleFor } from '../lib/style.ts';

export const lintCommand: Command = {
  name: 'lint',
  summary: 'check the manifest: backup pins, expiry, https, unpinned hosts, over-broad patterns',
  usage: 'lint [file] [--json]',
  optionHelp: [
    '[file], -m, --manifest <file>  the manifest (default qrpin.yaml)',
    '--json                         findings as JSON on stdout',
  ],
  examples: ['qrpin lint', 'qrpin lint campaigns/spring.yaml --json'],
  options: { ...manifestOption, ...jsonOption },
  positionals: [0, 1],
  async run(args, ctx) {
    const file = args.positionals[0] ?? stringOption(args, 'manifest') ?? DEFAULT_MANIFEST;
    const parsed = loadManifest(ctx.cwd, file);
    const findings = lintManifest(parsed.manifest, { now: ctx.now() });
    const failing = findings.filter((f) => f.severity !== 'info');
    if (flag(args, 'json')) {
      const located = findings.map((f) => ({ ...f, location: parsed.locate(f.path) ?? null }));
      ctx.stdout.write(`${JSON.stringify({ file, findings: located }, null, 2)}\n`);
    } else {
      ctx.stdout.write(formatFindings(findings, (f) => where(parsed, file, f.path), styleFor(ctx)));
      const counts = ['error', 'warning', 'info'].map(
        (s) => `${findings.filter((f) => f.severity === s).length} ${s}${s === 'info' ? '' : 's'}`,
      );
      ctx.stderr.write(`${file}: ${counts.join(', ')}\n`);
    }
    return failing.length > 0 ? EXIT.findings : EXIT.ok;
  },
};

/** Human-readable findings, one block each. */
export function formatFindings(
  findings: readonly LintFinding[],
  locate: (f: LintFinding) => string,
  style: ReturnType<typeof styleFor>,
): string {
  return findings
    .map((f) => {
      const severity =
        f.severity === 'error'
          ? style.red('error')
          : f.severity === 'warning'
            ? style.yellow('warning')
            : style.blue('info');
      return `${locate(f)}: ${severity} ${style.dim(f.rule)} ${f.message}\n    at ${formatPath(f.path)}\n    fix: ${f.hint}\n`;
    })
    .join('');
}
