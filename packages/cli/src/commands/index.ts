// Every command of the CLI, in the order `qrpin --help` lists them.
import type { Command } from '../lib/command.ts';
import { demoCommand } from './demo.ts';
import { initCommand } from './init.ts';
import { pinsFromCommand } from './pins-from.ts';
import { pinsFetchCommand } from './pins-fetch.ts';
import { keysBackupCommand } from './keys-backup.ts';
import { lintCommand } from './lint.ts';
import { emitCommand } from './emit.ts';
import { schemaCommand } from './schema.ts';
import { openCommand } from './open.ts';
import { mitmTestCommand } from './mitm-test.ts';
import { serveCommand } from './serve.ts';
import { publishCommand } from './publish.ts';
import { rollbackCommand } from './rollback.ts';
import { ingestKeyCreateCommand, ingestKeyListCommand, ingestKeyRevokeCommand } from './ingest-key.ts';
import { keysSigningCommand } from './keys-signing.ts';
import { signCommand } from './sign.ts';
import { pinsetInspectCommand, pinsetVerifyCommand } from './pinset.ts';
import { pinsetHistoryCommand } from './pinset-history.ts';

export const commands: readonly Command[] = [
  demoCommand,
  initCommand,
  pinsFromCommand,
  pinsFetchCommand,
  keysBackupCommand,
  lintCommand,
  emitCommand,
  schemaCommand,
  openCommand,
  mitmTestCommand,
  serveCommand,
  publishCommand,
  rollbackCommand,
  ingestKeyCreateCommand,
  ingestKeyListCommand,
  ingestKeyRevokeCommand,
  keysSigningCommand,
  signCommand,
  pinsetInspectCommand,
  pinsetVerifyCommand,
  pinsetHistoryCommand,
];
