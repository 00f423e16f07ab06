import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { parseManifest, verifyPinset } from '@qrpin/core';
import { MemoryLastGoodStore, PinnedAgent, PinsetUpdater } from '@qrpin/client';
import { corePinsetVerifier, startServer, type RunningServer } from '@qrpin/server';
import { prepareProject } from '../../src/lib/server-setup.ts';
import { stoppedServerUrl } from '../helpers/stopped-server.ts';
import { run, type RunResult } from '../helpers/run.ts';
import { posterManifest } from '../helpers/poster-manifest.ts';

const TOKEN = 'cli-rollback-admin-token-0123456789abcdef';
const WRONG_TOKEN = 'cli-wrong-admin-token-0123456789abcdef';
const PROJECT = 'rollback-test';
const HOST = 'promo.rollback.qrpin.test';
const pin = (n: number): string => `sha256/${Buffer.alloc(32, n).toString('base64')}`;

describe('qrpin rollback and qrpin pinset history against a running server', () => {
  let cwd: string;
  let server: RunningServer;
  const serverLog: string[] = [];
  /** Every run's output, searched for the admin token at the end. */
  const outputs: RunResult[] = [];
  const signing = generateKeyPairSync('ed25519');
  const trustedKeys = [
    { kid: 'primary', alg: 'EdDSA' as const, jwk: signing.publicKey.export({ format: 'jwk' }) },
  ];

  const qrpin = async (argv: string[], env: Record<string, string> = {}): Promise<RunResult> => {
    const r = await run(argv, { cwd, env });
    outputs.push(r);
    return r;
  };
  const admin = (tokenFile = 'admin-token'): string[] => [
    '--server',
    server.url,
    '--project',
    PROJECT,
    '--token-file',
    tokenFile,
  ];
  /** Signs seq `seq` (and its rollback, seq + 1) with qrpin sign and publishes both with qrpin publish. */
  const signAndPublish = async (seq: number): Promise<void> => {
    const signed = await qrpin(['sign', '--key', 'signing.key', '--seq', String(seq), '--out', 'docs']);
    assert.equal(signed.code, 0, signed.stderr);
    // No TLS server plays the host here: its check fails at once (connection refused) and --force
    // publishes anyway; serve-publish.test.ts covers the check itself.
    const published = await qrpin([
      'publish',
      `docs/pinset-${seq}.jws`,
      `docs/pinset-${seq + 1}-rollback.jws`,
      '--force',
      '--target',
      `${HOST}=127.0.0.1:9`,
      '--server',
      server.url,
      '--token-file',
      'admin-token',
    ]);
    assert.equal(published.code, 0, published.stderr);
  };
  const current = async (): Promise<{ seq: string; jws: string }> => {
    const res = await request(`${server.url}/v1/projects/${PROJECT}/pinset`);
    assert.equal(res.statusCode, 200);
    return { seq: String(res.headers['x-qrpin-seq']), jws: (await res.body.text()).trim() };
  };
  const history = async (): Promise<Array<Record<string, unknown>>> => {
    const r = await qrpin(['pinset', 'history', ...admin(), '--json']);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout);
    assert.equal(body.project, PROJECT);
    return body.pinsets;
  };

  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-rollback-'));
    server = await startServer({
      verify: corePinsetVerifier(),
      directory: join(cwd, 'db'),
      port: 0,
      logger: { level: 'info', stream: { write: (line: string) => void serverLog.push(line) } },
    });
    const manifest = posterManifest({
      project: PROJECT,
      server: server.url,
      host: HOST,
      pins: [pin(1), pin(3)],
      backupPins: [pin(2)],
      signingKeys: [{ kid: 'primary', jwk: trustedKeys[0]?.jwk }],
    });
    writeFileSync(join(cwd, 'qrpin.yaml'), manifest);
    writeFileSync(join(cwd, 'signing.key'), signing.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(cwd, 'admin-token'), `${TOKEN}\n`);
    writeFileSync(join(cwd, 'wrong-token'), `${WRONG_TOKEN}\n`);
    await prepareProject(server.store, parseManifest(manifest).manifest, {
      cwd,
      tokenFile: join(cwd, 'admin-token'),
      envToken: TOKEN,
    });
  });
  after(async () => {
    await server.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('lists no pinset and releases no rollback before anything is published', async () => {
    const listed = await qrpin(['pinset', 'history', ...admin()]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, '');
    assert.match(listed.stderr, /project rollback-test has no pinset on the server; publish one with/);
    assert.deepEqual(await history(), []);
    const r = await qrpin(['rollback', ...admin()]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^qrpin: no rollback released for rollback-test: the server refused \(HTTP 409: .*has no document.* \[ERR_STORE_NO_ROLLBACK\]\)\n$/,
    );
  });

  it('lists a published seq 1 with its rollback as the current document', async () => {
    await signAndPublish(1);
    const [first, ...rest] = await history();
    assert.deepEqual(rest, []);
    assert.deepEqual(Object.keys(first ?? {}).sort(), [
      'hasRollback',
      'kind',
      'publishedAt',
      'rollbackSeq',
      'seq',
      'sha256',
    ]);
    assert.equal(first?.seq, 1);
    assert.equal(first?.kind, 'published');
    assert.equal(first?.hasRollback, true);
    assert.equal(first?.rollbackSeq, 2);
    const table = await qrpin(['pinset', 'history', ...admin()]);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(
      table.stdout,
      [
        '   SEQ  KIND       SHA-256       ROLLBACK  PUBLISHED AT',
        `*    1  published  ${String(first?.sha256).slice(0, 12)}  2         ${String(first?.publishedAt)}`,
        '',
      ].join('\n'),
    );
    assert.match(
      table.stderr,
      /\* seq 1 is current; if it locks clients out, release its rollback \(seq 2\) with: qrpin rollback/,
    );
  });

  it('releases the rollback in one command: seq 2 is served, every host report-only, and a client follows', async () => {
    const dispatcher = new PinnedAgent({ pins: {} });
    const updater = new PinsetUpdater({
      url: `${server.url}/v1/projects/${PROJECT}/pinset`,
      dispatcher,
      project: PROJECT,
      trustedKeys,
      bootstrap: (await current()).jws,
      store: new MemoryLastGoodStore(),
      setTimer: () => undefined,
      cohort: 0,
    });
    try {
      await updater.start();
      assert.equal(updater.current?.seq, 1);
      assert.equal(dispatcher.policy.hosts[0]?.mode, 'enforce');

      const r = await qrpin(['rollback', ...admin()]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr,
        'released the rollback of rollback-test: seq 2 is current, every host report-only; clients apply it at their next refresh\n' +
          'to enforce pins again, sign and publish a fixed pinset with a seq above 2\n',
      );

      const served = await current();
      assert.equal(served.seq, '2');
      const { payload } = verifyPinset(served.jws, { trustedKeys, now: () => new Date(), project: PROJECT });
      assert.equal(payload.seq, 2);
      assert.equal(payload.rollbackOf, 1);
      assert.equal(payload.rollout.stage, 'report-only');
      assert.ok(payload.hosts.length > 0);
      for (const host of payload.hosts) assert.equal(host.mode, 'report', host.pattern);

      assert.equal(await updater.refresh(), 'applied');
      assert.equal(updater.current?.seq, 2);
      assert.equal(dispatcher.policy.hosts[0]?.mode, 'report');
    } finally {
      await dispatcher.close();
    }
  });

  it('lists the released rollback as current, above the document it rolled back', async () => {
    const [rollback, published] = await history();
    const short = (p: Record<string, unknown> | undefined): string => String(p?.sha256).slice(0, 12);
    assert.equal(rollback?.seq, 2);
    assert.equal(rollback?.kind, 'rollback');
    assert.equal(rollback?.hasRollback, false);
    assert.equal(rollback?.rollbackSeq, null);
    assert.equal(published?.seq, 1);
    const table = await qrpin(['pinset', 'history', ...admin()]);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(
      table.stdout,
      [
        '   SEQ  KIND       SHA-256       ROLLBACK    PUBLISHED AT',
        `*    2  rollback   ${short(rollback)}  -           ${String(rollback?.publishedAt)}`,
        `     1  published  ${short(published)}  2 released  ${String(published?.publishedAt)}`,
        '',
      ].join('\n'),
    );
    assert.match(
      table.stderr,
      /\* seq 2 is current: a released rollback, every host report-only; to enforce again, publish a fixed pinset with a seq above 2/,
    );
    const one = await qrpin(['pinset', 'history', '--limit', '1', ...admin(), '--json']);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(
      JSON.parse(one.stdout).pinsets.map((p: { seq: number }) => p.seq),
      [2],
    );
  });

  it('refuses a second rollback with ERR_STORE_NO_ROLLBACK and leaves seq 2 current', async () => {
    const r = await qrpin(['rollback', ...admin()]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^qrpin: no rollback released for rollback-test: the server refused \(HTTP 409: .*the current document \(seq 2\) has no pre-signed rollback.* \[ERR_STORE_NO_ROLLBACK\]\)\n$/,
    );
    assert.equal((await current()).seq, '2');
  });

  it('prints the released document’s summary with --json, taking the server and project from the manifest and the token from QRPIN_ADMIN_TOKEN', async () => {
    await signAndPublish(3);
    const r = await qrpin(['rollback', '--json'], { QRPIN_ADMIN_TOKEN: TOKEN });
    assert.equal(r.code, 0, r.stderr);
    const released = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(released).sort(), [
      'hasRollback',
      'kind',
      'project',
      'publishedAt',
      'rollbackSeq',
      'seq',
      'sha256',
    ]);
    assert.equal(released.project, PROJECT);
    assert.equal(released.seq, 4);
    assert.equal(released.kind, 'rollback');
    assert.equal(released.hasRollback, false);
    assert.equal(released.rollbackSeq, null);
    assert.match(r.stderr, /seq 4 is current/);
    const served = await current();
    assert.equal(served.seq, '4');
    const [latest] = await history();
    assert.equal(latest?.sha256, released.sha256);
  });

  it('is refused with 401 ERR_HTTP_UNAUTHORIZED for a wrong token, and changes nothing', async () => {
    const r = await qrpin(['rollback', ...admin('wrong-token')]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /the server refused \(HTTP 401: .* \[ERR_HTTP_UNAUTHORIZED\]\)/);
    const listed = await qrpin(['pinset', 'history', ...admin('wrong-token'), '--json']);
    assert.equal(listed.code, 1);
    assert.equal(listed.stdout, '');
    assert.match(
      listed.stderr,
      /^qrpin: cannot list the pinsets of rollback-test: the server refused \(HTTP 401: .* \[ERR_HTTP_UNAUTHORIZED\]\)\n$/,
    );
    assert.equal((await current()).seq, '4');
  });

  const usage: ReadonlyArray<readonly [string, string[], RegExp]> = [
    [
      'rollback without a token',
      ['rollback', '--server', 'http://127.0.0.1:9', '--project', PROJECT],
      /--token-file or QRPIN_ADMIN_TOKEN/,
    ],
    [
      'history without a token',
      ['pinset', 'history', '--server', 'http://127.0.0.1:9', '--project', PROJECT],
      /--token-file or QRPIN_ADMIN_TOKEN/,
    ],
    [
      '--limit 0',
      ['pinset', 'history', '--limit', '0'],
      /--limit takes a whole number from 1 to 500, not "0"/,
    ],
    [
      '--limit 501',
      ['pinset', 'history', '--limit', '501'],
      /--limit takes a whole number from 1 to 500, not "501"/,
    ],
    ['--limit -1', ['pinset', 'history', '--limit=-1'], /not "-1"/],
    ['--limit 2.5', ['pinset', 'history', '--limit', '2.5'], /not "2\.5"/],
    ['--limit ten', ['pinset', 'history', '--limit', 'ten'], /not "ten"/],
    ['a positional to rollback', ['rollback', '7'], /usage: qrpin rollback \[--server url\]/],
    [
      'a project that is no id',
      ['rollback', '--server', 'http://127.0.0.1:9', '--project', 'Spring!'],
      /"Spring!" is not a project id/,
    ],
  ];
  for (const [what, argv, message] of usage) {
    it(`stops with exit 2 on ${what}, before asking the server`, async () => {
      const r = await qrpin(argv);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
      assert.match(r.stderr, /\[ERR_USAGE\]\n$/);
    });
  }

  it('says so when the server cannot be reached (exit 2, ERR_FETCH_FAILED)', async () => {
    const url = await stoppedServerUrl(cwd);
    for (const argv of [['rollback'], ['pinset', 'history']]) {
      const r = await qrpin([...argv, '--server', url, '--project', PROJECT, '--token-file', 'admin-token']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /cannot reach .* \[ERR_FETCH_FAILED\]/);
    }
  });

  it('has help with an example for both commands', async () => {
    for (const argv of [['rollback'], ['pinset', 'history']]) {
      const r = await qrpin([...argv, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`qrpin ${argv.join(' ')}`));
      assert.match(r.stdout, /--token-file/);
      assert.match(r.stdout, /Examples:\n {2}qrpin /);
    }
  });

  it('never printed the admin token, nor let it reach the server’s log', () => {
    assert.ok(outputs.length > 20);
    for (const { stdout, stderr } of outputs) {
      for (const token of [TOKEN, WRONG_TOKEN]) {
        assert.ok(!stdout.includes(token), 'the token is on stdout');
        assert.ok(!stderr.includes(token), 'the token is on stderr');
      }
    }
    assert.match(serverLog.join(''), /pre-signed rollback released/);
    for (const token of [TOKEN, WRONG_TOKEN])
      assert.ok(!serverLog.join('').includes(token), 'a token is in the log');
  });
});
