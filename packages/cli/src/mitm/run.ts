/**
 * The interception test behind `qrpin mitm-test` (and the demo's last step): every destination
 * of a manifest is followed by the pinned client through an intercepting proxy whose rogue CA the
 * client either does not trust (a hostile hotspot) or trusts (a corporate proxy, a compromised
 * CA — the case pinning exists for). An unpinned control run through the same proxy proves the
 * interception is real, so a "rejected" verdict cannot come from a broken proxy.
 */
import { resolveJourney, type JourneyResult, type JourneySink } from '@qrpin/client';
import { compilePolicy, type Manifest, type ManifestDestination, type Policy } from '@qrpin/core';
import { createRogueCa } from './rogue-ca.ts';
import { inventoryOf } from '../lib/inventory.ts';
import { startInterceptingProxy, type InterceptingProxy } from './proxy.ts';

/** Whether the client trusts the rogue CA. */
export type MitmMode = 'untrusted' | 'trusted';

/** The verdict for one destination in one mode. */
export interface MitmVerdict {
  readonly destination: string;
  readonly mode: MitmMode;
  readonly host: string;
  readonly pinned: boolean;
  /** True when the client sent application data through the forged session. */
  readonly intercepted: boolean;
  /** What the client saw: `pin-mismatch`, `tls-error`, `complete`, … */
  readonly outcome: string;
  /** The diagnostic the client gave (OkHttp-style pin failure, TLS error). */
  readonly diagnostic: string;
  /** The unpinned control through the same proxy: true when it was intercepted (the proxy works). */
  readonly controlIntercepted: boolean;
}

/** Options of {@link runMitmTest}. */
export interface MitmTestOptions {
  readonly manifest: Manifest;
  readonly modes: readonly MitmMode[];
  /** Trust anchors of the real servers (PEM), for the client and the proxy; default: system roots. */
  readonly upstreamCa?: string | undefined;
  /** Where host names resolve (for hosts that DNS does not know, like the demo's). */
  readonly resolve?: ((host: string) => string | undefined) | undefined;
  readonly now: Date;
  /** Where the pinned journeys report their events (the unpinned controls report nothing). */
  readonly sink?: JourneySink | undefined;
}

/** Runs the interception test and returns one verdict per destination and mode. */
export async function runMitmTest(options: MitmTestOptions): Promise<MitmVerdict[]> {
  const policy = compilePolicy(options.manifest);
  const unpinned: Policy = { ...policy, hosts: [] };
  const rogue = createRogueCa(options.now);
  const proxy: InterceptingProxy = await startInterceptingProxy({
    rogueCa: rogue,
    upstreamCa: options.upstreamCa,
    resolve: options.resolve,
  });
  const inventory = inventoryOf(options.manifest.destinations);
  const verdicts: MitmVerdict[] = [];
  try {
    for (const destination of options.manifest.destinations) {
      const entry = entryFor(destination);
      if (entry === undefined) continue;
      for (const mode of options.modes) {
        const trust = [options.upstreamCa, mode === 'trusted' ? rogue.certPem : undefined].filter(
          (x): x is string => x !== undefined,
        );
        const journey = (p: Policy): Promise<JourneyResult> =>
          resolveJourney(destination.payload, {
            policy: p,
            inventory,
            fallbackUrl: destination.fallback,
            proxy: proxy.url,
            connect: trust.length > 0 ? { ca: trust } : {},
            allowPrivateAddresses: true,
            maxHops: 1,
            ...(p === policy
              ? { sink: options.sink, destination: destination.id, campaign: destination.campaign }
              : {}),
          });
        const before = proxy.records.get(entry.hostname)?.bytesFromClient ?? 0;
        const result = await journey(policy);
        const afterPinned = proxy.records.get(entry.hostname)?.bytesFromClient ?? 0;
        await journey(unpinned);
        const afterControl = proxy.records.get(entry.hostname)?.bytesFromClient ?? 0;
        verdicts.push({
          destination: destination.id,
          mode,
          host: entry.hostname,
          pinned: policy.hosts.some((h) => h.pattern.matches(entry.hostname)),
          intercepted: afterPinned > before,
          outcome: result.outcome === 'complete' ? 'complete' : (result.reason?.code ?? result.outcome),
          diagnostic: result.reason?.message ?? `HTTP ${result.final?.status ?? '?'}`,
          controlIntercepted: afterControl > afterPinned,
        });
      }
    }
  } finally {
    await proxy.close();
  }
  return verdicts;
}

/** The https URL a destination's journey starts at. */
function entryFor(destination: ManifestDestination): URL | undefined {
  const text = destination.kind === 'deep-link' ? destination.fallback : destination.payload;
  if (text === undefined) return undefined;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
