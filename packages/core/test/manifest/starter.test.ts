import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lintManifest, parseManifest, starterManifest } from '@qrpin/core';

describe('starterManifest', () => {
  const text = starterManifest();
  const parsed = parseManifest(text, { file: 'qrpin.yaml' });

  it('parses, with a destination of every kind', () => {
    assert.deepEqual(
      parsed.manifest.destinations.map((d) => d.kind),
      ['web', 'app-link', 'deep-link', 'api'],
    );
    assert.deepEqual(
      parsed.manifest.hosts.map((h) => h.pattern),
      ['promo.example.com', 'api.example.com'],
    );
  });

  it('explains itself in comments and points at the commands that fill in the pins', () => {
    assert.match(text, /^# qrpin manifest/);
    for (const command of [
      'qrpin pins fetch promo.example.com',
      'qrpin keys backup promo.example.com',
      'qrpin lint',
      'qrpin schema',
    ]) {
      assert.ok(text.includes(command), command);
    }
    for (const field of [
      'version',
      'project',
      'server',
      'destinations',
      'payload',
      'kind',
      'campaign',
      'fallback',
      'hosts',
      'pattern',
      'pins',
      'backupPins',
      'expires',
      'mode',
      'signingKeys',
    ]) {
      assert.match(text, new RegExp(`\\b${field}\\b`), field);
    }
  });

  it('holds no made-up pins: lint reports exactly the pins and choices left to the owner', () => {
    const findings = lintManifest(parsed.manifest, { now: new Date('2026-11-24T00:00:00Z') });
    const perHost = (i: number) => [
      ['no-expiry', `hosts.${i}`],
      ['too-few-pins', `hosts.${i}`],
      ['no-current-pin', `hosts.${i}.pins`],
      ['no-backup-pin', `hosts.${i}.backupPins`],
      ['report-only', `hosts.${i}.mode`],
    ];
    assert.deepEqual(
      findings.map((f) => [f.rule, f.path.join('.')]),
      [...perHost(0), ...perHost(1)],
    );
    for (const f of findings) assert.notEqual(parsed.locate(f.path), undefined);
  });

  it('is free of destination problems: every destination is https and pinned once pins are filled in', () => {
    const filled = parseManifest(
      text
        .replaceAll('pins: []', `pins: [sha256/${Buffer.alloc(32, 1).toString('base64')}]`)
        .replaceAll('backupPins: []', `backupPins: [sha256/${Buffer.alloc(32, 2).toString('base64')}]`),
    );
    const rules = new Set(
      lintManifest(filled.manifest, { now: new Date('2026-11-24T00:00:00Z') }).map((f) => f.rule),
    );
    assert.deepEqual([...rules].sort(), ['no-expiry', 'report-only']);
  });
});
