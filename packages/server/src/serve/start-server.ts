/**
 * Opens the configured store, migrates it, builds the API and listens: what `qrpin serve` needs.
 * With no database URL it uses the embedded SQLite file under `./.qrpin/`, so it just works.
 */
import type { FastifyInstance } from 'fastify';
import { createServer, type ServerLimits, type ServerLogger } from '../http/create-server.ts';
import type { PinsetVerifier } from '../http/verifier.ts';
import { openStore } from '../storage/open-store.ts';
import type { PinsetStore } from '../storage/pinset-store.ts';
import { ServerMetrics } from '../lib/metrics.ts';
import { retentionPolicy, type RetentionPolicy } from '../retention/policy.ts';
import { startPurgeJob, type PurgeJob } from '../retention/purge-job.ts';
import { startAlertJob, type AlertJobOptions } from '../alerts/job.ts';

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Verifies each document before it is stored. */
  readonly verify: PinsetVerifier;
  /** `postgres://…` (pass `process.env.QRPIN_DATABASE_URL`); SQLite when unset or empty. */
  readonly databaseUrl?: string | undefined;
  /** The SQLite directory (default `./.qrpin`). */
  readonly directory?: string | undefined;
  /** Default `127.0.0.1`: expose the server deliberately. */
  readonly host?: string | undefined;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number | undefined;
  readonly logger?: ServerLogger | undefined;
  readonly limits?: ServerLimits | undefined;
  readonly trustProxy?: boolean | string | undefined;
  /** How long telemetry is kept (see `DEFAULT_RETENTION`); the purge runs hourly. */
  readonly retention?: Partial<RetentionPolicy> | undefined;
  /** Run the background jobs (retention purge, spike detection, webhooks); default true. */
  readonly jobs?: boolean | undefined;
  /**
   * Spike detection and webhooks (see `docs/alerts.md`): the interval (default a minute), the
   * window, the detector's and the webhooks' options.
   */
  readonly alerts?:
    | Pick<
        AlertJobOptions,
        'intervalMs' | 'windowSeconds' | 'settleSeconds' | 'catchUpWindows' | 'detector' | 'webhook'
      >
    | undefined;
}

/** A listening server. */
export interface RunningServer {
  /** `http://host:port` it listens on. */
  readonly url: string;
  readonly app: FastifyInstance;
  readonly store: PinsetStore;
  /** Stops accepting connections, lets requests finish, then closes the store. */
  close(): Promise<void>;
}

/**
 * Starts the qrpin server.
 *
 * @example
 * ```ts
 * const server = await startServer({
 *   databaseUrl: process.env.QRPIN_DATABASE_URL,
 *   verify: (jws, { trustedKeys, lastSeq }) => verifyPinset(jws, { trustedKeys, lastSeq, now: () => new Date() }),
 * });
 * console.log(`listening on ${server.url}`);
 * process.once('SIGTERM', () => void server.close());
 * ```
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const retention = retentionPolicy(options.retention);
  const store = await openStore({ databaseUrl: options.databaseUrl, directory: options.directory });
  const metrics = new ServerMetrics();
  const app = createServer({
    store,
    metrics,
    verify: options.verify,
    logger: options.logger,
    limits: options.limits,
    trustProxy: options.trustProxy,
    retention,
  });
  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
  } catch (err) {
    await app.close();
    await store.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8080);
  const host = options.host ?? '127.0.0.1';
  const jobs: { stop(): Promise<void> }[] = [];
  if (options.jobs !== false) {
    try {
      jobs.push(
        startAlertJob({
          ...options.alerts,
          store,
          log: app.log,
          onAlert: (alert) => metrics.alerted(alert.project, alert.destination, alert.kind),
          onDelivery: (report) => metrics.delivery(report.result),
        }),
      );
    } catch (err) {
      await app.close();
      await store.close();
      throw err;
    }
    const purge: PurgeJob = startPurgeJob({
      store,
      policy: retention,
      onRun: (result) => {
        if (result instanceof Error) app.log.error({ err: result }, 'retention purge failed');
        else {
          metrics.purged({ ...result });
          if (result.events + result.rollups + result.alerts + result.sessions > 0) {
            app.log.info({ purged: result }, 'retention purge');
          }
        }
      },
    });
    jobs.push(purge);
  }
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    app,
    store,
    close() {
      closing ??= (async () => {
        try {
          await Promise.all(jobs.map((job) => job.stop()));
          await app.close();
        } finally {
          await store.close();
        }
      })();
      return closing;
    },
  };
}
