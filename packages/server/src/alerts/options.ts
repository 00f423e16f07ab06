/**
 * The detector's knobs, their defaults and their validation. Every threshold is documented in
 * `docs/alerts.md` with the reason for its default.
 */
import { AlertError } from './error.ts';

/**
 * What makes a window a spike. Windows are counted in units of the job's window (a minute by
 * default); every option may be overridden, the rest keep their defaults.
 */
export interface DetectorOptions {
  /**
   * The family-wise significance level per window: each of the `spanWindows` tests uses
   * `pValueThreshold / spanWindows` (Bonferroni). Default `1e-6`: about one chance in ten
   * thousand per series per week of flagging stationary traffic on the test alone.
   */
  readonly pValueThreshold?: number | undefined;
  /**
   * How many spans are tested at each window: the last window alone, the last two together, …
   * Default `2`, so a spike too thin to prove in one window is proved by the next.
   */
  readonly spanWindows?: number | undefined;
  /**
   * How many windows before the tested span form the baseline: the latest ones that were not part
   * of a spike. Default `60` (an hour).
   */
  readonly baselineWindows?: number | undefined;
  /**
   * How far back the baseline may reach past spike windows, in windows before the tested span; at
   * least `baselineWindows`. Default `180` (three hours): a spike that lasts longer runs the
   * baseline dry, clears, and its rate becomes the new normal.
   */
  readonly baselineLookbackWindows?: number | undefined;
  /** The fewest errors a tested span must hold to alert. Default `5`: a handful never alerts. */
  readonly minErrors?: number | undefined;
  /** The fewest attempts a tested span must hold to alert. Default `20`. */
  readonly minAttempts?: number | undefined;
  /** The fewest attempts the baseline must hold for any test to run. Default `200`. */
  readonly minBaselineAttempts?: number | undefined;
  /**
   * The smallest rise of the span's rate over the baseline rate, absolute. Default `0.01`
   * (one percentage point).
   */
  readonly minAbsoluteRise?: number | undefined;
  /** The smallest ratio of the span's rate to the baseline rate. Default `3` (it triples). */
  readonly minRelativeRise?: number | undefined;
  /**
   * The smoothing of the baseline rate the rises are measured from:
   * `(errors + baselinePseudoErrors) / (attempts + 1)`. Default `0.5` (Jeffreys' prior), so a
   * baseline without errors has a small positive rate rather than zero. The test itself needs no
   * smoothing: it accounts for the baseline's own sampling error.
   */
  readonly baselinePseudoErrors?: number | undefined;
  /**
   * While a spike is active, a window whose best span has a p-value at most this is still above
   * the baseline: it keeps the spike active and stays out of the baseline. Default `1e-3`.
   */
  readonly stillAbovePValue?: number | undefined;
  /** How many consecutive windows not above the baseline end a spike. Default `10`. */
  readonly clearWindows?: number | undefined;
  /** The fewest windows between two alerts of one series, even across spikes. Default `30`. */
  readonly cooldownWindows?: number | undefined;
}

/** {@link DetectorOptions} with every default filled in. */
export type ResolvedDetectorOptions = { readonly [K in keyof DetectorOptions]-?: number };

/**
 * The defaults of {@link DetectorOptions}.
 *
 * @example
 * ```ts
 * DEFAULT_DETECTOR_OPTIONS.pValueThreshold; // 1e-6
 * ```
 */
export const DEFAULT_DETECTOR_OPTIONS: ResolvedDetectorOptions = Object.freeze({
  pValueThreshold: 1e-6,
  spanWindows: 2,
  baselineWindows: 60,
  baselineLookbackWindows: 180,
  minErrors: 5,
  minAttempts: 20,
  minBaselineAttempts: 200,
  minAbsoluteRise: 0.01,
  minRelativeRise: 3,
  baselinePseudoErrors: 0.5,
  stillAbovePValue: 1e-3,
  clearWindows: 10,
  cooldownWindows: 30,
});

type Rule = readonly ['int' | 'real', number, number, string];

const RULES: { readonly [K in keyof ResolvedDetectorOptions]: Rule } = {
  pValueThreshold: ['real', Number.MIN_VALUE, 0.5, 'a number in (0, 0.5]'],
  spanWindows: ['int', 1, 60, 'an integer from 1 to 60'],
  baselineWindows: ['int', 1, 10_080, 'an integer from 1 to 10080'],
  baselineLookbackWindows: ['int', 1, 40_320, 'an integer from 1 to 40320, at least baselineWindows'],
  minErrors: ['int', 1, Number.MAX_SAFE_INTEGER, 'an integer of at least 1'],
  minAttempts: ['int', 1, Number.MAX_SAFE_INTEGER, 'an integer of at least 1'],
  minBaselineAttempts: ['int', 1, Number.MAX_SAFE_INTEGER, 'an integer of at least 1'],
  minAbsoluteRise: ['real', 0, 1, 'a number from 0 to 1'],
  minRelativeRise: ['real', 1, Number.MAX_VALUE, 'a number of at least 1'],
  baselinePseudoErrors: ['real', Number.MIN_VALUE, 1, 'a number in (0, 1]'],
  stillAbovePValue: ['real', Number.MIN_VALUE, 1, 'a number in (0, 1]'],
  clearWindows: ['int', 1, 10_080, 'an integer from 1 to 10080'],
  cooldownWindows: ['int', 0, 10_080, 'an integer from 0 to 10080'],
};

/**
 * Fills in the defaults and checks every option, throwing `ERR_ALERT_OPTIONS` naming the first
 * option out of range.
 *
 * @example
 * ```ts
 * resolveDetectorOptions({ minErrors: 10 }).minErrors; // 10
 * resolveDetectorOptions({ minErrors: 0 }); // throws AlertError ERR_ALERT_OPTIONS
 * ```
 */
export function resolveDetectorOptions(options: DetectorOptions = {}): ResolvedDetectorOptions {
  const resolved: Record<string, number> = {};
  for (const name of Object.keys(RULES) as (keyof ResolvedDetectorOptions)[]) {
    const given = options[name];
    const value = given ?? DEFAULT_DETECTOR_OPTIONS[name];
    const [kind, min, max, range] = RULES[name];
    const valid =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= min &&
      value <= max &&
      (kind === 'real' || Number.isInteger(value));
    if (!valid) {
      throw new AlertError(
        'ERR_ALERT_OPTIONS',
        `detector option ${name} is ${String(value)}: expected ${range} (default ${DEFAULT_DETECTOR_OPTIONS[name]})`,
      );
    }
    resolved[name] = value;
  }
  if (resolved.baselineLookbackWindows! < resolved.baselineWindows!) {
    throw new AlertError(
      'ERR_ALERT_OPTIONS',
      `detector option baselineLookbackWindows is ${resolved.baselineLookbackWindows}: expected at least baselineWindows (${resolved.baselineWindows})`,
    );
  }
  return Object.freeze(resolved) as ResolvedDetectorOptions;
}
