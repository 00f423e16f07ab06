// @ts-check
/**
 * The stages of a campaign's funnel, in two groups that never share a base. A journey is scanned
 * once and completes or drops off once, so its stages are shares of scans. A journey opens a TLS
 * connection for every hop of its redirects, so TLS ok, TLS errors and pin failures are counts of
 * connections: a share of TLS attempts (`tlsOk + tlsErrors`, as the metrics API defines them), never
 * of scans, where two hops a journey would read as 200 %.
 */

/** @typedef {import('./types.js').FunnelRow} FunnelRow */

/**
 * @typedef {object} FunnelStage
 * @property {string} key names the bar's colour (`bar-<key>`)
 * @property {string} label
 * @property {number} value a count
 * @property {number | null} share of the group's base, in [0, 1]; `null` when there is no base or
 *   the count is not a part of it
 */

/**
 * `part / whole` rounded as the metrics API rounds its rates, `null` without a whole.
 *
 * @param {number} part
 * @param {number} whole
 * @returns {number | null}
 */
const share = (part, whole) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

/**
 * The funnel of one campaign: journeys as shares of scans, TLS connections as shares of attempts.
 * Pin failures are a count only: reports that reach the server through the TrustKit/HPKP endpoint
 * come without TLS events, so they are not a part of the attempts.
 *
 * @example
 * ```js
 * const { journeys, connections } = funnelStages(row);
 * cell.append(funnelChart(journeys), funnelChart(connections));
 * ```
 * @param {FunnelRow} row
 * @returns {{ journeys: FunnelStage[], connections: FunnelStage[] }}
 */
export function funnelStages(row) {
  return {
    journeys: [
      { key: 'scans', label: 'Scanned', value: row.scans, share: share(row.scans, row.scans) },
      { key: 'completes', label: 'Completed', value: row.completes, share: row.completionRate },
      { key: 'drop-off', label: 'Dropped off', value: row.dropOff, share: row.dropOffRate },
    ],
    connections: [
      {
        key: 'attempts',
        label: 'TLS attempts',
        value: row.attempts,
        share: share(row.attempts, row.attempts),
      },
      { key: 'tls-ok', label: 'TLS ok', value: row.tlsOk, share: share(row.tlsOk, row.attempts) },
      { key: 'tls-errors', label: 'TLS errors', value: row.tlsErrors, share: row.tlsErrorRate },
      { key: 'pin-failures', label: 'Pin failures', value: row.pinFailures, share: null },
    ],
  };
}
