// A stand-in for verifyPinset: "stub.<base64url JSON payload>.<kid>". It checks the kid against the
// trusted keys, a `forged` flag as the signature, and the seq order, with the real codes.
import { QrpinError } from '@qrpin/core';
import type { PinsetVerifier } from '../../src/http/verifier.ts';

export interface StubPayload {
  readonly project: string;
  readonly seq: number;
  readonly forged?: boolean;
  readonly rollback?: boolean;
  /** Overrides of what a rollback stub claims (to build broken rollbacks). */
  readonly rollbackOf?: number;
  readonly stage?: string;
  readonly mode?: string;
  readonly pins?: readonly string[];
}

/** The one host every stub document pins. */
export const STUB_HOST = 'shop.example.com';

export function stubJws(payload: StubPayload, kid = 'primary'): string {
  return `stub.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${kid}`;
}

export const stubVerify: PinsetVerifier = (jws, { trustedKeys, lastSeq }) => {
  const [prefix, body, kid] = jws.split('.');
  if (prefix !== 'stub' || body === undefined || kid === undefined) {
    throw new QrpinError('ERR_PINSET_MALFORMED', 'the document is not three base64url parts');
  }
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StubPayload;
  if (!trustedKeys.some((k) => k.kid === kid)) {
    throw new QrpinError('ERR_PINSET_UNKNOWN_KEY', `no trusted key has kid "${kid}"`);
  }
  if (payload.forged === true) throw new QrpinError('ERR_PINSET_SIGNATURE', 'the signature does not verify');
  if (lastSeq !== undefined && payload.seq <= lastSeq) {
    throw new QrpinError('ERR_PINSET_ROLLBACK', `seq ${payload.seq} is not higher than ${lastSeq}`);
  }
  const rollback = payload.rollback === true;
  return {
    payload: {
      project: payload.project,
      seq: payload.seq,
      hosts: [
        {
          pattern: STUB_HOST,
          pins: payload.pins ?? ['sha256/stub-leaf'],
          mode: payload.mode ?? (rollback ? 'report' : 'enforce'),
        },
      ],
      rollout: { stage: payload.stage ?? (rollback ? 'report-only' : 'everyone') },
      rollbackOf: rollback ? (payload.rollbackOf ?? payload.seq - 1) : undefined,
    },
  };
};
