import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, runBinary } from './helpers/run.ts';

describe('the qrpin command line', () => {
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-cli-'));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it('lists every command in --help', async () => {
    const r = await run(['--help'], { cwd });
    assert.equal(r.code, 0);
    for (const name of ['demo', 'init', 'pins from', 'pins fetch', 'keys backup', 'lint', 'emit', 'schema']) {
      assert.match(r.stdout, new RegExp(`\\n  ${name} `));
    }
  });

  it('gives every command a --help with an example', async () => {
    for (const name of ['demo', 'init', 'pins from', 'pins fetch', 'keys backup', 'lint', 'emit', 'schema']) {
      const r = await run([...name.split(' '), '--help'], { cwd });
      assert.equal(r.code, 0, name);
      assert.match(r.stdout, /Usage: qrpin /);
      assert.match(r.stdout, /Examples:\n {2}qrpin /);
    }
  });

  const usage: Array<[string, string[], RegExp]> = [
    ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
    ['a group without its verb', ['pins'], /"pins" takes one of: from, fetch/],
    ['an unknown option', ['lint', '--bogus'], /Unknown option '--bogus'/],
    ['a missing argument', ['emit'], /usage: qrpin emit <target>/],
    ['an unknown emit target', ['emit', 'windows-phone'], /unknown target "windows-phone"/],
    ['a bad host:port', ['pins', 'fetch', 'example.com:99999'], /not host or host:port/],
    ['a missing file', ['pins', 'from', 'nope.pem'], /cannot read nope\.pem: no such file/],
    ['a missing manifest', ['lint'], /cannot read qrpin\.yaml: no such file/],
    ['a bad key type', ['keys', 'backup', '--cn', 'a.example.com', '--type', 'dsa'], /--type takes one of/],
  ];
  for (const [name, argv, message] of usage) {
    it(`answers ${name} with exit 2 and one line on stderr`, async () => {
      const r = await run(argv, { cwd });
      assert.equal(r.code, 2);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }

  it('prints no stack trace from the real binary for bad input', async () => {
    const r = await runBinary(['pins', 'from', 'missing.pem'], { cwd });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'qrpin: cannot read missing.pem: no such file [ERR_FILE_READ]\n');
    assert.equal(r.stdout, '');
  });
});
