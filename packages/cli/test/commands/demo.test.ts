import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
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
      '10. Report journeys, count them, catch an interception spike',
      '11. What to look at',
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
    for (const id of ['spring-poster', 'spring-app-offer', 'summer-teaser', 'loyalty-checkin']) {
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

    // Step 10: the campaign went through POST /v1/events, the spike alerted, the webhook verified it.
    const sent = Number(
      /POST \/v1\/events through the client reporter: (\d+) events acknowledged/.exec(r.stdout)?.[1],
    );
    assert.ok(sent > 5000, r.stdout);
    assert.match(r.stdout, new RegExp(`metrics API: ${sent} events, \\d+ scans`));
    assert.match(r.stdout, /real: the \d+ events of the journeys of steps 7 and 8/);
    assert.match(
      r.stdout,
      /alert job \(one run\): 2 alerts raised \(spring-poster tls_error_rate, spring-poster pin_failure_rate\), 2 delivered/,
    );
    const received = [
      ...r.stdout.matchAll(
        /received: delivery \d+, alert #(\d+) spring-poster (\w+): .*; signature verified/g,
      ),
    ].map((m) => `${m[1]} ${m[2]}`);
    assert.equal(received.length, 2, r.stdout);
    assert.match(r.stdout, /dashboard: http:\/\/127\.0\.0\.1:\d+\/ \(until the demo ends\)/);
    assert.ok(r.stdout.includes(`admin token in ${join(dir, 'server', 'admin-token')}`));
    const token = readFileSync(join(dir, 'server', 'admin-token'), 'utf8').trim();
    assert.ok(!r.stdout.includes(token), 'the admin token is never printed');
    const reopen = /reopen it later: qrpin (serve .*?) {2}/.exec(r.stdout)?.[1]?.split(' ');
    assert.ok(reopen !== undefined, r.stdout);

    // The printed command reopens the dashboard on the demo's database, with what step 10 stored.
    const serve = spawn(
      join(ROOT, 'qrpin'),
      [...reopen, '--port', '0', '--retention-days', '7', '--alert-interval', '5'],
      {
        cwd,
        env: { ...withoutAdminToken(process.env), NO_COLOR: '1', QRPIN_DATABASE_URL: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const closed = new Promise<number | null>((resolve) => serve.on('exit', (code) => resolve(code)));
    try {
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        serve.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (stderr.includes('press Ctrl-C')) resolve();
        });
        void closed.then(() => reject(new Error(`qrpin serve exited: ${stderr}`)));
      });
      const url = /dashboard: (http:\/\/127\.0\.0\.1:\d+)\/ \(sign in with project qrpin-demo/.exec(
        stderr,
      )?.[1];
      assert.ok(url !== undefined, stderr);
      assert.match(stderr, /raw events kept 7 days; spike detection and webhooks every 5 s/);
      const page = await request(`${url}/`);
      assert.equal(page.statusCode, 200);
      assert.match(await page.body.text(), /<!doctype html>/i);
      const get = async <T>(path: string): Promise<T> => {
        const res = await request(`${url}/v1/projects/qrpin-demo${path}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(res.statusCode, 200, path);
        return (await res.body.json()) as T;
      };
      const overview = await get<{
        totals: { events: number };
        destinations: Array<{ destination: string }>;
      }>('/metrics/overview');
      assert.equal(overview.totals.events, sent);
      assert.equal(overview.destinations.length, 4);
      const { alerts } = await get<{ alerts: Array<{ id: number; destination: string; kind: string }> }>(
        '/alerts',
      );
      assert.deepEqual(alerts.map((a) => `${a.id} ${a.kind}`).sort(), received.sort());
      assert.ok(alerts.every((a) => a.destination === 'spring-poster'));
      const { webhooks } = await get<{ webhooks: unknown[] }>('/webhooks');
      assert.deepEqual(webhooks, [], 'the demo removed its webhook');
    } finally {
      serve.kill('SIGTERM');
      assert.equal(await closed, 0);
    }
  });

  it('runs again in the directory of an earlier run, keeping that run’s server data aside', async () => {
    // `out` is the directory of the test above (tests of a describe run in order).
    const dir = join(cwd, 'out');
    const earlierToken = readFileSync(join(dir, 'server', 'admin-token'), 'utf8');
    const r = await runBinary(['demo', '--dir', 'out'], { cwd });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const aside =
      /the server data of an earlier run is kept in (server\.\d{8}T\d{6}Z)\/; this run starts a new server\//.exec(
        r.stdout,
      )?.[1];
    assert.ok(aside !== undefined, r.stdout);
    assert.equal(readFileSync(join(dir, aside, 'admin-token'), 'utf8'), earlierToken);
    assert.ok(existsSync(join(dir, aside, 'qrpin.db')));
    assert.notEqual(readFileSync(join(dir, 'server', 'admin-token'), 'utf8'), earlierToken);
    assert.match(r.stdout, /qrpin publish: seq 1 → HTTP 201/);
    assert.match(r.stdout, /the client refreshes: applied, seq 2, hosts report/);
    assert.match(r.stdout, /alert job \(one run\): 2 alerts raised/);
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
      // The dashboard stays up with the demo's data.
      const dashboard = /dashboard: (http:\/\/127\.0\.0\.1:\d+)\/\n/.exec(stdout)?.[1];
      assert.ok(dashboard !== undefined, stdout);
      const token = readFileSync(join(cwd, 'served', 'server', 'admin-token'), 'utf8').trim();
      const overview = await request(`${dashboard}/v1/projects/qrpin-demo/metrics/overview`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(overview.statusCode, 200);
      const { totals } = (await overview.body.json()) as { totals: { scans: number } };
      assert.ok(totals.scans > 1000, String(totals.scans));
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

/** The environment without QRPIN_ADMIN_TOKEN, so serve takes the demo's token file. */
function withoutAdminToken(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.QRPIN_ADMIN_TOKEN;
  return copy;
}
