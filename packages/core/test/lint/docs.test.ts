import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { lintManifest, lintRules, parseManifest } from '@qrpin/core';

const docs = (name: string) => readFileSync(new URL(`../../../../docs/${name}`, import.meta.url), 'utf8');

describe('the lint and manifest docs', () => {
  it('list every lint rule with its severity, and no rule that does not exist', () => {
    const text = docs('lint.md');
    const rows = [...text.matchAll(/^\| `([a-z-]+)` \| (error|warning|info) \|/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(
      rows,
      lintRules.map((r) => [r.id, r.severity]),
    );
  });

  it('show an example manifest that parses and lints as they say', () => {
    const example = /```yaml\n(version: 1[\s\S]*?)```/.exec(docs('manifest.md'))?.[1];
    assert.ok(example);
    const { manifest } = parseManifest(example);
    assert.deepEqual(
      lintManifest(manifest, { now: new Date('2026-11-24T00:00:00Z') }).map((f) => [
        f.rule,
        f.path.join('.'),
      ]),
      [['report-only', 'hosts.2.mode']],
    );
  });
});
