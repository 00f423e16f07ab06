// A real `openssl s_server` on loopback with a CA and a leaf made by openssl, for CLI tests.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';

export interface OpensslServer {
  readonly port: number;
  readonly caFile: string;
  readonly leafFile: string;
  stop(): Promise<void>;
}

function sh(script: string, cwd: string): void {
  execFileSync('bash', ['-c', script], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes ca.pem and leaf.pem (SAN localhost) in `dir` with openssl, and serves leaf.pem. */
export async function startOpensslServer(dir: string, port: number): Promise<OpensslServer> {
  sh(
    [
      'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -subj "/CN=qrpin test CA" -days 30 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign',
      'openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key -out leaf.csr -subj /CN=localhost',
      'printf "subjectAltName=DNS:localhost\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n" > leaf.ext',
      'openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 20 -extfile leaf.ext',
    ].join(' && '),
    dir,
  );
  const child: ChildProcess = spawn(
    'openssl',
    ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', 'leaf.pem', '-key', 'leaf.key', '-www', '-quiet'],
    { cwd: dir, stdio: 'ignore' },
  );
  await waitForPort(port, child);
  return {
    port,
    caFile: join(dir, 'ca.pem'),
    leafFile: join(dir, 'leaf.pem'),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A port in the high range, different for each test process. */
export function testPort(offset: number): number {
  return 20_000 + ((process.pid * 7 + offset) % 20_000);
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`openssl s_server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`openssl s_server did not listen on ${port}`);
}
