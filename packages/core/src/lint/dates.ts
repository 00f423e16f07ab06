/** Whole days between two `YYYY-MM-DD` dates, `to - from` (internal). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** How far ahead an expiry starts to be reported as near. */
export const EXPIRING_WITHIN_DAYS = 30;
