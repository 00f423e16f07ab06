import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, QrpinError, type ManifestHost } from '@qrpin/core';
import { A, B, C, manifestWith } from '../emit/fixture.ts';

const host = (over: Partial<ManifestHost>): ManifestHost => ({
  pattern: 'promo.example.com',
  pins: [A],
  backupPins: [B],
  mode: 'enforce',
  ...over,
});

describe('compilePolicy', () => {
  it('parses every pattern and pin into values', () => {
    const policy = compilePolicy(
      manifestWith([host({ pattern: '**.Example.COM.', expires: '2027-01-01', mode: 'report' })]),
    );
    assert.equal(policy.project, 'spring-campaign');
    assert.equal(policy.hosts.length, 1);
    const [h] = policy.hosts;
    assert.equal(h?.pattern.toString(), '**.example.com');
    assert.equal(h?.pattern.kind, 'any-depth');
    assert.deepEqual(
      h?.pins.map((p) => p.toString()),
      [A],
    );
    assert.deepEqual(
      h?.backupPins.map((p) => p.toString()),
      [B],
    );
    assert.equal(h?.mode, 'report');
    assert.equal(h?.expires, '2027-01-01');
  });

  it('accepts curl and bare base64 pins and prints them canonically', () => {
    const curl = `sha256//${A.slice(7)}`;
    const bare = B.slice(7);
    const policy = compilePolicy(manifestWith([host({ pins: [curl], backupPins: [bare] })]));
    assert.deepEqual(policy.hosts[0]?.pins.map(String), [A]);
    assert.deepEqual(policy.hosts[0]?.backupPins.map(String), [B]);
  });

  it('keeps identical pins once, and a pin both in service and in reserve as in service', () => {
    const policy = compilePolicy(
      manifestWith([host({ pins: [A, `sha256//${A.slice(7)}`, B], backupPins: [B, C, C] })]),
    );
    assert.deepEqual(policy.hosts[0]?.pins.map(String), [A, B]);
    assert.deepEqual(policy.hosts[0]?.backupPins.map(String), [C]);
  });

  it('leaves out the expiry when the manifest has none', () => {
    const policy = compilePolicy(manifestWith([host({})]));
    assert.equal('expires' in (policy.hosts[0] ?? {}), false);
  });

  const bad: Array<[string, ManifestHost[], string, string]> = [
    [
      'a pin that is not base64',
      [host({}), host({ pins: ['sha256/not*base64'] })],
      'ERR_PIN_INVALID',
      'hosts[1].pins[0]: pin "sha256/not*base64" is not base64',
    ],
    [
      'a backup pin of the wrong length',
      [host({ backupPins: [B, 'sha256/AAAA'] })],
      'ERR_PIN_INVALID',
      'hosts[0].backupPins[1]: pin "sha256/AAAA" decodes to 3 bytes',
    ],
    [
      'a pin with another hash',
      [host({ pins: [`sha1/${A.slice(7)}`] })],
      'ERR_PIN_INVALID',
      'hosts[0].pins[0]: pin',
    ],
    [
      'a pattern with a wildcard in the middle',
      [host({}), host({}), host({ pattern: 'a.*.example.com' })],
      'ERR_HOST_PATTERN_INVALID',
      'hosts[2].pattern: host pattern "a.*.example.com" has a wildcard',
    ],
    [
      'a pattern covering a public suffix',
      [host({ pattern: '**.co.uk' })],
      'ERR_HOST_PATTERN_PUBLIC_SUFFIX',
      'hosts[0].pattern: host pattern "**.co.uk" covers the public suffix "co.uk"',
    ],
    [
      'an unknown mode',
      [host({ mode: 'audit' as 'report' })],
      'ERR_MANIFEST_INVALID',
      'hosts[0].mode: mode "audit" must be "enforce" or "report"',
    ],
    [
      'an expiry that is not a calendar date',
      [host({ expires: '2027-02-30' })],
      'ERR_MANIFEST_INVALID',
      'hosts[0].expires: expiry "2027-02-30" is not a calendar date in the form YYYY-MM-DD',
    ],
    [
      'an expiry with a time',
      [host({ expires: '2027-01-01T00:00:00Z' })],
      'ERR_MANIFEST_INVALID',
      'hosts[0].expires: expiry',
    ],
    [
      'pins that are not a list',
      [host({ pins: 'sha256/x' as unknown as string[] })],
      'ERR_MANIFEST_INVALID',
      'hosts[0].pins: must be a list of pins',
    ],
  ];
  for (const [what, hosts, code, start] of bad) {
    it(`refuses ${what} with ${code} and the path of the value`, () => {
      assert.throws(
        () => compilePolicy(manifestWith(hosts)),
        (err: unknown) => {
          assert.ok(err instanceof QrpinError);
          assert.equal(err.code, code);
          assert.ok(err.message.startsWith(start), `message was: ${err.message}`);
          if (code !== 'ERR_MANIFEST_INVALID') assert.ok(err.cause instanceof QrpinError);
          return true;
        },
      );
    });
  }
});
