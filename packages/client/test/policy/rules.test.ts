import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseClientPolicy } from '@qrpin/core';
import { PinRules, isExpired } from '../../src/policy/rules.ts';

const P = (n: number): string => `sha256/${Buffer.alloc(32, n).toString('base64')}`;

function rules(hosts: Array<{ pattern: string; expires?: string }>): PinRules {
  return PinRules.from(
    parseClientPolicy(
      JSON.stringify({
        format: 'qrpin-client-policy',
        version: 1,
        project: 'rules',
        hosts: hosts.map((h, i) => ({ ...h, pins: [P(i + 1)], backupPins: [P(100 + i)], mode: 'enforce' })),
      }),
    ),
  );
}

describe('PinRules.ruleFor', () => {
  const policy = rules([
    { pattern: '**.example.com' },
    { pattern: '*.shop.example.com' },
    { pattern: '**.eu.shop.example.com' },
    { pattern: 'pay.shop.example.com' },
  ]);
  const cases: Array<[string, string | undefined]> = [
    ['example.com', '**.example.com'],
    ['www.example.com', '**.example.com'],
    ['a.shop.example.com', '*.shop.example.com'],
    ['pay.shop.example.com', 'pay.shop.example.com'],
    ['PAY.Shop.Example.COM.', 'pay.shop.example.com'],
    ['eu.shop.example.com', '**.eu.shop.example.com'],
    ['x.y.shop.example.com', '**.example.com'],
    ['a.eu.shop.example.com', '**.eu.shop.example.com'],
    ['example.org', undefined],
    ['127.0.0.1', undefined],
    ['', undefined],
  ];
  for (const [host, pattern] of cases) {
    it(`picks ${pattern ?? 'no rule'} for ${JSON.stringify(host)}`, () => {
      assert.equal(policy.ruleFor(host)?.pattern, pattern);
      assert.equal(policy.ruleFor(host)?.pattern, pattern, 'the cached answer is the same');
    });
  }

  it('lists in-service pins first, then backups', () => {
    assert.deepEqual(policy.ruleFor('pay.shop.example.com')?.pins, [P(4), P(103)]);
    assert.deepEqual(policy.ruleFor('pay.shop.example.com')?.backupPins, [P(103)]);
  });
});

describe('isExpired', () => {
  const policy = rules([{ pattern: 'a.example.com', expires: '2026-06-01' }, { pattern: 'b.example.com' }]);
  const a = policy.ruleFor('a.example.com')!;
  const b = policy.ruleFor('b.example.com')!;
  const cases: Array<[string, boolean]> = [
    ['2026-05-31T23:59:59.999Z', false],
    ['2026-06-01T00:00:00.000Z', false],
    ['2026-06-01T23:59:59.999Z', false],
    ['2026-06-02T00:00:00.000Z', true],
  ];
  for (const [now, expired] of cases) {
    it(`reads a pinset expiring on 2026-06-01 as ${expired ? 'expired' : 'in force'} at ${now}`, () => {
      assert.equal(isExpired(a, new Date(now)), expired);
    });
  }
  it('never expires a pinset without a date', () => {
    assert.equal(isExpired(b, new Date('2999-01-01T00:00:00Z')), false);
  });
});
