/**
 * Building the payload of a pinset document from a compiled policy.
 */
import { PinsetError } from './error.ts';
import { validatePayload } from './lib/schema.ts';
import { PINSET_VERSION, type PinsetExpiryPolicy, type PinsetPayload, type PinsetRollout } from './model.ts';
import type { Policy, PolicyHost } from '../policy/model.ts';

/** Options of {@link buildPinsetPayload}. */
export interface BuildPinsetOptions {
  /** The document's sequence number: higher than every document published before. */
  readonly seq: number;
  /** Issued at, unix seconds. */
  readonly iat: number;
  /** Expires at, unix seconds (after `iat`). */
  readonly exp: number;
  /** Rollout stage and enforce percentage (default `everyone`, 100). */
  readonly rollout?: PinsetRollout | undefined;
  /** What clients do when the document expires with nothing newer (default: not written, meaning `report`). */
  readonly onExpiry?: PinsetExpiryPolicy | undefined;
}

/**
 * Turns a policy into a pinset payload: each host's canonical pattern, pins, backup pins,
 * `includeSubdomains` (true for `**.` patterns) and mode. Per-host `expires` dates are not
 * carried: the document's own `exp` bounds its life. Throws `ERR_PINSET_OPTIONS` naming the bad
 * value (a host without pins, a bad seq, `exp` not after `iat` …).
 *
 * @example
 * ```ts
 * const iat = Math.floor(Date.now() / 1000);
 * const payload = buildPinsetPayload(compilePolicy(manifest), { seq: 1, iat, exp: iat + 30 * 86400 });
 * ```
 */
export function buildPinsetPayload(policy: Policy, options: BuildPinsetOptions): PinsetPayload {
  if (typeof policy !== 'object' || policy === null || !Array.isArray(policy.hosts)) {
    throw new PinsetError(
      'ERR_PINSET_OPTIONS',
      'buildPinsetPayload needs a compiled policy (compilePolicy(manifest))',
    );
  }
  const hosts: readonly PolicyHost[] = policy.hosts;
  return validatePayload(
    {
      v: PINSET_VERSION,
      project: policy.project,
      seq: options.seq,
      iat: options.iat,
      exp: options.exp,
      hosts: hosts.map((host) => ({
        pattern: host.pattern.toString(),
        pins: host.pins.map((p) => p.toString()),
        backupPins: host.backupPins.map((p) => p.toString()),
        includeSubdomains: host.pattern.includesSubdomains,
        mode: host.mode,
      })),
      rollout: options.rollout ?? { stage: 'everyone', enforcePercent: 100 },
      ...(options.onExpiry === undefined ? {} : { onExpiry: options.onExpiry }),
    },
    'ERR_PINSET_OPTIONS',
  );
}
