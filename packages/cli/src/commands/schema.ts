// qrpin schema: print the manifest's JSON Schema, generated from the schema that validates it.
import { manifestJsonSchema } from '@qrpin/core';
import { EXIT, type Command } from '../lib/command.ts';

export const schemaCommand: Command = {
  name: 'schema',
  summary: 'print the JSON Schema of qrpin.yaml (for editors)',
  usage: 'schema',
  optionHelp: [],
  examples: ['qrpin schema > qrpin.schema.json'],
  options: {},
  positionals: [0, 0],
  async run(_args, ctx) {
    ctx.stdout.write(`${JSON.stringify(manifestJsonSchema(), null, 2)}\n`);
    return EXIT.ok;
  },
};
