// A per-key token bucket (one bucket per client IP on the admin routes). Memory is bounded: past
// `maxKeys` buckets, the least recently used one is forgotten (it refills to full anyway).

export interface TakeResult {
  readonly ok: boolean;
  /** When refused: whole seconds until one token is back. */
  readonly retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class TokenBuckets {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #nowMs: () => number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(capacity: number, refillPerSecond: number, nowMs: () => number, maxKeys = 10_000) {
    this.#capacity = capacity;
    this.#refillPerMs = refillPerSecond / 1000;
    this.#nowMs = nowMs;
    this.#maxKeys = maxKeys;
  }

  take(key: string): TakeResult {
    const now = this.#nowMs();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#capacity, updatedMs: now };
    this.#buckets.delete(key);
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.updatedMs) * this.#refillPerMs);
    bucket.updatedMs = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxKeys) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, retryAfterSeconds: 0 };
    }
    const waitMs = this.#refillPerMs > 0 ? (1 - bucket.tokens) / this.#refillPerMs : 3600_000;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}
