// @ts-check
/** Number, rate and time formatting, in English, times in UTC. */

const COUNT = new Intl.NumberFormat('en-US');

/**
 * @param {number | null | undefined} n
 * @returns {string}
 */
export function formatCount(n) {
  return typeof n === 'number' && Number.isFinite(n) ? COUNT.format(n) : '—';
}

/**
 * A rate in [0, 1] as a percentage; `null` (no denominator) as a dash.
 *
 * @param {number | null | undefined} rate
 * @returns {string}
 */
export function formatRate(rate) {
  if (typeof rate !== 'number' || !Number.isFinite(rate)) return '—';
  const percent = rate * 100;
  if (percent === 0) return '0 %';
  const digits = percent < 1 ? 2 : 1;
  return `${percent.toFixed(digits)} %`;
}

/**
 * @param {number} n
 * @returns {string}
 */
const pad = (n) => String(n).padStart(2, '0');

/**
 * `2026-12-01 10:14 UTC`, or a dash for a missing or bad time.
 *
 * @param {string | number | null | undefined} time ISO 8601 or unix ms
 * @returns {string}
 */
export function formatTime(time) {
  if (time === null || time === undefined) return '—';
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/**
 * A short axis label for a time: `10:14`, `12-01 10:14` or `12-01`.
 *
 * @param {string} iso
 * @param {'time' | 'datetime' | 'date'} style
 * @returns {string}
 */
export function formatTick(iso, style) {
  const d = new Date(iso);
  const date = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (style === 'date') return date;
  return style === 'time' ? time : `${date} ${time}`;
}

/**
 * How far a time is from now, in words: `in 3 days`, `5 hours ago`.
 *
 * @param {string | null | undefined} iso
 * @param {number} nowMs
 * @returns {string}
 */
export function formatRelative(iso, nowMs) {
  if (iso === null || iso === undefined) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const seconds = Math.round((t - nowMs) / 1000);
  const abs = Math.abs(seconds);
  /** @type {[number, string][]} */
  const units = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  let phrase = 'less than a minute';
  for (const [size, name] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      phrase = `${n} ${name}${n === 1 ? '' : 's'}`;
      break;
    }
  }
  return seconds >= 0 ? `in ${phrase}` : `${phrase} ago`;
}

/**
 * `tls_error_rate` → `TLS error spike`.
 *
 * @param {string} kind
 * @returns {string}
 */
export function formatAlertKind(kind) {
  switch (kind) {
    case 'tls_error_rate':
      return 'TLS error spike';
    case 'pin_failure_rate':
      return 'Pin failure spike';
    default:
      return kind;
  }
}
