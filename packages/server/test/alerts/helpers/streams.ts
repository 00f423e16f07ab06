// Synthetic traffic for the detector: attempts per window from a volume model, errors drawn
// binomially from a rate model. Every stream is a pure function of its seed.
import type { RateSample } from '../../../src/storage/telemetry-store.ts';
import { binomial, gamma, integer, poisson, type Random } from './random.ts';

/** Attempts in the next window. */
export type Volume = (random: Random) => number;

/** A volume model with the name the test tables print. */
export interface Traffic {
  readonly name: string;
  readonly volume: () => Volume;
}

export const veryQuiet: Traffic = {
  name: 'very quiet (0–5 a window)',
  volume: () => (r) => integer(r, 0, 5),
};

export function steady(mean: number): Traffic {
  return { name: `steady Poisson(${mean})`, volume: () => (r) => poisson(r, mean) };
}

/** Overdispersed volume: Poisson with a Gamma-distributed mean (negative binomial), CV ≈ 1/√shape. */
export function overdispersed(mean: number, shape: number): Traffic {
  return {
    name: `overdispersed NB(mean ${mean}, shape ${shape})`,
    volume: () => (r) => poisson(r, (mean * gamma(r, shape)) / shape),
  };
}

/**
 * Bursty volume: a quiet destination (`quiet` a window) that now and then (`chance` per window)
 * enters a burst of `burst` a window lasting 1–10 windows: a poster in a crowded hall.
 */
export function bursty(quiet: number, burst: number, chance: number): Traffic {
  return {
    name: `bursty (${quiet} a window, bursts of ${burst})`,
    volume: () => {
      let left = 0;
      return (r) => {
        if (left === 0 && r() < chance) left = integer(r, 1, 10);
        if (left > 0) {
          left -= 1;
          return poisson(r, burst);
        }
        return poisson(r, quiet);
      };
    },
  };
}

/** The error rate of window `index`. */
export type RateModel = (index: number, random: Random) => number;

export const constantRate =
  (rate: number): RateModel =>
  () =>
    rate;

/** A rate that wanders window to window: `rate` times a Gamma factor of mean 1 and CV 1/√shape. */
export const driftingRate =
  (rate: number, shape: number): RateModel =>
  (_index, random) =>
    Math.min(1, (rate * gamma(random, shape)) / shape);

/** `rate`, except `spikeRate` during each `[start, end)` window range. */
export function spikes(
  rate: number,
  spikeRate: number,
  ranges: readonly (readonly [number, number])[],
): RateModel {
  return (index) => (ranges.some(([start, end]) => index >= start && index < end) ? spikeRate : rate);
}

/** `count` windows of traffic. */
export function generate(random: Random, traffic: Traffic, rate: RateModel, count: number): RateSample[] {
  const volume = traffic.volume();
  const windows: RateSample[] = [];
  for (let index = 0; index < count; index += 1) {
    const attempts = volume(random);
    windows.push({ errors: binomial(random, attempts, rate(index, random)), attempts });
  }
  return windows;
}
