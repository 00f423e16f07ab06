/**
 * Spike detection for one series (a destination and an alert kind), one window at a time. Pure:
 * data in, a decision and the next state out.
 *
 * At each window the detector tests the last window alone, the last two together, … up to
 * `spanWindows`, each against a baseline of the `baselineWindows` latest windows before that span
 * that were not part of a spike (looking back at most `baselineLookbackWindows`). A span alerts
 * when every rule holds:
 *
 * 1. the baseline has at least `minBaselineAttempts` attempts;
 * 2. the span has at least `minAttempts` attempts and `minErrors` errors;
 * 3. its rate is at least `minAbsoluteRise` above and `minRelativeRise` times the (smoothed)
 *    baseline rate;
 * 4. Fisher's exact one-sided p-value ({@link spikePValue}) is at most
 *    `pValueThreshold / spanWindows`.
 *
 * A series alerts once per spike: after an alert it is active until `clearWindows` windows in a row
 * are no longer above the baseline (`stillAbovePValue`), and never twice within `cooldownWindows`.
 * See `docs/alerts.md` for the reasons behind each default.
 */
import type { RateSample } from '../storage/telemetry-store.ts';
import { AlertError } from './error.ts';
import { logUpperTail } from './lib/hypergeometric.ts';
import { checkSample } from './lib/sample.ts';
import { resolveDetectorOptions, type DetectorOptions, type ResolvedDetectorOptions } from './options.ts';

/** One window's counts, and whether it was part of a spike (then left out of later baselines). */
export interface WindowSample extends RateSample {
  readonly excluded?: boolean | undefined;
}

/** What the detector remembers of a series between windows. */
export interface SpikeState {
  /** A spike is going on: no new alert until it clears. */
  readonly active: boolean;
  /** While active: how many windows in a row were not above the baseline. */
  readonly quietWindows: number;
  /** Windows since the last alert (0 at the alert's window), `null` before the first. */
  readonly windowsSinceAlert: number | null;
}

/**
 * The state of a series never seen before.
 *
 * @example
 * ```ts
 * detectSpike(windows, INITIAL_SPIKE_STATE);
 * ```
 */
export const INITIAL_SPIKE_STATE: SpikeState = Object.freeze({
  active: false,
  quietWindows: 0,
  windowsSinceAlert: null,
});

/** The first rule a tested span fails, or `pass`. */
export type SpanVerdict =
  | 'pass'
  | 'baseline_too_small'
  | 'too_few_attempts'
  | 'too_few_errors'
  | 'rise_too_small'
  | 'not_significant';

/**
 * Why a window alerted or not: `alert`; a significant window suppressed because its spike is
 * active (`spike_active`), because the series alerted less than `cooldownWindows` ago (`cooldown`)
 * or because the alert is stored already (`already_alerted`, see {@link SpikeStream.push}); else
 * the verdict of the span the decision rests on.
 */
export type SpikeReason =
  'alert' | 'spike_active' | 'cooldown' | 'already_alerted' | Exclude<SpanVerdict, 'pass'>;

/** The test of one span of recent windows against its baseline. */
export interface SpanTest {
  /** How many windows, ending with the current one, the span holds. */
  readonly spanWindows: number;
  readonly observed: RateSample;
  readonly baseline: RateSample;
  /** `errors / attempts` of the span (0 without attempts). */
  readonly observedRate: number;
  /** The smoothed baseline rate the rises are measured from. */
  readonly baselineRate: number;
  /** 1 when the baseline is too small to test against. */
  readonly pValue: number;
  readonly logPValue: number;
  readonly verdict: SpanVerdict;
}

/** What the detector decided at a window. */
export interface SpikeDecision {
  /** Raise an alert for this window. */
  readonly alert: boolean;
  readonly reason: SpikeReason;
  /** Some span passed every rule (an alert unless suppressed by an active spike or the cooldown). */
  readonly significant: boolean;
  /** Significant, or the best span's p-value is at most `stillAbovePValue` with a higher rate. */
  readonly above: boolean;
  /**
   * The span the decision rests on: the shortest span that passed every rule, else the span with
   * the smallest p-value.
   */
  readonly test: SpanTest;
  /** How many of the latest windows to mark `excluded` (they are part of a spike). */
  readonly excludeWindows: number;
  /** The series' state after this window. */
  readonly state: SpikeState;
}

function sum(windows: readonly WindowSample[], from: number, to: number): RateSample {
  let errors = 0;
  let attempts = 0;
  for (let i = from; i < to; i += 1) {
    errors += windows[i]!.errors;
    attempts += windows[i]!.attempts;
  }
  return { errors, attempts };
}

// The last `baselineWindows` windows before `end` that were not part of a spike, looking back at
// most `baselineLookbackWindows` windows.
function baselineBefore(
  windows: readonly WindowSample[],
  end: number,
  o: ResolvedDetectorOptions,
): RateSample {
  let errors = 0;
  let attempts = 0;
  let taken = 0;
  const stop = Math.max(0, end - o.baselineLookbackWindows);
  for (let i = end - 1; i >= stop && taken < o.baselineWindows; i -= 1) {
    const window = windows[i]!;
    if (window.excluded === true) continue;
    errors += window.errors;
    attempts += window.attempts;
    taken += 1;
  }
  return { errors, attempts };
}

function testSpan(windows: readonly WindowSample[], span: number, o: ResolvedDetectorOptions): SpanTest {
  const end = windows.length;
  const observed = sum(windows, end - span, end);
  const baseline = baselineBefore(windows, end - span, o);
  const observedRate = observed.attempts === 0 ? 0 : observed.errors / observed.attempts;
  const baselineRate = (baseline.errors + o.baselinePseudoErrors) / (baseline.attempts + 1);
  const base = { spanWindows: span, observed, baseline, observedRate, baselineRate };
  if (baseline.attempts < o.minBaselineAttempts) {
    return { ...base, pValue: 1, logPValue: 0, verdict: 'baseline_too_small' };
  }
  const logPValue =
    observed.errors === 0
      ? 0
      : logUpperTail(
          {
            population: observed.attempts + baseline.attempts,
            successes: observed.errors + baseline.errors,
            draws: observed.attempts,
          },
          observed.errors,
        );
  const pValue = Math.exp(logPValue);
  let verdict: SpanVerdict = 'pass';
  if (observed.attempts < o.minAttempts) verdict = 'too_few_attempts';
  else if (observed.errors < o.minErrors) verdict = 'too_few_errors';
  else if (
    observedRate - baselineRate < o.minAbsoluteRise ||
    observedRate < o.minRelativeRise * baselineRate
  ) {
    verdict = 'rise_too_small';
  } else if (logPValue > Math.log(o.pValueThreshold / o.spanWindows)) verdict = 'not_significant';
  return { ...base, pValue, logPValue, verdict };
}

function better(a: SpanTest, b: SpanTest): boolean {
  if (a.verdict === 'baseline_too_small') return false;
  if (b.verdict === 'baseline_too_small') return true;
  return a.logPValue < b.logPValue;
}

/**
 * Decides one window with resolved options and counts already checked (the streaming helper's
 * fast path: no option resolution or validation per window). `windows` ends with the current
 * window; only its last `spanWindows + baselineLookbackWindows` are read.
 *
 * @example
 * ```ts
 * const options = resolveDetectorOptions({ minErrors: 10 });
 * const decision = evaluateWindow(windows, state, options);
 * ```
 */
export function evaluateWindow(
  windows: readonly WindowSample[],
  state: SpikeState,
  o: ResolvedDetectorOptions,
): SpikeDecision {
  if (windows.length === 0) {
    throw new AlertError('ERR_ALERT_INPUT', 'no window to decide: pass at least the current window');
  }

  // The shortest passing span dates the spike most precisely (and excludes no normal window).
  let best: SpanTest | undefined;
  let passing: SpanTest | undefined;
  for (let span = 1; span <= Math.min(o.spanWindows, windows.length); span += 1) {
    const test = testSpan(windows, span, o);
    if (best === undefined || better(test, best)) best = test;
    if (test.verdict === 'pass') {
      passing = test;
      break;
    }
  }
  const significant = passing !== undefined;
  const test = passing ?? best!;
  const above =
    significant ||
    (test.verdict !== 'baseline_too_small' &&
      test.pValue <= o.stillAbovePValue &&
      test.observedRate > test.baselineRate);

  const since = state.windowsSinceAlert === null ? null : state.windowsSinceAlert + 1;
  if (significant) {
    if (state.active || (since !== null && since < o.cooldownWindows)) {
      return {
        alert: false,
        reason: state.active ? 'spike_active' : 'cooldown',
        significant,
        above,
        test,
        excludeWindows: test.spanWindows,
        state: { active: true, quietWindows: 0, windowsSinceAlert: since },
      };
    }
    return {
      alert: true,
      reason: 'alert',
      significant,
      above,
      test,
      excludeWindows: test.spanWindows,
      state: { active: true, quietWindows: 0, windowsSinceAlert: 0 },
    };
  }
  const reason = test.verdict as Exclude<SpanVerdict, 'pass'>;
  if (!state.active) {
    return {
      alert: false,
      reason,
      significant,
      above,
      test,
      excludeWindows: 0,
      state: { ...state, windowsSinceAlert: since },
    };
  }
  const quietWindows = above ? 0 : state.quietWindows + 1;
  const cleared = quietWindows >= o.clearWindows;
  return {
    alert: false,
    reason,
    significant,
    above,
    test,
    excludeWindows: above ? 1 : 0,
    state: { active: !cleared, quietWindows: cleared ? 0 : quietWindows, windowsSinceAlert: since },
  };
}

/**
 * Decides whether the current window of a series is a spike to alert on. `windows` are the
 * series' windows oldest first, ending with the current one (the last `spanWindows +
 * baselineLookbackWindows` are used; mark those that were part of a spike `excluded`, as
 * {@link SpikeDecision.excludeWindows} says). Carry {@link SpikeDecision.state} to the next
 * window. Throws `ERR_ALERT_OPTIONS` on a bad option and `ERR_ALERT_INPUT` on a bad count.
 *
 * @example
 * ```ts
 * const quiet = Array.from({ length: 60 }, () => ({ errors: 1, attempts: 200 }));
 * const decision = detectSpike([...quiet, { errors: 40, attempts: 200 }], INITIAL_SPIKE_STATE);
 * decision.alert; // true
 * decision.test.pValue; // ≈ 4e-46
 * ```
 */
export function detectSpike(
  windows: readonly WindowSample[],
  state: SpikeState = INITIAL_SPIKE_STATE,
  options: DetectorOptions = {},
): SpikeDecision {
  const resolved = resolveDetectorOptions(options);
  if (windows.length === 0) {
    throw new AlertError('ERR_ALERT_INPUT', 'no window to decide: pass at least the current window');
  }
  const first = Math.max(0, windows.length - resolved.spanWindows - resolved.baselineLookbackWindows);
  for (let i = first; i < windows.length; i += 1) {
    checkSample(windows[i]!, i === windows.length - 1 ? 'the current window' : `window ${i}`);
  }
  return evaluateWindow(windows, state, resolved);
}
