import type { TelemetryStore } from './telemetry-store.ts';
/**
 * The storage contract of the qrpin server. Two implementations keep it: SQLite through
 * `node:sqlite` (the embedded default) and PostgreSQL through `pg` (several stateless replicas
 * share one database). One contract test suite runs against both.
 *
 * The store holds public signing keys only, never a private key: it cannot forge a document.
 */

/** A public signing key a project trusts (a primary and a backup, usually). */
export interface SigningKeyRecord {
  /** The key id, the `kid` of the JWS header. */
  readonly kid: string;
  /** The JWS algorithm, `EdDSA` or `ES256`. */
  readonly alg: string;
  /** The public key as a JWK. */
  readonly jwk: Readonly<Record<string, unknown>>;
}

/** What {@link PinsetStore.publish} stores. */
export interface PublishInput {
  /** The document's `seq`: must be greater than the latest stored one. */
  readonly seq: number;
  /** The compact JWS, stored byte for byte. */
  readonly jws: string;
  /** Lower-case hex SHA-256 of the JWS bytes (the strong ETag). */
  readonly sha256: string;
  /** The pre-signed rollback document that {@link PinsetStore.releaseRollback} can release. */
  readonly rollbackJws?: string | undefined;
  /** The rollback document's `seq` (default `seq + 1`); must be greater than `seq`. */
  readonly rollbackSeq?: number | undefined;
}

/** A stored document. */
export interface StoredPinset {
  readonly project: string;
  readonly seq: number;
  readonly jws: string;
  /** Lower-case hex SHA-256 of the JWS bytes. */
  readonly sha256: string;
  /** `published` by an admin, or `rollback` released by {@link PinsetStore.releaseRollback}. */
  readonly kind: 'published' | 'rollback';
  /** Whether a pre-signed rollback is stored beside this document. */
  readonly hasRollback: boolean;
  /** The `seq` the stored rollback would take, when there is one. */
  readonly rollbackSeq: number | undefined;
  /** When the store accepted it (ISO 8601). */
  readonly publishedAt: string;
}

/** Options of {@link PinsetStore.history}. */
export interface HistoryOptions {
  /** At most this many documents, newest first. */
  readonly limit: number;
}

/**
 * Where the server keeps projects, admin token hashes, signing keys and signed documents.
 *
 * Every method is async; errors the caller can act on are {@link StoreError}s.
 *
 * @example
 * ```ts
 * const store = openSqliteStore({ directory: './.qrpin' });
 * await store.migrate();
 * await store.createProject('demo');
 * await store.publish('demo', { seq: 1, jws, sha256, rollbackJws, rollbackSeq: 2 });
 * (await store.current('demo'))?.seq; // 1
 * ```
 */
export interface PinsetStore extends TelemetryStore {
  /** Applies the versioned migrations not applied yet, in one transaction. Idempotent. */
  migrate(): Promise<void>;
  /** Throws unless the database answers (for `/readyz`). */
  ping(): Promise<void>;
  /** Creates a project. `ERR_STORE_CONFLICT` if it exists. */
  createProject(id: string): Promise<void>;
  /** Adds an admin token, given as the lower-case hex SHA-256 of the token. */
  addAdminToken(project: string, tokenHash: string): Promise<void>;
  /** The hex SHA-256 hashes of the project's admin tokens (empty for an unknown project). */
  findAdminTokenHashes(project: string): Promise<string[]>;
  /** Adds a public signing key. `ERR_STORE_CONFLICT` if the `kid` is taken in this project. */
  addSigningKey(project: string, key: SigningKeyRecord): Promise<void>;
  /** The project's public signing keys, oldest first. */
  signingKeys(project: string): Promise<SigningKeyRecord[]>;
  /**
   * Stores a document as the project's current one. Atomic: a `seq` not greater than the latest
   * is refused with `ERR_STORE_SEQ_CONFLICT`; of concurrent publishes of one `seq`, exactly one wins.
   */
  publish(project: string, input: PublishInput): Promise<StoredPinset>;
  /** The document with the highest `seq`, or `undefined`. */
  current(project: string): Promise<StoredPinset | undefined>;
  /** The document with this `seq`, or `undefined`. */
  bySeq(project: string, seq: number): Promise<StoredPinset | undefined>;
  /** The newest documents first. */
  history(project: string, options: HistoryOptions): Promise<StoredPinset[]>;
  /**
   * Makes the current document's pre-signed rollback the current document, as its own `seq`.
   * `ERR_STORE_NO_ROLLBACK` when the current document has none (or there is no document).
   */
  releaseRollback(project: string): Promise<StoredPinset>;
  /** Releases the database handle or pool. */
  close(): Promise<void>;
}
