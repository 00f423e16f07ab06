/**
 * The server verifies every document before it stores it, with a verifier passed in (in production
 * `verifyPinset` of `@qrpin/core`, wrapped with a clock). Keeping it injected keeps the HTTP layer
 * free of JOSE and lets tests drive it.
 */
import type { SigningKeyRecord } from '../storage/pinset-store.ts';

/** What the verifier is told: the project's public keys and the current `seq`. */
export interface VerifyContext {
  readonly trustedKeys: readonly SigningKeyRecord[];
  /** The current document's `seq`; a document must carry a higher one. `undefined` before the first. */
  readonly lastSeq: number | undefined;
}

/** The part of a verified document the server reads. */
export interface VerifiedDocument {
  readonly payload: {
    readonly seq: number;
    readonly project: string;
    /** The pinned hosts: the server checks that a rollback keeps them all, in report mode. */
    readonly hosts: readonly {
      readonly pattern: string;
      readonly pins: readonly string[];
      readonly mode: string;
    }[];
    readonly rollout: { readonly stage: string };
    /** For a rollback document, the `seq` it rolls back. */
    readonly rollbackOf?: number | undefined;
  };
}

/**
 * Verifies a compact JWS or throws an error with a string `code` (`ERR_PINSET_SIGNATURE`,
 * `ERR_PINSET_ROLLBACK` …), which the server answers with (409 for `ERR_PINSET_ROLLBACK`, else 422).
 *
 * @example
 * ```ts
 * const verify: PinsetVerifier = (jws, { trustedKeys, lastSeq }) =>
 *   verifyPinset(jws, { trustedKeys, lastSeq, now: () => new Date() });
 * ```
 */
export type PinsetVerifier = (
  jws: string,
  context: VerifyContext,
) => VerifiedDocument | Promise<VerifiedDocument>;
