/**
 * The `qrpin` command line: finds the command, parses its options, runs it, and turns every
 * coded error into one clear line on stderr and an exit status (0 ok, 1 findings, 2 bad input
 * or usage). No stack traces reach the user unless `QRPIN_DEBUG=1`.
 */
import { parseArgs } from 'node:util';
import { QrpinError } from '@qrpin/core';
import { EXIT, type Command } from './lib/command.ts';
import type { CliContext } from './lib/context.ts';
import { commands } from './commands/index.ts';
import { VERSION } from './version.ts';

/** Runs the CLI with `argv` (without `node` and the script) and returns the exit status. */
export async function runCli(argv: readonly string[], ctx: CliContext): Promise<number> {
  try {
    return await dispatch(argv, ctx);
  } catch (err) {
    return reportError(err, ctx);
  }
}

async function dispatch(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    const topic = first === 'help' ? findCommand(argv.slice(1)) : undefined;
    ctx.stdout.write(topic === undefined ? mainHelp() : commandHelp(topic.command));
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    ctx.stdout.write(`qrpin ${VERSION}\n`);
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (found === undefined) {
    const suggestion = suggest(argv);
    throw new QrpinError(
      'ERR_USAGE',
      `unknown command "${argv.filter((a) => !a.startsWith('-')).join(' ')}"${suggestion}; run "qrpin --help" for the list`,
    );
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...rest], options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new QrpinError(
      'ERR_USAGE',
      `${(err as Error).message.split('\n')[0]} (see "qrpin ${command.name} --help")`,
      {
        cause: err,
      },
    );
  }
  const [min, max] = command.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new QrpinError('ERR_USAGE', `usage: qrpin ${command.usage}`);
  }
  return command.run({ values: parsed.values, positionals: parsed.positionals }, ctx);
}

function findCommand(argv: readonly string[]): { command: Command; rest: readonly string[] } | undefined {
  // Longest name first, so `pins fetch` wins over a hypothetical `pins`.
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const command of sorted) {
    const words = command.name.split(' ');
    if (words.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(words.length) };
  }
  return undefined;
}

function suggest(argv: readonly string[]): string {
  const first = argv[0] ?? '';
  const groups = commands.filter((c) => c.name.startsWith(`${first} `));
  if (groups.length > 0)
    return `; "${first}" takes one of: ${groups.map((c) => c.name.split(' ')[1]).join(', ')}`;
  return '';
}

function reportError(err: unknown, ctx: CliContext): number {
  if (err instanceof QrpinError) {
    ctx.stderr.write(`qrpin: ${err.message} [${err.code}]\n`);
    if (ctx.env.QRPIN_DEBUG === '1' && err.stack !== undefined) ctx.stderr.write(`${err.stack}\n`);
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  ctx.stderr.write(
    `qrpin: internal error: ${message} (set QRPIN_DEBUG=1 for details, and please report it)\n`,
  );
  if (ctx.env.QRPIN_DEBUG === '1' && err instanceof Error && err.stack !== undefined) {
    ctx.stderr.write(`${err.stack}\n`);
  }
  return EXIT.internal;
}

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    `qrpin ${VERSION} — keep QR-code journeys bound to the real servers behind them`,
    '',
    'Usage: qrpin <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Every command takes --help. Read commands take --json.',
    'Exit status: 0 ok, 1 findings, 2 bad input or usage, 3 internal error.',
    '',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `qrpin ${command.name} — ${command.summary}`,
    '',
    `Usage: qrpin ${command.usage}`,
    '',
    ...(command.optionHelp.length > 0 ? ['Options:', ...command.optionHelp.map((l) => `  ${l}`), ''] : []),
    'Examples:',
    ...command.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}
