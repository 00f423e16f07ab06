// The summary the server's admin API gives of a stored pinset document (after a publish, a
// rollback, and in the history), read field by field so that nothing else the server sent is shown.

/** One stored document as the admin API summarises it (docs/server.md, "Summary"). */
export interface PinsetSummary {
  readonly seq: number;
  /** Hex SHA-256 of the compact JWS: the ETag the public route serves it with. */
  readonly sha256: string;
  /** `published` through publish, `rollback` when the server released a pre-signed rollback. */
  readonly kind: 'published' | 'rollback';
  readonly hasRollback: boolean;
  /** The seq of its pre-signed rollback, or `null` when it has none. */
  readonly rollbackSeq: number | null;
  readonly publishedAt: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A date as text: printable ASCII only, so a server cannot send terminal escapes. */
const DATE_TEXT = /^[\x20-\x7e]{1,64}$/;

/** The summary in `value`, or `undefined` when it is not one (the answer of something else). */
export function pinsetSummary(value: unknown): PinsetSummary | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const { seq, sha256, kind, hasRollback, rollbackSeq, publishedAt } = v;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) return undefined;
  if (kind !== 'published' && kind !== 'rollback') return undefined;
  if (typeof hasRollback !== 'boolean') return undefined;
  if (rollbackSeq !== null && (typeof rollbackSeq !== 'number' || !Number.isSafeInteger(rollbackSeq)))
    return undefined;
  if (typeof publishedAt !== 'string' || !DATE_TEXT.test(publishedAt)) return undefined;
  return { seq, sha256, kind, hasRollback, rollbackSeq, publishedAt };
}
