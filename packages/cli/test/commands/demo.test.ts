import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, run, runBinary } from '../helpers/run.ts';

describe('qrpin demo', () => {
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-demo-test-'));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it('runs fetch, backup keys, lint and emit against local TLS servers with no configuration', async () => {
    const r = await runBinary(['demo', '--dir', 'out'], { cwd });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const dir = join(cwd, 'out');
    for (const step of [
      '1. Local CA',
      '2. Fetch',
      '3. Generate an offline backup key',
      '4. Write',
      '5. Lint',
      '6. Emit',
      '7. Follow each QR code',
      '8. Intercept every destination',
      '9. Sign, publish and follow the pinset',
      '10. What to look at',
    ]) {
      assert.ok(r.stdout.includes(step), step);
    }
    assert.match(r.stdout, /promo\.demo\.qrpin\.test: validation OK/);
    assert.match(r.stdout, /clean/);
    assert.match(
      r.stdout,
      /spring-poster: complete {2}302 https:\/\/promo\.demo\.qrpin\.test:\d+\/spring \(pin pass\) → 200 /,
    );
    assert.match(r.stdout, /spring-app-offer: complete/);
    for (const id of ['spring-poster', 'spring-app-offer', 'loyalty-checkin']) {
      assert.match(r.stdout, new RegExp(`${id} .* rogue CA untrusted: rejected \\(tls-error\\)`));
      assert.match(
        r.stdout,
        new RegExp(
          `${id} .* rogue CA trusted: rejected \\(pin-mismatch\\) {2}\\[control intercepted: the proxy works\\]`,
        ),
      );
    }
    assert.match(r.stdout, /Certificate pinning failure for promo\.demo\.qrpin\.test!/);
    assert.match(r.stdout, /no pinned destination was intercepted/);
    assert.match(r.stdout, /qrpin publish: seq 1 → HTTP 201/);
    assert.match(r.stdout, /a client follows: seq 1, hosts enforce/);
    assert.match(r.stdout, /the client refreshes: applied, seq 2, hosts report/);
    const keys = readdirSync(join(dir, 'keys')).filter((f) => f.endsWith('.key'));
    assert.equal(keys.length, 4); // two backup TLS keys, two pinset signing keys
    for (const key of keys) {
      assert.equal(statSync(join(dir, 'keys', key)).mode & 0o777, 0o600);
      const pem = readFileSync(join(dir, 'keys', key), 'utf8').split('\n')[1] ?? '';
      assert.ok(!r.stdout.includes(pem), 'private keys are never printed');
    }
    const configs = readdirSync(join(dir, 'config'));
    assert.equal(configs.length, 8, configs.join(', '));
    // The manifest it wrote is one a person can lint with the CLI.
    const lint = await run(['lint', join(dir, 'qrpin.yaml')], { cwd });
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  });

  it('with --serve, keeps servers up that curl reaches with the emitted pins and refuses with a wrong one', async () => {
    const child = spawn(join(ROOT, 'qrpin'), ['demo', '--dir', 'served', '--serve'], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('serving; press Ctrl-C')) resolve();
        });
        void exited.then(() => reject(new Error(`demo exited early: ${stderr}${stdout}`)));
      });
      const line = /try it: (curl .*)$/m.exec(stdout)?.[1];
      assert.ok(line !== undefined, stdout);
      const args = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '').slice(1);
      const ok = spawnSync('curl', ['--silent', '--show-error', ...args], { encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /Spring promo/);
      const pinIndex = args.indexOf('--pinnedpubkey') + 1;
      const wrong = [...args];
      wrong[pinIndex] = `sha256//${Buffer.alloc(32, 7).toString('base64')}`;
      const refused = spawnSync('curl', ['--silent', '--show-error', ...wrong], { encoding: 'utf8' });
      assert.equal(refused.status, 90, refused.stderr);
      assert.match(refused.stderr, /public key does not match pinned public key/);
      // The emitted curl config names the same pins as the line printed.
      const emitted = readFileSync(
        join(
          cwd,
          'served',
          'config',
          readdirSync(join(cwd, 'served', 'config')).find((f) => f.includes('curl')) ?? '',
        ),
        'utf8',
      );
      for (const pin of (args[pinIndex] ?? '').split(';')) assert.ok(emitted.includes(pin), pin);
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    }
    assert.ok(existsSync(join(cwd, 'served', 'qrpin.yaml')));
  });
});
