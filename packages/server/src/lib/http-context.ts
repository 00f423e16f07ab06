// What the route modules share: the store, the verifier, the metrics and the limits.
import type { CurrentDocumentCache } from './current-cache.ts';
import type { ServerMetrics } from './metrics.ts';
import type { TokenBuckets } from './token-bucket.ts';
import type { PinsetStore } from '../storage/pinset-store.ts';
import type { PinsetVerifier } from '../http/verifier.ts';
import { HttpError } from '../http/http-error.ts';
import { PROJECT_ID } from './store-input.ts';

export interface HttpContext {
  readonly store: PinsetStore;
  readonly verify: PinsetVerifier;
  readonly metrics: ServerMetrics;
  readonly adminBuckets: TokenBuckets;
  /** Event batches per ingest key. */
  readonly ingestBuckets: TokenBuckets;
  /** Events of batches being stored now, and the most the server holds before it answers 503. */
  readonly ingestPending: { events: number; readonly max: number };
  readonly historyMax: number;
  /** The clock, in ms. */
  readonly nowMs: () => number;
  /** The current document of each project, briefly cached for the public route. */
  readonly current: CurrentDocumentCache;
}

/** A project id from the URL, or 404 (an id the store could never hold names no project). */
export function projectParam(params: unknown): string {
  const project = (params as { project?: unknown }).project;
  if (typeof project !== 'string' || !PROJECT_ID.test(project)) {
    throw new HttpError(404, 'ERR_HTTP_NOT_FOUND', 'no such project');
  }
  return project;
}
