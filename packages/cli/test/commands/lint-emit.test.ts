import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/run.ts';

const PIN_A = `sha256/${Buffer.alloc(32, 1).toString('base64')}`;
const PIN_B = `sha256/${Buffer.alloc(32, 2).toString('base64')}`;
const PIN_C = `sha256/${Buffer.alloc(32, 3).toString('base64')}`;
const NOW = new Date('2026-11-24T12:00:00Z');

const clean = `version: 1
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
`;

describe('qrpin lint and qrpin emit', () => {
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-lint-'));
    writeFileSync(join(cwd, 'qrpin.yaml'), clean);
    writeFileSync(join(cwd, 'nobackup.yaml'), clean.replace(`backupPins: [${PIN_C}]`, 'backupPins: []'));
    writeFileSync(join(cwd, 'broken.yaml'), clean.replace('mode: enforce', 'mode: block'));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it('exits 0 on a clean manifest', async () => {
    const r = await run(['lint'], { cwd, now: NOW });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stderr, /qrpin\.yaml: 0 errors, 0 warnings/);
  });

  it('exits 1 and names file, line and rule when a backup pin is missing', async () => {
    const r = await run(['lint', 'nobackup.yaml'], { cwd, now: NOW });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^nobackup\.yaml:\d+:\d+: error no-backup-pin /m);
    assert.match(r.stdout, /fix: .*qrpin keys backup/);
    const json = JSON.parse((await run(['lint', 'nobackup.yaml', '--json'], { cwd, now: NOW })).stdout) as {
      findings: Array<{ rule: string; location: { line: number } }>;
    };
    assert.ok(json.findings.some((f) => f.rule === 'no-backup-pin' && f.location.line === 11));
  });

  it('answers a schema error with exit 2 and file:line:column', async () => {
    const r = await run(['lint', 'broken.yaml'], { cwd, now: NOW });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /broken\.yaml:13:\d+: .*mode/);
    assert.match(r.stderr, /\[ERR_MANIFEST_INVALID\]$/m);
  });

  it('emits a config to stdout and to a file, naming what it requires', async () => {
    const r = await run(['emit', 'android-nsc'], { cwd, now: NOW });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /<pin digest="SHA-256">AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=<\/pin>/);
    assert.match(r.stderr, /android-nsc: requires .*Android 7\.0/);
    const toFile = await run(['emit', 'node', '--out', 'policy.json'], { cwd, now: NOW });
    assert.equal(toFile.code, 0, toFile.stderr);
    const policy = JSON.parse(readFileSync(join(cwd, 'policy.json'), 'utf8')) as {
      hosts: Array<{ pins: string[] }>;
    };
    assert.deepEqual(policy.hosts[0]?.pins, [PIN_A, PIN_B]);
    const again = await run(['emit', 'node', '--out', 'policy.json'], { cwd, now: NOW });
    assert.equal(again.code, 2);
  });

  it('refuses to emit from a manifest with lint errors unless forced', async () => {
    const r = await run(['emit', 'okhttp-kotlin', '-m', 'nobackup.yaml'], { cwd, now: NOW });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing to emit/);
    assert.equal(r.stdout, '');
    const forced = await run(['emit', 'okhttp-kotlin', '-m', 'nobackup.yaml', '--force'], { cwd, now: NOW });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /CertificatePinner/);
  });
});
