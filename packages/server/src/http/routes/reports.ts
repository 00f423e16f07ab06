// Pin-failure reports in the formats apps already send: TrustKit's (iOS/macOS, and TrustKit-Android)
// and HPKP's (RFC 7469 §3). Each is turned into a `pin_failure` journey event, with the pins of the
// validated chain computed from its certificates. Identical reports are counted once per day, the
// way TrustKit itself deduplicates before sending.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { computePins, validateTelemetryEvent, QrpinError, type TelemetryEvent } from '@qrpin/core';
import { HttpError } from '../http-error.ts';
import { projectParam, type HttpContext } from '../../lib/http-context.ts';

/** Bytes of one report at most (a report carries a certificate chain). */
export const MAX_REPORT_BYTES = 64 * 1024;
const DAY_MS = 86_400_000;

/** A report, whichever format it came in. */
interface NormalisedReport {
  readonly format: 'trustkit' | 'hpkp';
  readonly hostname: string;
  readonly appId: string;
  readonly appVersion: string;
  readonly platform: string;
  readonly chain: readonly string[];
  readonly knownPins: readonly string[];
  readonly enforced: boolean;
}

export function registerReportRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const seen = new Map<string, number>();
  app.post('/v1/projects/:project/reports', { bodyLimit: MAX_REPORT_BYTES }, async (request, reply) => {
    const project = projectParam(request.params);
    const take = ctx.ingestBuckets.take(`report:${request.ip}`);
    if (!take.ok) {
      throw new HttpError(
        429,
        'ERR_HTTP_RATE_LIMITED',
        `too many reports; retry in ${take.retryAfterSeconds} s`,
        {
          'retry-after': String(take.retryAfterSeconds),
        },
      );
    }
    const report = normalise(request.body);
    const now = ctx.nowMs();
    const key = createHash('sha256')
      .update(JSON.stringify([project, report.hostname, report.chain, report.knownPins, report.appId]))
      .digest('hex');
    const last = seen.get(key);
    if (last !== undefined && now - last < DAY_MS)
      return reply.code(202).send({ accepted: 0, duplicate: true });
    let chainPins: string[];
    try {
      chainPins = report.chain.flatMap((pem) => computePins(pem).map((p) => p.pin.toString())).slice(0, 16);
    } catch (err) {
      if (err instanceof QrpinError)
        throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', `certificate chain: ${err.message}`);
      throw err;
    }
    let event: TelemetryEvent;
    try {
      event = validateTelemetryEvent({
        type: 'pin_failure',
        time: new Date(now).toISOString(),
        project,
        appId: report.appId,
        appVersion: report.appVersion,
        platform: report.platform,
        sessionId: `${report.format}-${key.slice(0, 32)}`,
        host: report.hostname,
        code: 'ERR_PIN_MISMATCH',
        chainPins,
        mode: report.enforced ? 'enforce' : 'report',
      });
    } catch (err) {
      if (err instanceof QrpinError) throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', err.message);
      throw err;
    }
    try {
      await ctx.store.insertEvents([event]);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (
        code === 'ERR_STORE_UNKNOWN_PROJECT' ||
        /FOREIGN KEY|foreign key/.test(String((err as Error).message))
      ) {
        throw new HttpError(404, 'ERR_HTTP_NOT_FOUND', 'no such project');
      }
      request.log.error({ err }, 'storing a report failed');
      throw new HttpError(503, 'ERR_HTTP_UNAVAILABLE', 'the report could not be stored; retry later', {
        'retry-after': '5',
      });
    }
    if (seen.size > 100_000) seen.clear();
    seen.set(key, now);
    return reply.code(202).send({ accepted: 1, duplicate: false, chainPins });
  });
}

function normalise(body: unknown): NormalisedReport {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', 'a report is a JSON object (TrustKit or HPKP format)');
  }
  const r = body as Record<string, unknown>;
  const strings = (value: unknown, what: string): string[] => {
    if (!Array.isArray(value) || value.length > 16 || value.some((v) => typeof v !== 'string')) {
      throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', `${what} must be a list of at most 16 strings`);
    }
    return value as string[];
  };
  const text = (value: unknown, what: string, fallback?: string): string => {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || value.length === 0 || value.length > 253) {
      throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', `${what} must be a non-empty string`);
    }
    return value;
  };
  if ('app-bundle-id' in r || 'trustkit-version' in r) {
    return {
      format: 'trustkit',
      hostname: text(r.hostname, 'hostname'),
      appId: text(r['app-bundle-id'], 'app-bundle-id'),
      appVersion: text(r['app-version'], 'app-version', 'unknown'),
      platform: text(r['app-platform'], 'app-platform', 'unknown'),
      chain: strings(r['validated-certificate-chain'], 'validated-certificate-chain'),
      knownPins: strings(r['known-pins'], 'known-pins'),
      enforced: r['enforce-pinning'] === true,
    };
  }
  if ('date-time' in r || 'effective-expiration-date' in r || 'served-certificate-chain' in r) {
    return {
      format: 'hpkp',
      hostname: text(r.hostname, 'hostname'),
      appId: 'hpkp-report',
      appVersion: 'unknown',
      platform: 'browser',
      chain: strings(
        r['validated-certificate-chain'] ?? r['served-certificate-chain'],
        'validated-certificate-chain',
      ),
      knownPins: strings(r['known-pins'], 'known-pins'),
      enforced: true,
    };
  }
  throw new HttpError(400, 'ERR_HTTP_BAD_REQUEST', 'not a TrustKit or HPKP (RFC 7469) pin failure report');
}
