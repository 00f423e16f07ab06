/**
 * Compiles a manifest into a {@link Policy}: every host pattern and pin parsed once into values,
 * so emitters and the pinned client never handle raw strings.
 *
 * Pinning can brick an app: a client that pins only the key in service today cannot reach the
 * server once that key is replaced. `compilePolicy` does not judge the pinset (that is `lint`'s
 * job); it only refuses what cannot be parsed.
 */
import { QrpinError, describeInput } from '../errors/qrpin-error.ts';
import { HostPattern } from '../host/pattern.ts';
import type { Manifest, PinMode } from '../manifest/model.ts';
import { Pin } from '../pin/pin.ts';
import type { Policy, PolicyHost } from './model.ts';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Parses every host pattern and pin of the manifest. Throws the first problem as a coded
 * {@link QrpinError} whose message starts with the path of the bad value, e.g.
 * `hosts[1].pins[0]: pin "…" is not base64; …` (the code is the one of the underlying parser:
 * `ERR_PIN_INVALID`, `ERR_HOST_PATTERN_INVALID`, `ERR_HOST_PATTERN_PUBLIC_SUFFIX`, or
 * `ERR_MANIFEST_INVALID` for a bad mode or expiry date).
 *
 * Identical pins are kept once; a pin listed both in service and as a backup counts as in service.
 *
 * @example
 * ```ts
 * const policy = compilePolicy(manifest);
 * policy.hosts[0].pattern.toString(); // '**.example.com'
 * policy.hosts[0].pins[0].toString();  // 'sha256/…'
 * ```
 */
export function compilePolicy(manifest: Manifest): Policy {
  if (!Array.isArray(manifest.hosts)) {
    throw new QrpinError('ERR_MANIFEST_INVALID', 'hosts: must be a list of pinned hosts');
  }
  const hosts = manifest.hosts.map((host, i): PolicyHost => {
    const at = `hosts[${i}]`;
    const pattern = parseAt(`${at}.pattern`, () => HostPattern.parse(host.pattern));
    const pins = uniquePins(parseList(`${at}.pins`, host.pins));
    const backupPins = uniquePins(parseList(`${at}.backupPins`, host.backupPins ?? [])).filter(
      (b) => !pins.some((p) => p.equals(b)),
    );
    const mode = checkMode(`${at}.mode`, host.mode);
    const expires = host.expires === undefined ? undefined : checkDate(`${at}.expires`, host.expires);
    return expires === undefined
      ? { pattern, pins, backupPins, mode }
      : { pattern, pins, backupPins, mode, expires };
  });
  return { project: manifest.project, hosts, destinations: manifest.destinations ?? [] };
}

/** True for a `YYYY-MM-DD` string naming a real calendar date (internal; shared with the emitters). */
export function isCalendarDate(value: unknown): value is string {
  const match = typeof value === 'string' ? DATE.exec(value) : null;
  if (match === null) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function checkDate(path: string, value: unknown): string {
  if (isCalendarDate(value)) return value;
  throw new QrpinError(
    'ERR_MANIFEST_INVALID',
    `${path}: expiry ${typeof value === 'string' ? describeInput(value) : typeof value} is not a calendar date in the form YYYY-MM-DD`,
  );
}

function checkMode(path: string, mode: unknown): PinMode {
  if (mode === 'enforce' || mode === 'report') return mode;
  throw new QrpinError(
    'ERR_MANIFEST_INVALID',
    `${path}: mode ${typeof mode === 'string' ? describeInput(mode) : typeof mode} must be "enforce" or "report"`,
  );
}

function parseList(path: string, list: unknown): Pin[] {
  if (!Array.isArray(list)) {
    throw new QrpinError('ERR_MANIFEST_INVALID', `${path}: must be a list of pins`);
  }
  return list.map((text: unknown, j) => parseAt(`${path}[${j}]`, () => Pin.parse(text as string)));
}

function parseAt<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof QrpinError) {
      throw new QrpinError(err.code, `${path}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

function uniquePins(pins: readonly Pin[]): Pin[] {
  const out: Pin[] = [];
  for (const pin of pins) if (!out.some((p) => p.equals(pin))) out.push(pin);
  return out;
}
