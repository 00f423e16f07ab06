/**
 * Turning a verified pinset payload into the {@link Policy} the pinned client runs.
 */
import { HostPattern } from '../host/pattern.ts';
import { Pin } from '../pin/pin.ts';
import type { Policy } from '../policy/model.ts';
import { validatePayload } from './lib/schema.ts';
import type { PinsetPayload } from './model.ts';

/**
 * Parses the hosts of a payload into policy values (no destinations: a pinset carries hosts only).
 * The payload is validated again, so a hand-made one is held to the schema
 * (`ERR_PINSET_MALFORMED`).
 *
 * @example
 * ```ts
 * const { payload } = verifyPinset(jws, options);
 * dispatcher.setPolicy(pinsetToPolicy(payload));
 * ```
 */
export function pinsetToPolicy(payload: PinsetPayload): Policy {
  const checked = validatePayload(payload);
  return {
    project: checked.project,
    hosts: checked.hosts.map((host) => ({
      pattern: HostPattern.parse(host.pattern),
      pins: host.pins.map((p) => Pin.parse(p)),
      backupPins: host.backupPins.map((p) => Pin.parse(p)),
      mode: host.mode,
    })),
    destinations: [],
  };
}
