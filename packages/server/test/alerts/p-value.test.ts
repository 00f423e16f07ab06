import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { logSpikePValue, spikePValue } from '../../src/alerts/p-value.ts';

// The exact one-sided Fisher p-value as a fraction of BigInts: Σ_{k ≥ x} C(K,k) C(M−K,n−k) / C(M,n).
function choose(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let result = 1n;
  for (let i = 0; i < k; i += 1) result = (result * BigInt(n - i)) / BigInt(i + 1);
  return result;
}

function exactPValue(x: number, n: number, e: number, N: number): number {
  const population = n + N;
  const successes = x + e;
  let numerator = 0n;
  for (let k = x; k <= Math.min(successes, n); k += 1) {
    numerator += choose(successes, k) * choose(population - successes, n - k);
  }
  return ratio(numerator, choose(population, n));
}

// numerator / denominator to about 20 significant digits, however small.
function ratio(numerator: bigint, denominator: bigint): number {
  if (numerator === 0n) return 0;
  const shift = denominator.toString().length - numerator.toString().length + 20;
  const quotient =
    shift >= 0
      ? (numerator * 10n ** BigInt(shift)) / denominator
      : numerator / (denominator * 10n ** BigInt(-shift));
  return Number(`${quotient}e${-shift}`);
}

const sample = (maxAttempts: number) =>
  fc
    .integer({ min: 0, max: maxAttempts })
    .chain((attempts) => fc.integer({ min: 0, max: attempts }).map((errors) => ({ errors, attempts })));

describe('spikePValue', () => {
  it('matches the exact rational sum of the hypergeometric tail to 1e-12 relative', () => {
    fc.assert(
      fc.property(sample(120), sample(400), (window, baseline) => {
        const expected = exactPValueSafe(window.errors, window.attempts, baseline.errors, baseline.attempts);
        const actual = spikePValue(window, baseline);
        assert.ok(
          Math.abs(actual - expected) <= 1e-12 * expected,
          `p(${JSON.stringify(window)}, ${JSON.stringify(baseline)}) = ${actual}, exact ${expected}`,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('is a probability, finite in log space, for counts as large as a busy day', () => {
    fc.assert(
      fc.property(sample(20_000_000), sample(200_000_000), (window, baseline) => {
        const p = spikePValue(window, baseline);
        const logP = logSpikePValue(window, baseline);
        assert.ok(p >= 0 && p <= 1, `p = ${p}`);
        assert.ok(!Number.isNaN(logP) && logP <= 0, `log p = ${logP}`);
      }),
      { numRuns: 200 },
    );
  });

  it('falls as the window holds more errors among the same attempts', () => {
    fc.assert(
      fc.property(sample(5000), sample(50_000), (window, baseline) => {
        fc.pre(window.errors < window.attempts);
        const more = { errors: window.errors + 1, attempts: window.attempts };
        assert.ok(logSpikePValue(more, baseline) <= logSpikePValue(window, baseline) + 1e-9);
      }),
      { numRuns: 500 },
    );
  });

  it('rises as the baseline holds more errors among the same attempts', () => {
    fc.assert(
      fc.property(sample(5000), sample(50_000), (window, baseline) => {
        fc.pre(baseline.errors < baseline.attempts);
        const noisier = { errors: baseline.errors + 1, attempts: baseline.attempts };
        assert.ok(logSpikePValue(window, noisier) >= logSpikePValue(window, baseline) - 1e-9);
      }),
      { numRuns: 500 },
    );
  });

  it('gives one error against an error-free baseline the p-value attempts / (attempts + baseline attempts)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 100_000_000 }),
        (n, N) => {
          const p = spikePValue({ errors: 1, attempts: n }, { errors: 0, attempts: N });
          const expected = n / (n + N);
          assert.ok(Math.abs(p - expected) <= 1e-12 * expected, `${p} vs ${expected}`);
        },
      ),
    );
  });

  it('is 1 for a window without errors and 0 in log space only when the tail is certain', () => {
    assert.equal(spikePValue({ errors: 0, attempts: 100 }, { errors: 50, attempts: 1000 }), 1);
    assert.equal(spikePValue({ errors: 0, attempts: 0 }, { errors: 0, attempts: 0 }), 1);
    assert.equal(spikePValue({ errors: 10, attempts: 10 }, { errors: 0, attempts: 0 }), 1);
  });

  it('keeps the digits of tails far below the smallest double in log space', () => {
    const logP = logSpikePValue({ errors: 1500, attempts: 3000 }, { errors: 900, attempts: 180_000 });
    assert.ok(Number.isFinite(logP) && logP < -2000, `log p = ${logP}`);
    assert.equal(spikePValue({ errors: 1500, attempts: 3000 }, { errors: 900, attempts: 180_000 }), 0);
  });

  it('refuses negative, fractional and impossible counts with ERR_ALERT_INPUT', () => {
    const bad: ReadonlyArray<readonly [string, { errors: number; attempts: number }, RegExp]> = [
      ['negative errors', { errors: -1, attempts: 10 }, /the window has errors -1 and attempts 10/],
      ['negative attempts', { errors: 0, attempts: -5 }, /the window has errors 0 and attempts -5/],
      ['fractional errors', { errors: 1.5, attempts: 10 }, /non-negative safe integers/],
      ['NaN', { errors: Number.NaN, attempts: 10 }, /errors NaN/],
      ['infinite attempts', { errors: 1, attempts: Infinity }, /attempts Infinity/],
      [
        'more errors than attempts',
        { errors: 11, attempts: 10 },
        /the window has 11 errors but only 10 attempts/,
      ],
    ];
    for (const [name, window, message] of bad) {
      assert.throws(
        () => spikePValue(window, { errors: 0, attempts: 100 }),
        { code: 'ERR_ALERT_INPUT', message },
        name,
      );
    }
    assert.throws(() => spikePValue({ errors: 0, attempts: 1 }, { errors: 3, attempts: 2 }), {
      code: 'ERR_ALERT_INPUT',
      message: /the baseline has 3 errors but only 2 attempts/,
    });
  });
});

function exactPValueSafe(x: number, n: number, e: number, N: number): number {
  return x === 0 ? 1 : exactPValue(x, n, e, N);
}
