import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { corePinsetVerifier, startServer, type RunningServer } from '@qrpin/server';
import { stoppedServerUrl } from '../helpers/stopped-server.ts';
import { run } from '../helpers/run.ts';

const TOKEN = 'cli-ingest-admin-token-0123456789abcdef';
const OTHER_TOKEN = 'cli-other-admin-token-0123456789abcdef';
const hash = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('qrpin ingest-key against a running server', () => {
  let cwd: string;
  let server: RunningServer;
  const serverLog: string[] = [];
  /** Every key the tests saw, to look for in the server's log at the end. */
  const keys: string[] = [];

  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-ingest-key-'));
    server = await startServer({
      verify: corePinsetVerifier(),
      directory: join(cwd, 'db'),
      port: 0,
      logger: { level: 'info', stream: { write: (line: string) => void serverLog.push(line) } },
    });
    await server.store.createProject('spring');
    await server.store.createProject('autumn');
    await server.store.addAdminToken('spring', hash(TOKEN));
    await server.store.addAdminToken('autumn', hash(OTHER_TOKEN));
    writeFileSync(join(cwd, 'admin-token'), `${TOKEN}\n`);
    writeFileSync(join(cwd, 'other-token'), `${OTHER_TOKEN}\n`);
  });
  after(async () => {
    await server.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  const admin = (): string[] => [
    '--server',
    server.url,
    '--project',
    'spring',
    '--token-file',
    'admin-token',
  ];
  const send = async (key: string, appId: string) => {
    keys.push(key);
    const res = await request(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-qrpin-ingest-key': key },
      body: JSON.stringify({
        events: [
          {
            type: 'scan',
            time: new Date(Date.UTC(2026, 10, 24, 12)).toISOString(),
            project: 'spring',
            appId,
            appVersion: '1.0.0',
            platform: 'node',
            sessionId: 'session-1',
            destination: 'poster',
          },
        ],
      }),
    });
    await res.body.text();
    return res.statusCode;
  };
  const listIds = async (): Promise<string[]> => {
    const listed = await run(['ingest-key', 'list', ...admin(), '--json'], { cwd });
    assert.equal(listed.code, 0, listed.stderr);
    return (JSON.parse(listed.stdout).ingestKeys as Array<{ keyId: string }>).map((k) => k.keyId);
  };

  it('writes a new key to a 0600 file and prints only its id; the key works at once', async () => {
    const r = await run(['ingest-key', 'create', 'kiosk', ...admin()], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const file = join(cwd, 'ingest-key-kiosk');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const key = readFileSync(file, 'utf8').trim();
    assert.match(key, /^qi_[A-Za-z0-9_-]{43}$/);
    const keyId = hash(key).slice(0, 12);
    assert.equal(r.stdout, `${keyId}\n`);
    assert.ok(!r.stderr.includes(key), 'the key is on stderr');
    assert.match(r.stderr, /key in ingest-key-kiosk \(mode 0600/);
    assert.match(r.stderr, new RegExp(`qrpin ingest-key revoke ${keyId}`));
    assert.equal(await send(key, 'kiosk'), 202);
    assert.ok((await listIds()).includes(keyId));
  });

  it('lists keys as a table and as JSON without any key', async () => {
    const made = await run(['ingest-key', 'create', 'table-app', '--out', 'table-key', ...admin()], { cwd });
    assert.equal(made.code, 0, made.stderr);
    const key = readFileSync(join(cwd, 'table-key'), 'utf8').trim();
    const table = await run(['ingest-key', 'list', ...admin()], { cwd });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^KEY ID {8}APP +CREATED\n/);
    assert.match(table.stdout, new RegExp(`${made.stdout.trim()}  table-app +\\d{4}-\\d\\d-\\d\\dT`));
    const json = await run(['ingest-key', 'list', ...admin(), '--json'], { cwd });
    const body = JSON.parse(json.stdout);
    assert.equal(body.project, 'spring');
    for (const k of body.ingestKeys) assert.deepEqual(Object.keys(k).sort(), ['appId', 'createdAt', 'keyId']);
    for (const out of [table.stdout, json.stdout]) {
      assert.ok(!out.includes(key), 'a key is listed');
      assert.ok(!out.includes(hash(key)), 'a key hash is listed');
    }
  });

  it('revokes a key by its id: events with it are refused with 401 from then on', async () => {
    const made = await run(['ingest-key', 'create', 'revoked-app', '--json', ...admin()], { cwd });
    assert.equal(made.code, 0, made.stderr);
    const result = JSON.parse(made.stdout);
    assert.deepEqual(Object.keys(result).sort(), ['appId', 'createdAt', 'file', 'keyId', 'project']);
    assert.equal(result.file, 'ingest-key-revoked-app');
    const key = readFileSync(join(cwd, result.file), 'utf8').trim();
    assert.equal(await send(key, 'revoked-app'), 202);
    const revoked = await run(['ingest-key', 'revoke', result.keyId, ...admin()], { cwd });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stderr, new RegExp(`revoked ingest key ${result.keyId} of project spring`));
    assert.equal(await send(key, 'revoked-app'), 401);
    assert.ok(!(await listIds()).includes(result.keyId));
    const again = await run(['ingest-key', 'revoke', result.keyId, ...admin()], { cwd });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /HTTP 404: no such ingest key \[ERR_HTTP_NOT_FOUND\]/);
  });

  it('prints the key to stdout only with --print, and writes no file then', async () => {
    const r = await run(['ingest-key', 'create', 'piped-app', '--print', ...admin()], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const key = r.stdout.trim();
    assert.match(key, /^qi_[A-Za-z0-9_-]{43}$/);
    assert.equal(r.stdout, `${key}\n`);
    assert.ok(!r.stderr.includes(key));
    assert.equal(existsSync(join(cwd, 'ingest-key-piped-app')), false);
    assert.equal(await send(key, 'piped-app'), 202);
  });

  it('refuses to replace a key file, before the server makes a key; --force replaces it', async () => {
    writeFileSync(join(cwd, 'taken'), 'something else\n');
    const before = await listIds();
    const r = await run(['ingest-key', 'create', 'kiosk', '--out', 'taken', ...admin()], { cwd });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /taken exists already; pass --force to replace it \[ERR_FILE_EXISTS\]/);
    assert.deepEqual(await listIds(), before);
    assert.equal(readFileSync(join(cwd, 'taken'), 'utf8'), 'something else\n');
    const forced = await run(['ingest-key', 'create', 'kiosk', '--out', 'taken', '--force', ...admin()], {
      cwd,
    });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(statSync(join(cwd, 'taken')).mode & 0o777, 0o600);
    assert.equal(await send(readFileSync(join(cwd, 'taken'), 'utf8').trim(), 'kiosk'), 202);
  });

  it('takes the token from QRPIN_ADMIN_TOKEN, and names a safe default file for any app id', async () => {
    const r = await run(
      ['ingest-key', 'create', '../ios/app', '--server', server.url, '--project', 'spring'],
      {
        cwd,
        env: { QRPIN_ADMIN_TOKEN: TOKEN },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const file = join(cwd, 'ingest-key-.._ios_app');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(await send(readFileSync(file, 'utf8').trim(), '../ios/app'), 202);
  });

  it('reads the server and project from the manifest when no option names them', async () => {
    const dir = mkdtempSync(join(cwd, 'manifest-'));
    writeFileSync(
      join(dir, 'qrpin.yaml'),
      `version: 1
project: spring
server: ${server.url}
destinations:
  - id: poster
    payload: https://promo.example.com/spring
    kind: web
hosts:
  - pattern: promo.example.com
    pins: [sha256/${Buffer.alloc(32, 1).toString('base64')}]
    backupPins: [sha256/${Buffer.alloc(32, 2).toString('base64')}]
    expires: 2027-06-01
`,
    );
    const r = await run(['ingest-key', 'list'], { cwd: dir, env: { QRPIN_ADMIN_TOKEN: TOKEN } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kiosk/);
  });

  it('is refused with 401 by a token of another project, leaving no file behind', async () => {
    const r = await run(
      [
        'ingest-key',
        'create',
        'intruder',
        '--server',
        server.url,
        '--project',
        'spring',
        '--token-file',
        'other-token',
      ],
      { cwd },
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /HTTP 401: the token is not an admin token of project "spring" \[ERR_HTTP_UNAUTHORIZED\]/,
    );
    assert.equal(existsSync(join(cwd, 'ingest-key-intruder')), false);
    const list = await run(['ingest-key', 'list', '--server', server.url, '--project', 'spring'], {
      cwd,
      env: { QRPIN_ADMIN_TOKEN: OTHER_TOKEN },
    });
    assert.equal(list.code, 1);
    assert.match(list.stderr, /HTTP 401/);
    assert.equal(list.stdout, '');
  });

  const usage: ReadonlyArray<readonly [string, string[], Record<string, string>, RegExp]> = [
    [
      'no token',
      ['ingest-key', 'list', '--server', 'http://127.0.0.1:9', '--project', 'spring'],
      {},
      /--token-file or QRPIN_ADMIN_TOKEN/,
    ],
    [
      'no manifest and no --server',
      ['ingest-key', 'list'],
      { QRPIN_ADMIN_TOKEN: TOKEN },
      /--server .* --project, or run where qrpin\.yaml is/,
    ],
    [
      'an app id with a space',
      ['ingest-key', 'create', 'my app', '--print'],
      {},
      /"my app" is not 1 to 128 printable characters/,
    ],
    [
      '--print with --out',
      ['ingest-key', 'create', 'kiosk', '--print', '--out', 'f'],
      {},
      /--print and --out exclude each other/,
    ],
    ['a key id that is no id', ['ingest-key', 'revoke', 'kiosk'], {}, /key id "kiosk" is not 12 hex digits/],
    ['a whole hash as key id', ['ingest-key', 'revoke', hash('x')], {}, /is not 12 hex digits/],
    [
      'a project that is no id',
      ['ingest-key', 'list', '--server', 'http://127.0.0.1:9', '--project', 'Spring!'],
      { QRPIN_ADMIN_TOKEN: TOKEN },
      /"Spring!" is not a project id/,
    ],
    ['create without an app id', ['ingest-key', 'create'], {}, /usage: qrpin ingest-key create <app-id>/],
  ];
  for (const [what, argv, env, message] of usage) {
    it(`stops with exit 2 on ${what}`, async () => {
      const r = await run(argv, { cwd, env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /\[ERR_USAGE\]/);
    });
  }

  it('says so when the server cannot be reached, and leaves no file behind', async () => {
    const url = await stoppedServerUrl(cwd);
    const r = await run(
      [
        'ingest-key',
        'create',
        'offline-app',
        '--server',
        url,
        '--project',
        'spring',
        '--token-file',
        'admin-token',
      ],
      { cwd },
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot reach .* \[ERR_FETCH_FAILED\]/);
    assert.equal(existsSync(join(cwd, 'ingest-key-offline-app')), false);
  });

  it('left no key in the server’s log', () => {
    assert.ok(keys.length >= 5);
    assert.match(serverLog.join(''), /"msg":"ingest key created"/);
    for (const key of keys) assert.ok(!serverLog.join('').includes(key), 'a key is in the server log');
  });

  it('has help with an example for each subcommand', async () => {
    for (const sub of ['create', 'list', 'revoke']) {
      const r = await run(['ingest-key', sub, '--help'], { cwd });
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`qrpin ingest-key ${sub}`));
      assert.match(r.stdout, /--token-file/);
    }
  });
});
