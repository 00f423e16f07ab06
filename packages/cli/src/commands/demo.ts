// qrpin demo: the whole story on loopback with no configuration and no network.
import { existsSync, mkdtempSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  compilePolicy,
  computePins,
  createCertificateRequest,
  describeCertificate,
  emit,
  emitTargets,
  lintManifest,
  parseManifest,
  QrpinError,
} from '@qrpin/core';
import { EXIT, flag, stringOption, type Command } from '../lib/command.ts';
import { writeUserFile } from '../lib/files.ts';
import { generateKeyPair } from '../lib/keys.ts';
import { fetchChain } from '../lib/tls-fetch.ts';
import { styleFor } from '../lib/style.ts';
import { startDemoWorld, type DemoWorld } from '../demo/world.ts';
import { runPinsetStory } from '../demo/pinset-story.ts';
import { runTelemetryStory, type TelemetryStory } from '../demo/telemetry-story.ts';
import { demoManifest } from '../demo/manifest.ts';
import { formatFindings } from './lint.ts';
import { formatVerdicts } from './mitm-test.ts';
import { runMitmTest } from '../mitm/run.ts';
import { inventoryOf } from '../lib/inventory.ts';
import { resolveJourney, type JourneyEvent } from '@qrpin/client';
import { lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { lookupFromMap } from '../lib/resolve-option.ts';

const DEMO_HOSTS = [
  {
    host: 'promo.demo.qrpin.test',
    keyType: 'ec-p256',
    body: 'Spring promo: 20% off with this QR code.',
    redirects: { '/spring': '/spring/landing' },
  },
  { host: 'api.demo.qrpin.test', keyType: 'rsa-2048', body: 'Loyalty API.' },
] as const;

/**
 * A directory that already holds a demo's `server/` (its database has seq 1 published, its alerts
 * raised) would make this run's story fail. It is renamed, never deleted, to `server.<time>`; the
 * name it got is returned.
 */
function setAsideEarlierServer(dir: string, now: Date): string | undefined {
  const server = join(dir, 'server');
  if (!existsSync(server)) return undefined;
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  for (let n = 0; ; n += 1) {
    const name = n === 0 ? `server.${stamp}` : `server.${stamp}-${n}`;
    if (existsSync(join(dir, name))) continue;
    renameSync(server, join(dir, name));
    return name;
  }
}

export const demoCommand: Command = {
  name: 'demo',
  summary:
    'the whole story on loopback: CA, TLS destinations, pins, backup keys, lint, emit, journeys, interception, telemetry, alerts, dashboard',
  usage: 'demo [--dir dir] [--serve]',
  optionHelp: [
    '--dir <dir>  where to write the demo files (default: a new folder under the system temp dir)',
    '--serve      keep the demo servers and the dashboard running until Ctrl-C, to try things by hand',
  ],
  examples: ['qrpin demo', 'qrpin demo --dir ./demo --serve'],
  options: { dir: { type: 'string' }, serve: { type: 'boolean' } },
  positionals: [0, 0],
  async run(args, ctx) {
    const style = styleFor(ctx);
    const out = ctx.stdout;
    const now = ctx.now();
    const dirOption = stringOption(args, 'dir');
    const dir =
      dirOption === undefined ? mkdtempSync(join(tmpdir(), 'qrpin-demo-')) : resolve(ctx.cwd, dirOption);
    mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
    mkdirSync(join(dir, 'config'), { recursive: true });
    const keptAside = setAsideEarlierServer(dir, now);

    const step = (n: number, title: string): void => out.write(`\n${style.bold(`${n}. ${title}`)}\n`);
    out.write(`${style.bold('qrpin demo')} — a QR campaign whose journey stays bound to its real servers\n`);
    out.write(`files: ${dir}\n`);
    if (keptAside !== undefined) {
      out.write(
        `the server data of an earlier run is kept in ${keptAside}/; this run starts a new server/\n`,
      );
    }

    step(1, 'Local CA and TLS destinations on loopback');
    const world: DemoWorld = await startDemoWorld(DEMO_HOSTS, now);
    let telemetry: TelemetryStory | undefined;
    try {
      writeFileSync(join(dir, 'demo-ca.pem'), world.caPem);
      for (const s of world.servers) {
        out.write(`   https://${s.host}:${s.port}/  (127.0.0.1, ${s.keyType} leaf under the demo CA)\n`);
      }

      step(2, 'Fetch each served chain and compute its pins (qrpin pins fetch)');
      const served = new Map<string, { leafPin: string; caPin: string }>();
      for (const s of world.servers) {
        const chain = await fetchChain({
          host: s.host,
          port: s.port,
          connectAddress: '127.0.0.1',
          ca: world.caPem,
        });
        if (!chain.validated) {
          throw new QrpinError(
            'ERR_FETCH_FAILED',
            `demo server ${s.host} did not validate: ${chain.validationError ?? ''}`,
          );
        }
        const summaries = chain.served.map((c) => describeCertificate(c, now));
        const caPin = computePins(world.caPem)[0]?.pin.toString() ?? '';
        const leaf = summaries[0];
        if (leaf === undefined)
          throw new QrpinError('ERR_FETCH_FAILED', `demo server ${s.host} served no certificate`);
        served.set(s.host, { leafPin: leaf.pin.toString(), caPin });
        out.write(`   ${s.host}: validation ${style.green('OK')}\n`);
        const caKey = computePins(world.caPem)[0]?.keyDescription ?? '';
        out.write(
          `     leaf  ${leaf.pin.toString()}  ${leaf.keyDescription}, expires in ${leaf.daysToExpiry} days\n`,
        );
        out.write(`     CA    ${caPin}  ${caKey}, the demo root\n`);
      }

      step(3, 'Generate an offline backup key per host (qrpin keys backup)');
      const backups = new Map<string, string>();
      for (const s of world.servers) {
        const pair = generateKeyPair('ec-p256');
        const keyFile = join('keys', `backup-${s.host}.key`);
        const csrFile = join('keys', `backup-${s.host}.csr`);
        writeUserFile(dir, keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, {
          secret: true,
          overwrite: true,
        });
        const csr = createCertificateRequest({
          subject: { commonName: s.host },
          ...pair,
          dnsNames: [s.host],
        });
        writeUserFile(dir, csrFile, csr, { overwrite: true });
        const pin = computePins(csr)[0]?.pin.toString() ?? '';
        backups.set(s.host, pin);
        out.write(
          `   ${s.host}: backup pin ${pin}\n     private key ${keyFile} (0600, never printed), CSR ${csrFile}\n`,
        );
      }

      const signing = generateKeyPair('ed25519');
      const signingBackup = generateKeyPair('ed25519');
      for (const [name, pair] of [
        ['primary', signing],
        ['backup', signingBackup],
      ] as const) {
        writeUserFile(
          dir,
          join('keys', `signing-demo-${name}.key`),
          pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
          { secret: true, overwrite: true },
        );
      }
      out.write(
        '   pinset signing keys: keys/signing-demo-primary.key and keys/signing-demo-backup.key (Ed25519, 0600)\n',
      );

      step(4, 'Write the campaign manifest (qrpin.yaml)');
      const ports = Object.fromEntries(world.servers.map((s) => [s.host, s.port]));
      const text = demoManifest({
        promo: { host: DEMO_HOSTS[0].host, port: ports[DEMO_HOSTS[0].host] ?? 0 },
        api: { host: DEMO_HOSTS[1].host, port: ports[DEMO_HOSTS[1].host] ?? 0 },
        pins: served,
        backups,
        expires: new Date(now.getTime() + 180 * 86_400_000).toISOString().slice(0, 10),
        signingJwks: [
          signing.publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
          signingBackup.publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
        ],
      });
      const manifestFile = join(dir, 'qrpin.yaml');
      writeFileSync(manifestFile, text);
      const parsed = parseManifest(text, { file: 'qrpin.yaml' });
      out.write(
        `   ${parsed.manifest.destinations.length} QR destinations, ${parsed.manifest.hosts.length} pinned hosts → ${manifestFile}\n`,
      );

      step(5, 'Lint the manifest (qrpin lint)');
      const findings = lintManifest(parsed.manifest, { now });
      const failing = findings.filter((f) => f.severity !== 'info');
      out.write(
        findings.length === 0
          ? `   ${style.green('clean')}: two pins per host, a backup pin held offline, an expiry, https everywhere\n`
          : formatFindings(findings, (f) => `   qrpin.yaml:${parsed.locate(f.path)?.line ?? '?'}`, style),
      );

      step(6, 'Emit every platform’s config (qrpin emit)');
      const policy = compilePolicy(parsed.manifest);
      for (const { target } of emitTargets) {
        const result = emit(target, policy);
        writeFileSync(join(dir, 'config', result.filename), result.content);
        const warn =
          result.warnings.length === 0 ? '' : style.yellow(`, ${result.warnings.length} warning(s)`);
        out.write(
          `   ${target.padEnd(14)} config/${result.filename}  (requires ${result.requires.join('; ')}${warn})\n`,
        );
        for (const w of uniqueMessages(result.warnings))
          out.write(`   ${''.padEnd(14)} ${style.yellow('!')} ${w}\n`);
      }

      step(7, 'Follow each QR code through the pinned client (qrpin open)');
      // The journeys of steps 7 and 8 report their events; step 10 sends them to the server.
      const realEvents: JourneyEvent[] = [];
      const sink = (event: JourneyEvent): void => void realEvents.push(event);
      const lookup = lookupFromMap(
        new Map(world.servers.map((srv) => [srv.host, '127.0.0.1'])),
        dnsLookup as unknown as LookupFunction,
      );
      for (const destination of parsed.manifest.destinations) {
        const result = await resolveJourney(destination.payload, {
          policy,
          inventory: inventoryOf(parsed.manifest.destinations),
          fallbackUrl: destination.fallback,
          connect: { ca: world.caPem, lookup },
          allowPrivateAddresses: true, // the demo's servers live on loopback
          destination: destination.id,
          campaign: destination.campaign,
          sink,
        });
        const path = result.hops.map((h) => `${h.status ?? '---'} ${h.url} (pin ${h.pin})`).join(' → ');
        const verdict = result.outcome === 'complete' ? style.green('complete') : style.red(result.outcome);
        out.write(`   ${destination.id}: ${verdict}  ${path}\n`);
      }

      step(8, 'Intercept every destination with a rogue CA (qrpin mitm-test)');
      const verdicts = await runMitmTest({
        manifest: parsed.manifest,
        modes: ['untrusted', 'trusted'],
        upstreamCa: world.caPem,
        resolve: () => '127.0.0.1',
        now,
        sink,
      });
      out.write(
        formatVerdicts(verdicts, ctx)
          .split('\n')
          .map((l) => (l === '' ? l : `   ${l}`))
          .join('\n'),
      );
      const intercepted = verdicts.some((v) => v.pinned && v.intercepted);

      step(9, 'Sign, publish and follow the pinset; then roll back (qrpin sign, serve, publish)');
      const rolledBack = await runPinsetStory({
        dir,
        manifest: parsed.manifest,
        signingKey: signing.privateKey,
        caPem: world.caPem,
        targets: new Map(world.servers.map((srv) => [srv.host, srv.port])),
        now,
        write: (line) => out.write(`   ${line}\n`),
      });

      step(10, 'Report journeys, count them, catch an interception spike (telemetry, alerts, dashboard)');
      const redirects = new Map<string, string>();
      for (const s of world.servers) {
        const spec = DEMO_HOSTS.find((h) => h.host === s.host);
        const origin = `https://${s.host}:${s.port}`;
        for (const [from, to] of Object.entries(spec && 'redirects' in spec ? spec.redirects : {})) {
          redirects.set(`${origin}${from}`, `${origin}${to}`);
        }
      }
      telemetry = await runTelemetryStory({
        dir,
        manifest: parsed.manifest,
        redirects,
        realEvents,
        clock: ctx.now,
        write: (line) => out.write(`   ${line}\n`),
      });
      const reopen = `qrpin serve -m ${manifestFile} --dir ${join(dir, 'server')}`;
      out.write(
        [
          `   dashboard: ${style.bold(telemetry.dashboardUrl)}${flag(args, 'serve') ? '' : ' (until the demo ends)'}`,
          `     sign in with project ${telemetry.project} and the admin token in ${join(dir, 'server', 'admin-token')}`,
          `     reopen it later: ${reopen}  (then http://127.0.0.1:8080/)`,
          '',
        ].join('\n'),
      );

      step(11, 'What to look at');
      const promo = world.servers[0];
      const curlPins = [served.get(promo?.host ?? ''), backups.get(promo?.host ?? '')]
        .flatMap((v) => (v === undefined ? [] : typeof v === 'string' ? [v] : [v.leafPin, v.caPin]))
        .map((p) => p.replace('sha256/', 'sha256//'))
        .join(';');
      out.write(
        [
          `   - ${manifestFile}: what each QR code encodes and how each host is pinned`,
          `   - ${join(dir, 'config')}: the same policy for OkHttp, Android NSC, iOS ATS, TrustKit, React Native, curl, Node`,
          `   - every host carries a backup pin whose private key sits in keys/ — ship it before you need it`,
          `   - the dashboard: per destination, scans, drop-offs, TLS errors and pin failures, and the spike's alert`,
          flag(args, 'serve')
            ? `   - try it: curl -L --cacert ${join(dir, 'demo-ca.pem')} --resolve ${promo?.host}:${promo?.port}:127.0.0.1 --pinnedpubkey '${curlPins}' https://${promo?.host}:${promo?.port}/spring`
            : '   - run "qrpin demo --serve" to keep the servers up and try the emitted configs by hand',
          '',
        ].join('\n'),
      );
      if (flag(args, 'serve')) {
        out.write('serving; press Ctrl-C to stop\n');
        await new Promise<void>((resolveWait) => {
          process.once('SIGINT', () => resolveWait());
          process.once('SIGTERM', () => resolveWait());
        });
      }
      return failing.length > 0 || intercepted || !rolledBack || !telemetry.ok ? EXIT.findings : EXIT.ok;
    } finally {
      await telemetry?.close();
      await world.close();
    }
  },
};

/** Warnings that differ only by host are shown once, naming how many hosts. */
function uniqueMessages(warnings: ReadonlyArray<{ host: string; code: string; message: string }>): string[] {
  const byCode = new Map<string, { hosts: string[]; message: string }>();
  for (const w of warnings) {
    const entry = byCode.get(w.code) ?? { hosts: [], message: w.message };
    entry.hosts.push(w.host);
    byCode.set(w.code, entry);
  }
  return [...byCode.values()].map(({ hosts, message }) =>
    hosts.length === 1 ? `${hosts[0]}: ${message}` : `${hosts.length} hosts: ${message}`,
  );
}
