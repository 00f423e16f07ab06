// @ts-check
/**
 * The overview: every destination of the project with its status, hosts, pins and their expiry,
 * scans, completion, TLS error and pin failure rates, and last alert, plus the totals. One
 * `/metrics/overview` request (and the filter menus' `/metrics/dimensions`); no request per row.
 */
import { projectGet } from './api.js';
import { h } from './dom.js';
import { filterBar } from './filters.js';
import { formatAlertKind, formatCount, formatRate, formatRelative, formatTime } from './format.js';
import { formatHash, metricsParams, timeRange } from './route.js';
import { emptyState, rate, statusBadge, table, viewHead } from './view-common.js';

/** @typedef {import('./view-common.js').ViewContext} ViewContext */
/** @typedef {import('./types.js').Overview} Overview */
/** @typedef {import('./types.js').DestinationRow} DestinationRow */
/** @typedef {import('./types.js').Dimensions} Dimensions */
/** @typedef {Extract<import('./route.js').Route, { name: 'overview' }>} OverviewRoute */

/** Pins expiring within this many days are flagged. */
const EXPIRY_WARNING_DAYS = 14;
/** Error rates above this are flagged (the server's `warning` threshold, docs/metrics-api.md). */
const HIGH_ERROR_RATE = 0.01;
/** Completion rates below this are flagged. */
const LOW_COMPLETION = 0.5;

/**
 * The rates of the totals: the answer's own, else derived from the counters as the API does.
 *
 * @param {Overview} overview
 * @returns {import('./types.js').Rates}
 */
function totalRates(overview) {
  if (overview.rates !== undefined) return overview.rates;
  const totals = overview.totals;
  const scans = totals.scans ?? 0;
  const attempts = (totals.tlsOk ?? 0) + (totals.tlsErrors ?? 0);
  const completionRate = rate(totals.completes ?? 0, scans);
  return {
    completionRate,
    dropOffRate: completionRate === null ? null : 1 - completionRate,
    tlsErrorRate: rate(totals.tlsErrors ?? 0, attempts),
    pinFailureRate: rate((totals.pinFailuresEnforce ?? 0) + (totals.pinFailuresReport ?? 0), attempts),
  };
}

/**
 * @param {string} label
 * @param {string} value
 * @param {string} key
 * @param {string} [detail]
 */
function card(label, value, key, detail) {
  return h(
    'div',
    { class: 'card', 'data-total': key },
    h('dt', {}, label),
    h(
      'dd',
      {},
      h('span', { class: 'value' }, value),
      detail === undefined ? null : h('span', { class: 'detail' }, detail),
    ),
  );
}

/**
 * @param {Overview} overview
 * @param {number} destinations
 * @returns {HTMLElement}
 */
function totalsPanel(overview, destinations) {
  const t = overview.totals;
  const rates = totalRates(overview);
  return h(
    'dl',
    { class: 'totals', 'aria-label': 'Totals' },
    card('Scans', formatCount(t.scans ?? 0), 'scans'),
    card('Completed', formatCount(t.completes ?? 0), 'completes'),
    card(
      'Completion rate',
      formatRate(rates.completionRate),
      'completionRate',
      `drop-off ${formatRate(rates.dropOffRate)}`,
    ),
    card(
      'TLS error rate',
      formatRate(rates.tlsErrorRate),
      'tlsErrorRate',
      `${formatCount(t.tlsErrors ?? 0)} errors`,
    ),
    card(
      'Pin failure rate',
      formatRate(rates.pinFailureRate),
      'pinFailureRate',
      `${formatCount((t.pinFailuresEnforce ?? 0) + (t.pinFailuresReport ?? 0))} failures`,
    ),
    card('Destinations', formatCount(destinations), 'destinations'),
  );
}

/**
 * @param {string | null | undefined} iso
 * @param {number} nowMs
 * @returns {HTMLElement}
 */
function expiry(iso, nowMs) {
  if (iso === null || iso === undefined) return h('span', { class: 'muted' }, 'no expiry known');
  const t = Date.parse(iso);
  const days = (t - nowMs) / 86_400_000;
  const cls = days < 0 ? 'expired' : days < EXPIRY_WARNING_DAYS ? 'expiring' : 'muted';
  const words = `pins ${days < 0 ? 'expired' : 'expire'} ${formatRelative(iso, nowMs)}`;
  return h('span', { class: `expiry ${cls}`, title: formatTime(iso) }, words);
}

/**
 * @param {Overview['pinset']} pinset
 * @param {number} nowMs
 * @returns {HTMLElement}
 */
function pinsetPanel(pinset, nowMs) {
  if (pinset === null || pinset === undefined) {
    return h(
      'p',
      { class: 'pinset-summary muted', id: 'pinset-summary' },
      'No pinset is published yet: clients pin nothing from this server. Publish one with qrpin publish.',
    );
  }
  const rollout = pinset.rollout;
  const enforce = typeof rollout.enforcePercent === 'number' ? `, enforce ${rollout.enforcePercent} %` : '';
  return h(
    'p',
    { class: 'pinset-summary', id: 'pinset-summary' },
    h('strong', {}, `Pinset seq ${pinset.seq}`),
    ` · ${pinset.hosts.length} host pattern${pinset.hosts.length === 1 ? '' : 's'} · rollout ${rollout.stage}${enforce} · `,
    expiry(pinset.exp, nowMs),
  );
}

/**
 * @param {DestinationRow} row
 * @param {number} nowMs
 * @returns {HTMLElement}
 */
function pinsCell(row, nowMs) {
  if (row.pins.length === 0) {
    return h('td', { class: 'pins' }, h('span', { class: 'muted' }, 'not pinned'));
  }
  const list = h('ul', { class: 'plain' });
  for (const host of row.pins) {
    const backups = host.backupPins ?? [];
    const primaries = host.pins.filter((pin) => !backups.includes(pin));
    list.append(
      h(
        'li',
        { title: [...primaries, ...backups.map((pin) => `${pin} (backup)`)].join('\n') },
        h('span', { class: 'host' }, host.pattern),
        ` ${primaries.length} pin${primaries.length === 1 ? '' : 's'} + ${backups.length} backup · `,
        h('span', { class: `mode mode-${host.mode === 'enforce' ? 'enforce' : 'report'}` }, host.mode),
      ),
    );
  }
  return h('td', { class: 'pins' }, list, expiry(row.pinsExpireAt, nowMs));
}

/**
 * A rate cell, flagged when `bad` says the value is worth a look.
 *
 * @param {number | null} value
 * @param {string} className
 * @param {(value: number) => boolean} bad
 */
function rateCell(value, className, bad) {
  const flagged = typeof value === 'number' && bad(value);
  return h('td', { class: `num ${className}${flagged ? ' flagged' : ''}` }, formatRate(value));
}

/**
 * @param {OverviewRoute} route
 * @param {DestinationRow} row
 * @param {number} nowMs
 * @returns {HTMLTableRowElement}
 */
function destinationRow(route, row, nowMs) {
  const href = formatHash({
    name: 'destination',
    project: route.project,
    destination: row.destination,
    filters: route.filters,
  });
  const hosts = h('ul', { class: 'plain' });
  for (const host of row.hosts) hosts.append(h('li', { class: 'host' }, host));
  const alert =
    row.lastAlert === null || row.lastAlert === undefined
      ? h('span', { class: 'muted' }, 'none')
      : h(
          'span',
          { title: `window starting ${formatTime(row.lastAlert.windowStart)}` },
          formatAlertKind(row.lastAlert.kind),
          h('br'),
          h('span', { class: 'detail' }, formatRelative(row.lastAlert.windowStart, nowMs)),
        );
  return h(
    'tr',
    { 'data-destination': row.destination, class: `status-${row.status}` },
    h('th', { scope: 'row', class: 'destination' }, h('a', { href }, row.destination)),
    h('td', { class: 'status' }, statusBadge(row.status)),
    h('td', { class: 'hosts' }, row.hosts.length === 0 ? h('span', { class: 'muted' }, 'none seen') : hosts),
    pinsCell(row, nowMs),
    h('td', { class: 'num scans' }, formatCount(row.counters.scans)),
    rateCell(row.rates.completionRate, 'completion', (v) => v < LOW_COMPLETION),
    rateCell(row.rates.tlsErrorRate, 'tls-error-rate', (v) => v > HIGH_ERROR_RATE),
    rateCell(row.rates.pinFailureRate, 'pin-failure-rate', (v) => v > HIGH_ERROR_RATE),
    h('td', { class: 'last-alert' }, alert),
  );
}

/**
 * @param {ViewContext} ctx
 * @param {OverviewRoute} route
 * @returns {Promise<HTMLElement>}
 */
export async function overviewView(ctx, route) {
  const params = metricsParams(route.filters, ctx.nowMs);
  const [overview, dimensions] = /** @type {[Overview, Dimensions]} */ (
    await Promise.all([
      projectGet(route.project, 'metrics/overview', params, ctx.signal),
      projectGet(route.project, 'metrics/dimensions', timeRange(route.filters, ctx.nowMs), ctx.signal),
    ])
  );
  const rows = overview.destinations.map((row) => destinationRow(route, row, ctx.nowMs));
  const body =
    rows.length === 0
      ? emptyState(
          'No destination had events in this time range.',
          'Widen the time range or clear the filters. Apps report journeys to POST /v1/events with their ingest key (see docs/telemetry.md).',
        )
      : table(
          'Destinations',
          [
            'Destination',
            'Status',
            'Hosts',
            'Pins',
            { label: 'Scans', num: true },
            { label: 'Completion', num: true },
            { label: 'TLS error rate', num: true },
            { label: 'Pin failure rate', num: true },
            'Last alert',
          ],
          rows,
          'destinations',
        );
  return h(
    'section',
    { class: 'view view-overview' },
    viewHead('Destinations', overview, ctx.refresh),
    filterBar(route, dimensions, ctx.nowMs, ctx.go),
    pinsetPanel(overview.pinset, ctx.nowMs),
    totalsPanel(overview, overview.destinations.length),
    body,
  );
}
