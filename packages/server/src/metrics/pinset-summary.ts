/**
 * What the dashboard shows of the current pinset document: its seq, expiry, rollout and hosts with
 * pins. The server verified the document when it was published; here it is only decoded.
 */
import { HostPattern, inspectPinset } from '@qrpin/core';
import type { StoredPinset } from '../storage/pinset-store.ts';

export interface PinsetHostSummary {
  readonly pattern: string;
  readonly pins: readonly string[];
  readonly backupPins: readonly string[];
  readonly mode: string;
}

export interface PinsetSummary {
  readonly seq: number;
  /** ISO 8601: after it, clients stop enforcing (or follow the document's onExpiry). */
  readonly exp: string;
  readonly rollout: { readonly stage: string; readonly enforcePercent: number };
  readonly hosts: readonly PinsetHostSummary[];
}

interface Decoded {
  readonly summary: PinsetSummary;
  readonly patterns: readonly (readonly [HostPattern, PinsetHostSummary])[];
}

const decoded = new WeakMap<StoredPinset, Decoded | null>();

function decode(doc: StoredPinset): Decoded | null {
  let entry = decoded.get(doc);
  if (entry !== undefined) return entry;
  entry = null;
  try {
    const payload = inspectPinset(doc.jws).payload as {
      exp: number;
      rollout: { stage: string; enforcePercent: number };
      hosts: { pattern: string; pins: string[]; backupPins: string[]; mode: string }[];
    };
    const hosts = payload.hosts.map((h) => ({
      pattern: h.pattern,
      pins: [...h.pins],
      backupPins: [...h.backupPins],
      mode: h.mode,
    }));
    entry = {
      summary: {
        seq: doc.seq,
        exp: new Date(payload.exp * 1000).toISOString(),
        rollout: { stage: payload.rollout.stage, enforcePercent: payload.rollout.enforcePercent },
        hosts,
      },
      patterns: hosts.map((h) => [HostPattern.parse(h.pattern), h] as const),
    };
  } catch {
    // A stored document is verified, so this is a document of a format this server cannot read.
    entry = null;
  }
  decoded.set(doc, entry);
  return entry;
}

/** The summary of a stored document, or `null` when there is none (or it cannot be read). */
export function pinsetSummary(doc: StoredPinset | undefined): PinsetSummary | null {
  return doc === undefined ? null : (decode(doc)?.summary ?? null);
}

/** The pinset hosts whose pattern covers any of `hosts`, each once. */
export function pinsFor(doc: StoredPinset | undefined, hosts: readonly string[]): PinsetHostSummary[] {
  const entry = doc === undefined ? null : decode(doc);
  if (entry === null) return [];
  return entry.patterns.filter(([pattern]) => hosts.some((h) => pattern.matches(h))).map(([, host]) => host);
}
