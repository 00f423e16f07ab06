#!/usr/bin/env node
// Entry point of the `qrpin` command.
import { processContext } from './lib/context.ts';
import { runCli } from './run.ts';

process.exitCode = await runCli(process.argv.slice(2), processContext());
