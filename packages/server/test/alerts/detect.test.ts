import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AlertError } from '../../src/alerts/error.ts';
import {
  detectSpike,
  INITIAL_SPIKE_STATE,
  type SpikeState,
  type WindowSample,
} from '../../src/alerts/detect.ts';
import {
  DEFAULT_DETECTOR_OPTIONS,
  resolveDetectorOptions,
  type DetectorOptions,
} from '../../src/alerts/options.ts';

const quiet = (n: number, errors = 1, attempts = 200): WindowSample[] =>
  Array.from({ length: n }, () => ({ errors, attempts }));

describe('detectSpike', () => {
  it('alerts a window whose error rate jumps far above an hour of baseline', () => {
    const decision = detectSpike([...quiet(60), { errors: 40, attempts: 200 }]);
    assert.equal(decision.alert, true);
    assert.equal(decision.reason, 'alert');
    assert.equal(decision.test.spanWindows, 1);
    assert.deepEqual(decision.test.observed, { errors: 40, attempts: 200 });
    assert.deepEqual(decision.test.baseline, { errors: 60, attempts: 12_000 });
    assert.ok(decision.test.pValue < 1e-30, `p = ${decision.test.pValue}`);
    assert.equal(decision.excludeWindows, 1);
    assert.deepEqual(decision.state, { active: true, quietWindows: 0, windowsSinceAlert: 0 });
  });

  it('proves a spike too thin for one window over the last two together', () => {
    // 4 errors in 100 attempts are too few alone against 1 in 1,000; 8 in two windows are not.
    const windows = [...quiet(60, 1, 1000), { errors: 4, attempts: 100 }];
    assert.equal(detectSpike(windows).reason, 'too_few_errors');
    const decision = detectSpike([...windows, { errors: 4, attempts: 100 }]);
    assert.equal(decision.alert, true);
    assert.equal(decision.test.spanWindows, 2);
    assert.equal(decision.excludeWindows, 2);
  });

  it('says which rule held a window back', () => {
    const cases: ReadonlyArray<readonly [string, WindowSample[], DetectorOptions, string]> = [
      [
        'a baseline of too few attempts',
        [...quiet(60, 0, 3), { errors: 30, attempts: 30 }],
        {},
        'baseline_too_small',
      ],
      [
        'a window of too few attempts',
        [...quiet(60), { errors: 10, attempts: 10 }],
        { spanWindows: 1 },
        'too_few_attempts',
      ],
      [
        'a window of too few errors',
        [...quiet(60, 0, 1000), { errors: 4, attempts: 100 }],
        {},
        'too_few_errors',
      ],
      [
        'a rise below the relative minimum',
        [...quiet(60, 20, 1000), { errors: 50, attempts: 1000 }],
        {},
        'rise_too_small',
      ],
      [
        'a rise below the absolute minimum',
        [...quiet(60, 0, 100_000), { errors: 200, attempts: 100_000 }],
        {},
        'rise_too_small',
      ],
      ['a rise within chance', [...quiet(60, 1, 100), { errors: 5, attempts: 40 }], {}, 'not_significant'],
    ];
    for (const [what, windows, options, reason] of cases) {
      const decision = detectSpike(windows, INITIAL_SPIKE_STATE, options);
      assert.equal(decision.alert, false, what);
      assert.equal(decision.reason, reason, what);
    }
  });

  it('does not alert again while a spike is active, nor within the cooldown', () => {
    const windows = [...quiet(60), { errors: 40, attempts: 200 }];
    const active = detectSpike(windows, { active: true, quietWindows: 0, windowsSinceAlert: 3 });
    assert.equal(active.alert, false);
    assert.equal(active.reason, 'spike_active');
    assert.equal(active.significant, true);
    const cooling = detectSpike(windows, { active: false, quietWindows: 0, windowsSinceAlert: 10 });
    assert.equal(cooling.reason, 'cooldown');
    assert.equal(cooling.state.windowsSinceAlert, 11);
    const after = detectSpike(windows, {
      active: false,
      quietWindows: 0,
      windowsSinceAlert: DEFAULT_DETECTOR_OPTIONS.cooldownWindows,
    });
    assert.equal(after.alert, true);
  });

  it('clears an active spike after enough quiet windows in a row', () => {
    let state: SpikeState = { active: true, quietWindows: 0, windowsSinceAlert: 5 };
    const windows = quiet(70);
    for (let i = 1; i < DEFAULT_DETECTOR_OPTIONS.clearWindows; i += 1) {
      state = { ...detectSpike(windows, state).state };
      assert.deepEqual(state, { active: true, quietWindows: i, windowsSinceAlert: 5 + i });
    }
    assert.equal(detectSpike(windows, state).state.active, false);
  });

  it('leaves windows marked excluded out of the baseline', () => {
    const windows = [
      ...quiet(60),
      ...quiet(5, 100, 200).map((w) => ({ ...w, excluded: true })),
      { errors: 40, attempts: 200 },
    ];
    const decision = detectSpike(windows);
    assert.deepEqual(decision.test.baseline, { errors: 60, attempts: 12_000 });
    assert.equal(decision.alert, true);
  });

  it('refuses an empty series and bad counts with ERR_ALERT_INPUT naming the window', () => {
    assert.throws(() => detectSpike([]), { code: 'ERR_ALERT_INPUT', message: /no window to decide/ });
    assert.throws(() => detectSpike([...quiet(3), { errors: 3, attempts: 2 }]), {
      code: 'ERR_ALERT_INPUT',
      message: /the current window has 3 errors but only 2 attempts/,
    });
    assert.throws(() => detectSpike([{ errors: -1, attempts: 2 }, ...quiet(3)]), {
      code: 'ERR_ALERT_INPUT',
      message: /window 0 has errors -1 and attempts 2/,
    });
    assert.throws(
      () => detectSpike([{ errors: 1, attempts: 2.5 }]),
      (err: unknown) => err instanceof AlertError,
    );
  });

  it('never alerts when the window rate is not above the baseline rate (property)', () => {
    const window = fc
      .integer({ min: 0, max: 100_000 })
      .chain((attempts) => fc.integer({ min: 0, max: attempts }).map((errors) => ({ errors, attempts })));
    fc.assert(
      fc.property(fc.array(window, { minLength: 1, maxLength: 70 }), window, (baseline, current) => {
        const b = baseline.reduce(
          (s, w) => ({ errors: s.errors + w.errors, attempts: s.attempts + w.attempts }),
          {
            errors: 0,
            attempts: 0,
          },
        );
        fc.pre(current.errors * b.attempts <= b.errors * current.attempts);
        const decision = detectSpike([...baseline, current], INITIAL_SPIKE_STATE, { spanWindows: 1 });
        assert.equal(decision.alert, false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('resolveDetectorOptions', () => {
  it('fills in every default', () => {
    assert.deepEqual(resolveDetectorOptions(), DEFAULT_DETECTOR_OPTIONS);
    assert.deepEqual(resolveDetectorOptions({ minErrors: 10 }), {
      ...DEFAULT_DETECTOR_OPTIONS,
      minErrors: 10,
    });
  });

  const refusals: ReadonlyArray<readonly [string, DetectorOptions, RegExp]> = [
    [
      'a p-value threshold above 0.5',
      { pValueThreshold: 0.6 },
      /pValueThreshold is 0\.6: expected a number in \(0, 0\.5\]/,
    ],
    ['a p-value threshold of 0', { pValueThreshold: 0 }, /pValueThreshold is 0/],
    ['a fractional span', { spanWindows: 1.5 }, /spanWindows is 1\.5: expected an integer from 1 to 60/],
    ['no span', { spanWindows: 0 }, /spanWindows is 0/],
    ['a NaN baseline', { baselineWindows: Number.NaN }, /baselineWindows is NaN/],
    ['an infinite minimum', { minAttempts: Infinity }, /minAttempts is Infinity/],
    [
      'zero minimum errors',
      { minErrors: 0 },
      /minErrors is 0: expected an integer of at least 1 \(default 5\)/,
    ],
    ['a negative rise', { minAbsoluteRise: -0.1 }, /minAbsoluteRise is -0\.1/],
    [
      'a relative rise below 1',
      { minRelativeRise: 0.5 },
      /minRelativeRise is 0\.5: expected a number of at least 1/,
    ],
    ['a negative cooldown', { cooldownWindows: -1 }, /cooldownWindows is -1/],
    [
      'a lookback shorter than the baseline',
      { baselineWindows: 240 },
      /baselineLookbackWindows is 180: expected at least baselineWindows \(240\)/,
    ],
    ['a string', { minErrors: '5' as unknown as number }, /minErrors is 5/],
  ];
  for (const [what, options, message] of refusals) {
    it(`refuses ${what} with ERR_ALERT_OPTIONS`, () => {
      assert.throws(
        () => resolveDetectorOptions(options),
        (err: unknown) =>
          err instanceof AlertError && err.code === 'ERR_ALERT_OPTIONS' && message.test(err.message),
      );
      assert.throws(() => detectSpike(quiet(1), INITIAL_SPIKE_STATE, options), { code: 'ERR_ALERT_OPTIONS' });
    });
  }

  it('accepts every in-range value and refuses every out-of-range one (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 100 }),
        fc.double({ min: -1, max: 2, noNaN: true }),
        (span, rise) => {
          const spanOk = span >= 1 && span <= 60;
          const riseOk = rise >= 0 && rise <= 1;
          let code: string | undefined;
          try {
            resolveDetectorOptions({ spanWindows: span, minAbsoluteRise: rise });
          } catch (err) {
            code = (err as AlertError).code;
          }
          assert.equal(code, spanOk && riseOk ? undefined : 'ERR_ALERT_OPTIONS');
        },
      ),
    );
  });
});
