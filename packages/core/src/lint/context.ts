/** Parses once what the rules share: patterns, pins, payload URLs, destination hosts (internal). */
import { HostPattern } from '../host/pattern.ts';
import type { Manifest, ManifestDestination, ManifestPath } from '../manifest/model.ts';
import { Pin } from '../pin/pin.ts';
import { QrpinError } from '../errors/qrpin-error.ts';
import type { DestinationFacts, DestinationHost, HostFacts, LintContext, PinEntry } from './rule.ts';

function parsePin(text: string): PinEntry {
  try {
    return { text, pin: Pin.parse(text), error: undefined };
  } catch (err) {
    return { text, pin: undefined, error: err instanceof Error ? err.message : String(err) };
  }
}

function parseUrl(text: string | undefined): URL | undefined {
  if (text === undefined) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function isWebUrl(url: URL | undefined): url is URL {
  return url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
}

function destinationHosts(
  index: number,
  destination: ManifestDestination,
  payloadUrl: URL | undefined,
  fallbackUrl: URL | undefined,
): DestinationHost[] {
  const base: ManifestPath = ['destinations', index];
  const hosts: DestinationHost[] = [];
  if (isWebUrl(payloadUrl))
    hosts.push({ host: payloadUrl.hostname, source: 'payload', path: [...base, 'payload'] });
  if (isWebUrl(fallbackUrl)) {
    hosts.push({ host: fallbackUrl.hostname, source: 'fallback', path: [...base, 'fallback'] });
  }
  (destination.hosts ?? []).forEach((host, i) => {
    hosts.push({ host, source: 'hosts', path: [...base, 'hosts', i] });
  });
  return hosts;
}

/** The facts every rule needs about `manifest`, computed once. */
export function buildContext(manifest: Manifest, now: Date): LintContext {
  const hosts: HostFacts[] = manifest.hosts.map((host, index) => {
    let pattern: HostPattern | undefined;
    let patternError: HostFacts['patternError'];
    try {
      pattern = HostPattern.parse(host.pattern);
    } catch (err) {
      patternError = {
        code: err instanceof QrpinError ? err.code : 'ERR_HOST_PATTERN_INVALID',
        message: err instanceof Error ? err.message : String(err),
      };
    }
    return {
      index,
      host,
      label: `host ${JSON.stringify(host.pattern)}`,
      pattern,
      patternError,
      pins: host.pins.map(parsePin),
      backupPins: host.backupPins.map(parsePin),
    };
  });
  const destinations: DestinationFacts[] = manifest.destinations.map((destination, index) => {
    const payloadUrl = parseUrl(destination.payload);
    const fallbackUrl = parseUrl(destination.fallback);
    return {
      index,
      destination,
      label: `destination ${JSON.stringify(destination.id)}`,
      payloadUrl,
      fallbackUrl,
      hosts: destinationHosts(index, destination, payloadUrl, fallbackUrl),
    };
  });
  const time = now.getTime();
  const today = Number.isNaN(time) ? '1970-01-01' : new Date(time).toISOString().slice(0, 10);
  return { manifest, now, today, hosts, destinations };
}
