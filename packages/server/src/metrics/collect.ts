/**
 * Runs a plan of rollup segments against the store and merges the rows of every segment by their
 * dimensions: the one place the metrics API reads rollups through.
 */
import type {
  CohortDimension,
  CohortRow,
  RollupDimension,
  RollupFilters,
  RollupRow,
  TelemetryStore,
} from '../storage/telemetry-store.ts';
import type { Plan } from './range.ts';
import { addCounters, zeroCounters } from './counters.ts';

/** Sums a plan's segments grouped by `groupBy` (no time buckets). */
export async function sumRollups(
  store: TelemetryStore,
  project: string,
  plan: Plan,
  groupBy: readonly RollupDimension[],
  filters: RollupFilters = {},
): Promise<RollupRow[]> {
  const parts = await Promise.all(
    plan.segments.map((s) =>
      store.queryRollups(project, { span: s.span, from: s.from, to: s.to, filters, groupBy }),
    ),
  );
  const merged = new Map<string, RollupRow & ReturnType<typeof zeroCounters>>();
  for (const rows of parts) {
    for (const row of rows) {
      const key = JSON.stringify(groupBy.map((d) => row[d] ?? null));
      let into = merged.get(key);
      if (into === undefined) {
        into = { ...zeroCounters() };
        for (const d of groupBy) Object.assign(into, { [d]: row[d] ?? null });
        merged.set(key, into);
      }
      addCounters(into, row);
    }
  }
  return [...merged.values()];
}

/** Sums a plan's segments of the cohort rollup grouped by `groupBy`. */
export async function sumCohorts(
  store: TelemetryStore,
  project: string,
  plan: Plan,
  groupBy: readonly CohortDimension[],
  filters: Pick<RollupFilters, 'destination' | 'pinsetSeq'> = {},
): Promise<CohortRow[]> {
  const parts = await Promise.all(
    plan.segments.map((s) =>
      store.queryCohorts(project, { span: s.span, from: s.from, to: s.to, filters, groupBy }),
    ),
  );
  const merged = new Map<string, { -readonly [K in keyof CohortRow]: CohortRow[K] }>();
  for (const rows of parts) {
    for (const row of rows) {
      const key = JSON.stringify(groupBy.map((d) => row[d] ?? null));
      let into = merged.get(key);
      if (into === undefined) {
        into = { attempts: 0, pinFailuresEnforce: 0, pinFailuresReport: 0 };
        for (const d of groupBy) Object.assign(into, { [d]: row[d] ?? null });
        merged.set(key, into);
      }
      into.attempts += row.attempts;
      into.pinFailuresEnforce += row.pinFailuresEnforce;
      into.pinFailuresReport += row.pinFailuresReport;
    }
  }
  return [...merged.values()];
}
