// qrpin pinset history: the documents a project's server holds, newest (the current one) first,
// with which of them are released rollbacks and which still have a rollback to release.
import { QrpinError } from '@qrpin/core';
import { EXIT, flag, integerOption, jsonOption, type Command } from '../lib/command.ts';
import {
  adminOptionHelp,
  adminOptions,
  adminRequest,
  adminTarget,
  describeRefusal,
  type AdminTarget,
} from '../lib/admin-api.ts';
import { pinsetSummary, type PinsetSummary } from '../lib/pinset-summary.ts';

/** The most the server lists at once. */
const MAX_LIMIT = 500;

export const pinsetHistoryCommand: Command = {
  name: 'pinset history',
  summary:
    'list the pinsets the server holds for a project, the current one first, and what can be rolled back',
  usage: 'pinset history [--limit n] [--server url] [--project id] [--token-file f] [--json]',
  optionHelp: [
    `--limit <n>             how many, newest first: 1 to ${MAX_LIMIT} (default: the server\u2019s, 50)`,
    ...adminOptionHelp,
    '--json                  the list as the server gives it: {project, pinsets: [summary…]}',
  ],
  examples: [
    'qrpin pinset history --server https://pins.example.com --project spring --token-file ~/.qrpin/admin-token',
    'qrpin pinset history --limit 5 --json',
  ],
  options: { ...adminOptions, ...jsonOption, limit: { type: 'string' } },
  positionals: [0, 0],
  async run(args, ctx) {
    const limit = integerOption(args, 'limit', 1, MAX_LIMIT);
    const target = adminTarget(args, ctx);
    const answer = await adminRequest(
      target,
      'GET',
      limit === undefined ? 'pinsets' : `pinsets?limit=${limit}`,
    );
    if (answer.status !== 200) {
      ctx.stderr.write(
        `qrpin: cannot list the pinsets of ${target.project}: the server refused (${describeRefusal(answer)})\n`,
      );
      return EXIT.findings;
    }
    const pinsets = listedPinsets(target, answer.body);
    if (flag(args, 'json')) {
      ctx.stdout.write(`${JSON.stringify({ project: target.project, pinsets }, null, 2)}\n`);
      return EXIT.ok;
    }
    const [current] = pinsets;
    if (current === undefined) {
      ctx.stderr.write(
        `project ${target.project} has no pinset on the server; publish one with: qrpin publish <doc> <rollback>\n`,
      );
      return EXIT.ok;
    }
    ctx.stdout.write(table(pinsets));
    ctx.stderr.write(`${currentNote(current)}\n`);
    return EXIT.ok;
  },
};

function listedPinsets(target: AdminTarget, body: unknown): PinsetSummary[] {
  const list = (body as { pinsets?: unknown } | undefined)?.pinsets;
  const pinsets = Array.isArray(list) ? list.map(pinsetSummary) : undefined;
  if (pinsets === undefined || pinsets.some((p) => p === undefined)) {
    throw new QrpinError(
      'ERR_FETCH_FAILED',
      `${target.server} answered without a list of pinset summaries: is it a qrpin server?`,
    );
  }
  return pinsets as PinsetSummary[];
}

/** `*` marks the current document; a rollback seq is `released` when that rollback is listed. */
function table(pinsets: readonly PinsetSummary[]): string {
  const released = new Set(pinsets.filter((p) => p.kind === 'rollback').map((p) => p.seq));
  const rows = pinsets.map((p, i) => [
    i === 0 ? '*' : ' ',
    String(p.seq),
    p.kind,
    p.sha256.slice(0, 12),
    p.rollbackSeq === null ? '-' : `${p.rollbackSeq}${released.has(p.rollbackSeq) ? ' released' : ''}`,
    p.publishedAt,
  ]);
  const header = ['', 'SEQ', 'KIND', 'SHA-256', 'ROLLBACK', 'PUBLISHED AT'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c === 1 ? cell.padStart(widths[1] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

function currentNote(current: PinsetSummary): string {
  if (current.kind === 'rollback') {
    return `* seq ${current.seq} is current: a released rollback, every host report-only; to enforce again, publish a fixed pinset with a seq above ${current.seq}`;
  }
  if (current.rollbackSeq !== null) {
    return `* seq ${current.seq} is current; if it locks clients out, release its rollback (seq ${current.rollbackSeq}) with: qrpin rollback`;
  }
  return `* seq ${current.seq} is current; it has no pre-signed rollback to release`;
}
