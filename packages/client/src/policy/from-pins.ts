/**
 * The short way to pin: a map from host pattern to pins, enforced, without expiry.
 */
import { HostPattern, Pin, QrpinError, describeInput } from '@qrpin/core';
import type { Policy, PolicyHost } from '@qrpin/core';

/** Host pattern → pins (`sha256/…`, curl's `sha256//…`, a bare base64 digest, or {@link Pin} values). */
export type PinMap = Readonly<Record<string, readonly (string | Pin)[]>>;

/** Options for {@link policyFromPins}. */
export interface PolicyFromPinsOptions {
  /** `enforce` (the default) refuses a mismatching connection; `report` only reports it. */
  readonly mode?: 'enforce' | 'report';
  /** The project name the policy carries (default `"pins"`). */
  readonly project?: string;
}

/**
 * Builds a {@link Policy} from a pattern → pins map. Every pin of the map counts as in service
 * (there is no separate backup list here; list the backup key's pin beside the others).
 * A bad pattern or pin throws its `ERR_HOST_PATTERN_*` or `ERR_PIN_INVALID` error naming the
 * input; a pattern without pins or listed twice throws `ERR_POLICY_INVALID`.
 *
 * @example
 * ```ts
 * const policy = policyFromPins({
 *   '**.example.com': ['sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=', 'sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg='],
 * });
 * ```
 */
export function policyFromPins(map: PinMap, options: PolicyFromPinsOptions = {}): Policy {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new QrpinError(
      'ERR_POLICY_INVALID',
      'pins must be an object mapping host patterns to lists of pins',
    );
  }
  const mode = options.mode ?? 'enforce';
  const hosts: PolicyHost[] = [];
  for (const [text, list] of Object.entries(map)) {
    const pattern = HostPattern.parse(text);
    if (hosts.some((h) => h.pattern.equals(pattern))) {
      throw new QrpinError(
        'ERR_POLICY_INVALID',
        `pins: host pattern ${describeInput(text)} is listed twice (as "${pattern.toString()}")`,
      );
    }
    if (!Array.isArray(list) || list.length === 0) {
      throw new QrpinError(
        'ERR_POLICY_INVALID',
        `pins[${describeInput(text)}] must be a non-empty list of pins; a host without pins pins nothing`,
      );
    }
    const pins: Pin[] = [];
    for (const item of list as readonly (string | Pin)[]) {
      const pin = item instanceof Pin ? item : Pin.parse(item);
      if (!pins.some((p) => p.equals(pin))) pins.push(pin);
    }
    hosts.push({ pattern, pins, backupPins: [], mode });
  }
  return { project: options.project ?? 'pins', hosts, destinations: [] };
}
