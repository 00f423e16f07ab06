/**
 * The compiled pinning policy: the manifest's hosts as parsed values. Emitters and the pinned
 * client work from this, never from raw strings.
 */
import type { HostPattern } from '../host/pattern.ts';
import type { Pin } from '../pin/pin.ts';
import type { ManifestDestination, PinMode } from '../manifest/model.ts';

/** One pinned host pattern. */
export interface PolicyHost {
  readonly pattern: HostPattern;
  /** Pins of keys in service. */
  readonly pins: readonly Pin[];
  /** Pins of keys held in reserve. */
  readonly backupPins: readonly Pin[];
  /** Expiry date as `YYYY-MM-DD` (UTC), if any. */
  readonly expires?: string | undefined;
  readonly mode: PinMode;
}

/** The policy of one project. */
export interface Policy {
  readonly project: string;
  readonly hosts: readonly PolicyHost[];
  readonly destinations: readonly ManifestDestination[];
}
