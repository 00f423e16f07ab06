// @ts-check
/**
 * One destination: time series of scans, completions, TLS errors and pin failures; the funnel per
 * campaign; pinset seq adoption and pin failures by seq, mode and cohort; the alert history.
 */
import { projectGet } from './api.js';
import { cohortChart, funnelChart, seriesChart } from './chart.js';
import { h } from './dom.js';
import { filterBar } from './filters.js';
import { funnelStages } from './funnel.js';
import { formatAlertKind, formatCount, formatRate, formatTime } from './format.js';
import { formatHash, metricsParams, timeRange } from './route.js';
import { emptyState, table, viewHead } from './view-common.js';

/** @typedef {import('./view-common.js').ViewContext} ViewContext */
/** @typedef {import('./types.js').Series} Series */
/** @typedef {import('./types.js').SeriesPoint} SeriesPoint */
/** @typedef {import('./types.js').FunnelRow} FunnelRow */
/** @typedef {import('./types.js').Pinsets} Pinsets */
/** @typedef {import('./types.js').Alert} Alert */
/** @typedef {import('./types.js').Dimensions} Dimensions */
/** @typedef {Extract<import('./route.js').Route, { name: 'destination' }>} DestinationRoute */

/** @type {readonly { key: Exclude<keyof SeriesPoint, 't' | 'attempts'>, label: string, unit: string }[]} */
const CHARTS = [
  { key: 'scans', label: 'Scans', unit: 'scans' },
  { key: 'completes', label: 'Completions', unit: 'completions' },
  { key: 'tlsErrors', label: 'TLS errors', unit: 'TLS errors' },
  { key: 'pinFailures', label: 'Pin failures', unit: 'pin failures' },
];

/**
 * @param {string | null} value
 * @param {string} none
 */
const orNone = (value, none) =>
  value === null || value === undefined ? h('span', { class: 'muted' }, none) : value;

/**
 * @param {Series} series
 * @returns {HTMLElement}
 */
function chartsSection(series) {
  const grid = h('div', { class: 'charts' });
  const quiet = series.points.every((p) => p.scans === 0 && p.attempts === 0 && p.tlsErrors === 0);
  for (const chart of CHARTS) {
    const points = series.points.map((p) => ({ t: p.t, v: p[chart.key] }));
    const total = points.reduce((sum, p) => sum + p.v, 0);
    grid.append(
      h(
        'figure',
        { class: 'chart-card', 'data-chart': chart.key },
        h(
          'figcaption',
          {},
          h('span', { class: 'chart-label' }, chart.label),
          h('span', { class: 'chart-total' }, `${formatCount(total)} in range, per ${series.step}`),
        ),
        seriesChart({
          label: chart.label,
          unit: chart.unit,
          points,
          step: series.step,
          tone: `tone-${chart.key}`,
        }),
      ),
    );
  }
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'h-series' },
    h('h2', { id: 'h-series' }, 'Over time'),
    quiet ? emptyState('No events in this time range.', 'The charts stay flat until events arrive.') : null,
    grid,
  );
}

/**
 * @param {readonly FunnelRow[]} campaigns
 * @returns {HTMLElement}
 */
function funnelSection(campaigns) {
  const rows = campaigns.map((row) => {
    const { journeys, connections } = funnelStages(row);
    return h(
      'tr',
      { 'data-campaign': row.campaign ?? '' },
      h('th', { scope: 'row', class: 'campaign' }, orNone(row.campaign, '(no campaign)')),
      h('td', { class: 'funnel-cell journeys' }, funnelChart(journeys)),
      h('td', { class: 'funnel-cell connections' }, funnelChart(connections)),
      h('td', { class: 'num' }, formatCount(row.hops)),
      h('td', { class: 'num' }, formatCount(row.abandons)),
      h('td', { class: 'num' }, formatCount(row.redirectsBlocked)),
      h('td', { class: 'num completion' }, formatRate(row.completionRate)),
    );
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'h-funnel' },
    h('h2', { id: 'h-funnel' }, 'Funnel by campaign'),
    rows.length === 0
      ? emptyState('No campaign had scans in this time range.', 'Try a wider range or other filters.')
      : table(
          'Funnel by campaign',
          [
            'Campaign',
            'Journeys (% of scans)',
            'TLS connections, one per hop (% of attempts)',
            { label: 'Hops', num: true },
            { label: 'Abandoned', num: true },
            { label: 'Redirects blocked', num: true },
            { label: 'Completion', num: true },
          ],
          rows,
          'funnel',
        ),
  );
}

/**
 * @param {number | null} seq
 */
const seqLabel = (seq) => (seq === null ? h('span', { class: 'muted' }, 'none') : `seq ${seq}`);

/**
 * @param {Pinsets} pinsets
 * @returns {HTMLElement}
 */
function pinsetsSection(pinsets) {
  const adoption = pinsets.adoption.map((row) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, seqLabel(row.pinsetSeq)),
      h('td', { class: 'num' }, formatCount(row.events)),
      h(
        'td',
        { class: 'share' },
        h('meter', { min: 0, max: 1, value: row.share ?? 0, title: formatRate(row.share) }),
        ` ${formatRate(row.share)}`,
      ),
    ),
  );
  const bySeq = pinsets.bySeq.map((row) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, seqLabel(row.pinsetSeq)),
      h('td', { class: 'num' }, formatCount(row.attempts)),
      h('td', { class: 'num' }, formatCount(row.pinFailuresEnforce)),
      h('td', { class: 'num' }, formatCount(row.pinFailuresReport)),
      h('td', { class: 'num' }, formatRate(row.pinFailureRate)),
    ),
  );
  const observed = pinsets.byCohort.filter((row) => row.attempts > 0);
  const cohorts = pinsets.byCohort
    .filter((row) => row.pinFailuresEnforce + row.pinFailuresReport > 0)
    .sort((a, b) => (b.pinFailureRate ?? 0) - (a.pinFailureRate ?? 0))
    .slice(0, 10)
    .map((row) =>
      h(
        'tr',
        {},
        h(
          'th',
          { scope: 'row' },
          row.cohort === null ? h('span', { class: 'muted' }, 'none') : String(row.cohort),
        ),
        h('td', { class: 'num' }, formatCount(row.attempts)),
        h('td', { class: 'num' }, formatCount(row.pinFailuresEnforce)),
        h('td', { class: 'num' }, formatCount(row.pinFailuresReport)),
        h('td', { class: 'num' }, formatRate(row.pinFailureRate)),
      ),
    );
  const failureColumns = [
    { label: 'TLS attempts', num: true },
    { label: 'Failures (enforce)', num: true },
    { label: 'Failures (report)', num: true },
    { label: 'Failure rate', num: true },
  ];
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'h-pinsets' },
    h('h2', { id: 'h-pinsets' }, 'Pinsets'),
    h(
      'div',
      { class: 'columns' },
      h(
        'div',
        {},
        h('h3', {}, 'Adoption by seq'),
        adoption.length === 0
          ? emptyState('No events in this range.', 'Adoption shows which pinset seq clients ran.')
          : table(
              'Adoption by pinset seq',
              ['Pinset', { label: 'Events', num: true }, 'Share'],
              adoption,
              'adoption',
            ),
        h('h3', {}, 'Pin failures by mode'),
        h(
          'dl',
          { class: 'modes' },
          h('div', {}, h('dt', {}, 'Enforce (blocked)'), h('dd', {}, formatCount(pinsets.byMode.enforce))),
          h('div', {}, h('dt', {}, 'Report only'), h('dd', {}, formatCount(pinsets.byMode.report))),
        ),
      ),
      h(
        'div',
        {},
        h('h3', {}, 'Pin failures by seq'),
        bySeq.length === 0
          ? emptyState('No TLS attempts in this range.', '')
          : table('Pin failures by pinset seq', ['Pinset', ...failureColumns], bySeq, 'by-seq'),
        h('h3', {}, 'Pin failures by rollout cohort'),
        observed.length === 0
          ? emptyState('No TLS attempts with a cohort in this range.', '')
          : h(
              'div',
              { class: 'cohort-panel' },
              cohortChart(observed),
              cohorts.length === 0
                ? h('p', { class: 'muted' }, `No pin failure in any of the ${observed.length} cohorts seen.`)
                : table(
                    'Cohorts with the highest pin failure rate',
                    ['Cohort', ...failureColumns],
                    cohorts,
                    'by-cohort',
                  ),
            ),
      ),
    ),
  );
}

/**
 * @param {{ errors: number, attempts: number, rate?: number }} sample
 */
function sampleText(sample) {
  const value =
    typeof sample.rate === 'number'
      ? sample.rate
      : sample.attempts > 0
        ? sample.errors / sample.attempts
        : null;
  return `${formatRate(value)} (${formatCount(sample.errors)} / ${formatCount(sample.attempts)})`;
}

/**
 * @param {readonly Alert[]} alerts
 * @returns {HTMLElement}
 */
function alertsSection(alerts) {
  const rows = alerts.map((alert) =>
    h(
      'tr',
      { class: `alert-${alert.kind}` },
      h('th', { scope: 'row' }, formatTime(alert.windowStart)),
      h('td', {}, formatAlertKind(alert.kind)),
      h('td', { class: 'num' }, `${formatCount(Math.round(alert.windowSeconds / 60))} min`),
      h('td', { class: 'num' }, sampleText(alert.observed)),
      h('td', { class: 'num' }, sampleText(alert.baseline)),
      h('td', { class: 'num' }, alert.pValue.toExponential(1)),
      h('td', {}, formatTime(alert.createdAt)),
    ),
  );
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'h-alerts' },
    h('h2', { id: 'h-alerts' }, 'Alert history'),
    rows.length === 0
      ? emptyState(
          'No alerts for this destination.',
          'Spike detection raises one when TLS errors or pin failures jump above their baseline.',
        )
      : table(
          'Alert history',
          [
            'Window',
            'Kind',
            { label: 'Length', num: true },
            { label: 'Observed', num: true },
            { label: 'Baseline', num: true },
            { label: 'p-value', num: true },
            'Raised',
          ],
          rows,
          'alerts',
        ),
  );
}

/**
 * @param {ViewContext} ctx
 * @param {DestinationRoute} route
 * @returns {Promise<HTMLElement>}
 */
export async function destinationView(ctx, route) {
  const params = { ...metricsParams(route.filters, ctx.nowMs), destination: route.destination };
  const range = timeRange(route.filters, ctx.nowMs);
  const [series, funnel, pinsets, alerts, dimensions] =
    /** @type {[Series, { campaigns: FunnelRow[] }, Pinsets, { alerts: Alert[] }, Dimensions]} */ (
      await Promise.all([
        projectGet(route.project, 'metrics/series', params, ctx.signal),
        projectGet(route.project, 'metrics/funnel', params, ctx.signal),
        projectGet(route.project, 'metrics/pinsets', params, ctx.signal),
        projectGet(route.project, 'alerts', { destination: route.destination, limit: '50' }, ctx.signal),
        projectGet(route.project, 'metrics/dimensions', range, ctx.signal),
      ])
    );
  const back = formatHash({ name: 'overview', project: route.project, filters: route.filters });
  return h(
    'section',
    { class: 'view view-destination' },
    h(
      'nav',
      { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
      h('a', { href: back, id: 'back' }, '← All destinations'),
    ),
    viewHead(h('span', { class: 'destination-name' }, route.destination), range, ctx.refresh),
    filterBar(route, dimensions, ctx.nowMs, ctx.go),
    chartsSection(series),
    funnelSection(funnel.campaigns),
    pinsetsSection(pinsets),
    alertsSection(alerts.alerts),
  );
}
