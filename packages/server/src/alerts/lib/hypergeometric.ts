// Exact hypergeometric tails in log space, for Fisher's one-sided exact test on counts as large as
// a busy destination's day (hundreds of millions). Internal: not exported from the package.
//
// The first term of a tail is computed the way R's dhyper does (Loader's saddle-point form): as a
// ratio of three binomial densities, each from the Stirling error and the deviance term bd0, which
// avoids subtracting log-factorials of nearly equal large numbers (that form loses up to 9 digits
// at a million attempts). Each next term comes from the previous one by the exact ratio of
// consecutive terms, summed relative to the first, so nothing overflows or underflows before the
// final `log`.
//
// Loader, C. (2000). "Fast and Accurate Computation of Binomial Probabilities".

const LOG_TWO_PI = Math.log(2 * Math.PI);
const HALF_LOG_TWO_PI = 0.5 * LOG_TWO_PI;

// ln(k!) for k < 256, exact to the last bit of summing logs.
const LOG_FACTORIAL: Float64Array = (() => {
  const table = new Float64Array(256);
  for (let k = 2; k < table.length; k += 1) table[k] = table[k - 1]! + Math.log(k);
  return table;
})();

/** The Stirling error: ln(n!) − ((n + ½) ln n − n + ½ ln 2π), for integers n ≥ 1. */
function stirlingError(n: number): number {
  if (n < 16) return LOG_FACTORIAL[n]! - ((n + 0.5) * Math.log(n) - n + HALF_LOG_TWO_PI);
  const inv2 = 1 / (n * n);
  return (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680)))) / n;
}

/** x ln(x / m) + m − x, without cancellation when x is close to m. */
function bd0(x: number, m: number): number {
  if (Math.abs(x - m) < 0.1 * (x + m)) {
    let v = (x - m) / (x + m);
    let sum = (x - m) * v;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j += 1) {
      ej *= v;
      const next = sum + ej / (2 * j + 1);
      if (next === sum) return sum;
      sum = next;
    }
    return sum;
  }
  return x * Math.log(x / m) + m - x;
}

/** ln P(Binomial(n, p) = x), for integers 0 ≤ x ≤ n and 0 < p < 1. */
function logBinomialPmf(x: number, n: number, p: number): number {
  const q = 1 - p;
  if (x === 0) return n === 0 ? 0 : n * Math.log1p(-p);
  if (x === n) return n * Math.log(p);
  const lc = stirlingError(n) - stirlingError(x) - stirlingError(n - x) - bd0(x, n * p) - bd0(n - x, n * q);
  return lc - 0.5 * (LOG_TWO_PI + Math.log(x) + Math.log1p(-x / n));
}

/**
 * A hypergeometric law: `draws` balls drawn without replacement from `population` balls of which
 * `successes` are marked; X counts the marked balls drawn.
 */
export interface Hypergeometric {
  readonly population: number;
  readonly successes: number;
  readonly draws: number;
}

function support({ population, successes, draws }: Hypergeometric): readonly [number, number] {
  return [Math.max(0, draws - (population - successes)), Math.min(successes, draws)];
}

/** ln P(X = k), for k inside the support of a law with 0 < draws < population. */
export function logPmf({ population, successes, draws }: Hypergeometric, k: number): number {
  const p = draws / population;
  return (
    logBinomialPmf(k, successes, p) +
    logBinomialPmf(draws - k, population - successes, p) -
    logBinomialPmf(draws, population, p)
  );
}

// P(X = k + 1) / P(X = k).
function ratioUp({ population, successes, draws }: Hypergeometric, k: number): number {
  return ((successes - k) * (draws - k)) / ((k + 1) * (population - successes - draws + k + 1));
}

// Sum of P(X = j) for j from `start` walking by `step` (±1) within [low, high], relative to
// P(X = start); stops once a term no longer moves the sum (terms only fall in that direction).
function relativeSum(law: Hypergeometric, start: number, step: 1 | -1, low: number, high: number): number {
  let term = 1;
  let sum = 1;
  for (let k = start; ; k += step) {
    const next = k + step;
    if (next < low || next > high) break;
    term *= step === 1 ? ratioUp(law, k) : 1 / ratioUp(law, next);
    sum += term;
    if (term <= sum * 1e-17) break;
  }
  return sum;
}

/**
 * ln P(X ≥ k). Sums the upper tail directly when k is past the mode (terms fall from there on), else
 * returns ln(1 − P(X ≤ k − 1)), whose terms fall walking down from k − 1.
 */
export function logUpperTail(law: Hypergeometric, k: number): number {
  const [low, high] = support(law);
  if (k <= low) return 0;
  if (k > high) return -Infinity;
  const mode = Math.floor(((law.draws + 1) * (law.successes + 1)) / (law.population + 2));
  if (k > mode) return logPmf(law, k) + Math.log(relativeSum(law, k, 1, low, high));
  const lower = Math.exp(logPmf(law, k - 1)) * relativeSum(law, k - 1, -1, low, high);
  return Math.log1p(-Math.min(1, lower));
}
