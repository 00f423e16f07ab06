import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/run.ts';

function sh(script: string, cwd: string): string {
  return execFileSync('bash', ['-c', script], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

describe('qrpin pins from', () => {
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-pins-from-'));
    sh(
      'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -out ec.pem -subj /CN=ec.example -days 30',
      cwd,
    );
    sh(
      'openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem -subj /CN=rsa.example -days 30',
      cwd,
    );
    sh('cat ec.pem rsa.pem > bundle.pem', cwd);
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  const reference = (cert: string): string =>
    `sha256/${sh(`openssl x509 -in ${cert} -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`, cwd)}`;

  it('prints the pin of every certificate of a bundle, as openssl computes it', async () => {
    const r = await run(['pins', 'from', 'bundle.pem'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.ok(lines[0]?.startsWith(`${reference('ec.pem')}  bundle.pem#0  certificate, EC P-256`), lines[0]);
    assert.ok(lines[1]?.startsWith(`${reference('rsa.pem')}  bundle.pem#1  certificate, RSA 2048`), lines[1]);
  });

  it('gives the same pin for a certificate and its private key, as JSON', async () => {
    const r = await run(['pins', 'from', 'ec.pem', 'ec.key', '--json'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as Array<{
      file: string;
      pins: Array<{ pin: string; source: string }>;
    }>;
    assert.equal(json[0]?.pins[0]?.pin, reference('ec.pem'));
    assert.equal(json[1]?.pins[0]?.pin, reference('ec.pem'));
    assert.equal(json[1]?.pins[0]?.source, 'private-key');
  });

  it('answers a file that holds no key with a coded error', async () => {
    writeFileSync(join(cwd, 'junk.txt'), 'hello, not a certificate');
    const r = await run(['pins', 'from', 'junk.txt'], { cwd });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\[ERR_PEM_INVALID\]|\[ERR_DER_INVALID\]/);
  });
});
