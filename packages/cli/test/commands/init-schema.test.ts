import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../helpers/run.ts';

describe('qrpin init and qrpin schema', () => {
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(join(tmpdir(), 'qrpin-init-'));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it('writes a commented starter manifest that parses, and refuses to overwrite it', async () => {
    const first = await run(['init'], { cwd });
    assert.equal(first.code, 0, first.stderr);
    const text = readFileSync(join(cwd, 'qrpin.yaml'), 'utf8');
    assert.match(text, /^#/m);
    const second = await run(['init'], { cwd });
    assert.equal(second.code, 2);
    assert.match(second.stderr, /qrpin\.yaml exists already/);
    const lint = await run(['lint', '--json'], { cwd });
    const report = JSON.parse(lint.stdout) as { findings: unknown[] };
    assert.ok(Array.isArray(report.findings));
  });

  it('prints a JSON Schema for the manifest', async () => {
    const r = await run(['schema'], { cwd });
    assert.equal(r.code, 0);
    const schema = JSON.parse(r.stdout) as { $schema: string; properties: Record<string, unknown> };
    assert.match(schema.$schema, /json-schema\.org/);
    for (const key of ['version', 'project', 'destinations', 'hosts'])
      assert.ok(key in schema.properties, key);
  });
});
