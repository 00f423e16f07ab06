// qrpin rollback: the incident command. When a pinset locks clients out, the server releases the
// current document's pre-signed rollback (the next seq, every host report-only) by itself: no
// signing key is needed, only the project's admin token. Clients take it at their next refresh.
import { QrpinError } from '@qrpin/core';
import { EXIT, flag, jsonOption, type Command } from '../lib/command.ts';
import {
  adminOptionHelp,
  adminOptions,
  adminRequest,
  adminTarget,
  describeRefusal,
} from '../lib/admin-api.ts';
import { pinsetSummary } from '../lib/pinset-summary.ts';

export const rollbackCommand: Command = {
  name: 'rollback',
  summary:
    'release the current pinset\u2019s pre-signed rollback (report-only) on the server; no signing key needed',
  usage: 'rollback [--server url] [--project id] [--token-file f] [--json]',
  optionHelp: [
    ...adminOptionHelp,
    '--json                  the released document\u2019s summary (project, seq, sha256, kind …) as JSON',
  ],
  examples: [
    'qrpin rollback --server https://pins.example.com --project spring --token-file ~/.qrpin/admin-token',
    'qrpin rollback -m campaigns/spring.yaml --json   # server and project from the manifest, token from QRPIN_ADMIN_TOKEN',
  ],
  options: { ...adminOptions, ...jsonOption },
  positionals: [0, 0],
  async run(args, ctx) {
    const target = adminTarget(args, ctx);
    const answer = await adminRequest(target, 'POST', 'rollback');
    if (answer.status !== 201) {
      ctx.stderr.write(
        `qrpin: no rollback released for ${target.project}: the server refused (${describeRefusal(answer)})\n`,
      );
      return EXIT.findings;
    }
    const released = pinsetSummary(answer.body);
    if (released === undefined) {
      throw new QrpinError(
        'ERR_FETCH_FAILED',
        `${target.server} answered 201 without a pinset summary: is it a qrpin server? Check with qrpin pinset history`,
      );
    }
    if (flag(args, 'json')) {
      ctx.stdout.write(`${JSON.stringify({ project: target.project, ...released }, null, 2)}\n`);
    }
    ctx.stderr.write(
      [
        `released the rollback of ${target.project}: seq ${released.seq} is current, every host report-only; clients apply it at their next refresh`,
        `to enforce pins again, sign and publish a fixed pinset with a seq above ${released.seq}`,
        '',
      ].join('\n'),
    );
    return EXIT.ok;
  },
};
