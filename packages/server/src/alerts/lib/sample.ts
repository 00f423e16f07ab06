// Validation of counts at the detector's edge: every sample is a pair of safe non-negative integers
// with no more errors than attempts.
import type { RateSample } from '../../storage/telemetry-store.ts';
import { AlertError } from '../error.ts';

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Throws `ERR_ALERT_INPUT` naming `name` unless `sample` holds two counts, errors ≤ attempts. */
export function checkSample(sample: RateSample, name: string): void {
  const { errors, attempts } = sample ?? ({} as Partial<RateSample>);
  if (!isCount(errors) || !isCount(attempts)) {
    throw new AlertError(
      'ERR_ALERT_INPUT',
      `${name} has errors ${String(errors)} and attempts ${String(attempts)}: both must be non-negative safe integers`,
    );
  }
  if (errors > attempts) {
    throw new AlertError(
      'ERR_ALERT_INPUT',
      `${name} has ${errors} errors but only ${attempts} attempts: errors are counted among attempts`,
    );
  }
}
