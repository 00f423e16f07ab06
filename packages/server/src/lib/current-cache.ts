// The current document of each project, kept in memory for a short time so that the hot public
// route does not hit the database on every request. A publish or rollback on this replica
// replaces it at once; other replicas (sharing PostgreSQL) see the change within `ttlMs`, well
// inside the minute the response's Cache-Control already allows any cache to keep it.
import type { PinsetStore, StoredPinset } from '../storage/pinset-store.ts';

interface Entry {
  readonly doc: StoredPinset;
  readonly until: number;
}

/** A short-lived per-project cache of `store.current(project)`. */
export class CurrentDocumentCache {
  readonly #store: PinsetStore;
  readonly #ttlMs: number;
  readonly #nowMs: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #maxProjects: number;

  constructor(store: PinsetStore, ttlMs: number, nowMs: () => number, maxProjects = 10_000) {
    this.#store = store;
    this.#ttlMs = ttlMs;
    this.#nowMs = nowMs;
    this.#maxProjects = maxProjects;
  }

  /** The project's current document (from memory while fresh), or `undefined` when it has none. */
  async current(project: string): Promise<StoredPinset | undefined> {
    const now = this.#nowMs();
    const entry = this.#entries.get(project);
    if (entry !== undefined && entry.until > now) return entry.doc;
    const doc = await this.#store.current(project);
    if (doc === undefined || this.#ttlMs <= 0) {
      this.#entries.delete(project);
      return doc;
    }
    if (this.#entries.size >= this.#maxProjects) this.#entries.clear();
    this.#entries.set(project, { doc, until: now + this.#ttlMs });
    return doc;
  }

  /** The project's document if memory holds a fresh one; never touches the store. */
  peek(project: string): StoredPinset | undefined {
    const entry = this.#entries.get(project);
    return entry !== undefined && entry.until > this.#nowMs() ? entry.doc : undefined;
  }

  /** Forgets the project's document (after a publish or a rollback on this replica). */
  invalidate(project: string): void {
    this.#entries.delete(project);
  }
}
