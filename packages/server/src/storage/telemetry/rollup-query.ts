// Checks a rollup or cohort query and turns it into one SQL statement, for either dialect: the same
// input is refused alike and summed alike on SQLite and PostgreSQL.
import { describeInput } from '@qrpin/core';
import { StoreError } from '../error.ts';
import { checkProjectId } from '../../lib/store-input.ts';
import {
  ROLLUP_COUNTERS,
  ROLLUP_SPANS,
  type CohortQuery,
  type CohortRow,
  type RollupQuery,
  type RollupRow,
} from '../telemetry-store.ts';
import { COUNTER_COLUMNS, NO_NUMBER, NO_TEXT } from './aggregate.ts';

/** The SQL flavour: `?` placeholders (SQLite) or `$n` (PostgreSQL). */
export type Dialect = 'sqlite' | 'postgres';

/** A checked query as SQL, with the mapping of its rows back to the contract's shape. */
export interface PlannedQuery<T> {
  readonly sql: string;
  readonly params: unknown[];
  toRow(row: Record<string, unknown>): T;
}

interface DimensionSpec {
  readonly column: string;
  /** How the filter value is stored: text with `''` for none, a number with `-1`, or required text. */
  readonly kind: 'optional-text' | 'optional-number' | 'text';
}

const ROLLUP_DIMENSIONS: Readonly<Record<string, DimensionSpec>> = {
  destination: { column: 'destination', kind: 'optional-text' },
  campaign: { column: 'campaign', kind: 'optional-text' },
  appVersion: { column: 'app_version', kind: 'text' },
  platform: { column: 'platform', kind: 'text' },
  pinsetSeq: { column: 'pinset_seq', kind: 'optional-number' },
};

const COHORT_DIMENSIONS: Readonly<Record<string, DimensionSpec>> = {
  destination: { column: 'destination', kind: 'optional-text' },
  pinsetSeq: { column: 'pinset_seq', kind: 'optional-number' },
  cohort: { column: 'cohort', kind: 'optional-number' },
};

const COHORT_FILTERS: ReadonlySet<string> = new Set(['destination', 'pinsetSeq']);
const COHORT_COLUMNS = ['attempts', 'pin_failures_enforce', 'pin_failures_report'] as const;
const COHORT_FIELDS = ['attempts', 'pinFailuresEnforce', 'pinFailuresReport'] as const;

function bad(field: string, message: string): StoreError {
  return new StoreError('ERR_STORE_OPTIONS', `query ${field} ${message}`);
}

interface CheckedRange {
  readonly span: number;
  readonly from: number;
  readonly to: number;
  readonly step: number;
  readonly groupBy: readonly string[];
  readonly filters: readonly (readonly [DimensionSpec, string | number | null])[];
}

function checkRange(
  query: RollupQuery | CohortQuery,
  dimensions: Readonly<Record<string, DimensionSpec>>,
  filterNames: ReadonlySet<string>,
): CheckedRange {
  if (typeof query !== 'object' || query === null) throw bad('', 'must be an object');
  const { span, from, to } = query;
  if (!(ROLLUP_SPANS as readonly unknown[]).includes(span)) {
    throw bad('span', `${String(span)} must be one of ${ROLLUP_SPANS.join(', ')} (seconds)`);
  }
  for (const [field, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!Number.isSafeInteger(value)) throw bad(field, `${String(value)} must be an integer (unix seconds)`);
    if (value % span !== 0) throw bad(field, `${value} must be a multiple of the span ${span}`);
  }
  if (to <= from) throw bad('to', `${to} must be after from ${from}`);
  const step = query.step ?? span;
  if (!Number.isSafeInteger(step) || step <= 0 || step % span !== 0) {
    throw bad('step', `${String(step)} must be a positive multiple of the span ${span}`);
  }
  if (!Array.isArray(query.groupBy)) throw bad('groupBy', 'must be a list of dimensions');
  const seen = new Set<string>();
  for (const name of query.groupBy as readonly unknown[]) {
    if (typeof name !== 'string' || (name !== 'bucket' && !Object.hasOwn(dimensions, name))) {
      throw bad(
        'groupBy',
        `holds ${describeInput(String(name))}: use bucket, ${Object.keys(dimensions).join(', ')}`,
      );
    }
    if (seen.has(name)) throw bad('groupBy', `names ${name} twice`);
    seen.add(name);
  }
  const filters: [DimensionSpec, string | number | null][] = [];
  const given = (query.filters ?? {}) as Record<string, unknown>;
  if (typeof given !== 'object' || given === null) throw bad('filters', 'must be an object');
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const spec = dimensions[name];
    if (spec === undefined || !filterNames.has(name)) {
      throw bad(`filters.${name}`, `is not a filter: use ${[...filterNames].join(', ')}`);
    }
    filters.push([spec, checkFilter(name, spec, value)]);
  }
  return { span, from, to, step, groupBy: [...seen], filters };
}

function checkFilter(name: string, spec: DimensionSpec, value: unknown): string | number {
  if (value === null && spec.kind !== 'text') return spec.kind === 'optional-text' ? NO_TEXT : NO_NUMBER;
  if (spec.kind === 'optional-number') {
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      throw bad(`filters.${name}`, `${String(value)} must be a non-negative integer or null`);
    }
    return value as number;
  }
  if (typeof value !== 'string' || value.length === 0) {
    throw bad(
      `filters.${name}`,
      spec.kind === 'text' ? 'must be a non-empty string' : 'must be a non-empty string or null',
    );
  }
  return value;
}

function plan(
  table: string,
  project: string,
  range: CheckedRange,
  dimensions: Readonly<Record<string, DimensionSpec>>,
  sums: readonly string[],
  dialect: Dialect,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (value: unknown): string => {
    params.push(value);
    return dialect === 'sqlite' ? '?' : `$${params.length}`;
  };
  const select: string[] = [];
  for (const name of range.groupBy) {
    if (name === 'bucket') {
      // floor(bucket / step) * step, also for buckets before 1970 (SQL `%` truncates towards zero).
      const step = p(range.step);
      const again = p(range.step);
      const third = p(range.step);
      select.push(`bucket - (((bucket % ${step}) + ${again}) % ${third}) AS bucket`);
    } else {
      select.push((dimensions[name] as DimensionSpec).column);
    }
  }
  for (const column of sums) select.push(`COALESCE(SUM(${column}), 0) AS ${column}`);
  const where = [
    `project = ${p(project)}`,
    `span = ${p(range.span)}`,
    `bucket >= ${p(range.from)}`,
    `bucket < ${p(range.to)}`,
  ];
  for (const [spec, value] of range.filters) where.push(`${spec.column} = ${p(value)}`);
  const groupBy =
    range.groupBy.length === 0 ? '' : ` GROUP BY ${range.groupBy.map((_, i) => String(i + 1)).join(', ')}`;
  return { sql: `SELECT ${select.join(', ')} FROM ${table} WHERE ${where.join(' AND ')}${groupBy}`, params };
}

function dimensionValue(spec: DimensionSpec, raw: unknown): string | number | null {
  switch (spec.kind) {
    case 'optional-text':
      return raw === NO_TEXT ? null : String(raw);
    case 'optional-number': {
      const n = Number(raw);
      return n === NO_NUMBER ? null : n;
    }
    case 'text':
      return String(raw);
  }
}

function mapDimensions(
  row: Record<string, unknown>,
  groupBy: readonly string[],
  dimensions: Readonly<Record<string, DimensionSpec>>,
  out: Record<string, unknown>,
): void {
  for (const name of groupBy) {
    if (name === 'bucket') {
      out.bucket = Number(row.bucket);
    } else {
      const spec = dimensions[name] as DimensionSpec;
      out[name] = dimensionValue(spec, row[spec.column]);
    }
  }
}

/**
 * Checks a {@link RollupQuery} (`ERR_STORE_OPTIONS` naming the field) and plans its SQL.
 *
 * @example
 * ```ts
 * const { sql, params, toRow } = planRollupQuery('spring', { span: 3600, from, to, groupBy: [] }, 'sqlite');
 * ```
 */
export function planRollupQuery(
  project: string,
  query: RollupQuery,
  dialect: Dialect,
): PlannedQuery<RollupRow> {
  checkProjectId(project);
  const range = checkRange(query, ROLLUP_DIMENSIONS, new Set(Object.keys(ROLLUP_DIMENSIONS)));
  const { sql, params } = plan('rollups', project, range, ROLLUP_DIMENSIONS, COUNTER_COLUMNS, dialect);
  return {
    sql,
    params,
    toRow(row) {
      const out: Record<string, unknown> = {};
      mapDimensions(row, range.groupBy, ROLLUP_DIMENSIONS, out);
      for (let k = 0; k < ROLLUP_COUNTERS.length; k++) {
        out[ROLLUP_COUNTERS[k] as string] = Number(row[COUNTER_COLUMNS[k] as string]);
      }
      return out as unknown as RollupRow;
    },
  };
}

/**
 * Checks a {@link CohortQuery} and plans its SQL.
 *
 * @example
 * ```ts
 * const { sql, params, toRow } = planCohortQuery('spring', { span: 60, from, to, groupBy: ['cohort'] }, 'postgres');
 * ```
 */
export function planCohortQuery(
  project: string,
  query: CohortQuery,
  dialect: Dialect,
): PlannedQuery<CohortRow> {
  checkProjectId(project);
  const range = checkRange(query, COHORT_DIMENSIONS, COHORT_FILTERS);
  const { sql, params } = plan('cohort_rollups', project, range, COHORT_DIMENSIONS, COHORT_COLUMNS, dialect);
  return {
    sql,
    params,
    toRow(row) {
      const out: Record<string, unknown> = {};
      mapDimensions(row, range.groupBy, COHORT_DIMENSIONS, out);
      for (let k = 0; k < COHORT_COLUMNS.length; k++) {
        out[COHORT_FIELDS[k] as string] = Number(row[COHORT_COLUMNS[k] as string]);
      }
      return out as unknown as CohortRow;
    },
  };
}
