/**
 * Follows a QR payload to its content, hop by hop, through the pinned dispatcher: https only, no
 * scheme downgrade, every hop's host inside the inventory (or an explicit allow-list), a hop
 * limit, timeouts, and no connections to loopback/private/link-local addresses unless allowed —
 * this code also runs server-side, where a QR code must not become a way into the network.
 */
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { request } from 'undici';
import {
  HostPattern,
  parseQrPayload,
  QrpinError,
  QrPayloadError,
  type Policy,
  type QrPayload,
} from '@qrpin/core';
import { PinnedAgent, type PinnedConnectOptions } from '../dispatcher/pinned-agent.ts';
import { PinMismatchError } from '../errors/pin-mismatch-error.ts';
import type { PinFailureReport } from '../pin/report.ts';
import { guardedLookup, isSpecialAddress } from './address-guard.ts';
import { redactUrl, type JourneyEvent, type JourneyEventType, type JourneySink } from './events.ts';

/** The pin verdict of one hop. */
export type HopPinVerdict = 'pass' | 'fail' | 'reported' | 'expired' | 'unpinned' | 'not-checked';

/** One request of a journey. */
export interface JourneyHop {
  readonly url: string;
  readonly host: string;
  readonly status?: number | undefined;
  /** Where a redirect pointed (absolute). */
  readonly location?: string | undefined;
  readonly durationMs: number;
  readonly tls: { readonly ok: boolean; readonly error?: string | undefined };
  readonly pin: HopPinVerdict;
  /** The pin failure, when the hop's chain matched none of its host's pins. */
  readonly pinFailure?: PinFailureReport | undefined;
  /** True when this hop's host was let through by `allowHosts` rather than the inventory. */
  readonly allowListed?: boolean | undefined;
}

/** Why a journey stopped short of content. */
export type JourneyRefusal =
  | 'payload-refused'
  | 'payload-blocked'
  | 'not-a-web-destination'
  | 'not-https'
  | 'scheme-downgrade'
  | 'host-not-in-inventory'
  | 'private-address'
  | 'too-many-hops'
  | 'redirect-invalid'
  | 'pin-mismatch'
  | 'tls-error'
  | 'timeout'
  | 'network-error';

/** The end of a journey. */
export interface JourneyResult {
  readonly sessionId: string;
  /** What the payload is (undefined when it was refused outright). */
  readonly payload?: QrPayload | undefined;
  readonly outcome: 'complete' | 'refused' | 'failed';
  readonly reason?: { readonly code: JourneyRefusal; readonly message: string } | undefined;
  readonly hops: readonly JourneyHop[];
  /** The final response, for a complete journey. */
  readonly final?:
    | {
        readonly url: string;
        readonly status: number;
        readonly contentType?: string | undefined;
        readonly body: Uint8Array;
        readonly truncated: boolean;
      }
    | undefined;
}

/** Options of {@link resolveJourney}. */
export interface JourneyOptions {
  /** The pinning policy (e.g. compiled from the manifest, or `parseClientPolicy`). */
  readonly policy: Policy;
  /** Hosts the journey may visit besides the policy's patterns: the manifest's destinations. */
  readonly inventory?: ReadonlyArray<string | HostPattern> | undefined;
  /** Hosts let through although not in the inventory; each such hop is marked `allowListed`. */
  readonly allowHosts?: readonly string[] | undefined;
  /** TLS options (`ca`, …) for the pinned connections. */
  readonly connect?: PinnedConnectOptions | undefined;
  /** An HTTP CONNECT proxy, as for the pinned dispatcher. */
  readonly proxy?: string | undefined;
  /** Permit loopback/private/link-local addresses (local testing only). Default false. */
  readonly allowPrivateAddresses?: boolean | undefined;
  /** Maximum requests in one journey, redirects included. Default 10. */
  readonly maxHops?: number | undefined;
  /** Per-request timeout in ms. Default 10 000. */
  readonly hopTimeoutMs?: number | undefined;
  /** Maximum bytes of the final body kept. Default 1 MiB. */
  readonly maxBodyBytes?: number | undefined;
  /** For a deep link: the https page opened when the app is not installed (the manifest's `fallback`). */
  readonly fallbackUrl?: string | undefined;
  /** Labels for events. */
  readonly destination?: string | undefined;
  readonly campaign?: string | undefined;
  readonly sink?: JourneySink | undefined;
  readonly now?: (() => Date) | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Resolves a QR payload to its content through a pinned dispatcher of its own.
 *
 * @example
 * ```ts
 * const policy = compilePolicy(parseManifest(text).manifest);
 * const result = await resolveJourney('https://promo.example.com/spring?src=qr', { policy });
 * if (result.outcome !== 'complete') console.error(result.reason?.message);
 * ```
 */
export async function resolveJourney(payloadText: string, options: JourneyOptions): Promise<JourneyResult> {
  const maxHops = options.maxHops ?? 10;
  const hopTimeoutMs = options.hopTimeoutMs ?? 10_000;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  if (!(Number.isInteger(maxHops) && maxHops >= 1 && maxHops <= 50)) {
    throw new QrpinError('ERR_JOURNEY_OPTIONS', `maxHops must be an integer from 1 to 50, got ${maxHops}`);
  }
  const now = options.now ?? (() => new Date());
  const sessionId = randomUUID();
  const emit = (type: JourneyEventType, fields: Partial<JourneyEvent> = {}): void => {
    try {
      options.sink?.({
        type,
        time: now().toISOString(),
        sessionId,
        destination: options.destination,
        campaign: options.campaign,
        ...fields,
      });
    } catch {
      // A sink must never break a journey.
    }
  };
  const hops: JourneyHop[] = [];
  const stop = (
    outcome: 'refused' | 'failed',
    code: JourneyRefusal,
    message: string,
    payload?: QrPayload,
  ): JourneyResult => ({ sessionId, payload, outcome, reason: { code, message }, hops });

  emit('scan');
  let payload: QrPayload;
  try {
    payload = parseQrPayload(payloadText, { allowPrivateHosts: options.allowPrivateAddresses === true });
  } catch (err) {
    if (err instanceof QrPayloadError) return stop('refused', 'payload-refused', err.message);
    throw err;
  }
  if (payload.blocked) {
    const findings = payload.findings.filter((f) => f.severity === 'block');
    return stop(
      'refused',
      'payload-blocked',
      findings.map((f) => `${f.code}: ${f.message}`).join('; '),
      payload,
    );
  }
  const entry =
    entryUrl(payload) ??
    (options.fallbackUrl !== undefined && (payload.kind === 'deep-link' || payload.kind === 'android-intent')
      ? safeUrl(options.fallbackUrl)
      : undefined);
  if (entry === undefined) {
    return stop(
      'refused',
      'not-a-web-destination',
      `a ${payload.kind} payload has no https destination to follow`,
      payload,
    );
  }

  const inventory = [
    ...options.policy.hosts.map((h) => h.pattern),
    ...(options.inventory ?? []).map((h) => (typeof h === 'string' ? HostPattern.parse(h) : h)),
  ];
  const allowHosts = new Set((options.allowHosts ?? []).map((h) => h.toLowerCase()));
  const reports: PinFailureReport[] = [];
  const agent = new PinnedAgent({
    policy: options.policy,
    connect: {
      ...options.connect,
      ...(options.allowPrivateAddresses === true ? {} : { lookup: guardedLookup(options.connect?.lookup) }),
    },
    ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
    onPinFailure: (report) => reports.push(report),
    now,
  });

  try {
    let url = entry;
    for (let hop = 0; ; hop++) {
      if (hop >= maxHops) {
        emit('redirect_blocked', { hop, host: url.hostname, url: redactUrl(url), code: 'too-many-hops' });
        return stop('refused', 'too-many-hops', `more than ${maxHops} hops; the journey stops here`, payload);
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (url.protocol !== 'https:') {
        const code: JourneyRefusal = hop === 0 ? 'not-https' : 'scheme-downgrade';
        emit('redirect_blocked', { hop, host, url: redactUrl(url), code });
        return stop(
          'refused',
          code,
          hop === 0
            ? `${redactUrl(url)} is not https; a QR journey only follows https`
            : `hop ${hop} redirects to ${redactUrl(url)}, from https down to ${url.protocol.slice(0, -1)}`,
          payload,
        );
      }
      if (isIP(host) !== 0 && options.allowPrivateAddresses !== true && isSpecialAddress(host)) {
        emit('redirect_blocked', { hop, host, url: redactUrl(url), code: 'private-address' });
        return stop(
          'refused',
          'private-address',
          `${host} is a loopback/private/link-local address`,
          payload,
        );
      }
      const inInventory = inventory.some((p) => p.matches(host));
      const allowListed = !inInventory && allowHosts.has(host.toLowerCase());
      if (!inInventory && !allowListed) {
        emit('redirect_blocked', { hop, host, url: redactUrl(url), code: 'host-not-in-inventory' });
        return stop(
          'refused',
          'host-not-in-inventory',
          `hop ${hop} goes to ${host}, which is neither a pinned host nor a destination of the inventory; add it to the manifest (or allow it explicitly)`,
          payload,
        );
      }
      const pinned = options.policy.hosts.some((h) => h.pattern.matches(host));
      const reportsBefore = reports.length;
      const started = performance.now();
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(url, {
          dispatcher: agent,
          method: 'GET',
          headers: {
            'user-agent': 'qrpin-journey/0.1',
            accept: 'text/html,application/json;q=0.9,*/*;q=0.5',
          },
          headersTimeout: hopTimeoutMs,
          bodyTimeout: hopTimeoutMs,
          signal: AbortSignal.timeout(hopTimeoutMs),
        });
      } catch (err) {
        const durationMs = Math.round(performance.now() - started);
        const failure = classifyError(err);
        const pinFailure = reports.slice(reportsBefore).find((r) => r.host === host);
        hops.push({
          url: redactUrl(url),
          host,
          durationMs,
          tls: {
            ok: failure.code !== 'tls-error',
            error: failure.code === 'tls-error' ? failure.message : undefined,
          },
          pin: failure.code === 'pin-mismatch' ? 'fail' : pinned ? 'not-checked' : 'unpinned',
          pinFailure,
          allowListed,
        });
        if (failure.code === 'pin-mismatch') {
          emit('tls_ok', { hop, host, url: redactUrl(url) });
          emit('pin_failure', {
            hop,
            host,
            url: redactUrl(url),
            code: 'ERR_PIN_MISMATCH',
            chainPins: pinFailure?.chain.map((c) => c.pin),
            mode: 'enforce',
          });
        } else if (failure.code === 'tls-error') {
          emit('tls_error', { hop, host, url: redactUrl(url), code: failure.errorCode });
        } else if (failure.code === 'private-address') {
          emit('redirect_blocked', { hop, host, url: redactUrl(url), code: 'private-address' });
        }
        return stop(
          failure.code === 'private-address' ? 'refused' : 'failed',
          failure.code,
          `${host}: ${failure.message}`,
          payload,
        );
      }
      const durationMs = Math.round(performance.now() - started);
      const report = reports.slice(reportsBefore).find((r) => r.host === host);
      const verdict: HopPinVerdict = !pinned
        ? 'unpinned'
        : report === undefined
          ? 'pass'
          : report.expired
            ? 'expired'
            : 'reported';
      emit('tls_ok', { hop, host, url: redactUrl(url) });
      if (report !== undefined) {
        emit('pin_failure', {
          hop,
          host,
          url: redactUrl(url),
          code: 'ERR_PIN_MISMATCH',
          chainPins: report.chain.map((c) => c.pin),
          mode: report.mode,
        });
      }
      const location = response.headers.location;
      const status = response.statusCode;
      if (REDIRECTS.has(status)) {
        await response.body.dump();
        const target = typeof location === 'string' ? safeUrl(location, url) : undefined;
        hops.push({
          url: redactUrl(url),
          host,
          status,
          location: target === undefined ? undefined : redactUrl(target),
          durationMs,
          tls: { ok: true },
          pin: verdict,
          pinFailure: report,
          allowListed,
        });
        emit('hop', { hop, host, url: redactUrl(url), status, durationMs });
        if (target === undefined) {
          emit('redirect_blocked', { hop, host, url: redactUrl(url), code: 'redirect-invalid' });
          return stop(
            'refused',
            'redirect-invalid',
            `hop ${hop} answered ${status} without a usable Location`,
            payload,
          );
        }
        url = target;
        continue;
      }
      const { body, truncated } = await readCapped(response.body, maxBodyBytes);
      hops.push({
        url: redactUrl(url),
        host,
        status,
        durationMs,
        tls: { ok: true },
        pin: verdict,
        pinFailure: report,
        allowListed,
      });
      emit('hop', { hop, host, url: redactUrl(url), status, durationMs });
      emit('complete', { hop, host, url: redactUrl(url), status });
      const contentType = response.headers['content-type'];
      return {
        sessionId,
        payload,
        outcome: 'complete',
        hops,
        final: {
          url: redactUrl(url),
          status,
          contentType: typeof contentType === 'string' ? contentType : undefined,
          body,
          truncated,
        },
      };
    }
  } finally {
    await agent.close().catch(() => undefined);
  }
}

/** The https URL a payload leads to, if any: the URL itself, or a deep link's https fallback. */
function entryUrl(payload: QrPayload): URL | undefined {
  switch (payload.kind) {
    case 'url':
      return payload.url;
    case 'deep-link':
      return payload.fallbackUrl === undefined ? undefined : safeUrl(payload.fallbackUrl);
    case 'android-intent':
      return payload.browserFallbackUrl === undefined ? undefined : safeUrl(payload.browserFallbackUrl);
    default:
      return undefined;
  }
}

function safeUrl(text: string, base?: URL): URL | undefined {
  try {
    return new URL(text, base);
  } catch {
    return undefined;
  }
}

const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

function classifyError(err: unknown): { code: JourneyRefusal; message: string; errorCode?: string } {
  const chain: unknown[] = [];
  for (
    let e: unknown = err, i = 0;
    e !== undefined && e !== null && i < 5;
    e = (e as { cause?: unknown }).cause, i++
  ) {
    chain.push(e);
  }
  for (const e of chain) {
    if (e instanceof PinMismatchError) return { code: 'pin-mismatch', message: e.message, errorCode: e.code };
    if (e instanceof QrpinError && e.code === 'ERR_JOURNEY_PRIVATE_ADDRESS') {
      return { code: 'private-address', message: e.message, errorCode: e.code };
    }
  }
  for (const e of chain) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : String(e);
    if (typeof code === 'string' && TLS_CODES.test(code))
      return { code: 'tls-error', message: `${message} (${code})`, errorCode: code };
    if (
      e instanceof Error &&
      (e.name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
    ) {
      return {
        code: 'timeout',
        message: 'no answer in time',
        errorCode: typeof code === 'string' ? code : 'TIMEOUT',
      };
    }
  }
  const first = chain[0];
  const code = (first as { code?: unknown } | undefined)?.code;
  const message = first instanceof Error ? first.message : String(first);
  return {
    code: 'network-error',
    message: typeof code === 'string' ? `${message} (${code})` : message,
    errorCode: typeof code === 'string' ? code : undefined,
  };
}

async function readCapped(
  body: AsyncIterable<Uint8Array> & { destroy(): unknown },
  max: number,
): Promise<{ body: Uint8Array; truncated: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > max) {
      chunks.push(chunk.subarray(0, max - size));
      size = max;
      body.destroy();
      return { body: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: Buffer.concat(chunks), truncated: false };
}
