/**
 * The streaming side of detection: a series walked window by window, remembering which windows
 * were part of a spike (left out of later baselines) and whether a spike is active. Pure: no clock,
 * no I/O. The alert job walks the last hours of each series with it; tests walk synthetic streams.
 */
import type { RateSample } from '../storage/telemetry-store.ts';
import { evaluateWindow, INITIAL_SPIKE_STATE, type SpikeDecision, type SpikeState } from './detect.ts';
import { checkSample } from './lib/sample.ts';
import { resolveDetectorOptions, type DetectorOptions, type ResolvedDetectorOptions } from './options.ts';

/** A {@link SpikeDecision} with the position of its window in the stream (0 for the first). */
export interface WindowDecision extends SpikeDecision {
  readonly index: number;
}

interface Slot {
  readonly errors: number;
  readonly attempts: number;
  excluded: boolean;
}

/**
 * One series' detector, fed one window at a time.
 *
 * @example
 * ```ts
 * const stream = new SpikeStream({ minErrors: 10 });
 * for (const { errors, attempts } of windows) {
 *   const decision = stream.push({ errors, attempts });
 *   if (decision.alert) console.log(`window ${decision.index}: p = ${decision.test.pValue}`);
 * }
 * ```
 */
export class SpikeStream {
  /** The options in force, defaults filled in. */
  readonly options: ResolvedDetectorOptions;
  readonly #windows: Slot[] = [];
  readonly #keep: number;
  #state: SpikeState = INITIAL_SPIKE_STATE;
  #index = 0;

  /** Throws `ERR_ALERT_OPTIONS` on a bad option. */
  constructor(options: DetectorOptions = {}) {
    this.options = resolveDetectorOptions(options);
    this.#keep = this.options.spanWindows + this.options.baselineLookbackWindows;
  }

  /** The series' state after the last window pushed. */
  get state(): SpikeState {
    return this.#state;
  }

  /** How many windows were pushed. */
  get length(): number {
    return this.#index;
  }

  /**
   * Decides the next window. `alreadyAlerted`: an alert whose span ends at this window is stored
   * already (raised by another replica or an earlier run): the window is then never alerted again,
   * and the series continues as if it had alerted here (active, cooldown from here). Throws
   * `ERR_ALERT_INPUT` on a bad count.
   */
  push(sample: RateSample, alreadyAlerted = false): WindowDecision {
    checkSample(sample, `window ${this.#index}`);
    this.#windows.push({ errors: sample.errors, attempts: sample.attempts, excluded: false });
    if (this.#windows.length > 2 * this.#keep) this.#windows.splice(0, this.#windows.length - this.#keep);
    let decision = evaluateWindow(this.#windows, this.#state, this.options);
    if (alreadyAlerted) {
      decision = {
        ...decision,
        alert: false,
        reason: 'already_alerted',
        excludeWindows: Math.max(1, decision.excludeWindows),
        state: { active: true, quietWindows: 0, windowsSinceAlert: 0 },
      };
    }
    const windows = this.#windows;
    for (let i = 1; i <= decision.excludeWindows; i += 1) windows[windows.length - i]!.excluded = true;
    this.#state = decision.state;
    const index = this.#index;
    this.#index += 1;
    return { ...decision, index };
  }
}

/**
 * Walks a whole series, oldest window first, and returns every window's decision. `alreadyAlerted`
 * holds the indexes of windows that end a stored alert's span (see {@link SpikeStream.push}).
 * Throws `ERR_ALERT_OPTIONS` on a bad option and `ERR_ALERT_INPUT` on a bad count.
 *
 * @example
 * ```ts
 * const decisions = walkSpikes(series, { baselineWindows: 120 });
 * const alerts = decisions.filter((d) => d.alert).map((d) => d.index);
 * ```
 */
export function walkSpikes(
  samples: Iterable<RateSample>,
  options: DetectorOptions = {},
  alreadyAlerted: ReadonlySet<number> = new Set(),
): WindowDecision[] {
  const stream = new SpikeStream(options);
  const decisions: WindowDecision[] = [];
  for (const sample of samples) decisions.push(stream.push(sample, alreadyAlerted.has(stream.length)));
  return decisions;
}
