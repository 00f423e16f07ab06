import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/run.ts';

const PIN_A = `sha256/${Buffer.alloc(32, 1).toString('base64')}`;
const PIN_B = `sha256/${Buffer.alloc(32, 2).toString('base64')}`;
const PIN_C = `sha256/${Buffer.alloc(32, 3).toString('base64')}`;
const NOW = new Date('2026-11-24T12:00:00Z');

const manifest = (signingKeys: string): string => `version: 1
project: spring
destinations:
  - id: poster
    payload: https://promo.example.com/spring?src=qr
    kind: web
    campaign: spring-2026
hosts:
  - pattern: promo.example.com
    pins: [${PIN_A}, ${PIN_B}]
    backupPins: [${PIN_C}]
    expires: 2027-06-01
    mode: enforce
signingKeys:
${signingKeys}`;

interface SigningKeyJson {
  kid: string;
  alg: string;
  jwk: Record<string, string>;
  privateKey: string;
}

describe('qrpin keys signing, sign and pinset', () => {
  let cwd: string;
  let primary: SigningKeyJson;
  before(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-pinset-'));
    const r = await run(['keys', 'signing', '--kid', 'primary', '--out', 'offline', '--json'], {
      cwd,
      now: NOW,
    });
    assert.equal(r.code, 0, r.stderr);
    primary = JSON.parse(r.stdout) as SigningKeyJson;
    const backup = await run(['keys', 'signing', '--kid', 'backup', '--alg', 'ES256', '--out', 'offline'], {
      cwd,
      now: NOW,
    });
    assert.equal(backup.code, 0, backup.stderr);
    const entries = `${[`- kid: primary`, `  alg: EdDSA`, `  jwk: ${JSON.stringify(primary.jwk)}`].join(
      '\n',
    )}\n${backup.stdout}`;
    writeFileSync(join(cwd, 'qrpin.yaml'), manifest(entries.replace(/^/gm, '  ')));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it('keys signing writes a 0600 PKCS#8 key, never prints it, and prints the manifest entry', async () => {
    assert.equal(primary.kid, 'primary');
    assert.equal(primary.alg, 'EdDSA');
    assert.equal(primary.jwk.kty, 'OKP');
    assert.equal(primary.jwk.crv, 'Ed25519');
    assert.equal(primary.jwk.d, undefined);
    const keyFile = join(cwd, primary.privateKey);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const pem = readFileSync(keyFile, 'utf8');
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);

    const r = await run(['keys', 'signing', '--kid', 'third', '--alg', 'ES256', '--out', 'offline'], {
      cwd,
      now: NOW,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^- kid: third\n {2}alg: ES256\n {2}jwk: \{"kty":"EC".*"crv":"P-256"/);
    const body = readFileSync(join(cwd, 'offline', 'third.key'), 'utf8').split('\n')[1] ?? '';
    assert.ok(
      body.length > 20 && !r.stdout.includes(body) && !r.stderr.includes(body),
      'the key is never printed',
    );
    assert.doesNotMatch(r.stdout, /"d"/);
    const again = await run(['keys', 'signing', '--kid', 'third', '--out', 'offline'], { cwd, now: NOW });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists already; pass --force/);
  });

  it('sign writes the document and its rollback, and pinset verify passes on both', async () => {
    const r = await run(
      ['sign', '--key', 'offline/primary.key', '--kid', 'primary', '--seq', '7', '--out', 'dist'],
      {
        cwd,
        now: NOW,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      join('dist', 'pinset-7.jws'),
      join('dist', 'pinset-8-rollback.jws'),
    ]);
    assert.match(r.stderr, /signed pinset seq 7 of spring with primary \(EdDSA\)/);

    const ok = await run(['pinset', 'verify', 'dist/pinset-7.jws', '--last-seq', '6'], { cwd, now: NOW });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /^ok: dist\/pinset-7\.jws: spring seq 7, signed by primary \(EdDSA\), 1 host, rollout everyone 100%/,
    );

    const rollback = await run(
      ['pinset', 'verify', 'dist/pinset-8-rollback.jws', '--last-seq', '7', '--json'],
      {
        cwd,
        now: NOW,
      },
    );
    assert.equal(rollback.code, 0, rollback.stderr);
    const result = JSON.parse(rollback.stdout) as {
      ok: boolean;
      payload: { seq: number; rollbackOf: number; hosts: Array<{ mode: string; pins: string[] }> };
    };
    assert.equal(result.ok, true);
    assert.equal(result.payload.seq, 8);
    assert.equal(result.payload.rollbackOf, 7);
    assert.deepEqual(result.payload.hosts[0]?.pins, [PIN_A, PIN_B]);
    assert.equal(result.payload.hosts[0]?.mode, 'report');
  });

  it('signs with the ES256 backup key, finding its kid from the key', async () => {
    const r = await run(['sign', '--key', 'offline/backup.key', '--seq', '20', '--out', 'es', '--json'], {
      cwd,
      now: NOW,
    });
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as { kid: string; alg: string; pinset: string };
    assert.deepEqual([json.kid, json.alg], ['backup', 'ES256']);
    assert.equal((await run(['pinset', 'verify', json.pinset], { cwd, now: NOW })).code, 0);
  });

  it('sign takes a rollout stage and percentage', async () => {
    const argv = ['sign', '--key', 'offline/primary.key', '--seq', '25', '--out', 'beta'];
    const r = await run([...argv, '--stage', 'beta', '--percent', '10', '--json'], { cwd, now: NOW });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { rollout: unknown }).rollout, {
      stage: 'beta',
      enforcePercent: 10,
    });
    const missing = await run([...argv, '--stage', 'beta', '--force'], { cwd, now: NOW });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--stage beta needs --percent/);
  });

  it('sign writes the expiry policy it is given, and refuses an unknown one', async () => {
    const argv = ['sign', '--key', 'offline/primary.key', '--seq', '27', '--out', 'expiry'];
    const r = await run([...argv, '--on-expiry', 'enforce'], { cwd, now: NOW });
    assert.equal(r.code, 0, r.stderr);
    const inspected = await run(['pinset', 'inspect', 'expiry/pinset-27.jws', '--json'], { cwd, now: NOW });
    assert.equal(
      (JSON.parse(inspected.stdout) as { payload: { onExpiry?: string } }).payload.onExpiry,
      'enforce',
    );
    const bad = await run([...argv, '--on-expiry', 'panic', '--force'], { cwd, now: NOW });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--on-expiry takes report or enforce/);
  });

  it('pinset verify exits 1 with the code on a tampered copy, a replay and an expired document', async () => {
    await run(['sign', '--key', 'offline/primary.key', '--seq', '30', '--out', 'tamper'], { cwd, now: NOW });
    const jws = readFileSync(join(cwd, 'tamper', 'pinset-30.jws'), 'utf8');
    const [h, p, s] = jws.split('.') as [string, string, string];
    const payload = Buffer.from(p, 'base64url').toString('utf8').replace('"enforce"', '"report"');
    writeFileSync(
      join(cwd, 'tamper', 'evil.jws'),
      `${h}.${Buffer.from(payload).toString('base64url')}.${s}\n`,
    );
    const tampered = await run(['pinset', 'verify', 'tamper/evil.jws'], { cwd, now: NOW });
    assert.equal(tampered.code, 1);
    assert.match(
      tampered.stderr,
      /tamper\/evil\.jws: the signature does not verify .*\[ERR_PINSET_SIGNATURE\]/,
    );
    assert.equal(tampered.stdout, '');

    const replay = await run(['pinset', 'verify', 'tamper/pinset-30.jws', '--last-seq', '30', '--json'], {
      cwd,
      now: NOW,
    });
    assert.equal(replay.code, 1);
    assert.equal((JSON.parse(replay.stdout) as { code: string }).code, 'ERR_PINSET_ROLLBACK');

    const later = new Date(NOW.getTime() + 31 * 86_400_000);
    const expired = await run(['pinset', 'verify', 'tamper/pinset-30.jws'], { cwd, now: later });
    assert.equal(expired.code, 1);
    assert.match(expired.stderr, /\[ERR_PINSET_EXPIRED\]/);
  });

  it('sign refuses a key whose public half is not in signingKeys', async () => {
    await run(['keys', 'signing', '--kid', 'stranger', '--out', 'elsewhere'], { cwd, now: NOW });
    const r = await run(['sign', '--key', 'elsewhere/stranger.key', '--kid', 'primary', '--seq', '40'], {
      cwd,
      now: NOW,
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no entry "primary" with this key's public half .*\[ERR_PINSET_UNKNOWN_KEY\]/);
  });

  it('sign refuses a manifest with lint errors unless --force', async () => {
    const text = readFileSync(join(cwd, 'qrpin.yaml'), 'utf8').replace(
      `backupPins: [${PIN_C}]`,
      'backupPins: []',
    );
    writeFileSync(join(cwd, 'nobackup.yaml'), text);
    const argv = [
      'sign',
      '-m',
      'nobackup.yaml',
      '--key',
      'offline/primary.key',
      '--seq',
      '50',
      '--out',
      'lint',
    ];
    const refused = await run(argv, { cwd, now: NOW });
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /no-backup-pin/);
    assert.match(refused.stderr, /nothing was signed \(fix them, or pass --force\)/);
    const forced = await run([...argv, '--force'], { cwd, now: NOW });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /signed despite 1 lint error/);
  });

  it('pinset inspect prints header and payload without verifying', async () => {
    await run(['sign', '--key', 'offline/primary.key', '--seq', '60', '--out', 'inspect'], { cwd, now: NOW });
    const r = await run(['pinset', 'inspect', 'inspect/pinset-60.jws'], { cwd, now: NOW });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^header: {4}\{"alg":"EdDSA","kid":"primary","typ":"qrpin-pinset\+jws"\}/);
    assert.match(r.stdout, /"seq": 60/);
    assert.match(r.stdout, /signature: 64 bytes/);
    assert.match(r.stderr, /NOT verified/);
    const json = await run(['pinset', 'inspect', 'inspect/pinset-60.jws', '--json'], { cwd, now: NOW });
    const parsed = JSON.parse(json.stdout) as { verified: boolean; payload: { seq: number } };
    assert.deepEqual([parsed.verified, parsed.payload.seq], [false, 60]);
    writeFileSync(join(cwd, 'garbage.jws'), 'not a pinset');
    const bad = await run(['pinset', 'inspect', 'garbage.jws'], { cwd, now: NOW });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /\[ERR_PINSET_MALFORMED\]/);
  });

  for (const command of [['keys', 'signing'], ['sign'], ['pinset', 'inspect'], ['pinset', 'verify']]) {
    it(`qrpin ${command.join(' ')} --help shows an example`, async () => {
      const r = await run([...command, '--help'], { cwd });
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`Examples:\\n {2}qrpin ${command.join(' ')} `));
    });
  }
});
