/**
 * The rollback document: signed beside every pinset, so the server can release it by itself
 * (it holds no private key) and every client stops enforcing within one update.
 */
import { PinsetError } from './error.ts';
import { validatePayload } from './lib/schema.ts';
import type { PinsetPayload } from './model.ts';

/** Options of {@link buildRollback}. */
export interface BuildRollbackOptions {
  /** The rollback's seq (default `payload.seq + 1`); must be higher than the payload's. */
  readonly seq?: number | undefined;
}

/**
 * Builds the rollback of a payload: the same hosts and pins, every host in `report` mode,
 * rollout `report-only` at 0 %, the same `iat` and `exp`, `seq` one higher and `rollbackOf` set to
 * the rolled-back seq. Clients accept it like any newer document and stop blocking connections.
 *
 * @example
 * ```ts
 * const rollback = signPinset(buildRollback(payload), { privateKey, kid });
 * ```
 */
export function buildRollback(payload: PinsetPayload, options: BuildRollbackOptions = {}): PinsetPayload {
  const original = validatePayload(payload, 'ERR_PINSET_OPTIONS');
  const seq = options.seq ?? original.seq + 1;
  if (!Number.isSafeInteger(seq) || seq <= original.seq) {
    throw new PinsetError(
      'ERR_PINSET_OPTIONS',
      `the rollback's seq ${String(seq)} must be a safe integer higher than the rolled-back seq ${original.seq}`,
    );
  }
  return validatePayload(
    {
      ...original,
      seq,
      hosts: original.hosts.map((host) => ({ ...host, mode: 'report' })),
      rollout: { stage: 'report-only', enforcePercent: 0 },
      rollbackOf: original.seq,
    },
    'ERR_PINSET_OPTIONS',
  );
}
