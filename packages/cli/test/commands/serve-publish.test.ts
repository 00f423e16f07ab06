import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { computePins, parseManifest, type PinsetPayload } from '@qrpin/core';
import { MemoryLastGoodStore, PinnedAgent, PinsetUpdater } from '@qrpin/client';
import { corePinsetVerifier, startServer, type RunningServer } from '@qrpin/server';
import { startDemoWorld, type DemoWorld } from '../../src/demo/world.ts';
import { prepareProject } from '../../src/lib/server-setup.ts';
import { checkServedKeys } from '../../src/commands/publish.ts';
import { ROOT, run } from '../helpers/run.ts';
import { posterManifest } from '../helpers/poster-manifest.ts';

const HOST = 'promo.publish.qrpin.test';
const pin = (n: number): string => `sha256/${Buffer.alloc(32, n).toString('base64')}`;

describe('qrpin serve, sign and publish, and a client that follows', () => {
  let cwd: string;
  let world: DemoWorld;
  let server: RunningServer;
  let leafPin: string;
  let tokenFile: string;
  const signing = generateKeyPairSync('ed25519');
  const jwk = signing.publicKey.export({ format: 'jwk' });

  const manifest = (pins: string[], backups: string[]): string =>
    posterManifest({
      project: 'publish-test',
      host: HOST,
      pins,
      backupPins: backups,
      signingKeys: [{ kid: 'primary', jwk }],
    });

  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-publish-'));
    world = await startDemoWorld([{ host: HOST, keyType: 'ec-p256', body: 'the promo' }], new Date());
    leafPin = computePins(world.servers[0]?.certPem ?? '')[0]?.pin.toString() ?? '';
    writeFileSync(join(cwd, 'ca.pem'), world.caPem);
    writeFileSync(join(cwd, 'signing.key'), signing.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(cwd, 'qrpin.yaml'), manifest([leafPin, pin(1)], [pin(2)]));
    writeFileSync(join(cwd, 'locked-out.yaml'), manifest([pin(3), pin(4)], [pin(5)]));
    server = await startServer({ verify: corePinsetVerifier(), directory: join(cwd, 'db'), port: 0 });
    tokenFile = join(cwd, 'db', 'admin-token');
    const { manifest: m } = parseManifest(manifest([leafPin, pin(1)], [pin(2)]));
    const prepared = await prepareProject(server.store, m, { cwd, tokenFile });
    assert.equal(prepared.tokenFile, tokenFile);
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
  });
  after(async () => {
    await server.close();
    await world.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  const target = (): string[] => [
    '--ca',
    'ca.pem',
    '--target',
    `${HOST}=127.0.0.1:${world.servers[0]?.port}`,
  ];

  it('publishes a signed document that matches the served key, and serves it', async () => {
    const signed = await run(['sign', '--key', 'signing.key', '--seq', '1', '--out', 'docs'], { cwd });
    assert.equal(signed.code, 0, signed.stderr);
    const r = await run(
      [
        'publish',
        'docs/pinset-1.jws',
        'docs/pinset-2-rollback.jws',
        '--server',
        server.url,
        '--token-file',
        tokenFile,
        ...target(),
      ],
      { cwd },
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, new RegExp(`${HOST.replace(/\./g, '\\.')}: ok`));
    const res = await request(`${server.url}/v1/projects/publish-test/pinset`);
    assert.equal(res.statusCode, 200);
    assert.equal((await res.body.text()).split('.').length, 3);
  });

  it('refuses a document whose pins match none of the served keys', async () => {
    const signed = await run(
      ['sign', '-m', 'locked-out.yaml', '--key', 'signing.key', '--seq', '3', '--out', 'locked'],
      { cwd },
    );
    assert.equal(signed.code, 0, signed.stderr);
    const argv = [
      'publish',
      'locked/pinset-3.jws',
      'locked/pinset-4-rollback.jws',
      '-m',
      'locked-out.yaml',
      '--server',
      server.url,
      '--token-file',
      tokenFile,
      ...target(),
    ];
    const refused = await run(argv, { cwd });
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /none of the pins matches a key the host serves now/);
    assert.match(refused.stderr, /refusing to publish seq 3/);
    const current = await request(`${server.url}/v1/projects/publish-test/pinset`);
    assert.match(await current.body.text(), /\./);
    assert.equal(current.statusCode, 200);
  });

  it('is refused by the server with a wrong token, and with a replayed seq', async () => {
    writeFileSync(join(cwd, 'wrong-token'), 'x'.repeat(40));
    const wrong = await run(
      [
        'publish',
        'docs/pinset-1.jws',
        'docs/pinset-2-rollback.jws',
        '--server',
        server.url,
        '--token-file',
        'wrong-token',
        ...target(),
      ],
      { cwd },
    );
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      /^qrpin: the server refused seq 1 \(HTTP 401: .+ \[ERR_HTTP_UNAUTHORIZED\]\)\n$/,
    );
    assert.ok(!(wrong.stdout + wrong.stderr).includes('x'.repeat(40)), 'the token is printed');
    const tokenless = await run(
      ['publish', 'docs/pinset-1.jws', 'docs/pinset-2-rollback.jws', '--server', server.url, ...target()],
      { cwd },
    );
    assert.equal(tokenless.code, 2);
    assert.match(tokenless.stderr, /--token-file or QRPIN_ADMIN_TOKEN \[ERR_USAGE\]/);
    const replay = await run(
      [
        'publish',
        'docs/pinset-1.jws',
        'docs/pinset-2-rollback.jws',
        '--server',
        server.url,
        '--token-file',
        tokenFile,
        ...target(),
      ],
      { cwd },
    );
    assert.equal(replay.code, 1);
    assert.match(replay.stderr, /HTTP 409/);
    const fromEnv = await run(
      [
        'publish',
        'docs/pinset-1.jws',
        'docs/pinset-2-rollback.jws',
        '--server',
        server.url,
        '--json',
        ...target(),
      ],
      { cwd, env: { QRPIN_ADMIN_TOKEN: readFileSync(tokenFile, 'utf8').trim() } },
    );
    assert.equal(fromEnv.code, 1);
    const answer = JSON.parse(fromEnv.stdout);
    assert.equal(answer.published, false);
    assert.equal(answer.status, 409);
    assert.equal(answer.answer.error.code, 'ERR_PINSET_ROLLBACK');
  });

  it('moves a following client to the published pins, then to report-only when the rollback is released', async () => {
    const dispatcher = new PinnedAgent({ pins: {} });
    const updater = new PinsetUpdater({
      url: `${server.url}/v1/projects/publish-test/pinset`,
      dispatcher,
      project: 'publish-test',
      trustedKeys: [{ kid: 'primary', alg: 'EdDSA', jwk }],
      bootstrap: (
        await request(`${server.url}/v1/projects/publish-test/pinset/1`).then((r) => r.body.text())
      ).trim(),
      store: new MemoryLastGoodStore(),
      setTimer: () => undefined,
      cohort: 0,
    });
    await updater.start();
    assert.equal(updater.current?.seq, 1);
    assert.equal(dispatcher.policy.hosts[0]?.mode, 'enforce');
    const token = readFileSync(tokenFile, 'utf8').trim();
    const released = await request(`${server.url}/v1/projects/publish-test/rollback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.ok([200, 201].includes(released.statusCode), await released.body.text());
    assert.equal(await updater.refresh(), 'applied');
    assert.equal((updater.current as PinsetPayload).seq, 2);
    assert.equal(dispatcher.policy.hosts[0]?.mode, 'report');
    await dispatcher.close();
  });

  it('checks every pinned host: a backup pin must be held back from the served chain', async () => {
    const served = async (): Promise<{ validated: boolean; pins: string[] }> => ({
      validated: true,
      pins: [pin(7)],
    });
    const host = (pins: string[], backupPins: string[]) => ({
      pattern: HOST,
      pins,
      backupPins,
      includeSubdomains: false,
      mode: 'enforce' as const,
    });
    const base = {
      v: 1,
      project: 'p',
      seq: 1,
      iat: 0,
      exp: 1,
      rollout: { stage: 'everyone', enforcePercent: 100 },
    } as unknown as PinsetPayload;
    const cases: Array<[string, PinsetPayload['hosts'], boolean, RegExp | undefined]> = [
      ['a served pin and a held-back backup', [host([pin(7)], [pin(8)])], true, undefined],
      ['no pin served', [host([pin(6)], [pin(8)])], false, /none of the pins/],
      ['the only backup is served', [host([pin(6)], [pin(7)])], false, /no backup pin outside/],
    ];
    for (const [name, hosts, ok, problem] of cases) {
      const [check] = await checkServedKeys({ ...base, hosts }, served);
      assert.equal(check?.ok, ok, name);
      if (problem !== undefined) assert.match(check?.problem ?? '', problem, name);
    }
  });

  it('qrpin serve starts with no configuration but the manifest, and writes a 0600 admin token', async () => {
    const dir = join(cwd, 'serve-home');
    const child = spawn(join(ROOT, 'qrpin'), ['serve', '--port', '0', '--dir', dir], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', QRPIN_DATABASE_URL: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          const match = /qrpin serve: (http:\/\/\S+)/.exec(stderr);
          if (match?.[1] !== undefined && stderr.includes('press Ctrl-C')) resolve(match[1]);
        });
        void exited.then(() => reject(new Error(stderr)));
      });
      const health = await request(`${url}/healthz`);
      assert.equal(health.statusCode, 200);
      const none = await request(`${url}/v1/projects/publish-test/pinset`);
      assert.equal(none.statusCode, 404);
      assert.match(await none.body.text(), /"code"/);
      assert.equal(statSync(join(dir, 'admin-token')).mode & 0o777, 0o600);
      assert.doesNotMatch(stderr, /admin-token\n.*[A-Za-z0-9_-]{43}/);
    } finally {
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    }
  });
});
