/**
 * The demo's telemetry story: the server takes a simulated campaign through its real ingestion
 * (`POST /v1/events` with per-app ingest keys, sent by the client's telemetry reporter) together
 * with the events of the demo's own journeys, counts it through the metrics API, then runs the
 * alert job once: the interception burst on one destination raises an alert, which a local webhook
 * receiver gets and verifies. The dashboard then shows it all.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { QrpinError, type Manifest } from '@qrpin/core';
import { TelemetryReporter, type JourneyEvent, type ReportedEvent } from '@qrpin/client';
import {
  corePinsetVerifier,
  startAlertJob,
  startServer,
  type AlertJob,
  type RunningServer,
} from '@qrpin/server';
import { prepareProject } from '../lib/server-setup.ts';
import { writeUserFile } from '../lib/files.ts';
import { VERSION } from '../version.ts';
import { seededRandom, simulateCampaign, type CampaignDestination, type SimulatedApp } from './campaign.ts';
import { startWebhookReceiver, type ReceivedAlert, type WebhookReceiver } from './webhook-receiver.ts';

/** Inputs of {@link runTelemetryStory}. */
export interface TelemetryStoryInput {
  readonly dir: string;
  readonly manifest: Manifest;
  /** Redirects the demo hosts answer with: `https://host:port/path` → the absolute target. */
  readonly redirects: ReadonlyMap<string, string>;
  /** Events of the demo's own journeys (steps 7 and 8), reported by the scanning kiosk. */
  readonly realEvents: readonly JourneyEvent[];
  readonly clock: () => Date;
  readonly write: (line: string) => void;
}

/** The running story: the server stays up (for the dashboard) until {@link TelemetryStory.close}. */
export interface TelemetryStory {
  /** The dashboard: the server's `/`. */
  readonly dashboardUrl: string;
  readonly project: string;
  readonly server: RunningServer;
  readonly receiver: WebhookReceiver;
  /** Events the server acknowledged. */
  readonly eventsSent: number;
  /** Ids of the alerts the job raised. */
  readonly alertIds: readonly number[];
  /** True when every event was stored and counted, an alert was raised and every one received. */
  readonly ok: boolean;
  /** Stops the alert job, removes the demo's webhook, stops the receiver and the server. */
  close(): Promise<void>;
}

/** Journeys a minute of each destination, in manifest order, and when the last one went live. */
const TRAFFIC: ReadonlyArray<{ perMinute: number; liveForMinutes?: number }> = [
  { perMinute: 8 },
  { perMinute: 3 },
  { perMinute: 4 },
  { perMinute: 1.5, liveForMinutes: 90 },
];
const CAMPAIGN_MINUTES = 180;
const SEED = 2026;
const CAMPAIGN_APP = 'spring-app';
const KIOSK_APP = 'scan-kiosk';

/** Runs the story; the server keeps running until `close()`. */
export async function runTelemetryStory(input: TelemetryStoryInput): Promise<TelemetryStory> {
  const { manifest, write } = input;
  const project = manifest.project;
  const nowMs = (): number => input.clock().getTime();
  const serverDir = join(input.dir, 'server');
  const server = await startServer({
    verify: corePinsetVerifier(input.clock),
    directory: serverDir,
    port: 0,
    logger: false,
    // The alert job is run below, on the demo's clock, once the campaign is in.
    jobs: false,
  });
  let receiver: WebhookReceiver | undefined;
  let job: AlertJob | undefined;
  let webhookId: number | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await job?.stop();
      // A later `qrpin serve` on this directory must not post to a port the demo no longer holds.
      if (webhookId !== undefined) await server.store.removeWebhook(project, webhookId);
      await receiver?.close();
      await server.close();
    })());
  try {
    const tokenFile = join(serverDir, 'admin-token');
    await prepareProject(server.store, manifest, { cwd: input.dir, tokenFile });
    const token = readFileSync(tokenFile, 'utf8').trim();
    const keys = new Map<string, string>();
    for (const appId of [CAMPAIGN_APP, KIOSK_APP])
      keys.set(appId, await ingestKey(server, input.dir, project, appId));
    write(
      `ingest keys of apps ${CAMPAIGN_APP} and ${KIOSK_APP}: server/ingest-key-<app> (0600, never printed)`,
    );

    // The campaign, sent through the reporter as the apps in the field would.
    const random = seededRandom(SEED);
    const destinations = campaignDestinations(manifest, input.redirects);
    const spiked = destinations[0];
    if (spiked === undefined)
      throw new QrpinError('ERR_MANIFEST_INVALID', 'the demo manifest has no https destination');
    const roguePins = ['demo rogue leaf', 'demo rogue CA'].map(
      (label) => `sha256/${createHash('sha256').update(label).digest('base64')}`,
    );
    const spike = {
      destination: spiked.id,
      startMinutesAgo: 9,
      minutes: 5,
      perMinute: 22,
      interceptedShare: 0.6,
      roguePins,
    };
    const startMs = nowMs();
    const journeys = simulateCampaign({
      nowMs: startMs,
      minutes: CAMPAIGN_MINUTES,
      destinations,
      spike,
      random,
      sessionId: randomUUID,
    });
    const endpoint = `${server.url}/v1/events`;
    const reporters = new Map<string, TelemetryReporter>();
    let context: { pinsetSeq?: number; cohort?: number } = {};
    const reporterFor = (appId: string, app: Omit<SimulatedApp, 'pinsetSeq'>): TelemetryReporter => {
      const id = `${appId} ${app.appVersion} ${app.platform}`;
      let reporter = reporters.get(id);
      if (reporter === undefined) {
        reporter = new TelemetryReporter({
          endpoint,
          ingestKey: keys.get(appId) ?? '',
          app: { project, appId, appVersion: app.appVersion, platform: app.platform },
          batchSize: 1000,
          maxQueue: 1_000_000,
          context: () => context,
        });
        reporters.set(id, reporter);
      }
      return reporter;
    };
    let recorded = 0;
    const record = (reporter: TelemetryReporter, event: ReportedEvent): void => {
      reporter.record(event);
      recorded += 1;
    };
    for (const journey of journeys) {
      const reporter = reporterFor(CAMPAIGN_APP, journey.app);
      context = { pinsetSeq: journey.app.pinsetSeq, cohort: journey.cohort };
      for (const event of journey.events) record(reporter, event);
    }
    context = {};
    const kiosk = reporterFor(KIOSK_APP, { appVersion: VERSION, platform: 'node' });
    for (const event of input.realEvents) record(kiosk, event);
    await Promise.all([...reporters.values()].map((r) => r.close()));
    const stats = [...reporters.values()].map((r) => r.stats);
    const sent = stats.reduce((n, s) => n + s.sent, 0);
    const lost = recorded - sent;
    const apps = new Set(journeys.map((j) => `${j.app.appVersion}`));
    const platforms = new Set(journeys.map((j) => j.app.platform));
    const spikeEnd = new Date(
      Math.floor(startMs / 60_000) * 60_000 - (spike.startMinutesAgo - spike.minutes) * 60_000,
    );
    const spikeStart = new Date(spikeEnd.getTime() - spike.minutes * 60_000);
    const seqs = [...new Set(journeys.map((j) => j.app.pinsetSeq ?? 'none'))].join(' or ');
    write(
      `simulated: ${journeys.length} journeys over the past ${CAMPAIGN_MINUTES / 60} hours on ${destinations.length} destinations, ${new Set(destinations.map((d) => d.campaign)).size} campaigns, app versions ${[...apps].sort().reverse().join(', ')} on ${[...platforms].sort().join(' and ')}, pinset seq ${seqs}`,
    );
    write(
      `  with an interception burst on ${spike.destination} ${hhmm(spikeStart)}–${hhmm(spikeEnd)} UTC: a hotspot in the middle (TLS errors), a rogue CA some phones trust (pin failures)`,
    );
    write(
      `real: the ${input.realEvents.length} events of the journeys of steps 7 and 8 (app ${KIOSK_APP} on node)`,
    );
    write(`POST /v1/events through the client reporter: ${sent} events acknowledged`);
    if (lost > 0) write(`${lost} events were not acknowledged (dropped, refused or left queued)`);

    // What the dashboard will show, from the metrics API.
    const base = `${server.url}/v1/projects/${encodeURIComponent(project)}`;
    const auth = { authorization: `Bearer ${token}` };
    const from = new Date(startMs - (CAMPAIGN_MINUTES + 10) * 60_000).toISOString().slice(0, 19) + 'Z';
    const to = new Date(nowMs() + 120_000).toISOString().slice(0, 19) + 'Z';
    const overview = await getJson<Overview>(`${base}/metrics/overview?from=${from}&to=${to}`, auth);
    const t = overview.totals;
    const r = overview.rates;
    write(
      `metrics API: ${t.events} events, ${t.scans} scans, ${t.completes} completed (${percent(r.completionRate)}), TLS errors ${percent(r.tlsErrorRate)}, pin failures ${percent(r.pinFailureRate)}`,
    );

    // The webhook, added through the admin API (its secret is shown once: the receiver keeps it).
    receiver = await startWebhookReceiver(nowMs);
    const added = await request(`${base}/webhooks`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url }),
    });
    const hook = (await added.body.json()) as { id?: number; secret?: string };
    if (added.statusCode !== 201 || hook.secret === undefined || hook.id === undefined) {
      throw new QrpinError('ERR_FETCH_FAILED', `adding the demo webhook answered HTTP ${added.statusCode}`);
    }
    webhookId = hook.id;
    receiver.setSecret(hook.secret);
    write(
      `webhook ${receiver.url} added (POST /v1/projects/${project}/webhooks; its secret stays in memory)`,
    );

    // One run of the alert job, on the same clock as the campaign.
    job = startAlertJob({ store: server.store, now: nowMs });
    const run = await job.runOnce();
    const raised = run.alerts.filter((a) => a.destination === spike.destination);
    const kinds = run.alerts.map((a) => `${a.destination} ${a.kind}`).join(', ');
    write(
      `alert job (one run): ${run.alerts.length} alert${run.alerts.length === 1 ? '' : 's'} raised${kinds === '' ? '' : ` (${kinds})`}, ${run.deliveries.delivered} delivered to the webhook`,
    );
    for (const got of receiver.received) write(`  received: ${describeAlert(got)}; signature verified`);
    const received = new Set(receiver.received.map((g) => g.alert.id));
    const ok =
      lost === 0 &&
      t.events >= sent &&
      raised.length > 0 &&
      run.alerts.every((a) => received.has(a.id)) &&
      receiver.refused === 0;
    return {
      dashboardUrl: `${server.url}/`,
      project,
      server,
      receiver,
      eventsSent: sent,
      alertIds: run.alerts.map((a) => a.id),
      ok,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The app's ingest key: the one in `server/ingest-key-<app>` from an earlier run, else a new one. */
async function ingestKey(
  server: RunningServer,
  dir: string,
  project: string,
  appId: string,
): Promise<string> {
  const file = join(dir, 'server', `ingest-key-${appId}`);
  let key = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (key.length < 16) {
    key = randomBytes(24).toString('base64url');
    writeUserFile(dir, file, `${key}\n`, { secret: true, overwrite: true });
  }
  await server.store.addIngestKey(project, appId, createHash('sha256').update(key).digest('hex'));
  return key;
}

/** The manifest's destinations that open an https page, with the hops a journey takes. */
function campaignDestinations(
  manifest: Manifest,
  redirects: ReadonlyMap<string, string>,
): CampaignDestination[] {
  const out: CampaignDestination[] = [];
  for (const d of manifest.destinations) {
    const entry = d.kind === 'deep-link' ? d.fallback : d.payload;
    if (entry === undefined || !entry.startsWith('https://')) continue;
    const url = new URL(entry);
    const hops = [`${url.origin}${url.pathname}`];
    for (
      let next = redirects.get(hops[0]!);
      next !== undefined && hops.length < 5;
      next = redirects.get(next)
    ) {
      hops.push(next);
    }
    const traffic = TRAFFIC[out.length] ?? { perMinute: 1 };
    out.push({ id: d.id, campaign: d.campaign ?? 'none', host: url.hostname, hops, ...traffic });
  }
  return out;
}

interface Overview {
  readonly totals: { events: number; scans: number; completes: number };
  readonly rates: {
    completionRate: number | null;
    tlsErrorRate: number | null;
    pinFailureRate: number | null;
  };
}

async function getJson<T>(url: string, headers: Record<string, string>): Promise<T> {
  const res = await request(url, { headers });
  const body = (await res.body.json()) as T;
  if (res.statusCode !== 200) {
    throw new QrpinError('ERR_FETCH_FAILED', `GET ${new URL(url).pathname} answered HTTP ${res.statusCode}`);
  }
  return body;
}

function describeAlert({ delivery, alert }: ReceivedAlert): string {
  const window = `${hhmm(new Date(alert.windowStart))}–${hhmm(new Date(alert.windowEnd))} UTC`;
  return (
    `delivery ${delivery}, alert #${alert.id} ${alert.destination} ${alert.kind}: ` +
    `${alert.observed.errors}/${alert.observed.attempts} (${percent(alert.observed.rate)}) in ${window}` +
    ` against ${alert.baseline.errors}/${alert.baseline.attempts} before, p = ${alert.pValue.toExponential(1)}`
  );
}

function percent(rate: number | null): string {
  return rate === null ? 'n/a' : `${(rate * 100).toFixed(rate < 0.1 ? 1 : 0)}%`;
}

function hhmm(date: Date): string {
  return date.toISOString().slice(11, 16);
}
