export { runCli } from './run.ts';
export type { CliContext, TextSink } from './lib/context.ts';
export { EXIT } from './lib/command.ts';
