// The hosts a manifest's destinations reach, for the journey's inventory check.
import type { ManifestDestination } from '@qrpin/core';

/** Every host the destinations reach: payload hosts, fallback hosts and listed extra hosts (no IPs). */
export function inventoryOf(destinations: readonly ManifestDestination[]): string[] {
  const hosts = new Set<string>();
  for (const d of destinations) {
    for (const text of [d.payload, d.fallback]) {
      if (text === undefined) continue;
      try {
        const url = new URL(text);
        if (url.protocol === 'https:' || url.protocol === 'http:') hosts.add(url.hostname);
      } catch {
        // a deep link or text: no host to add
      }
    }
    for (const h of d.hosts ?? []) hosts.add(h);
  }
  return [...hosts].filter((h) => !/^[\d.]+$|^\[/.test(h));
}
