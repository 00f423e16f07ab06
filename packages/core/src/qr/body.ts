/** The part of a payload a kind parser builds; `parseQrPayload` adds the findings. */
import type { QrPayload } from './types.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A payload without `findings` and `blocked`. */
export type QrPayloadBody = DistributiveOmit<QrPayload, 'findings' | 'blocked'>;

/** The body of one kind. */
export type BodyOf<K extends QrPayload['kind']> = Extract<QrPayloadBody, { kind: K }>;
