/**
 * The demo's simulated campaign: a few hours of QR journeys on each destination, from a mix of app
 * versions and platforms, with the drop-offs and rare TLS errors of real traffic, and a burst of
 * intercepted sessions on one destination — what a hostile hotspot (TLS errors: its certificate is
 * not trusted) and a rogue CA that some phones trust (pin failures: a valid chain with the wrong key)
 * cause where a crowd scans a poster. Pure: the clock and the randomness are passed in.
 */
import type { ReportedEvent } from '@qrpin/client';

/** One destination of the campaign. */
export interface CampaignDestination {
  readonly id: string;
  readonly campaign: string;
  readonly host: string;
  /** The URL of each hop of a successful journey (without query string): redirects, then the content. */
  readonly hops: readonly string[];
  /** Journeys a minute on average. */
  readonly perMinute: number;
  /** Minutes before `nowMs` the destination went live (default: the whole campaign). */
  readonly liveForMinutes?: number | undefined;
}

/** The interception burst. */
export interface CampaignSpike {
  readonly destination: string;
  /** Its first minute, in whole minutes before `nowMs`'s minute. */
  readonly startMinutesAgo: number;
  readonly minutes: number;
  /** Journeys a minute during the burst (a crowd at the venue). */
  readonly perMinute: number;
  /** The share of them that went through the interceptor. */
  readonly interceptedShare: number;
  /** The pins of the chain the rogue CA forges (leaf, then CA). */
  readonly roguePins: readonly string[];
}

/** What {@link simulateCampaign} is given. */
export interface CampaignInput {
  /** Unix ms: every journey ends before the minute of `nowMs` starts. */
  readonly nowMs: number;
  readonly minutes: number;
  readonly destinations: readonly CampaignDestination[];
  readonly spike: CampaignSpike;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  /** A random session id. */
  readonly sessionId: () => string;
}

/** The app build a journey ran in: what the reporter adds to each event. */
export interface SimulatedApp {
  readonly appVersion: string;
  readonly platform: string;
  /** The pinset the app followed (`undefined`: an old build with pins compiled in). */
  readonly pinsetSeq: number | undefined;
}

/** One simulated journey. */
export interface SimulatedJourney {
  readonly app: SimulatedApp;
  readonly cohort: number;
  readonly intercepted: boolean;
  readonly events: readonly ReportedEvent[];
}

/** The app builds in the field and their share of scans. */
export const CAMPAIGN_APPS: ReadonlyArray<SimulatedApp & { readonly share: number }> = [
  { appVersion: '3.2.0', platform: 'ios', pinsetSeq: 1, share: 0.34 },
  { appVersion: '3.2.0', platform: 'android', pinsetSeq: 1, share: 0.26 },
  { appVersion: '3.1.4', platform: 'ios', pinsetSeq: 1, share: 0.14 },
  { appVersion: '3.1.4', platform: 'android', pinsetSeq: 1, share: 0.16 },
  { appVersion: '3.0.9', platform: 'android', pinsetSeq: undefined, share: 0.1 },
];

const MINUTE = 60_000;
/** Node's code for a chain that does not lead to a trusted root, as a hostile hotspot causes. */
const UNTRUSTED = 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
/** A captive portal answering for the host with its own certificate. */
const WRONG_NAME = 'ERR_TLS_CERT_ALTNAME_INVALID';

/**
 * Simulates the campaign's journeys over the `minutes` before `nowMs`'s minute.
 *
 * @example
 * ```ts
 * const journeys = simulateCampaign({ nowMs: Date.now(), minutes: 180, destinations, spike, random, sessionId });
 * journeys.flatMap((j) => j.events).length; // about 14,000
 * ```
 */
export function simulateCampaign(input: CampaignInput): SimulatedJourney[] {
  const { random, spike } = input;
  const end = Math.floor(input.nowMs / MINUTE) * MINUTE;
  const journeys: SimulatedJourney[] = [];
  for (let m = input.minutes; m >= 1; m -= 1) {
    const minuteStart = end - m * MINUTE;
    for (const destination of input.destinations) {
      if (m > (destination.liveForMinutes ?? input.minutes)) continue;
      const inSpike =
        destination.id === spike.destination &&
        m <= spike.startMinutesAgo &&
        m > spike.startMinutesAgo - spike.minutes;
      // A gentle swell over the hours, and noise minute to minute.
      const swell = 0.75 + 0.5 * ((input.minutes - m) / input.minutes);
      const mean = inSpike ? spike.perMinute : destination.perMinute * swell;
      const count = Math.max(0, Math.round(mean * (0.7 + 0.6 * random())));
      for (let i = 0; i < count; i += 1) {
        const at = minuteStart + Math.floor(random() * (MINUTE - 5_000));
        const intercepted = inSpike && random() < spike.interceptedShare;
        journeys.push(journey(input, destination, at, intercepted));
      }
    }
  }
  return journeys;
}

function pickApp(random: () => number): SimulatedApp {
  let r = random();
  for (const app of CAMPAIGN_APPS) {
    r -= app.share;
    if (r < 0) return app;
  }
  return CAMPAIGN_APPS[0]!;
}

function journey(
  input: CampaignInput,
  destination: CampaignDestination,
  startMs: number,
  intercepted: boolean,
): SimulatedJourney {
  const { random } = input;
  const app = pickApp(random);
  const base = {
    sessionId: input.sessionId(),
    destination: destination.id,
    campaign: destination.campaign,
  };
  let t = startMs;
  const events: ReportedEvent[] = [];
  const push = (type: ReportedEvent['type'], fields: Partial<ReportedEvent> = {}): void => {
    events.push({ ...base, type, time: new Date(t).toISOString(), ...fields });
  };
  push('scan');
  t += 200 + Math.floor(random() * 1500);
  const r = random();
  if (!intercepted && r < 0.02) {
    // No network where the code was scanned: the person gave up before any connection.
    t += 8_000;
    push('abandon');
    return { app, cohort: Math.floor(random() * 100), intercepted, events };
  }
  const first = destination.hops[0] ?? `https://${destination.host}/`;
  const at = { hop: 0, host: destination.host, url: first };
  if (intercepted) {
    if (random() < 0.5) {
      push('tls_error', { ...at, code: UNTRUSTED });
    } else {
      push('tls_ok', at);
      push('pin_failure', {
        ...at,
        code: 'ERR_PIN_MISMATCH',
        chainPins: [...input.spike.roguePins],
        mode: 'enforce',
      });
    }
    return { app, cohort: Math.floor(random() * 100), intercepted, events };
  }
  if (r < 0.006) {
    push('tls_error', { ...at, code: WRONG_NAME });
    return { app, cohort: Math.floor(random() * 100), intercepted, events };
  }
  for (const [hop, url] of destination.hops.entries()) {
    const last = hop === destination.hops.length - 1;
    const durationMs = 40 + Math.floor(random() * 350);
    push('tls_ok', { hop, host: destination.host, url });
    if (last && r < 0.09) {
      // The page was slow to come: the person closed the app.
      t += 4_000 + Math.floor(random() * 6_000);
      push('abandon', { hop, host: destination.host, url });
      break;
    }
    t += durationMs;
    push('hop', { hop, host: destination.host, url, status: last ? 200 : 302, durationMs });
    if (last) push('complete', { hop, host: destination.host, url, status: 200 });
  }
  return { app, cohort: Math.floor(random() * 100), intercepted, events };
}

/**
 * A small seeded generator (xorshift32), so the demo's traffic is the same from run to run.
 *
 * @example
 * ```ts
 * const random = seededRandom(2026);
 * random(); // a number in [0, 1), the same for the same seed
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}
