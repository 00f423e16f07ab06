/** "Did you mean" suggestions for misspelt field names and enum values (internal). */

/** Case, `_`, `-` and spaces ignored: `backup_pins`, `BackupPins` and `backup-pins` all read `backuppins`. */
function loose(text: string): string {
  return text.toLowerCase().replace(/[\s_-]/g, '');
}

/** Levenshtein distance, giving up (returning `limit + 1`) once it exceeds `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}

/**
 * The candidate `input` most likely meant, or `undefined` when none is close.
 *
 * @example
 * ```ts
 * closest('backup_pins', ['pattern', 'pins', 'backupPins']); // 'backupPins'
 * ```
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  if (input.length > 64) return undefined;
  const wanted = loose(input);
  const exact = candidates.find((c) => loose(c) === wanted);
  if (exact !== undefined) return exact;
  const limit = Math.min(2, Math.floor(wanted.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const d = distance(wanted, loose(candidate), limit);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
