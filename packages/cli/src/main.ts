#!/usr/bin/env node
// Placeholder entry: the command table lands with the CLI.
process.stdout.write('qrpin\n');
