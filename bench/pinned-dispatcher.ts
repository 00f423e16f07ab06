/**
 * The pinned dispatcher against plain undici, on one local HTTPS server (run in a child process
 * so that serving does not share the client's event loop).
 *
 *   node --conditions=qrpin-source bench/pinned-dispatcher.ts [--requests N] [--rounds R]
 *
 * Modes, each with the same undici options on both sides:
 * - new connection per request (`pipelining: 0`: undici closes every connection after its
 *   request), TLS sessions resumed as undici does by default;
 * - new connection per request with full handshakes (`maxCachedSessions: 0` on both sides);
 * - keep-alive (pooled connections).
 * Rounds alternate plain/pinned (and which goes first) so drift hits both alike. Bounded by a
 * request count per round and a time budget; prints requests/s and the ratio pinned/plain.
 */
import { fork } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Agent, request, type Dispatcher } from 'undici';
import { issueCertificate, Pin } from '@qrpin/core';
import { createPinnedDispatcher } from '@qrpin/client';

interface ServerSetup {
  readonly cert: string;
  readonly key: string;
}

if (process.argv.includes('--serve')) {
  process.once('message', (setup: ServerSetup) => {
    const server = createServer(
      { cert: setup.cert, key: setup.key, keepAliveTimeout: 30_000 },
      (_req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.end('ok');
      },
    );
    server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
    process.once('disconnect', () => process.exit(0));
  });
} else {
  await main();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '500' },
      rounds: { type: 'string', default: '20' },
      concurrency: { type: 'string', default: '8' },
      budget: { type: 'string', default: '150' },
    },
  });
  const perRound = bounded(values.requests, 1, 100_000);
  const rounds = bounded(values.rounds, 2, 50);
  const concurrency = bounded(values.concurrency, 1, 64);
  const deadline = Date.now() + bounded(values.budget, 5, 600) * 1000;

  const { ca, cert, key, pin } = makeCertificates();
  const child = fork(import.meta.filename, ['--serve'], { execArgv: process.execArgv });
  const port = await new Promise<number>((resolve) => {
    child.once('message', (message) => resolve(message as number));
    child.send({ cert, key } satisfies ServerSetup);
  });
  const url = `https://bench.qrpin.test:${port}/`;
  const lookup = ((_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) =>
    o.all === true ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)) as never;

  console.log(
    `node ${process.version}, ${perRound} requests (keep-alive: ${perRound * 20}) × ${rounds} rounds per side, concurrency ${concurrency}`,
  );
  console.log(`server: 127.0.0.1:${port}, ECDSA P-256 leaf pinned by ${pin}\n`);

  // Keep-alive requests are ~30× cheaper: give its rounds more of them, so each lasts long enough.
  const modes: Array<{ name: string; options: Record<string, unknown>; target: number; scale: number }> = [
    {
      name: 'new connection per request (sessions resumed)',
      options: { pipelining: 0 },
      target: 0.97,
      scale: 1,
    },
    {
      name: 'new connection per request (full handshake)',
      options: { pipelining: 0, maxCachedSessions: 0 },
      target: 0.97,
      scale: 1,
    },
    { name: 'keep-alive', options: {}, target: 0.99, scale: 20 },
  ];
  try {
    for (const mode of modes) {
      const plain = new Agent({ ...mode.options, connect: { ca, lookup } });
      const pinned = createPinnedDispatcher({
        ...mode.options,
        pins: { 'bench.qrpin.test': [pin] },
        connect: { ca, lookup },
      });
      const count = perRound * mode.scale;
      await run(plain, url, count, concurrency); // warm-up, not counted
      await run(pinned, url, count, concurrency);
      const totals = { plain: { n: 0, ms: 0, cpu: 0 }, pinned: { n: 0, ms: 0, cpu: 0 } };
      const ratios: number[] = [];
      for (let round = 0; round < rounds && Date.now() < deadline; round++) {
        const order = round % 2 === 0 ? (['plain', 'pinned'] as const) : (['pinned', 'plain'] as const);
        const rate = { plain: 0, pinned: 0 };
        for (const side of order) {
          const cpu = process.cpuUsage();
          const ms = await run(side === 'plain' ? plain : pinned, url, count, concurrency);
          const used = process.cpuUsage(cpu);
          totals[side].cpu += used.user + used.system;
          totals[side].n += count;
          totals[side].ms += ms;
          rate[side] = count / ms;
        }
        ratios.push(rate.pinned / rate.plain);
      }
      await Promise.all([plain.close(), pinned.close()]);
      const plainRate = (totals.plain.n / totals.plain.ms) * 1000;
      const pinnedRate = (totals.pinned.n / totals.pinned.ms) * 1000;
      // The median of the per-round ratios: each round measures both sides back to back, so
      // a burst of load from elsewhere on the machine moves one round, not the result.
      const ratio = median(ratios);
      const cpu = (side: 'plain' | 'pinned'): string => (totals[side].cpu / totals[side].n).toFixed(0);
      console.log(`${mode.name}:`);
      console.log(
        `  plain ${plainRate.toFixed(0)} req/s, pinned ${pinnedRate.toFixed(0)} req/s; ` +
          `ratio pinned/plain ${ratio.toFixed(3)} (median of ${ratios.length} rounds; target ≥ ${mode.target}: ` +
          `${ratio >= mode.target ? 'met' : 'MISSED'})`,
      );
      console.log(`  client CPU per request: plain ${cpu('plain')} µs, pinned ${cpu('pinned')} µs`);
      console.log(`  per-round ratios: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
    }
  } finally {
    child.disconnect();
    child.kill();
  }
}

/** Sends `count` GET requests with `concurrency` in flight; returns the elapsed milliseconds. */
async function run(dispatcher: Dispatcher, url: string, count: number, concurrency: number): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const { statusCode, body } = await request(url, { dispatcher });
      await body.dump();
      if (statusCode !== 200) throw new Error(`status ${statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function bounded(text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`expected an integer in ${min}..${max}, got ${text}`);
  return n;
}

function makeCertificates(): { ca: string; cert: string; key: string; pin: string } {
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leafKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const ca = issueCertificate({
    subject: { commonName: 'qrpin bench CA' },
    publicKey: caKeys.publicKey,
    selfSigningKey: caKeys.privateKey,
    serialNumber: randomBytes(12),
    notBefore,
    notAfter,
    isCA: true,
  });
  const cert = issueCertificate({
    subject: { commonName: 'bench.qrpin.test' },
    publicKey: leafKeys.publicKey,
    issuer: { subject: { commonName: 'qrpin bench CA' }, ...caKeys },
    serialNumber: randomBytes(12),
    notBefore,
    notAfter,
    dnsNames: ['bench.qrpin.test'],
  });
  const pin = Pin.fromSpki(
    new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' }),
  ).toString();
  return { ca, cert, key: leafKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, pin };
}
