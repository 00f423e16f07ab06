// The metrics API (docs/metrics-api.md): every figure of the dashboard, answered from rollups,
// never from raw events. Readers sign in with an admin token or the dashboard's session cookie.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkReader } from '../auth.ts';
import { HttpError } from '../http-error.ts';
import { projectParam, type HttpContext } from '../../lib/http-context.ts';
import type { AlertRecord, RollupFilters, RollupRow } from '../../storage/telemetry-store.ts';
import {
  planSegments,
  requestRange,
  STEPS,
  defaultStep,
  type Plan,
  type StepName,
} from '../../metrics/range.ts';
import {
  attemptsOf,
  countersOf,
  pinFailureRateOf,
  ratesOf,
  ratio,
  zeroCounters,
  addCounters,
} from '../../metrics/counters.ts';
import { sumCohorts, sumRollups } from '../../metrics/collect.ts';
import { pinsetSummary, pinsFor } from '../../metrics/pinset-summary.ts';

/** How long each rollup span is kept, in seconds (the purge job's settings; see retention). */
export interface RollupRetention {
  readonly minuteSeconds: number;
  readonly hourSeconds: number;
}

/** At most this many points in a series. */
export const MAX_SERIES_POINTS = 1500;
/** A destination with a TLS error or pin failure rate above this is `warning`. */
export const WARNING_RATE = 0.01;
/** An alert whose window started this recently makes a destination `alert`. */
export const RECENT_ALERT_SECONDS = 3600;

type Query = Record<string, unknown>;

/** A query parameter: absent, or one string of 1–128 characters without control characters. */
function param(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) {
    throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', `${name} must be given once, as 1 to 128 characters`);
  }
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) {
    throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', `${name} must not hold control characters`);
  }
  return value;
}

function filtersOf(query: Query): RollupFilters {
  return {
    campaign: param(query, 'campaign'),
    appVersion: param(query, 'appVersion'),
    platform: param(query, 'platform'),
  };
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

function alertJson(alert: AlertRecord): Record<string, unknown> {
  return {
    id: alert.id,
    destination: alert.destination,
    kind: alert.kind,
    windowStart: iso(alert.windowStart),
    windowSeconds: alert.windowSeconds,
    observed: { ...alert.observed, rate: ratio(alert.observed.errors, alert.observed.attempts) },
    baseline: { ...alert.baseline, rate: ratio(alert.baseline.errors, alert.baseline.attempts) },
    pValue: alert.pValue,
    createdAt: alert.createdAt,
  };
}

export function registerMetricsRoutes(
  app: FastifyInstance,
  ctx: HttpContext,
  retention: RollupRetention,
): void {
  /** Authenticates the reader and works out the project, range and plan of a request. */
  async function prepare(request: FastifyRequest): Promise<{ project: string; query: Query; plan: Plan }> {
    const project = projectParam(request.params);
    await checkReader(ctx, request, project);
    const query = (request.query ?? {}) as Query;
    const now = Math.floor(ctx.nowMs() / 1000);
    const { from, to } = requestRange({ from: param(query, 'from'), to: param(query, 'to') }, now);
    const plan = planSegments(from, to, {
      minute: now - retention.minuteSeconds,
      hour: now - retention.hourSeconds,
    });
    return { project, query, plan };
  }

  const send = (reply: FastifyReply, body: unknown) => reply.header('cache-control', 'no-store').send(body);
  const range = (plan: Plan) => ({ from: iso(plan.from), to: iso(plan.to), exact: plan.exact });

  app.get('/v1/projects/:project/metrics/overview', async (request, reply) => {
    const { project, query, plan } = await prepare(request);
    const filters = filtersOf(query);
    const now = Math.floor(ctx.nowMs() / 1000);
    const [rows, hosts, doc, alerts] = await Promise.all([
      sumRollups(ctx.store, project, plan, ['destination'], filters),
      ctx.store.destinationHosts(project),
      ctx.current.current(project),
      ctx.store.listAlerts(project, { limit: 500 }),
    ]);
    const hostsOf = new Map<string, string[]>();
    for (const h of hosts) {
      const list = hostsOf.get(h.destination) ?? [];
      list.push(h.host);
      hostsOf.set(h.destination, list);
    }
    const lastAlert = new Map<string, AlertRecord>();
    for (const alert of alerts)
      if (!lastAlert.has(alert.destination)) lastAlert.set(alert.destination, alert);
    const totals = zeroCounters();
    for (const row of rows) addCounters(totals, row);
    const summary = pinsetSummary(doc);
    const destinations = rows
      .filter((row): row is RollupRow & { destination: string } => typeof row.destination === 'string')
      .map((row) => {
        const counters = countersOf(row);
        const rates = ratesOf(counters);
        const alert = lastAlert.get(row.destination);
        const destinationHosts = (hostsOf.get(row.destination) ?? []).sort();
        const status =
          alert !== undefined && alert.windowStart >= now - RECENT_ALERT_SECONDS
            ? 'alert'
            : (rates.tlsErrorRate ?? 0) > WARNING_RATE || (rates.pinFailureRate ?? 0) > WARNING_RATE
              ? 'warning'
              : counters.scans === 0
                ? 'idle'
                : 'ok';
        return {
          destination: row.destination,
          status,
          hosts: destinationHosts,
          pins: pinsFor(doc, destinationHosts),
          pinsExpireAt: summary?.exp ?? null,
          counters,
          rates,
          lastAlert:
            alert === undefined
              ? null
              : {
                  id: alert.id,
                  kind: alert.kind,
                  windowStart: iso(alert.windowStart),
                  createdAt: alert.createdAt,
                },
        };
      })
      .sort((a, b) => b.counters.scans - a.counters.scans || a.destination.localeCompare(b.destination));
    return send(reply, {
      project,
      ...range(plan),
      pinset: summary,
      totals,
      rates: ratesOf(totals),
      destinations,
    });
  });

  app.get('/v1/projects/:project/metrics/series', async (request, reply) => {
    const project = projectParam(request.params);
    await checkReader(ctx, request, project);
    const query = (request.query ?? {}) as Query;
    const destination = param(query, 'destination');
    if (destination === undefined)
      throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', 'destination is required');
    const now = Math.floor(ctx.nowMs() / 1000);
    const asked = requestRange({ from: param(query, 'from'), to: param(query, 'to') }, now);
    const stepText = param(query, 'step');
    if (stepText !== undefined && !(stepText in STEPS)) {
      throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', 'step must be minute, hour or day');
    }
    const stepName = (stepText ?? defaultStep(asked.from, asked.to)) as StepName;
    const step = STEPS[stepName];
    const from = Math.floor(asked.from / step) * step;
    const to = Math.ceil(asked.to / step) * step;
    const points = (to - from) / step;
    if (points > MAX_SERIES_POINTS) {
      throw new HttpError(
        400,
        'ERR_HTTP_BAD_REQUEST',
        `${points} points of one ${stepName} is over the limit of ${MAX_SERIES_POINTS}; choose a coarser step or a shorter range`,
      );
    }
    const floor =
      step === 60 ? now - retention.minuteSeconds : step === 3600 ? now - retention.hourSeconds : -Infinity;
    const rows = await ctx.store.queryRollups(project, {
      span: step,
      from,
      to,
      filters: { ...filtersOf(query), destination },
      groupBy: ['bucket'],
    });
    const byBucket = new Map(rows.map((r) => [r.bucket, r]));
    const series = [];
    for (let t = from; t < to; t += step) {
      const c = byBucket.get(t) ?? zeroCounters();
      series.push({
        t: iso(t),
        scans: c.scans,
        completes: c.completes,
        attempts: attemptsOf(c),
        tlsErrors: c.tlsErrors,
        pinFailures: c.pinFailuresEnforce + c.pinFailuresReport,
      });
    }
    return send(reply, {
      destination,
      step: stepName,
      from: iso(from),
      to: iso(to),
      exact: from >= floor,
      points: series,
    });
  });

  app.get('/v1/projects/:project/metrics/funnel', async (request, reply) => {
    const { project, query, plan } = await prepare(request);
    const destination = param(query, 'destination');
    const rows = await sumRollups(ctx.store, project, plan, ['campaign'], {
      ...filtersOf(query),
      destination,
    });
    // Journeys (scans, completes, drop-off) are counted once each; TLS connections once per hop of
    // a journey, so they are never a share of scans: their rate is over TLS attempts.
    const campaigns = rows
      .map((row) => {
        const rates = ratesOf(row);
        return {
          campaign: row.campaign ?? null,
          scans: row.scans,
          tlsOk: row.tlsOk,
          hops: row.hops,
          completes: row.completes,
          abandons: row.abandons,
          redirectsBlocked: row.redirectsBlocked,
          dropOff: Math.max(0, row.scans - row.completes),
          completionRate: rates.completionRate,
          dropOffRate: rates.dropOffRate,
          attempts: attemptsOf(row),
          tlsErrors: row.tlsErrors,
          pinFailures: row.pinFailuresEnforce + row.pinFailuresReport,
          tlsErrorRate: rates.tlsErrorRate,
        };
      })
      .sort((a, b) => b.scans - a.scans);
    return send(reply, { ...range(plan), destination: destination ?? null, campaigns });
  });

  app.get('/v1/projects/:project/metrics/pinsets', async (request, reply) => {
    const { project, query, plan } = await prepare(request);
    const destination = param(query, 'destination');
    const [bySeqRows, cohortRows] = await Promise.all([
      sumRollups(ctx.store, project, plan, ['pinsetSeq'], { ...filtersOf(query), destination }),
      sumCohorts(ctx.store, project, plan, ['cohort'], { destination }),
    ]);
    const events = bySeqRows.reduce((n, r) => n + r.events, 0);
    const bySeq = bySeqRows.sort((a, b) => (b.pinsetSeq ?? -1) - (a.pinsetSeq ?? -1));
    return send(reply, {
      ...range(plan),
      destination: destination ?? null,
      adoption: bySeq.map((r) => ({
        pinsetSeq: r.pinsetSeq ?? null,
        events: r.events,
        share: ratio(r.events, events),
      })),
      bySeq: bySeq.map((r) => ({
        pinsetSeq: r.pinsetSeq ?? null,
        attempts: attemptsOf(r),
        pinFailuresEnforce: r.pinFailuresEnforce,
        pinFailuresReport: r.pinFailuresReport,
        pinFailureRate: ratesOf(r).pinFailureRate,
      })),
      byMode: {
        enforce: bySeqRows.reduce((n, r) => n + r.pinFailuresEnforce, 0),
        report: bySeqRows.reduce((n, r) => n + r.pinFailuresReport, 0),
      },
      byCohort: cohortRows
        .map((r) => ({
          cohort: r.cohort ?? null,
          attempts: r.attempts,
          pinFailuresEnforce: r.pinFailuresEnforce,
          pinFailuresReport: r.pinFailuresReport,
          pinFailureRate: pinFailureRateOf(r.pinFailuresEnforce + r.pinFailuresReport, r.attempts),
        }))
        .sort((a, b) => (a.cohort ?? -1) - (b.cohort ?? -1)),
    });
  });

  app.get('/v1/projects/:project/metrics/dimensions', async (request, reply) => {
    const { project, plan } = await prepare(request);
    const values = async (dimension: 'campaign' | 'appVersion' | 'platform' | 'destination') =>
      (await sumRollups(ctx.store, project, plan, [dimension]))
        .filter((r) => typeof r[dimension] === 'string')
        .sort((a, b) => b.events - a.events)
        .slice(0, 500)
        .map((r) => r[dimension] as string);
    const [campaigns, appVersions, platforms, destinations] = await Promise.all([
      values('campaign'),
      values('appVersion'),
      values('platform'),
      values('destination'),
    ]);
    return send(reply, { ...range(plan), campaigns, appVersions, platforms, destinations });
  });

  app.get('/v1/projects/:project/alerts', async (request, reply) => {
    const project = projectParam(request.params);
    await checkReader(ctx, request, project);
    const query = (request.query ?? {}) as Query;
    const limitText = param(query, 'limit');
    const limit = limitText === undefined ? 100 : /^[1-9][0-9]{0,2}$/.test(limitText) ? Number(limitText) : 0;
    if (limit < 1 || limit > 500)
      throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', 'limit must be an integer from 1 to 500');
    const alerts = await ctx.store.listAlerts(project, { limit, destination: param(query, 'destination') });
    return send(reply, { alerts: alerts.map(alertJson) });
  });
}
