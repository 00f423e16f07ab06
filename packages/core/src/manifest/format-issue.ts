/**
 * Turns zod's issues into sentences a manifest owner can act on (internal):
 * `hosts[0].mode must be "enforce" or "report", got "block"`.
 */
import type * as z from 'zod';
import { describeInput } from '../errors/qrpin-error.ts';
import { formatManifestPath } from './error.ts';
import type { ManifestPath } from './model.ts';
import { manifestFields } from './schema.ts';
import { closest } from './suggest.ts';

/** A schema problem before it is given a position. */
export interface SchemaProblem {
  readonly path: ManifestPath;
  readonly message: string;
  /** True when the position to report is the key itself (an unknown field), not its value. */
  readonly atKey: boolean;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of fields',
  record: 'a mapping of fields',
};

/** Names what the owner wrote, briefly: `"block"`, `the number 2`, `a list of 3 entries`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return describeInput(value);
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  if (Array.isArray(value)) return `a list of ${value.length} ${value.length === 1 ? 'entry' : 'entries'}`;
  if (value instanceof Uint8Array) return 'binary data';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** Joins choices as `"a" or "b"` / `one of "a", "b" or "c"`. */
function choices(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  if (shown.length === 1) return shown[0] ?? '';
  const list = `${shown.slice(0, -1).join(', ')} or ${shown.at(-1) ?? ''}`;
  return shown.length === 2 ? list : `one of ${list}`;
}

/** What kind of object sits at `path`, and its fields, for unknown-field messages. */
function container(path: ManifestPath): { name: string; fields: readonly string[] } | undefined {
  if (path.length === 0) return { name: 'the manifest', fields: manifestFields.manifest };
  if (path.length === 2 && typeof path[1] === 'number') {
    if (path[0] === 'destinations') return { name: 'a destination', fields: manifestFields.destination };
    if (path[0] === 'hosts') return { name: 'a host', fields: manifestFields.host };
    if (path[0] === 'signingKeys') return { name: 'a signing key', fields: manifestFields.signingKey };
  }
  return undefined;
}

function unknownField(path: ManifestPath, key: string): SchemaProblem {
  const where = container(path);
  const fieldPath = [...path, key];
  const name = formatManifestPath(fieldPath);
  if (where === undefined) return { path: fieldPath, message: `${name} is not a known field`, atKey: true };
  const guess = closest(key, where.fields);
  const tail =
    guess !== undefined
      ? `did you mean "${guess}"?`
      : `the fields of ${where.name} are ${choices(where.fields).replace(/^one of /, '')}`;
  return { path: fieldPath, message: `${name} is not a field of ${where.name}; ${tail}`, atKey: true };
}

/** The problems one zod issue stands for (an unknown-keys issue stands for one per key). */
export function describeIssue(issue: z.core.$ZodIssue): SchemaProblem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const name = formatManifestPath(path);
  const got = `got ${describeValue(issue.input)}`;
  const at = (message: string): SchemaProblem[] => [{ path, message: `${name} ${message}`, atKey: false }];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownField(path, key));
    case 'invalid_type': {
      if (issue.input === undefined) return at('is required');
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      const quote =
        issue.expected === 'string' && (typeof issue.input === 'number' || typeof issue.input === 'boolean')
          ? `; quote it: "${String(issue.input)}"`
          : '';
      return at(`must be ${expected}, ${got}${quote}`);
    }
    case 'invalid_value': {
      const guess =
        typeof issue.input === 'string'
          ? closest(
              issue.input,
              issue.values.filter((v): v is string => typeof v === 'string'),
            )
          : undefined;
      return at(
        `must be ${choices(issue.values)}, ${got}${guess === undefined ? '' : `; did you mean "${guess}"?`}`,
      );
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string' && min === 1) return at('must not be empty');
      if (issue.origin === 'string') return at(`must be at least ${min} characters long, ${got}`);
      if (issue.origin === 'array') return at(`must have at least ${min} entries, ${got}`);
      return at(`must be at least ${min}, ${got}`);
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      const length =
        typeof issue.input === 'string' || Array.isArray(issue.input) ? issue.input.length : undefined;
      if (issue.origin === 'string')
        return at(`must be at most ${max} characters long, got ${length ?? '?'}`);
      if (issue.origin === 'array') return at(`must have at most ${max} entries, got ${length ?? '?'}`);
      return at(`must be at most ${max}, ${got}`);
    }
    case 'invalid_format':
    case 'custom': {
      if (issue.message.startsWith('must')) return at(`${issue.message}, ${got}`);
      if (typeof issue.input === 'string') return at(`${describeValue(issue.input)} ${issue.message}`);
      return at(issue.message);
    }
    default:
      return at(`is not valid: ${issue.message}`);
  }
}
