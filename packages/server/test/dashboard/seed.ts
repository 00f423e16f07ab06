// Demo data for the dashboard's browser tests and its README screenshot: a project with an admin
// token, an ingest key, a signed pinset, journeys on three destinations (one whose every field is
// an XSS payload) and an alert. Every figure the tests look for is computed here, once.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { PINSET_VERSION, signPinset, type TelemetryEvent } from '@qrpin/core';
import type { PinsetStore } from '../../src/storage/pinset-store.ts';

/** Strings that would run script if the page ever parsed them as HTML. */
export const XSS = {
  destination: '<img src=x onerror="window.__xss=1">',
  campaign: '"><script>window.__xss=1</script>',
  appVersion: '<svg onload=window.__xss=1>',
  platform: "<img src=x onerror='window.__xss=1'>",
  host: '<b onmouseover=window.__xss=1>x</b>.example.com',
} as const;

export interface SeededDestination {
  readonly destination: string;
  readonly scans: number;
  readonly completes: number;
  /** As the page prints them. */
  readonly completion: string;
  readonly tlsErrorRate: string;
  readonly pinFailureRate: string;
  readonly status: 'ok' | 'warning' | 'alert' | 'idle';
  readonly host: string;
}

/** Options of {@link seedDashboard}. */
export interface SeedOptions {
  /** Add the destination whose every field is an XSS payload (default true). */
  readonly xss?: boolean | undefined;
}

export interface Seeded {
  readonly project: string;
  readonly token: string;
  readonly ingestKey: string;
  readonly destinations: readonly SeededDestination[];
  /** Scans of `spring-poster` on android only (the platform filter's expected figure). */
  readonly springAndroidScans: number;
  /** The oldest event, unix ms: every event is in `[oldestMs, nowMs)`. */
  readonly oldestMs: number;
}

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
const randomPin = (): string => `sha256/${randomBytes(32).toString('base64')}`;

interface Journey {
  readonly destination: string;
  readonly campaign: string;
  readonly appVersion: string;
  readonly platform: string;
  readonly host: string;
  readonly pinsetSeq: number;
  /**
   * `complete`, `redirected` (a short link's redirect first: two TLS connections and two hops, then
   * complete), `abandon`, or `pin_failure` (TLS error + enforce pin failure + abandon).
   */
  readonly outcome: 'complete' | 'redirected' | 'abandon' | 'pin_failure' | 'pin_report';
}

function events(project: string, journey: Journey, index: number, atMs: number): TelemetryEvent[] {
  const base = {
    project,
    appId: 'poster-app',
    appVersion: journey.appVersion,
    platform: journey.platform,
    sessionId: `journey-${index}-${randomBytes(4).toString('hex')}`,
    destination: journey.destination,
    campaign: journey.campaign,
    pinsetSeq: journey.pinsetSeq,
    cohort: index % 100,
    host: journey.host,
  };
  const at = (offsetSeconds: number) => new Date(atMs + offsetSeconds * 1000).toISOString();
  const out: TelemetryEvent[] = [{ ...base, type: 'scan', time: at(0) }];
  switch (journey.outcome) {
    case 'complete':
      out.push(
        { ...base, type: 'tls_ok', time: at(1) },
        { ...base, type: 'complete', time: at(2), status: 200 },
      );
      break;
    case 'redirected':
      out.push(
        { ...base, type: 'tls_ok', time: at(1), hop: 0 },
        { ...base, type: 'hop', time: at(1), hop: 0, status: 302 },
        { ...base, type: 'tls_ok', time: at(2), hop: 1 },
        { ...base, type: 'hop', time: at(2), hop: 1, status: 200 },
        { ...base, type: 'complete', time: at(3), status: 200 },
      );
      break;
    case 'abandon':
      out.push({ ...base, type: 'tls_ok', time: at(1) }, { ...base, type: 'abandon', time: at(5) });
      break;
    case 'pin_failure':
      out.push(
        { ...base, type: 'tls_error', time: at(1), code: 'ERR_PIN_MISMATCH' },
        { ...base, type: 'pin_failure', time: at(1), mode: 'enforce', chainPins: [randomPin()] },
        { ...base, type: 'abandon', time: at(3) },
      );
      break;
    case 'pin_report':
      out.push(
        { ...base, type: 'tls_ok', time: at(1) },
        { ...base, type: 'pin_failure', time: at(1), mode: 'report', chainPins: [randomPin()] },
        { ...base, type: 'complete', time: at(2), status: 200 },
      );
      break;
  }
  return out;
}

/**
 * Seeds `store` (migrated) with the demo project `spring`, relative to `nowMs`: every event falls
 * in the last five hours, at least a minute before `nowMs`.
 */
export async function seedDashboard(
  store: PinsetStore,
  nowMs: number,
  options: SeedOptions = {},
): Promise<Seeded> {
  const xss = options.xss ?? true;
  const project = 'spring';
  const token = randomBytes(24).toString('base64url');
  const ingestKey = randomBytes(24).toString('base64url');
  await store.createProject(project);
  await store.addAdminToken(project, sha256Hex(token));
  await store.addIngestKey(project, 'poster-app', sha256Hex(ingestKey));

  // A signed pinset, published straight into the store (the routes' verifier is tested elsewhere).
  const { privateKey } = generateKeyPairSync('ed25519');
  const iat = Math.floor(nowMs / 1000) - 3600;
  const jws = signPinset(
    {
      v: PINSET_VERSION,
      project,
      seq: 7,
      iat,
      exp: iat + 45 * 86_400,
      hosts: [
        {
          pattern: 'promo.example.com',
          pins: [randomPin()],
          backupPins: [randomPin()],
          includeSubdomains: false,
          mode: 'enforce',
        },
        {
          pattern: '**.shop.example.com',
          pins: [randomPin(), randomPin()],
          backupPins: [randomPin()],
          includeSubdomains: true,
          mode: 'report',
        },
      ],
      rollout: { stage: 'everyone', enforcePercent: 100 },
    },
    { privateKey, kid: 'demo-2026' },
  );
  await store.publish(project, { seq: 7, jws, sha256: sha256Hex(jws) });

  const journeys: Journey[] = [];
  const spring = {
    destination: 'spring-poster',
    campaign: 'spring-2026',
    host: 'promo.example.com',
    pinsetSeq: 7,
  } as const;
  // Through a redirect: 70 TLS connections for 40 scans.
  for (let i = 0; i < 30; i++)
    journeys.push({ ...spring, appVersion: '2.1.0', platform: 'ios', outcome: 'redirected' });
  for (let i = 0; i < 10; i++) {
    journeys.push({
      ...spring,
      appVersion: '2.0.3',
      platform: 'android',
      outcome: i < 5 ? 'complete' : 'abandon',
    });
  }
  const autumn = {
    destination: 'autumn-flyer',
    campaign: 'autumn-2026',
    host: 'www.shop.example.com',
    appVersion: '2.0.3',
    platform: 'android',
  } as const;
  for (let i = 0; i < 12; i++) journeys.push({ ...autumn, pinsetSeq: 7, outcome: 'complete' });
  for (let i = 0; i < 4; i++) journeys.push({ ...autumn, pinsetSeq: 6, outcome: 'pin_failure' });
  for (let i = 0; i < (xss ? 3 : 0); i++) {
    journeys.push({
      destination: XSS.destination,
      campaign: XSS.campaign,
      appVersion: XSS.appVersion,
      platform: XSS.platform,
      host: XSS.host,
      pinsetSeq: 7,
      outcome: 'complete',
    });
  }

  // One journey every 4 minutes, the newest two minutes ago: about 4 hours in all.
  const newest = Math.floor(nowMs / 1000) * 1000 - 120_000;
  const all: TelemetryEvent[] = [];
  let oldestMs = newest;
  journeys.forEach((journey, i) => {
    const atMs = newest - i * 240_000;
    oldestMs = Math.min(oldestMs, atMs);
    all.push(...events(project, journey, i, atMs));
  });
  await store.insertEvents(all);

  // A spike on autumn-flyer twenty minutes ago: the destination shows as in alert.
  const windowStart = Math.floor((nowMs - 20 * 60_000) / 60_000) * 60;
  await store.insertAlert(
    {
      project,
      destination: 'autumn-flyer',
      kind: 'pin_failure_rate',
      windowStart,
      windowSeconds: 300,
      observed: { errors: 4, attempts: 16 },
      baseline: { errors: 2, attempts: 9000 },
      pValue: 1.2e-9,
    },
    nowMs,
  );

  return {
    project,
    token,
    ingestKey,
    oldestMs,
    springAndroidScans: 10,
    destinations: [
      {
        destination: 'spring-poster',
        scans: 40,
        completes: 35,
        completion: '87.5 %',
        tlsErrorRate: '0 %',
        pinFailureRate: '0 %',
        status: 'ok',
        host: 'promo.example.com',
      },
      {
        destination: 'autumn-flyer',
        scans: 16,
        completes: 12,
        completion: '75.0 %',
        tlsErrorRate: '25.0 %',
        pinFailureRate: '25.0 %',
        status: 'alert',
        host: 'www.shop.example.com',
      },
      ...(xss ? [XSS_DESTINATION] : []),
    ],
  };
}

const XSS_DESTINATION: SeededDestination = {
  destination: XSS.destination,
  scans: 3,
  completes: 3,
  completion: '100.0 %',
  tlsErrorRate: '0 %',
  pinFailureRate: '0 %',
  status: 'ok',
  host: XSS.host,
};
