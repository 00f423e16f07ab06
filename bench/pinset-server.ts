/**
 * The qrpin server's public route `GET /v1/projects/bench/pinset` against nginx serving the same
 * bytes as a static file, both loaded by `wrk` with the same threads, connections and duration.
 *
 *   node --conditions=qrpin-source bench/pinset-server.ts [--rounds 3] [--duration 5] [--threads 2] [--connections 32]
 *
 * Two modes: a full 200 answer, and an ETag hit (`If-None-Match` with the side's own ETag → 304).
 * The qrpin server (SQLite store, one signed Ed25519 document published through the store) runs in
 * a child process; nginx runs as its own process (`worker_processes 1`, so each side has one
 * core's worth of workers) with a config written to a temp directory, and is stopped by its PID.
 * Rounds alternate qrpin/nginx (and which goes first); the ratio printed is the median of the
 * per-round ratios. Needs `wrk` and `nginx` on the machine: `apt-get install wrk nginx`.
 */
import { execFile, fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { buildPinsetPayload, buildRollback, compilePolicy, signPinset, type Manifest } from '@qrpin/core';
import { corePinsetVerifier, startServer } from '@qrpin/server';

const PROJECT = 'bench';
const PATH = `/v1/projects/${PROJECT}/pinset`;
/** qrpin's target: at least half of nginx's requests per second, in both modes. */
const TARGET = 0.5;

/** What the parent sends the `--serve` child. */
interface ServeSetup {
  readonly directory: string;
  readonly kid: string;
  readonly jwk: Record<string, unknown>;
  readonly jws: string;
  readonly rollbackJws: string;
}

if (process.argv.includes('--serve')) {
  process.once('message', (setup: ServeSetup) => void serve(setup));
} else {
  await main();
}

/** The child: starts the qrpin server on a free port, publishes the document, sends back its URL. */
async function serve(setup: ServeSetup): Promise<void> {
  const server = await startServer({
    verify: corePinsetVerifier(),
    directory: setup.directory,
    host: '127.0.0.1',
    port: 0,
    logger: false,
  });
  await server.store.createProject(PROJECT);
  await server.store.addSigningKey(PROJECT, { kid: setup.kid, alg: 'EdDSA', jwk: setup.jwk });
  await server.store.publish(PROJECT, {
    seq: 1,
    jws: setup.jws,
    sha256: createHash('sha256').update(setup.jws, 'utf8').digest('hex'),
    rollbackJws: setup.rollbackJws,
    rollbackSeq: 2,
  });
  process.once('disconnect', () => void server.close().finally(() => process.exit(0)));
  process.send?.(server.url);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '5' },
      threads: { type: 'string', default: '2' },
      connections: { type: 'string', default: '32' },
      'no-affinity': { type: 'boolean', default: false },
    },
  });
  const rounds = bounded(values.rounds, 1, 15);
  const duration = bounded(values.duration, 1, 30);
  const threads = bounded(values.threads, 1, 16);
  const connections = bounded(values.connections, threads, 1024);

  const wrk = findTool(['wrk']);
  // With two cores or more, each server gets core 0 to itself and wrk core 1: the sides then compete
  // with the load generator the same way, and rounds scatter far less than when the scheduler moves
  // the three processes about.
  const taskset = findTool(['taskset']);
  const affinity = !values['no-affinity'] && taskset !== undefined && availableParallelism() >= 2;
  const nginx = findTool(['nginx', '/usr/sbin/nginx']);
  if (wrk === undefined || nginx === undefined) {
    const missing = [wrk === undefined ? 'wrk' : '', nginx === undefined ? 'nginx' : ''].filter(Boolean);
    console.error(
      `pinset-server bench: ${missing.join(' and ')} not found (looked on PATH, and in /usr/sbin for nginx); ` +
        'this benchmark loads the qrpin server and nginx with wrk. Install them: apt-get install wrk nginx',
    );
    process.exit(2);
  }

  const document = makeDocument();
  const dir = mkdtempSync(join(tmpdir(), 'qrpin-bench-'));
  // nginx's workers run as `nobody` when it is started as root: they must read the static file.
  chmodSync(dir, 0o755);
  let child: ChildProcess | undefined;
  let web: ChildProcess | undefined;
  try {
    mkdirSync(join(dir, 'qrpin'));
    child = fork(import.meta.filename, ['--serve'], { execArgv: process.execArgv });
    const exited = new Promise<never>((_resolve, reject) =>
      child?.once('exit', (code) => reject(new Error(`the qrpin server child exited with ${code}`))),
    );
    const qrpinUrl = await Promise.race([
      new Promise<string>((resolve) => {
        child?.once('message', (message) => resolve(`${message as string}${PATH}`));
        child?.send({ directory: join(dir, 'qrpin'), ...document } satisfies ServeSetup);
      }),
      exited,
    ]);
    exited.catch(() => undefined);
    if (affinity && taskset !== undefined && child.pid !== undefined) {
      spawnSync(taskset, ['-a', '-p', '-c', '0', String(child.pid)], { stdio: 'ignore' });
    }

    const nginxPort = await freePort();
    web = startNginx(
      affinity && taskset !== undefined ? [taskset, '-c', '0', nginx] : [nginx],
      dir,
      nginxPort,
      document.jws,
    );
    const nginxUrl = `http://127.0.0.1:${nginxPort}${PATH}`;
    await waitUntilAnswering(nginxUrl, web, dir);

    const etags = await verify(qrpinUrl, nginxUrl, document.jws);
    const bodyBytes = Buffer.byteLength(document.jws);

    const total = 2 * 2 * (rounds * duration + 1); // two modes, two sides, a 1 s warm-up each
    console.log(
      `node ${process.version}, ${spawnSync(nginx, ['-v'], { encoding: 'utf8' }).stderr.trim()} (worker_processes 1), ` +
        `wrk -t${threads} -c${connections} -d${duration}s, ${rounds} rounds per side after a warm-up (~${total} s)`,
    );
    console.log(
      affinity
        ? 'cores: each server on core 0, wrk on core 1 (taskset)'
        : 'cores: not pinned (one core, no taskset, or --no-affinity)',
    );
    console.log(`qrpin: ${qrpinUrl} (child process, SQLite store)`);
    console.log(`nginx: ${nginxUrl} (static file, same ${bodyBytes} bytes)\n`);

    const modes = [
      { name: 'full response (200)', etag: { qrpin: undefined, nginx: undefined } },
      { name: 'ETag hit (If-None-Match → 304)', etag: etags },
    ] as const;
    for (const mode of modes) {
      const urls = { qrpin: qrpinUrl, nginx: nginxUrl };
      const load = async (side: 'qrpin' | 'nginx', seconds: number): Promise<WrkResult> => {
        const result = await runWrk(
          affinity && taskset !== undefined ? [taskset, '-c', '1', wrk] : [wrk],
          urls[side],
          mode.etag[side],
          {
            threads,
            connections,
            seconds,
          },
        );
        // wrk counts 304 as a success: check by size that every answer was the one this mode asks for.
        const perResponse = result.bytes / result.requests;
        const full = mode.etag[side] === undefined;
        if (full ? perResponse < bodyBytes : perResponse > bodyBytes) {
          throw new Error(
            `${side}: ${perResponse.toFixed(0)} bytes read per response, expected ` +
              `${full ? 'more' : 'less'} than the ${bodyBytes}-byte body in mode "${mode.name}"`,
          );
        }
        return result;
      };
      await load('qrpin', 1); // warm-up, not counted
      await load('nginx', 1);
      const rates = { qrpin: [] as number[], nginx: [] as number[] };
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (['qrpin', 'nginx'] as const) : (['nginx', 'qrpin'] as const);
        const rate = { qrpin: 0, nginx: 0 };
        for (const side of order) {
          rate[side] = (await load(side, duration)).rps;
          rates[side].push(rate[side]);
        }
        ratios.push(rate.qrpin / rate.nginx);
      }
      // The median of the per-round ratios: both sides of a round run back to back, so a burst of
      // load from elsewhere on the machine moves one round, not the result.
      const ratio = median(ratios);
      console.log(`${mode.name}:`);
      console.log(
        `  qrpin ${median(rates.qrpin).toFixed(0)} req/s, nginx ${median(rates.nginx).toFixed(0)} req/s (medians); ` +
          `ratio qrpin/nginx ${ratio.toFixed(3)} (median of ${ratios.length} rounds; target ≥ ${TARGET}: ` +
          `${ratio >= TARGET ? 'met' : 'MISSED'})`,
      );
      console.log(`  per-round ratios: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
    }
  } finally {
    web?.kill('SIGTERM');
    if (child?.connected === true) child.disconnect();
    child?.kill();
    await new Promise((resolve) => setTimeout(resolve, 200));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A real signed document (Ed25519), its pre-signed rollback, and the public key that verifies both. */
function makeDocument(): Omit<ServeSetup, 'directory'> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pin = (label: string): string => `sha256/${createHash('sha256').update(label).digest('base64')}`;
  const manifest: Manifest = {
    version: 1,
    project: PROJECT,
    destinations: [],
    hosts: [
      { pattern: '**.example.com', pins: [pin('leaf')], backupPins: [pin('backup')], mode: 'enforce' },
      { pattern: 'api.example.net', pins: [pin('api')], backupPins: [pin('api-backup')], mode: 'enforce' },
      { pattern: 'shop.example.org', pins: [pin('shop')], backupPins: [pin('shop-backup')], mode: 'report' },
    ],
    signingKeys: [],
  };
  const now = Math.floor(Date.now() / 1000);
  const payload = buildPinsetPayload(compilePolicy(manifest), {
    seq: 1,
    iat: now - 60,
    exp: now + 30 * 86_400,
  });
  const kid = 'bench-primary';
  return {
    kid,
    jwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    jws: signPinset(payload, { privateKey, kid }),
    rollbackJws: signPinset(buildRollback(payload), { privateKey, kid }),
  };
}

/** Writes the static file and an nginx config into `dir`, starts nginx in the foreground. */
function startNginx(command: readonly string[], dir: string, port: number, jws: string): ChildProcess {
  const root = join(dir, 'www');
  mkdirSync(join(root, 'v1', 'projects', PROJECT), { recursive: true });
  writeFileSync(join(root, PATH), jws);
  for (const sub of ['www', 'www/v1', 'www/v1/projects', `www/v1/projects/${PROJECT}`]) {
    chmodSync(join(dir, sub), 0o755);
  }
  chmodSync(join(root, PATH), 0o644);
  // One worker: the qrpin server is one Node.js process, so each side gets one core's worth.
  // Connections are kept as long as wrk holds them (Node's server does not cap requests per socket).
  const config = `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  types { }
  default_type application/jose;
  etag on;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / {
      add_header Cache-Control "public, max-age=60" always;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), config);
  const [program, ...prefix] = command as [string, ...string[]];
  return spawn(program, [...prefix, '-e', join(dir, 'error.log'), '-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function waitUntilAnswering(url: string, web: ChildProcess, dir: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    if (web.exitCode !== null) {
      throw new Error(`nginx exited with ${web.exitCode}:\n${readLog(join(dir, 'error.log'))}`);
    }
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`nginx does not answer ${url}:\n${readLog(join(dir, 'error.log'))}`, { cause: err });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Before any load: both sides answer 200 with the document's exact bytes, and 304 to
 * `If-None-Match` with their own ETag. Returns the ETags; throws, naming the side, otherwise.
 */
async function verify(
  qrpinUrl: string,
  nginxUrl: string,
  jws: string,
): Promise<{ qrpin: string; nginx: string }> {
  const expected = Buffer.from(jws, 'utf8');
  const etags = { qrpin: '', nginx: '' };
  for (const [side, url] of [
    ['qrpin', qrpinUrl],
    ['nginx', nginxUrl],
  ] as const) {
    const full = await fetch(url);
    const body = Buffer.from(await full.arrayBuffer());
    const etag = full.headers.get('etag');
    if (full.status !== 200 || !body.equals(expected) || etag === null) {
      throw new Error(
        `${side} at ${url}: expected 200 with the ${expected.length}-byte document and an ETag, ` +
          `got ${full.status} with ${body.length} bytes${body.equals(expected) ? ' (identical)' : ' (different)'}, ` +
          `ETag ${etag ?? 'missing'}`,
      );
    }
    const hit = await fetch(url, { headers: { 'if-none-match': etag } });
    const rest = Buffer.from(await hit.arrayBuffer());
    if (hit.status !== 304 || rest.length !== 0) {
      throw new Error(`${side} at ${url}: expected 304 to If-None-Match: ${etag}, got ${hit.status}`);
    }
    etags[side] = etag;
  }
  const sha = `"${createHash('sha256').update(expected).digest('hex')}"`;
  if (etags.qrpin !== sha)
    throw new Error(`qrpin's ETag ${etags.qrpin} is not the document's SHA-256 ${sha}`);
  return etags;
}

interface WrkResult {
  readonly rps: number;
  readonly requests: number;
  readonly bytes: number;
}

/** Runs wrk once; throws on socket errors or any answer that is not 2xx/3xx. */
async function runWrk(
  command: readonly string[],
  url: string,
  etag: string | undefined,
  load: { threads: number; connections: number; seconds: number },
): Promise<WrkResult> {
  const args = [`-t${load.threads}`, `-c${load.connections}`, `-d${load.seconds}s`, '--timeout', '5s'];
  if (etag !== undefined) args.push('-H', `If-None-Match: ${etag}`);
  args.push(url);
  const [program, ...prefix] = command as [string, ...string[]];
  const { stdout } = await promisify(execFile)(program, [...prefix, ...args], {
    timeout: (load.seconds + 30) * 1000,
  });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const total = /(\d+) requests in [\d.]+\w+, ([\d.]+)([KMGT]?B) read/.exec(stdout);
  if (rps === null || total === null) throw new Error(`cannot read wrk's output:\n${stdout}`);
  const failed = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  const socketErrors = /Socket errors: (.*)/.exec(stdout);
  if (failed !== null || socketErrors !== null) {
    throw new Error(`wrk ${args.join(' ')}: ${failed?.[0] ?? ''} ${socketErrors?.[0] ?? ''}\n${stdout}`);
  }
  const unit = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }[total[3]!] ?? 1;
  return { rps: Number(rps[1]), requests: Number(total[1]), bytes: Number(total[2]) * unit };
}

function findTool(candidates: readonly string[]): string | undefined {
  return candidates.find((tool) => spawnSync(tool, ['-v'], { stdio: 'ignore' }).error === undefined);
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-10).join('\n');
  } catch {
    return '(no error log)';
  }
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
