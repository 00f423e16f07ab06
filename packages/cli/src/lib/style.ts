// Colours for a terminal, plain text otherwise.
import type { CliContext } from './context.ts';

const codes = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;

/** Text styling that is a no-op when output is not a terminal. */
export type Style = Record<keyof typeof codes, (text: string) => string>;

export function styleFor(ctx: CliContext): Style {
  const entries = Object.entries(codes).map(([name, code]) => [
    name,
    ctx.isTTY ? (text: string) => `\u001b[${code}m${text}\u001b[0m` : (text: string) => text,
  ]);
  return Object.fromEntries(entries) as Style;
}
