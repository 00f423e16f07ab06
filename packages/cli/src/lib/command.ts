// The shape every qrpin command has, and the exit statuses they share.
import type { ParseArgsOptionsConfig } from 'node:util';
import { QrpinError } from '@qrpin/core';
import type { CliContext } from './context.ts';

/** Exit statuses: 0 ok, 1 findings (lint errors, failed validation, pin mismatch), 2 bad input or usage. */
export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3 } as const;

/** Parsed arguments of one command. */
export interface CommandArgs {
  readonly values: Readonly<Record<string, string | boolean | Array<string | boolean> | undefined>>;
  readonly positionals: readonly string[];
}

/** One command of the `qrpin` CLI. */
export interface Command {
  /** Words that select it, e.g. `pins fetch`. */
  readonly name: string;
  readonly summary: string;
  /** Usage line after `qrpin `, e.g. `pins fetch <host[:port]> [options]`. */
  readonly usage: string;
  /** Lines describing each option. */
  readonly optionHelp: readonly string[];
  readonly examples: readonly string[];
  readonly options: ParseArgsOptionsConfig;
  /** Minimum and maximum number of positional arguments. */
  readonly positionals: readonly [number, number];
  run(args: CommandArgs, ctx: CliContext): Promise<number>;
}

/** Reads a string option, or `undefined`. */
export function stringOption(args: CommandArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Reads a whole-number option from `min` to `max` (decimal digits only), or `undefined` when it is
 * absent; anything else is `ERR_USAGE` naming the option and its range.
 */
export function integerOption(args: CommandArgs, name: string, min: number, max: number): number | undefined {
  const text = stringOption(args, name);
  if (text === undefined) return undefined;
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new QrpinError('ERR_USAGE', `--${name} takes a whole number from ${min} to ${max}, not "${text}"`);
  }
  return value;
}

/** Reads a boolean flag. */
export function flag(args: CommandArgs, name: string): boolean {
  return args.values[name] === true;
}

/** The `--json` option every read command has. */
export const jsonOption = { json: { type: 'boolean' } } as const;
