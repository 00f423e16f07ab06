/**
 * The production verifier: `verifyPinset` of `@qrpin/core` against the project's stored public
 * keys and current `seq`, with a clock.
 */
import { verifyPinset, type PinsetAlgorithm } from '@qrpin/core';
import type { PinsetVerifier } from '../http/verifier.ts';

/**
 * @example
 * ```ts
 * await startServer({ verify: corePinsetVerifier() });
 * ```
 */
export function corePinsetVerifier(now: () => Date = () => new Date()): PinsetVerifier {
  return (jws, { trustedKeys, lastSeq }) =>
    verifyPinset(jws, {
      trustedKeys: trustedKeys.map((k) => ({ kid: k.kid, alg: k.alg as PinsetAlgorithm, jwk: { ...k.jwk } })),
      lastSeq,
      now,
    });
}
