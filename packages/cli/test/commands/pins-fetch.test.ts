import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/run.ts';
import { startOpensslServer, testPort, type OpensslServer } from '../helpers/openssl-server.ts';

describe('qrpin pins fetch', () => {
  let cwd: string;
  let server: OpensslServer;
  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-fetch-'));
    server = await startOpensslServer(cwd, testPort(1));
  });
  after(async () => {
    await server.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  const openssl = (cert: string): string =>
    execFileSync(
      'bash',
      [
        '-c',
        `openssl x509 -in ${cert} -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`,
      ],
      { encoding: 'utf8' },
    ).trim();

  it('shows the served chain with each pin, and validation OK against the given CA', async () => {
    const r = await run(['pins', 'fetch', `localhost:${server.port}`, '--ca', server.caFile, '--json'], {
      cwd,
    });
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as {
      validated: boolean;
      chain: Array<{ subject: string; issuer: string; pin: string; key: string; daysToExpiry: number }>;
    };
    assert.equal(json.validated, true);
    assert.equal(json.chain[0]?.subject, 'CN=localhost');
    assert.equal(json.chain[0]?.issuer, 'CN=qrpin test CA');
    assert.equal(json.chain[0]?.key, 'EC P-256');
    assert.equal(json.chain[0]?.pin, `sha256/${openssl(server.leafFile)}`);
    assert.ok(json.chain[0]!.daysToExpiry >= 19 && json.chain[0]!.daysToExpiry <= 20);
    assert.equal(json.chain.at(-1)?.pin, `sha256/${openssl(server.caFile)}`);
  });

  it('reports a chain that does not validate and exits 1', async () => {
    const r = await run(['pins', 'fetch', `localhost:${server.port}`], { cwd });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /validation: FAILED/);
    assert.match(r.stdout, new RegExp(`pin {6}sha256/${openssl(server.leafFile).replace(/[+/]/g, '\\$&')}`));
  });

  it('reports a name that does not match the certificate', async () => {
    const r = await run(
      ['pins', 'fetch', `localhost:${server.port}`, '--ca', server.caFile, '--servername', 'other.example'],
      { cwd },
    );
    assert.equal(r.code, 1);
    assert.match(r.stdout, /not valid for other\.example/);
  });

  it('names the host and the cause when nothing listens', async () => {
    const r = await run(['pins', 'fetch', `127.0.0.1:${testPort(2)}`, '--timeout', '2000'], { cwd });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /connection refused.*\[ERR_FETCH_FAILED\]/);
  });
});
