// The real mitmproxy (Debian's `mitmdump`) on loopback, for interception tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

export interface Mitmproxy {
  readonly url: string;
  /** mitmproxy's CA certificate (PEM), which a client must trust to be intercepted silently. */
  readonly caPem: string;
  /** What mitmdump printed (its flow log). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `mitmdump` on 127.0.0.1:`port` with its state in `confdir`, verifying upstream servers
 * against `upstreamCa` (a PEM file) the way a real intercepting proxy verifies the internet.
 */
export async function startMitmproxy(port: number, confdir: string, upstreamCa: string): Promise<Mitmproxy> {
  const child: ChildProcess = spawn(
    'mitmdump',
    [
      '--listen-host',
      '127.0.0.1',
      '--listen-port',
      String(port),
      '--set',
      `confdir=${confdir}`,
      '--set',
      `ssl_verify_upstream_trusted_ca=${upstreamCa}`,
      '--set',
      'connection_strategy=lazy',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const caFile = join(confdir, 'mitmproxy-ca-cert.pem');
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`mitmdump exited with ${child.exitCode}: ${output}`);
    if (existsSync(caFile) && (await listening(port))) break;
    if (i > 600) throw new Error(`mitmdump did not start within 30 s: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    caPem: readFileSync(caFile, 'utf8'),
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
