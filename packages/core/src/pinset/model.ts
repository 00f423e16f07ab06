/**
 * The signed pinset document: a JSON payload signed as a compact JWS (RFC 7515) by an offline
 * key, so a server or CDN can distribute pins without being able to forge them.
 *
 * Pinning can brick an app: a document that pins only keys nobody serves locks every client out
 * until the document expires. Always ship a backup pin, and keep the pre-signed rollback document
 * at hand.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515 (JWS)
 * @see https://www.rfc-editor.org/rfc/rfc7469 (SPKI pins)
 */
import type { KeyObject } from 'node:crypto';
import type { PinMode } from '../manifest/model.ts';

/** The signature algorithms a pinset may use: Ed25519 (the default) or ECDSA P-256 with SHA-256. */
export type PinsetAlgorithm = 'EdDSA' | 'ES256';

/** Every algorithm {@link verifyPinset} accepts; anything else is refused before any key is touched. */
export const PINSET_ALGORITHMS: readonly PinsetAlgorithm[] = ['EdDSA', 'ES256'];

/** The `typ` header of every pinset document. */
export const PINSET_TYPE = 'qrpin-pinset+jws';

/** The payload format version this code reads and writes. */
export const PINSET_VERSION = 1;

/** The default size limit of a document, in bytes (64 KiB). */
export const PINSET_MAX_BYTES = 64 * 1024;

/** The protected header of a pinset document. */
export interface PinsetHeader {
  readonly alg: PinsetAlgorithm;
  readonly kid: string;
  readonly typ: typeof PINSET_TYPE;
}

/** How far a rollout has gone: `report-only` (0 %), `beta` (some clients enforce), `everyone` (100 %). */
export type PinsetRolloutStage = 'report-only' | 'beta' | 'everyone';

/** The rollout of a document: its stage and the share (0–100) of clients that enforce. */
export interface PinsetRollout {
  readonly stage: PinsetRolloutStage;
  /** Integer percentage; 0 for `report-only`, 100 for `everyone`. */
  readonly enforcePercent: number;
}

/** One pinned host pattern of a pinset document (pins and patterns in canonical text). */
export interface PinsetHost {
  /** Canonical host pattern: `example.com`, `*.example.com`, `**.example.com`. */
  readonly pattern: string;
  /** Canonical pins (`sha256/<base64>`) of keys in service; at least one. */
  readonly pins: readonly string[];
  /** Canonical pins of keys held in reserve. */
  readonly backupPins: readonly string[];
  /** True exactly for `**.` patterns (apex and every subdomain). */
  readonly includeSubdomains: boolean;
  readonly mode: PinMode;
}

/** The payload of a pinset document. */
export interface PinsetPayload {
  readonly v: typeof PINSET_VERSION;
  readonly project: string;
  /** Strictly increasing sequence number (a safe positive integer). */
  readonly seq: number;
  /** Issued at, in unix seconds. */
  readonly iat: number;
  /** Expires at, in unix seconds; after it clients keep their last good document. */
  readonly exp: number;
  readonly hosts: readonly PinsetHost[];
  readonly rollout: PinsetRollout;
  /** For a rollback document: the `seq` of the document it rolls back. */
  readonly rollbackOf?: number | undefined;
  /**
   * What a client does when `exp` passes and nothing newer arrives: `report` (the default, as
   * Android's Network Security Config does at a pin-set expiration: stop enforcing, keep
   * reporting) or `enforce` (keep enforcing the last good pins: fail closed).
   */
  readonly onExpiry?: PinsetExpiryPolicy | undefined;
}

/** What a client does with an expired document when nothing newer arrives. */
export type PinsetExpiryPolicy = 'report' | 'enforce';

/**
 * A public key a verifier trusts: a JWK as in the manifest's `signingKeys` (`jwk`), or a
 * `KeyObject` (`key`, or in `jwk`'s place). Private keys are reduced to their public half.
 */
export type PinsetTrustedKey =
  | {
      readonly kid: string;
      readonly alg: PinsetAlgorithm;
      readonly jwk: Readonly<Record<string, unknown>> | KeyObject;
    }
  | { readonly kid: string; readonly alg: PinsetAlgorithm; readonly key: KeyObject };
