// qrpin mitm-test: prove that intercepted sessions are rejected.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QrpinError } from '@qrpin/core';
import { EXIT, flag, jsonOption, stringOption, type Command } from '../lib/command.ts';
import { readUserFile } from '../lib/files.ts';
import { DEFAULT_MANIFEST, loadManifest, manifestOption } from '../lib/manifest.ts';
import { parseResolveOptions } from '../lib/resolve-option.ts';
import { styleFor } from '../lib/style.ts';
import { createRogueCa } from '../mitm/rogue-ca.ts';
import { startInterceptingProxy } from '../mitm/proxy.ts';
import { runMitmTest, type MitmMode, type MitmVerdict } from '../mitm/run.ts';
import type { CliContext } from '../lib/context.ts';

export const mitmTestCommand: Command = {
  name: 'mitm-test',
  summary: 'intercept every destination (or a command) with a rogue-CA proxy and prove it is rejected',
  usage:
    'mitm-test [--manifest file] [--mode trusted|untrusted|both] [--ca file] [--resolve host=addr] [--json] [-- command …]',
  optionHelp: [
    '-m, --manifest <file>  the manifest whose destinations are tested (default qrpin.yaml)',
    '--mode <mode>          untrusted: the client does not trust the rogue CA (a hostile hotspot);',
    '                       trusted: it does (a corporate proxy or compromised CA); both (default)',
    '--ca <file>            trust anchors of the real servers (PEM), for the client and the proxy',
    '--resolve <host=addr>  where the proxy connects for host (repeatable)',
    '--json                 the verdicts as JSON',
    '-- command …           instead, run this command through the proxy (HTTPS_PROXY, and',
    '                       NODE_EXTRA_CA_CERTS set to the rogue CA) and report what it let through',
  ],
  examples: [
    'qrpin mitm-test',
    'qrpin mitm-test --mode trusted --json',
    'qrpin mitm-test -- node scanner.js',
  ],
  options: {
    ...manifestOption,
    ...jsonOption,
    mode: { type: 'string' },
    ca: { type: 'string' },
    resolve: { type: 'string', multiple: true },
  },
  positionals: [0, 1000],
  async run(args, ctx) {
    const modeText = stringOption(args, 'mode') ?? 'both';
    if (!['trusted', 'untrusted', 'both'].includes(modeText)) {
      throw new QrpinError('ERR_USAGE', `--mode takes trusted, untrusted or both, not "${modeText}"`);
    }
    const modes: MitmMode[] = modeText === 'both' ? ['untrusted', 'trusted'] : [modeText as MitmMode];
    const caFile = stringOption(args, 'ca');
    const upstreamCa =
      caFile === undefined ? undefined : readUserFile(ctx.cwd, caFile, 1024 * 1024).toString('utf8');
    const resolveMap = parseResolveOptions(args.values.resolve);
    const resolve = (host: string): string | undefined => resolveMap.get(host);
    if (args.positionals.length > 0) {
      return runCommandUnderTest(args.positionals, { upstreamCa, resolve, json: flag(args, 'json') }, ctx);
    }
    const { manifest } = loadManifest(ctx.cwd, stringOption(args, 'manifest') ?? DEFAULT_MANIFEST);
    const verdicts = await runMitmTest({ manifest, modes, upstreamCa, resolve, now: ctx.now() });
    if (flag(args, 'json')) ctx.stdout.write(`${JSON.stringify({ verdicts }, null, 2)}\n`);
    else ctx.stdout.write(formatVerdicts(verdicts, ctx));
    return verdicts.some((v) => v.pinned && v.intercepted) ? EXIT.findings : EXIT.ok;
  },
};

/** Human-readable verdicts, one line each plus the diagnostic. */
export function formatVerdicts(verdicts: readonly MitmVerdict[], ctx: CliContext): string {
  const style = styleFor(ctx);
  const lines: string[] = [];
  for (const v of verdicts) {
    const verdict = v.intercepted
      ? v.pinned
        ? style.red('INTERCEPTED')
        : style.yellow('intercepted (host not pinned)')
      : style.green(`rejected (${v.outcome})`);
    const control = v.controlIntercepted ? 'control intercepted: the proxy works' : 'control not intercepted';
    lines.push(`${v.destination}  ${v.host}  rogue CA ${v.mode}: ${verdict}  [${control}]`);
    if (!v.intercepted)
      lines.push(
        ...v.diagnostic
          .split('\n')
          .slice(0, 6)
          .map((l) => `    ${l}`),
      );
  }
  const bad = verdicts.filter((v) => v.pinned && v.intercepted).length;
  lines.push(
    bad === 0
      ? style.green('no pinned destination was intercepted')
      : style.red(`${bad} pinned destination(s) intercepted`),
  );
  return `${lines.join('\n')}\n`;
}

async function runCommandUnderTest(
  command: readonly string[],
  options: { upstreamCa: string | undefined; resolve: (host: string) => string | undefined; json: boolean },
  ctx: CliContext,
): Promise<number> {
  const rogue = createRogueCa(ctx.now());
  const proxy = await startInterceptingProxy({
    rogueCa: rogue,
    upstreamCa: options.upstreamCa,
    resolve: options.resolve,
  });
  const dir = mkdtempSync(join(tmpdir(), 'qrpin-mitm-'));
  const caFile = join(dir, 'rogue-ca.pem');
  writeFileSync(caFile, rogue.certPem);
  try {
    const [program, ...rest] = command;
    const exitCode = await new Promise<number>((resolve, reject) => {
      const child = spawn(program ?? '', rest, {
        cwd: ctx.cwd,
        env: { ...ctx.env, HTTPS_PROXY: proxy.url, https_proxy: proxy.url, NODE_EXTRA_CA_CERTS: caFile },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.once('error', (err) =>
        reject(new QrpinError('ERR_USAGE', `cannot run ${program ?? ''}: ${err.message}`, { cause: err })),
      );
      child.once('exit', (code) => resolve(code ?? 1));
    });
    const hosts = [...proxy.records.values()].map((r) => ({
      host: r.host,
      intercepted: r.bytesFromClient > 0,
      handshakes: r.handshakes,
      bytesFromClient: r.bytesFromClient,
    }));
    if (options.json) ctx.stdout.write(`${JSON.stringify({ command, exitCode, hosts }, null, 2)}\n`);
    else {
      const style = styleFor(ctx);
      for (const h of hosts) {
        ctx.stdout.write(
          `${h.host}: ${h.intercepted ? style.red('INTERCEPTED') : style.green('rejected')} (${h.handshakes} forged handshake(s), ${h.bytesFromClient} bytes sent through)\n`,
        );
      }
      if (hosts.length === 0)
        ctx.stdout.write('the command made no request through the proxy (does it honour HTTPS_PROXY?)\n');
      ctx.stdout.write(`command exited ${exitCode}\n`);
    }
    return hosts.some((h) => h.intercepted) ? EXIT.findings : EXIT.ok;
  } finally {
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
