import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/run.ts';

describe('qrpin keys backup', () => {
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-keys-'));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it('writes a 0600 private key, a CSR and a public key, and prints only the pin', async () => {
    const r = await run(['keys', 'backup', '--cn', 'promo.example.com', '--out', 'offline'], { cwd });
    assert.equal(r.code, 0, r.stderr);
    const pin = r.stdout.trim();
    assert.match(pin, /^sha256\/[A-Za-z0-9+/]{43}=$/);
    const key = join(cwd, 'offline', 'backup-promo.example.com.key');
    assert.equal(statSync(key).mode & 0o777, 0o600);
    const keyPem = readFileSync(key, 'utf8');
    assert.match(keyPem, /BEGIN PRIVATE KEY/);
    const body = keyPem.split('\n')[1] ?? '';
    assert.ok(!r.stdout.includes(body) && !r.stderr.includes(body), 'the private key is never printed');
    // The pin is that of the key, by the OWASP openssl recipe.
    const reference = execFileSync(
      'bash',
      ['-c', `openssl pkey -in "${key}" -pubout -outform der | openssl dgst -sha256 -binary | base64`],
      { encoding: 'utf8' },
    ).trim();
    assert.equal(pin, `sha256/${reference}`);
    const csrText = execFileSync(
      'openssl',
      ['req', '-in', join(cwd, 'offline', 'backup-promo.example.com.csr'), '-noout', '-subject'],
      {
        encoding: 'utf8',
      },
    );
    assert.match(csrText, /CN\s*=\s*promo\.example\.com/);
  });

  it('refuses to replace an existing key without --force', async () => {
    const argv = ['keys', 'backup', '--cn', 'api.example.com', '--out', 'again'];
    assert.equal((await run(argv, { cwd })).code, 0);
    const second = await run(argv, { cwd });
    assert.equal(second.code, 2);
    assert.match(second.stderr, /exists already; pass --force/);
    const forced = await run([...argv, '--force', '--type', 'ed25519', '--json'], { cwd });
    assert.equal(forced.code, 0, forced.stderr);
    const json = JSON.parse(forced.stdout) as { pin: string; type: string; privateKey: string };
    assert.equal(json.type, 'ed25519');
    assert.equal(statSync(join(cwd, json.privateKey)).mode & 0o777, 0o600);
  });

  it('requires --cn', async () => {
    const r = await run(['keys', 'backup'], { cwd });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--cn takes the host name/);
  });
});
