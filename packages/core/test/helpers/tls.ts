/**
 * Real TLS peers for tests: a throw-away CA and leaf certificates made with the openssl command
 * line, `openssl s_server` on a loopback port, and a small process runner. Nothing is cached
 * across runs; every fixture lives in its own temporary directory.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The outcome of a finished process. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (no shell), collecting its output. Rejects only if it cannot start. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs a command and rejects with its output when it does not exit 0. */
export async function runOk(
  command: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
}

/** A fresh temporary directory and a function that removes it. */
export async function tempDir(prefix = 'qrpin-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A certificate and its private key, as PEM files, with the certificate's SPKI pin. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
  /** base64 of SHA-256 over the SubjectPublicKeyInfo, computed with openssl (the reference recipe). */
  readonly pin: string;
}

/** The key algorithm of a generated certificate. */
export type KeyType = 'rsa' | 'ec-p256';

const keyArgs = (type: KeyType): string[] =>
  type === 'rsa'
    ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
    : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];

/**
 * The SPKI pin of a PEM certificate by the reference recipe:
 * `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`.
 */
export async function opensslPin(certPem: string): Promise<string> {
  const dir = await tempDir('qrpin-pin-');
  try {
    const pub = join(dir.dir, 'pub.pem');
    const der = join(dir.dir, 'pub.der');
    const digest = join(dir.dir, 'digest.bin');
    await runOk('openssl', ['x509', '-in', certPem, '-pubkey', '-noout', '-out', pub]);
    await runOk('openssl', ['pkey', '-pubin', '-in', pub, '-outform', 'der', '-out', der]);
    await runOk('openssl', ['dgst', '-sha256', '-binary', '-out', digest, der]);
    return (await runOk('openssl', ['base64', '-A', '-in', digest])).trim();
  } finally {
    await dir.remove();
  }
}

/** Creates a self-signed test CA (`ca.pem`, `ca.key`) in `dir`. */
export async function createCa(
  dir: string,
  type: KeyType = 'ec-p256',
  name = 'qrpin test CA',
): Promise<CertificateFiles> {
  const cnf = join(dir, 'ca.cnf');
  await writeFile(
    cnf,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      'x509_extensions = v3_ca',
      '[dn]',
      `CN = ${name}`,
      '[v3_ca]',
      'basicConstraints = critical, CA:TRUE',
      'keyUsage = critical, keyCertSign, cRLSign',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  const key = join(dir, 'ca.key');
  const cert = join(dir, 'ca.pem');
  await runOk('openssl', ['genpkey', ...keyArgs(type), '-out', key]);
  await runOk('openssl', ['req', '-x509', '-new', '-key', key, '-out', cert, '-days', '2', '-config', cnf]);
  return { cert, key, pin: await opensslPin(cert) };
}

/** Creates a leaf certificate for `dnsNames`, signed by `ca`, as `<name>.pem` / `<name>.key` in `dir`. */
export async function createLeaf(
  dir: string,
  ca: CertificateFiles,
  options: { name: string; type: KeyType; dnsNames: readonly string[] },
): Promise<CertificateFiles> {
  const cnf = join(dir, `${options.name}.cnf`);
  await writeFile(
    cnf,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      `CN = ${options.dnsNames[0] ?? 'localhost'}`,
      '[v3_leaf]',
      'basicConstraints = critical, CA:FALSE',
      `keyUsage = critical, digitalSignature${options.type === 'rsa' ? ', keyEncipherment' : ''}`,
      'extendedKeyUsage = serverAuth',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      'subjectAltName = @alt',
      '[alt]',
      ...options.dnsNames.map((name, i) => `DNS.${i + 1} = ${name}`),
      '',
    ].join('\n'),
  );
  const key = join(dir, `${options.name}.key`);
  const csr = join(dir, `${options.name}.csr`);
  const cert = join(dir, `${options.name}.pem`);
  await runOk('openssl', ['genpkey', ...keyArgs(options.type), '-out', key]);
  await runOk('openssl', ['req', '-new', '-key', key, '-out', csr, '-config', cnf]);
  await runOk('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-set_serial',
    `0x${Buffer.from(options.name).toString('hex').slice(0, 30)}01`,
    '-days',
    '2',
    '-extfile',
    cnf,
    '-extensions',
    'v3_leaf',
    '-out',
    cert,
  ]);
  return { cert, key, pin: await opensslPin(cert) };
}

/** A running `openssl s_server`. */
export interface TlsServer {
  readonly port: number;
  readonly pid: number;
  /** Stops the server by its PID and waits until it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `openssl s_server -www` on 127.0.0.1 with a port the kernel chooses, and resolves once
 * it listens (s_server prints `ACCEPT 127.0.0.1:<port>` after binding). It answers every TLS
 * request with HTTP 200 and a status page.
 */
export function startServer(leaf: Pick<CertificateFiles, 'cert' | 'key'>): Promise<TlsServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'openssl',
      ['s_server', '-accept', '127.0.0.1:0', '-www', '-cert', leaf.cert, '-key', leaf.key],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    let started = false;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const onData = (chunk: string): void => {
      output += chunk;
      const match = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(output);
      if (match !== null && !started && child.pid !== undefined) {
        started = true;
        const pid = child.pid;
        resolve({
          port: Number(match[1]),
          pid,
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (!started) reject(new Error(`openssl s_server exited ${code} before listening:\n${output}`));
    });
  });
}
