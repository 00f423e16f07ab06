/**
 * The alert job: every interval, for each active project and each destination, it reads the
 * closed windows of the rollups, walks the TLS error rate and the pin failure rate through the
 * spike detector, stores the alerts (each queues one webhook delivery per webhook in the same
 * transaction) and sends the deliveries that are due.
 *
 * Every replica may run it. It is a function of the stored data: each run walks the last hours of
 * each series again, treating the alerts already stored as raised, so a restart, a second replica
 * or a run that re-evaluates the same windows never raises an alert twice (and the store's unique
 * key on project, destination, kind and window settles a race between replicas).
 */
import {
  ROLLUP_SPANS,
  type AlertKind,
  type AlertRecord,
  type RateSample,
  type RollupRow,
  type TelemetryStore,
} from '../storage/telemetry-store.ts';
import { AlertError } from './error.ts';
import { resolveDetectorOptions, type DetectorOptions, type ResolvedDetectorOptions } from './options.ts';
import { SpikeStream } from './stream.ts';
import {
  deliverPending,
  resolveWebhookOptions,
  type DeliveryCounts,
  type DeliveryReport,
  type WebhookOptions,
} from './webhook.ts';

/** Where the job writes what it did (pino's and Fastify's loggers fit). */
export interface AlertJobLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Options of {@link startAlertJob}. */
export interface AlertJobOptions {
  readonly store: Pick<
    TelemetryStore,
    'activeProjects' | 'queryRollups' | 'listAlerts' | 'insertAlert' | 'claimDeliveries' | 'settleDelivery'
  >;
  /** Unix ms. Default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /** Between runs. Default 60,000 (a minute). */
  readonly intervalMs?: number | undefined;
  /** The detection window in seconds: a multiple of 60 that divides a day. Default 60. */
  readonly windowSeconds?: number | undefined;
  /**
   * How long after its end a window is closed (late events have arrived): it is evaluated only
   * then. Default 30.
   */
  readonly settleSeconds?: number | undefined;
  /**
   * How many of the latest closed windows may raise an alert at a run: after a restart or a missed
   * run, the spikes of this many windows are still raised. Default 60.
   */
  readonly catchUpWindows?: number | undefined;
  readonly detector?: DetectorOptions | undefined;
  readonly webhook?: WebhookOptions | undefined;
  /** Told of each alert this replica stored. */
  readonly onAlert?: ((alert: AlertRecord) => void) | undefined;
  /** Told of each webhook delivery attempt (ids and codes only: no secret, no body). */
  readonly onDelivery?: ((report: DeliveryReport) => void) | undefined;
  readonly log?: AlertJobLogger | undefined;
}

/** What one run did. */
export interface AlertRunResult {
  /** The projects evaluated. */
  readonly projects: number;
  /** The series (destination and kind) walked. */
  readonly series: number;
  /** The alerts this run stored (not those another replica stored first). */
  readonly alerts: readonly AlertRecord[];
  readonly deliveries: DeliveryCounts;
  /** Projects whose evaluation failed (logged; the others went on). */
  readonly failedProjects: number;
}

/** A started alert job. */
export interface AlertJob {
  /** Runs now (or joins the run in progress). */
  runOnce(): Promise<AlertRunResult>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

interface JobSettings {
  readonly intervalMs: number;
  readonly windowSeconds: number;
  readonly settleSeconds: number;
  readonly catchUpWindows: number;
}

function integerOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new AlertError(
      'ERR_ALERT_OPTIONS',
      `alert job option ${name} is ${String(v)}: expected an integer from ${min} to ${max} (default ${fallback})`,
    );
  }
  return v;
}

function jobSettings(options: AlertJobOptions): JobSettings {
  const windowSeconds = integerOption('windowSeconds', options.windowSeconds, 60, 60, 86_400);
  if (windowSeconds % 60 !== 0 || 86_400 % windowSeconds !== 0) {
    throw new AlertError(
      'ERR_ALERT_OPTIONS',
      `alert job option windowSeconds is ${windowSeconds}: expected a multiple of 60 that divides 86400 (60, 300, 600, 3600 …)`,
    );
  }
  return {
    intervalMs: integerOption('intervalMs', options.intervalMs, 60_000, 10, 86_400_000),
    windowSeconds,
    settleSeconds: integerOption('settleSeconds', options.settleSeconds, 30, 0, 86_400),
    catchUpWindows: integerOption('catchUpWindows', options.catchUpWindows, 60, 1, 10_080),
  };
}

/** The widest rollup span that cuts `windowSeconds` evenly. */
function rollupSpan(windowSeconds: number): (typeof ROLLUP_SPANS)[number] {
  let best: (typeof ROLLUP_SPANS)[number] = 60;
  for (const span of ROLLUP_SPANS) if (windowSeconds % span === 0) best = span;
  return best;
}

/**
 * A window's counts for each kind, consistent with the metrics API's rates (`src/metrics/counters.ts`):
 * attempts are TLS connection attempts (`tls_ok` + `tls_error`); TLS errors over them, and pin
 * failures (both modes) over them. Pin failures reported through the TrustKit/HPKP endpoint come
 * without TLS events, so attempts are never counted below the failures.
 */
function samplesOf(row: RollupRow): Record<AlertKind, RateSample> {
  const attempts = row.tlsOk + row.tlsErrors;
  const pinFailures = row.pinFailuresEnforce + row.pinFailuresReport;
  return {
    tls_error_rate: { errors: row.tlsErrors, attempts },
    pin_failure_rate: { errors: pinFailures, attempts: Math.max(attempts, pinFailures) },
  };
}

const KINDS: readonly AlertKind[] = ['tls_error_rate', 'pin_failure_rate'];
const EMPTY: RateSample = Object.freeze({ errors: 0, attempts: 0 });

/**
 * Starts the alert job: a first run at once, then one every `intervalMs`. Throws `ERR_ALERT_OPTIONS`
 * or `ERR_WEBHOOK_OPTIONS` on a bad option; a failing run is logged and the job goes on.
 *
 * @example
 * ```ts
 * const job = startAlertJob({
 *   store,
 *   onAlert: (alert) => metrics.alerted(alert.project, alert.destination, alert.kind),
 *   onDelivery: (report) => metrics.delivery(report.result),
 *   log: app.log,
 * });
 * process.once('SIGTERM', () => void job.stop());
 * ```
 */
export function startAlertJob(options: AlertJobOptions): AlertJob {
  const settings = jobSettings(options);
  const detector: ResolvedDetectorOptions = resolveDetectorOptions(options.detector);
  resolveWebhookOptions(options.webhook);
  const now = options.now ?? Date.now;
  const { windowSeconds: W, catchUpWindows } = settings;
  const span = rollupSpan(W);
  // Enough history that the detector's state (spike windows left out of the baseline, an active
  // spike, the cooldown) is the same at the catch-up windows whichever run walks them.
  const walkWindows =
    detector.spanWindows + 2 * detector.baselineLookbackWindows + detector.cooldownWindows + catchUpWindows;

  async function evaluateProject(
    project: string,
    from: number,
    to: number,
    nowMs: number,
  ): Promise<[number, AlertRecord[]]> {
    const rows = await options.store.queryRollups(project, {
      span,
      from,
      to,
      groupBy: ['destination', 'bucket'],
      step: W,
    });
    const series = new Map<string, Record<AlertKind, RateSample[]>>();
    for (const row of rows) {
      if (row.destination === null || row.destination === undefined || row.bucket === undefined) continue;
      const index = (row.bucket - from) / W;
      if (!Number.isInteger(index) || index < 0 || index >= walkWindows) continue;
      let windows = series.get(row.destination);
      if (windows === undefined) {
        windows = {
          tls_error_rate: new Array<RateSample>(walkWindows).fill(EMPTY),
          pin_failure_rate: new Array<RateSample>(walkWindows).fill(EMPTY),
        };
        series.set(row.destination, windows);
      }
      const samples = samplesOf(row);
      for (const kind of KINDS) windows[kind][index] = samples[kind];
    }
    if (series.size === 0) return [0, []];

    // Alerts stored already, by series: the index of the window that ends each one's span.
    const stored = new Map<string, number[]>();
    const existing = await options.store.listAlerts(project, {
      limit: 100_000,
      since: from - detector.spanWindows * W,
    });
    for (const alert of existing) {
      const end = Math.floor((alert.windowStart + alert.windowSeconds - from) / W) - 1;
      const key = `${alert.kind}\u0000${alert.destination}`;
      stored.set(key, [...(stored.get(key) ?? []), end]);
    }

    const firstAlertable = walkWindows - catchUpWindows;
    const raised: AlertRecord[] = [];
    let walked = 0;
    for (const [destination, windows] of series) {
      for (const kind of KINDS) {
        const samples = windows[kind];
        // Nothing can alert without errors in the latest windows: skip the walk.
        let recentErrors = 0;
        for (let i = Math.max(0, firstAlertable - detector.spanWindows); i < walkWindows; i += 1) {
          recentErrors += samples[i]!.errors;
        }
        if (recentErrors < detector.minErrors) continue;
        walked += 1;
        const marks = stored.get(`${kind}\u0000${destination}`) ?? [];
        const stream = new SpikeStream(detector);
        for (let i = 0; i < walkWindows; i += 1) {
          const decision = stream.push(samples[i]!, marks.includes(i));
          if (!decision.alert || i < firstAlertable) continue;
          // A replica whose walk differed may have stored this spike at a nearby window.
          if (marks.some((m) => Math.abs(m - i) < Math.max(1, detector.cooldownWindows))) continue;
          const { test } = decision;
          // Dated by the job's clock, so its deliveries are due by the clock that sends them.
          const record = await options.store.insertAlert(
            {
              project,
              destination,
              kind,
              windowStart: from + (i - test.spanWindows + 1) * W,
              windowSeconds: test.spanWindows * W,
              observed: test.observed,
              baseline: test.baseline,
              pValue: test.pValue,
            },
            nowMs,
          );
          if (record === undefined) continue;
          raised.push(record);
          options.log?.info(
            {
              alertId: record.id,
              project,
              destination,
              kind,
              windowStart: new Date(record.windowStart * 1000).toISOString(),
              pValue: record.pValue,
            },
            'alert raised',
          );
          options.onAlert?.(record);
        }
      }
    }
    return [walked, raised];
  }

  async function run(): Promise<AlertRunResult> {
    const nowMs = now();
    const nowSeconds = Math.floor(nowMs / 1000);
    const to = Math.floor((nowSeconds - settings.settleSeconds) / W) * W;
    const from = to - walkWindows * W;
    const alerts: AlertRecord[] = [];
    let series = 0;
    let failedProjects = 0;
    const projects = await options.store.activeProjects(to - (catchUpWindows + detector.spanWindows) * W, to);
    for (const project of projects) {
      try {
        const [walked, raised] = await evaluateProject(project, from, to, nowMs);
        series += walked;
        alerts.push(...raised);
      } catch (err) {
        failedProjects += 1;
        options.log?.error({ err, project }, 'alert evaluation failed');
      }
    }
    const deliveries = await deliverPending({
      store: options.store,
      now,
      webhook: options.webhook,
      onDelivery: (report) => {
        if (report.result !== 'delivered') options.log?.info({ ...report }, 'webhook delivery not delivered');
        options.onDelivery?.(report);
      },
    });
    return { projects: projects.length, series, alerts, deliveries, failedProjects };
  }

  let running: Promise<AlertRunResult> | undefined;
  let stopped = false;
  function runOnce(): Promise<AlertRunResult> {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  }
  const tick = (): void => {
    if (stopped) return;
    runOnce().catch((err: unknown) => options.log?.error({ err }, 'alert job run failed'));
  };
  const timer = setInterval(tick, settings.intervalMs);
  timer.unref();
  setImmediate(tick);

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
