/**
 * Keeps a pinned dispatcher's pins current from signed pinset documents: it starts from the last
 * good document (or the bootstrap the app shipped with), fetches the current one over the pinned
 * dispatcher itself (the configuration host is pinned too), verifies it, applies it atomically,
 * persists it, and refreshes on an interval with jitter, backing off on failure.
 *
 * It never accepts a document whose `seq` is not above the last accepted one, and it keeps the
 * last good document on every failure. When the last good document expires with nothing newer,
 * it follows the document's `onExpiry`: by default it stops enforcing and keeps reporting (as
 * Android's Network Security Config does at a pin-set expiration); `enforce` keeps the pins
 * enforced. Either way it says so with an `expired` event.
 */
import { request } from 'undici';
import {
  PinsetError,
  QrpinError,
  pinsetToPolicy,
  verifyPinset,
  type PinsetPayload,
  type PinsetTrustedKey,
  type Policy,
  type PolicyHost,
} from '@qrpin/core';
import type { PinnedAgent } from '../dispatcher/pinned-agent.ts';
import type { LastGoodStore } from './store.ts';

/** What the updater tells its listener. */
export type PinsetUpdaterEvent =
  | { readonly type: 'applied'; readonly seq: number; readonly source: 'bootstrap' | 'store' | 'server' }
  | { readonly type: 'unchanged'; readonly seq: number }
  | { readonly type: 'rejected'; readonly code: string; readonly message: string; readonly keptSeq: number }
  | { readonly type: 'fetch-failed'; readonly message: string; readonly retryInMs: number }
  | { readonly type: 'expired'; readonly seq: number; readonly policy: 'report' | 'enforce' };

/** Options of {@link PinsetUpdater}. */
export interface PinsetUpdaterOptions {
  /** The document URL, e.g. `https://pins.example.com/v1/projects/spring/pinset`. */
  readonly url: string | URL;
  /** The dispatcher whose pins this updater keeps current; documents are fetched through it. */
  readonly dispatcher: PinnedAgent;
  /** The project the documents must be for. */
  readonly project: string;
  /** Signing public keys the app trusts (a primary and a backup). */
  readonly trustedKeys: readonly PinsetTrustedKey[];
  /** The signed document shipped with the app: the starting point when the store has nothing newer. */
  readonly bootstrap: string;
  /** Pins kept whatever the documents say (the configuration host's own, compiled into the app). */
  readonly basePolicy?: Policy | undefined;
  readonly store?: LastGoodStore | undefined;
  /** Refresh interval in ms (default 15 minutes), spread by ±`jitter` (default 0.1). */
  readonly intervalMs?: number | undefined;
  readonly jitter?: number | undefined;
  /** First retry delay after a failure (default 30 s), doubling up to `maxBackoffMs` (default 1 h). */
  readonly minBackoffMs?: number | undefined;
  readonly maxBackoffMs?: number | undefined;
  /** This client's rollout cohort, 0–99: it enforces in a `beta` stage when below `enforcePercent`. */
  readonly cohort?: number | undefined;
  readonly onEvent?: ((event: PinsetUpdaterEvent) => void) | undefined;
  readonly now?: (() => Date) | undefined;
  readonly random?: (() => number) | undefined;
  /** Timer functions (tests drive them). */
  readonly setTimer?: ((fn: () => void, ms: number) => unknown) | undefined;
  readonly clearTimer?: ((handle: unknown) => void) | undefined;
}

/** The outcome of one refresh. */
export type RefreshOutcome = 'applied' | 'unchanged' | 'rejected' | 'failed';

const MAX_DOCUMENT_BYTES = 64 * 1024;

/**
 * @example
 * ```ts
 * const dispatcher = new PinnedAgent({ policy: appPolicy });
 * const updater = new PinsetUpdater({
 *   url: 'https://pins.example.com/v1/projects/spring/pinset',
 *   dispatcher, project: 'spring', trustedKeys, bootstrap: shippedJws,
 *   store: new FileLastGoodStore('./pinset.jws'),
 * });
 * await updater.start();
 * ```
 */
export class PinsetUpdater {
  readonly #options: PinsetUpdaterOptions;
  readonly #now: () => Date;
  readonly #random: () => number;
  readonly #cohort: number;
  #current: { readonly jws: string; readonly payload: PinsetPayload } | undefined;
  #expiredApplied = false;
  #etag: string | undefined;
  #failures = 0;
  #timer: unknown;
  #stopped = false;

  constructor(options: PinsetUpdaterOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    this.#random = options.random ?? Math.random;
    const cohort = options.cohort ?? Math.floor(this.#random() * 100);
    if (!(Number.isInteger(cohort) && cohort >= 0 && cohort <= 99)) {
      throw new QrpinError('ERR_DISPATCHER_OPTIONS', `cohort must be an integer from 0 to 99, got ${cohort}`);
    }
    this.#cohort = cohort;
  }

  /** The accepted document's payload, if any. */
  get current(): PinsetPayload | undefined {
    return this.#current?.payload;
  }

  /**
   * Applies the best document already at hand (the stored last good one, or the bootstrap),
   * refreshes once from the server, and schedules the next refreshes.
   */
  async start(): Promise<void> {
    const stored = await this.#options.store?.load();
    const candidates: Array<[string | undefined, 'store' | 'bootstrap']> = [
      [stored, 'store'],
      [this.#options.bootstrap, 'bootstrap'],
    ];
    for (const [jws, source] of candidates) {
      if (jws === undefined) continue;
      // Start from the newest valid one; an expired stored document still beats an older bootstrap.
      const verified = this.#verifyAllowingExpiry(jws);
      if (
        verified !== undefined &&
        (this.#current === undefined || verified.seq > this.#current.payload.seq)
      ) {
        await this.#apply(jws, verified, source);
      }
    }
    if (this.#current === undefined) {
      throw new QrpinError(
        'ERR_PINSET_SIGNATURE',
        'neither the stored nor the bootstrap pinset document verifies with the trusted keys',
      );
    }
    await this.refresh();
  }

  /** Fetches the current document once; never throws for network or verification failures. */
  async refresh(): Promise<RefreshOutcome> {
    this.#clearTimer();
    let outcome: RefreshOutcome;
    try {
      outcome = await this.#fetchAndApply();
      this.#failures = 0;
    } catch (err) {
      this.#failures++;
      outcome = 'failed';
      this.#emit({
        type: 'fetch-failed',
        message: err instanceof Error ? err.message : String(err),
        retryInMs: this.nextDelayMs(),
      });
    }
    await this.#checkExpiry();
    this.#schedule();
    return outcome;
  }

  /** The delay before the next refresh: the interval with jitter, or the backoff after failures. */
  nextDelayMs(): number {
    if (this.#failures > 0) {
      const min = this.#options.minBackoffMs ?? 30_000;
      const max = this.#options.maxBackoffMs ?? 3_600_000;
      const backoff = Math.min(max, min * 2 ** (this.#failures - 1));
      return Math.round(backoff / 2 + this.#random() * (backoff / 2));
    }
    const interval = this.#options.intervalMs ?? 15 * 60_000;
    const jitter = this.#options.jitter ?? 0.1;
    return Math.round(interval * (1 - jitter + 2 * jitter * this.#random()));
  }

  /** Stops refreshing. */
  stop(): void {
    this.#stopped = true;
    this.#clearTimer();
  }

  async #fetchAndApply(): Promise<RefreshOutcome> {
    const response = await request(this.#options.url, {
      dispatcher: this.#options.dispatcher,
      method: 'GET',
      headers: {
        accept: 'application/jose',
        ...(this.#etag === undefined ? {} : { 'if-none-match': this.#etag }),
      },
      headersTimeout: 15_000,
      bodyTimeout: 15_000,
    });
    if (response.statusCode === 304) {
      await response.body.dump();
      this.#emit({ type: 'unchanged', seq: this.#current?.payload.seq ?? 0 });
      return 'unchanged';
    }
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new Error(`the pinset server answered ${response.statusCode}`);
    }
    const length = Number(response.headers['content-length'] ?? 0);
    if (length > MAX_DOCUMENT_BYTES) {
      await response.body.dump();
      throw new Error(`the pinset document is ${length} bytes, over ${MAX_DOCUMENT_BYTES}`);
    }
    const jws = (await readCapped(response.body, MAX_DOCUMENT_BYTES)).trim();
    const etag = response.headers.etag;
    const lastSeq = this.#current?.payload.seq;
    if (jws === this.#current?.jws) {
      this.#etag = typeof etag === 'string' ? etag : undefined;
      this.#emit({ type: 'unchanged', seq: lastSeq ?? 0 });
      return 'unchanged';
    }
    let payload: PinsetPayload;
    try {
      payload = verifyPinset(jws, {
        trustedKeys: this.#options.trustedKeys,
        lastSeq,
        now: this.#now,
        project: this.#options.project,
      }).payload;
    } catch (err) {
      if (!(err instanceof PinsetError)) throw err;
      this.#emit({ type: 'rejected', code: err.code, message: err.message, keptSeq: lastSeq ?? 0 });
      return 'rejected';
    }
    this.#etag = typeof etag === 'string' ? etag : undefined;
    await this.#apply(jws, payload, 'server');
    return 'applied';
  }

  #verifyAllowingExpiry(jws: string): PinsetPayload | undefined {
    try {
      return verifyPinset(jws, {
        trustedKeys: this.#options.trustedKeys,
        // An expired document is still the best starting point; expiry is handled by #checkExpiry.
        now: () => new Date(0),
        maxSkewSeconds: Number.MAX_SAFE_INTEGER,
        project: this.#options.project,
      }).payload;
    } catch (err) {
      if (err instanceof PinsetError) {
        this.#emit({
          type: 'rejected',
          code: err.code,
          message: err.message,
          keptSeq: this.#current?.payload.seq ?? 0,
        });
        return undefined;
      }
      throw err;
    }
  }

  async #apply(jws: string, payload: PinsetPayload, source: 'bootstrap' | 'store' | 'server'): Promise<void> {
    this.#current = { jws, payload };
    this.#expiredApplied = false;
    await this.#options.dispatcher.updatePolicy(this.#policyFor(payload, false));
    if (source === 'server') await this.#options.store?.save(jws);
    this.#emit({ type: 'applied', seq: payload.seq, source });
  }

  async #checkExpiry(): Promise<void> {
    const current = this.#current;
    if (current === undefined || this.#expiredApplied) return;
    if (this.#now().getTime() / 1000 >= current.payload.exp) {
      this.#expiredApplied = true;
      // The document says what happens now; by default, as Android NSC: stop enforcing, keep reporting.
      const policy = current.payload.onExpiry ?? 'report';
      if (policy === 'report')
        await this.#options.dispatcher.updatePolicy(this.#policyFor(current.payload, true));
      this.#emit({ type: 'expired', seq: current.payload.seq, policy });
    }
  }

  /** The dispatcher policy for a document: rollout applied, base pins kept, all report-only when expired. */
  #policyFor(payload: PinsetPayload, expired: boolean): Policy {
    const fromDocument = pinsetToPolicy(payload);
    const enforce =
      !expired &&
      (payload.rollout.stage === 'everyone' ||
        (payload.rollout.stage === 'beta' && this.#cohort < payload.rollout.enforcePercent));
    const hosts: PolicyHost[] = fromDocument.hosts.map((h) => ({
      ...h,
      mode: enforce ? h.mode : 'report',
    }));
    const base = this.#options.basePolicy?.hosts ?? [];
    for (const h of base) {
      if (!hosts.some((d) => d.pattern.equals(h.pattern))) hosts.push(h);
    }
    return { ...fromDocument, hosts };
  }

  #schedule(): void {
    if (this.#stopped) return;
    const setTimer = this.#options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms).unref());
    this.#timer = setTimer(() => void this.refresh(), this.nextDelayMs());
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    const clear = this.#options.clearTimer ?? ((h: unknown) => clearTimeout(h as NodeJS.Timeout));
    clear(this.#timer);
    this.#timer = undefined;
  }

  #emit(event: PinsetUpdaterEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A listener must never break updating.
    }
  }
}

async function readCapped(
  body: AsyncIterable<Uint8Array> & { destroy(): unknown },
  max: number,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new Error(`the pinset document is over ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
