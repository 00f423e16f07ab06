/**
 * The per-destination ratios `/metrics` exposes: completion, TLS error and pin failure ratios over
 * the last hour, read from the shared rollups at scrape time so every replica reports the same.
 */
import type { TelemetryStore } from '../storage/telemetry-store.ts';
import type { DestinationGauges } from '../lib/metrics.ts';
import { ratesOf } from './counters.ts';

/** At most this many destination series in one scrape. */
export const MAX_GAUGE_SERIES = 5000;

export async function destinationGauges(
  store: Pick<TelemetryStore, 'activeProjects' | 'queryRollups'>,
  nowMs: number,
): Promise<DestinationGauges[]> {
  const to = Math.ceil(nowMs / 60_000) * 60;
  const from = to - 3600;
  const out: DestinationGauges[] = [];
  for (const project of await store.activeProjects(from, to)) {
    const rows = await store.queryRollups(project, { span: 60, from, to, groupBy: ['destination'] });
    for (const row of rows) {
      if (typeof row.destination !== 'string') continue;
      const rates = ratesOf(row);
      out.push({
        project,
        destination: row.destination,
        completionRatio: rates.completionRate,
        tlsErrorRatio: rates.tlsErrorRate,
        pinFailureRatio: rates.pinFailureRate,
      });
      if (out.length >= MAX_GAUGE_SERIES) return out;
    }
  }
  return out;
}
