/**
 * Sends journey events to the qrpin server in batches, without ever blocking or failing a
 * journey: events wait in a bounded queue (when it is full the oldest are dropped and counted),
 * batches are POSTed with the app's ingest key, retried with exponential backoff and jitter when
 * the server is busy or unreachable, and flushed on `close()` (call it on exit).
 */
import { request, type Dispatcher } from 'undici';
import { QrpinError, stripUrl, type TelemetryEvent } from '@qrpin/core';
import type { JourneyEvent, JourneyEventType, JourneySink } from '../journey/events.ts';

/**
 * What {@link TelemetryReporter.record} takes: a journey's event, or one the app reports itself —
 * `abandon`, when the person left before the content arrived.
 */
export type ReportedEvent = Omit<JourneyEvent, 'type'> & {
  readonly type: JourneyEventType | 'abandon';
};

/** Who is reporting. */
export interface TelemetryApp {
  readonly project: string;
  readonly appId: string;
  readonly appVersion: string;
  readonly platform: string;
}

/** Options of {@link TelemetryReporter}. */
export interface TelemetryReporterOptions {
  /** The events endpoint, e.g. `https://pins.example.com/v1/events`. */
  readonly endpoint: string | URL;
  /** The app's ingest key (sent as `x-qrpin-ingest-key`). */
  readonly ingestKey: string;
  readonly app: TelemetryApp;
  /** The dispatcher to send with (the pinned one, so telemetry is pinned too). */
  readonly dispatcher?: Dispatcher | undefined;
  /** Events per request (default 100, at most 1000). */
  readonly batchSize?: number | undefined;
  /** Events kept waiting at most (default 5000); beyond, the oldest are dropped. */
  readonly maxQueue?: number | undefined;
  /** Delay before a batch is sent after the first event arrives (default 5 s). */
  readonly flushDelayMs?: number | undefined;
  readonly minBackoffMs?: number | undefined;
  readonly maxBackoffMs?: number | undefined;
  /** Extra fields for every event (the pinset seq and cohort the app runs with). */
  readonly context?: (() => { pinsetSeq?: number; cohort?: number }) | undefined;
  readonly random?: (() => number) | undefined;
  readonly setTimer?: ((fn: () => void, ms: number) => unknown) | undefined;
  readonly clearTimer?: ((handle: unknown) => void) | undefined;
}

/** Counters of what happened to events. */
export interface TelemetryStats {
  /** Waiting to be sent. */
  readonly queued: number;
  /** Acknowledged by the server. */
  readonly sent: number;
  /** Dropped because the queue was full. */
  readonly dropped: number;
  /** Dropped because the server refused the batch as invalid (4xx other than 408/429). */
  readonly rejected: number;
  /** Failed attempts (network errors, 408/429/5xx), each retried later. */
  readonly failedAttempts: number;
}

/**
 * @example
 * ```ts
 * const reporter = new TelemetryReporter({ endpoint, ingestKey, app, dispatcher });
 * await resolveJourney(payload, { policy, sink: reporter.sink });
 * process.once('beforeExit', () => void reporter.close());
 * ```
 */
export class TelemetryReporter {
  readonly #options: TelemetryReporterOptions;
  readonly #queue: TelemetryEvent[] = [];
  readonly #batchSize: number;
  readonly #maxQueue: number;
  readonly #random: () => number;
  #sent = 0;
  #dropped = 0;
  #rejected = 0;
  #failedAttempts = 0;
  #consecutiveFailures = 0;
  #timer: unknown;
  #sending: Promise<void> | undefined;
  #closed = false;

  constructor(options: TelemetryReporterOptions) {
    const batchSize = options.batchSize ?? 100;
    const maxQueue = options.maxQueue ?? 5000;
    if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 1000)) {
      throw new QrpinError('ERR_DISPATCHER_OPTIONS', `batchSize must be from 1 to 1000, got ${batchSize}`);
    }
    if (!(Number.isInteger(maxQueue) && maxQueue >= batchSize)) {
      throw new QrpinError(
        'ERR_DISPATCHER_OPTIONS',
        `maxQueue must be an integer of at least batchSize, got ${maxQueue}`,
      );
    }
    this.#options = options;
    this.#batchSize = batchSize;
    this.#maxQueue = maxQueue;
    this.#random = options.random ?? Math.random;
  }

  /** A journey sink: pass it as `resolveJourney(…, { sink: reporter.sink })`. */
  readonly sink: JourneySink = (event) => this.record(event);

  /** Queues one event (a journey's, or an app's `abandon`). Never throws, never waits. */
  record(event: ReportedEvent): void {
    if (this.#closed) return;
    const context = this.#options.context?.() ?? {};
    const { url: rawUrl, ...fields } = event;
    const url = rawUrl === undefined ? '' : stripUrl(rawUrl);
    // Undefined members vanish in JSON; the app's fields win over anything an event might carry.
    const full: TelemetryEvent = {
      ...fields,
      ...(url === '' ? {} : { url }),
      ...context,
      ...this.#options.app,
    };
    this.#queue.push(full);
    if (this.#queue.length > this.#maxQueue) {
      const excess = this.#queue.length - this.#maxQueue;
      this.#queue.splice(0, excess);
      this.#dropped += excess;
    }
    if (this.#queue.length >= this.#batchSize) this.#schedule(0);
    else this.#schedule(this.#options.flushDelayMs ?? 5000);
  }

  /** What happened so far. */
  get stats(): TelemetryStats {
    return {
      queued: this.#queue.length,
      sent: this.#sent,
      dropped: this.#dropped,
      rejected: this.#rejected,
      failedAttempts: this.#failedAttempts,
    };
  }

  /** Sends what is queued now, batch by batch; stops at the first failure (retried later). */
  async flush(): Promise<void> {
    while (this.#sending !== undefined) await this.#sending;
    const run = this.#sendAll();
    this.#sending = run;
    try {
      await run;
    } finally {
      this.#sending = undefined;
    }
  }

  /** Flushes once more and stops; events recorded afterwards are ignored. */
  async close(): Promise<void> {
    this.#clear();
    await this.flush();
    this.#closed = true;
    this.#clear();
  }

  async #sendAll(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, this.#batchSize);
      const outcome = await this.#post(batch);
      if (outcome === 'retry') {
        this.#failedAttempts++;
        this.#consecutiveFailures++;
        if (!this.#closed) this.#schedule(this.#backoffMs());
        return;
      }
      this.#queue.splice(0, batch.length);
      this.#consecutiveFailures = 0;
      if (outcome === 'sent') this.#sent += batch.length;
      else this.#rejected += batch.length;
    }
  }

  async #post(batch: readonly TelemetryEvent[]): Promise<'sent' | 'rejected' | 'retry'> {
    try {
      const response = await request(this.#options.endpoint, {
        method: 'POST',
        dispatcher: this.#options.dispatcher,
        headers: { 'content-type': 'application/json', 'x-qrpin-ingest-key': this.#options.ingestKey },
        body: JSON.stringify({ events: batch }),
        headersTimeout: 15_000,
        bodyTimeout: 15_000,
      });
      await response.body.dump();
      const status = response.statusCode;
      if (status >= 200 && status < 300) return 'sent';
      if (status === 408 || status === 429 || status >= 500) return 'retry';
      return 'rejected';
    } catch {
      return 'retry';
    }
  }

  #backoffMs(): number {
    const min = this.#options.minBackoffMs ?? 1000;
    const max = this.#options.maxBackoffMs ?? 300_000;
    const backoff = Math.min(max, min * 2 ** (this.#consecutiveFailures - 1));
    return Math.round(backoff / 2 + this.#random() * (backoff / 2));
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined && ms > 0) return;
    this.#clear();
    const setTimer =
      this.#options.setTimer ?? ((fn: () => void, delay: number) => setTimeout(fn, delay).unref());
    this.#timer = setTimer(() => {
      this.#timer = undefined;
      void this.flush();
    }, ms);
  }

  #clear(): void {
    if (this.#timer === undefined) return;
    const clear = this.#options.clearTimer ?? ((h: unknown) => clearTimeout(h as NodeJS.Timeout));
    clear(this.#timer);
    this.#timer = undefined;
  }
}
