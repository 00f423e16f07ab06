/**
 * The retention purge: deletes telemetry past its retention in bounded batches, so a large backlog
 * never holds the database for long. Runs once at start and then every interval; each replica may
 * run it (deletes are idempotent).
 */
import type { PurgeResult, TelemetryStore } from '../storage/telemetry-store.ts';
import { cutoffsAt, type RetentionPolicy } from './policy.ts';

/** Options of {@link startPurgeJob}. */
export interface PurgeJobOptions {
  readonly store: Pick<TelemetryStore, 'purge'>;
  readonly policy: RetentionPolicy;
  /** Between runs (default one hour). */
  readonly intervalMs?: number | undefined;
  /** Rows of each kind per delete (default 5,000); a run repeats until a batch comes back short. */
  readonly batchLimit?: number | undefined;
  /** At most this many batches per run (default 200), so one run stays short. */
  readonly maxBatches?: number | undefined;
  readonly nowMs?: (() => number) | undefined;
  /** Told what each run deleted, or why it failed (the job goes on). */
  readonly onRun?: ((result: PurgeResult | Error) => void) | undefined;
}

/** A started purge job. */
export interface PurgeJob {
  /** Runs one purge now (tests, `qrpin` tools); resolves with the rows deleted. */
  runOnce(): Promise<PurgeResult>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const job = startPurgeJob({ store, policy: retentionPolicy({ eventsDays: 7 }) });
 * process.once('SIGTERM', () => void job.stop());
 * ```
 */
export function startPurgeJob(options: PurgeJobOptions): PurgeJob {
  const nowMs = options.nowMs ?? Date.now;
  const batchLimit = options.batchLimit ?? 5000;
  const maxBatches = options.maxBatches ?? 200;
  let running: Promise<PurgeResult> | undefined;
  let stopped = false;

  async function purge(): Promise<PurgeResult> {
    const total = { events: 0, rollups: 0, alerts: 0, sessions: 0 };
    for (let i = 0; i < maxBatches; i++) {
      const result = await options.store.purge(cutoffsAt(options.policy, nowMs()), batchLimit);
      total.events += result.events;
      total.rollups += result.rollups;
      total.alerts += result.alerts;
      total.sessions += result.sessions;
      const full = Math.max(result.events, result.rollups, result.alerts, result.sessions) >= batchLimit;
      if (!full || stopped) break;
    }
    return total;
  }

  function runOnce(): Promise<PurgeResult> {
    running ??= purge().finally(() => {
      running = undefined;
    });
    return running;
  }

  const tick = (): void => {
    runOnce().then(
      (result) => options.onRun?.(result),
      (err: unknown) => options.onRun?.(err instanceof Error ? err : new Error(String(err))),
    );
  };
  const timer = setInterval(tick, options.intervalMs ?? 3_600_000);
  timer.unref();
  setImmediate(() => {
    if (!stopped) tick();
  });

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
