/**
 * The test behind every alert: Fisher's exact test, one-sided, of "the window's error rate is
 * higher than the baseline's".
 *
 * Under the null hypothesis both are draws from one error rate. Given the total errors of the two
 * together, the window's share of them is hypergeometric; the p-value is the chance that it holds at
 * least the errors it holds. Unlike a binomial test against the baseline's point rate, this counts
 * the baseline's own sampling error: a small baseline that happens to have no errors does not make
 * a few errors look impossible (one error in the window and none in the baseline has a p-value of
 * `attempts / (attempts + baselineAttempts)`, never tiny).
 */
import type { RateSample } from '../storage/telemetry-store.ts';
import { logUpperTail } from './lib/hypergeometric.ts';
import { checkSample } from './lib/sample.ts';

/**
 * The natural logarithm of {@link spikePValue}: finite where the p-value itself would underflow
 * (below about 1e-308 on very busy destinations).
 *
 * @example
 * ```ts
 * logSpikePValue({ errors: 400, attempts: 2000 }, { errors: 50, attempts: 100_000 }); // ≈ -1461
 * ```
 */
export function logSpikePValue(observed: RateSample, baseline: RateSample): number {
  checkSample(observed, 'the window');
  checkSample(baseline, 'the baseline');
  if (observed.errors === 0) return 0;
  return logUpperTail(
    {
      population: observed.attempts + baseline.attempts,
      successes: observed.errors + baseline.errors,
      draws: observed.attempts,
    },
    observed.errors,
  );
}

/**
 * The one-sided p-value, in [0, 1], of a window's errors given a baseline (Fisher's exact test):
 * small when the window's rate is higher than the baseline's can explain. Throws `ERR_ALERT_INPUT`
 * on a negative or fractional count, or more errors than attempts.
 *
 * @example
 * ```ts
 * spikePValue({ errors: 1, attempts: 100 }, { errors: 0, attempts: 6000 }); // 100 / 6100 ≈ 0.016
 * spikePValue({ errors: 20, attempts: 400 }, { errors: 30, attempts: 12_000 }); // ≈ 1.8e-17
 * ```
 * @see https://en.wikipedia.org/wiki/Fisher%27s_exact_test
 */
export function spikePValue(observed: RateSample, baseline: RateSample): number {
  return Math.exp(logSpikePValue(observed, baseline));
}
