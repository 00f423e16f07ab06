import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pin } from '@qrpin/core';
import { policyFromPins } from '../../src/policy/from-pins.ts';

const A = 'sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=';
const B = 'YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=';

describe('policyFromPins', () => {
  it('parses patterns and pins into an enforced policy, in canonical form', () => {
    const policy = policyFromPins({ '**.Example.COM': [A, `sha256//${B}`, Pin.parse(B)] });
    assert.equal(policy.hosts.length, 1);
    const host = policy.hosts[0]!;
    assert.equal(host.pattern.toString(), '**.example.com');
    assert.deepEqual(
      host.pins.map((p) => p.toString()),
      [A, `sha256/${B}`],
    );
    assert.deepEqual(host.backupPins, []);
    assert.equal(host.mode, 'enforce');
  });

  it('takes a report mode and a project name', () => {
    const policy = policyFromPins({ 'a.example.com': [A] }, { mode: 'report', project: 'spring' });
    assert.equal(policy.project, 'spring');
    assert.equal(policy.hosts[0]?.mode, 'report');
  });

  const bad: Array<[string, unknown, string]> = [
    ['a list that is not a list', { 'a.example.com': A }, 'ERR_POLICY_INVALID'],
    ['an empty list', { 'a.example.com': [] }, 'ERR_POLICY_INVALID'],
    ['a pattern listed twice', { 'a.example.com': [A], 'A.example.com.': [A] }, 'ERR_POLICY_INVALID'],
    ['a bad pin', { 'a.example.com': ['sha256/tooshort'] }, 'ERR_PIN_INVALID'],
    ['a bad pattern', { 'a.*.example.com': [A] }, 'ERR_HOST_PATTERN_INVALID'],
    ['not an object', [A], 'ERR_POLICY_INVALID'],
  ];
  for (const [what, map, code] of bad) {
    it(`refuses ${what} with ${code}`, () => {
      assert.throws(() => policyFromPins(map as never), { code });
    });
  }
});
