// qrpin open: classify a QR payload and follow it through the pinned client, hop by hop.
import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { resolveJourney, type JourneyResult } from '@qrpin/client';
import { compilePolicy, QrpinError, type ManifestDestination } from '@qrpin/core';
import { EXIT, flag, jsonOption, stringOption, type Command } from '../lib/command.ts';
import { readUserFile } from '../lib/files.ts';
import { DEFAULT_MANIFEST, loadManifest, manifestOption } from '../lib/manifest.ts';
import { lookupFromMap, parseResolveOptions } from '../lib/resolve-option.ts';
import { styleFor } from '../lib/style.ts';
import { inventoryOf } from '../lib/inventory.ts';
import type { CliContext } from '../lib/context.ts';

export const openCommand: Command = {
  name: 'open',
  summary: 'classify a QR payload and follow it hop by hop through the pinned client',
  usage: 'open <payload> | --destination <id> [--manifest file] [--ca file] [--resolve host=addr] [--json]',
  optionHelp: [
    '<payload>               the text a QR code holds (quote it)',
    '-d, --destination <id>  take the payload (and deep-link fallback) from this manifest destination',
    '-m, --manifest <file>   the manifest whose pins and inventory apply (default qrpin.yaml)',
    '--ca <file>             trust these PEM CA certificates instead of the system store',
    '--resolve <host=addr>   connect to addr for host (repeatable), like curl --resolve',
    '--allow-host <host>     let the journey visit a host outside the inventory (repeatable; reported)',
    '--allow-private         allow loopback/private addresses (local testing only)',
    '--max-hops <n>          redirect limit (default 10)',
    '--json                  the journey as JSON',
  ],
  examples: [
    "qrpin open 'https://promo.example.com/spring?src=qr'",
    'qrpin open --destination spring-poster --json',
  ],
  options: {
    ...manifestOption,
    ...jsonOption,
    destination: { type: 'string', short: 'd' },
    ca: { type: 'string' },
    resolve: { type: 'string', multiple: true },
    'allow-host': { type: 'string', multiple: true },
    'allow-private': { type: 'boolean' },
    'max-hops': { type: 'string' },
  },
  positionals: [0, 1],
  async run(args, ctx) {
    const file = stringOption(args, 'manifest') ?? DEFAULT_MANIFEST;
    const { manifest } = loadManifest(ctx.cwd, file);
    const destinationId = stringOption(args, 'destination');
    let destination: ManifestDestination | undefined;
    if (destinationId !== undefined) {
      destination = manifest.destinations.find((d) => d.id === destinationId);
      if (destination === undefined) {
        throw new QrpinError('ERR_USAGE', `${file} has no destination "${destinationId}"`);
      }
    }
    const payload = args.positionals[0] ?? destination?.payload;
    if (payload === undefined) throw new QrpinError('ERR_USAGE', 'give a payload or --destination <id>');
    const maxHopsText = stringOption(args, 'max-hops');
    const maxHops = maxHopsText === undefined ? 10 : Number(maxHopsText);
    if (!(Number.isInteger(maxHops) && maxHops >= 1 && maxHops <= 50)) {
      throw new QrpinError('ERR_USAGE', `--max-hops takes 1 to 50, not "${maxHopsText}"`);
    }
    const caFile = stringOption(args, 'ca');
    const resolveMap = parseResolveOptions(args.values.resolve);
    const lookup = lookupFromMap(resolveMap, dnsLookup as unknown as LookupFunction);
    const result = await resolveJourney(payload, {
      policy: compilePolicy(manifest),
      inventory: inventoryOf(manifest.destinations),
      allowHosts: toList(args.values['allow-host']),
      fallbackUrl: destination?.fallback,
      connect: {
        ...(caFile === undefined ? {} : { ca: readUserFile(ctx.cwd, caFile, 1024 * 1024).toString('utf8') }),
        lookup,
      },
      allowPrivateAddresses: flag(args, 'allow-private'),
      maxHops,
      destination: destination?.id,
      campaign: destination?.campaign,
    });
    const classified = classification(result);
    const pinFailed = result.hops.some((h) => h.pin === 'fail' || h.pin === 'reported');
    if (flag(args, 'json')) {
      ctx.stdout.write(`${JSON.stringify(journeyJson(result, classified), null, 2)}\n`);
    } else {
      ctx.stdout.write(formatJourney(result, classified, ctx));
    }
    return result.outcome === 'complete' && !pinFailed ? EXIT.ok : EXIT.findings;
  },
};

/** What the payload was classified as: the journey's own classification, or its refusal. */
function classification(result: JourneyResult): {
  kind: string;
  findings: Array<{ code: string; severity: string; message: string }>;
} {
  if (result.payload === undefined) {
    return {
      kind: 'refused',
      findings: [
        { code: result.reason?.code ?? 'refused', severity: 'block', message: result.reason?.message ?? '' },
      ],
    };
  }
  return {
    kind: result.payload.kind,
    findings: result.payload.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      message: f.message,
    })),
  };
}

function toList(value: string | boolean | Array<string | boolean> | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

function journeyJson(result: JourneyResult, classified: ReturnType<typeof classification>): unknown {
  return {
    outcome: result.outcome,
    reason: result.reason ?? null,
    payload: classified,
    hops: result.hops.map((h) => ({
      url: h.url,
      host: h.host,
      status: h.status ?? null,
      location: h.location ?? null,
      durationMs: h.durationMs,
      tls: h.tls,
      pin: h.pin,
      allowListed: h.allowListed === true,
      pinFailure: h.pinFailure?.message ?? null,
    })),
    final:
      result.final === undefined
        ? null
        : { url: result.final.url, status: result.final.status, bytes: result.final.body.length },
  };
}

function formatJourney(
  result: JourneyResult,
  classified: ReturnType<typeof classification>,
  ctx: CliContext,
): string {
  const style = styleFor(ctx);
  const lines = [`payload: ${classified.kind}`];
  for (const f of classified.findings)
    lines.push(
      `  ${f.severity === 'block' ? style.red(f.severity) : style.yellow(f.severity)} ${f.code}: ${f.message}`,
    );
  result.hops.forEach((h, i) => {
    const pin =
      h.pin === 'pass'
        ? style.green('pin pass')
        : h.pin === 'fail'
          ? style.red('pin FAIL')
          : h.pin === 'reported'
            ? style.yellow('pin mismatch (report-only)')
            : `pin ${h.pin}`;
    const tls = h.tls.ok ? 'TLS ok' : style.red(`TLS error: ${h.tls.error ?? ''}`);
    const status = h.status === undefined ? '---' : String(h.status);
    lines.push(
      `${i}. ${status}  ${h.url}  ${tls}, ${pin}, ${h.durationMs} ms${h.location === undefined ? '' : ` → ${h.location}`}${h.allowListed === true ? ' (allow-listed)' : ''}`,
    );
    if (h.pinFailure !== undefined) lines.push(...h.pinFailure.message.split('\n').map((l) => `     ${l}`));
  });
  if (result.outcome === 'complete') {
    lines.push(
      `${style.green('complete')}: ${result.final?.url ?? ''} (${result.final?.status ?? ''}, ${result.final?.body.length ?? 0} bytes)`,
    );
  } else {
    lines.push(
      `${style.red(result.outcome)} (${result.reason?.code ?? ''}): ${result.reason?.message ?? ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
