// @ts-check
/**
 * Hand-drawn SVG charts (`createElementNS`, no library): a time series with axes, tick labels and a
 * `<title>` tooltip per point, a horizontal funnel of stages and pin failures by cohort.
 */
import { s } from './dom.js';
import { formatCount, formatRate, formatTick, formatTime } from './format.js';

const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { top: 14, right: 14, bottom: 34, left: 60 };

/**
 * The y axis: a round step (1, 2 or 5 × 10^k, at least 1) so that at most five steps cover `max`.
 *
 * @param {number} max
 * @returns {{ top: number, step: number }}
 */
export function yScale(max) {
  if (!(max > 0)) return { top: 1, step: 1 };
  let step = 1;
  for (let exp = 1; ; exp *= 10) {
    const found = [1, 2, 5].map((m) => m * exp).find((candidate) => Math.ceil(max / candidate) <= 5);
    if (found !== undefined) {
      step = found;
      break;
    }
  }
  return { top: Math.ceil(max / step) * step, step };
}

/** @param {number} n */
const r = (n) => Math.round(n * 10) / 10;

/**
 * @typedef {object} SeriesChartOptions
 * @property {string} label what is counted, for the title (`Scans`)
 * @property {string} unit for tooltips (`scans`)
 * @property {readonly { t: string, v: number }[]} points evenly spaced, oldest first
 * @property {'minute' | 'hour' | 'day'} step
 * @property {string} tone a class naming the colour (`tone-scans`)
 */

/**
 * A line chart of one counter over time. The line is one `<path class="line">` with one point per
 * entry of `points` (`M` then `L` commands); each point has a hover band with a `<title>`.
 *
 * @example
 * ```js
 * card.append(seriesChart({ label: 'Scans', unit: 'scans', step: 'hour', tone: 'tone-scans',
 *   points: series.points.map((p) => ({ t: p.t, v: p.scans })) }));
 * ```
 * @param {SeriesChartOptions} options
 * @returns {SVGSVGElement}
 */
export function seriesChart({ label, unit, points, step, tone }) {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const bottom = MARGIN.top + plotH;
  const n = points.length;
  const total = points.reduce((sum, p) => sum + p.v, 0);
  const peak = points.reduce((best, p) => (best === undefined || p.v > best.v ? p : best), points[0]);
  const { top, step: yStep } = yScale(peak?.v ?? 0);
  /** @param {number} i */
  const x = (i) => MARGIN.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  /** @param {number} v */
  const y = (v) => bottom - (v / top) * plotH;

  const summary =
    peak === undefined
      ? `${label}: no data`
      : `${label}: ${formatCount(total)} in total, peak ${formatCount(peak.v)} at ${formatTime(peak.t)}`;
  const svg = s('svg', {
    class: `chart ${tone}`,
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': summary,
    'data-points': n,
  });
  svg.append(s('title', {}, summary));

  // Grid and y axis labels.
  const yAxis = s('g', { class: 'axis axis-y' });
  for (let v = 0; v <= top; v += yStep) {
    yAxis.append(
      s('line', { class: 'grid', x1: MARGIN.left, x2: MARGIN.left + plotW, y1: r(y(v)), y2: r(y(v)) }),
      s(
        'text',
        { x: MARGIN.left - 6, y: r(y(v)), 'text-anchor': 'end', 'dominant-baseline': 'middle' },
        COMPACT.format(v),
      ),
    );
  }
  yAxis.append(
    s('line', { class: 'axis-line', x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: bottom }),
    s(
      'text',
      {
        class: 'axis-title',
        x: 12,
        y: MARGIN.top + plotH / 2,
        'text-anchor': 'middle',
        transform: `rotate(-90 12 ${MARGIN.top + plotH / 2})`,
      },
      unit,
    ),
  );
  svg.append(yAxis);

  // X axis: about six labels, in UTC.
  const xAxis = s('g', { class: 'axis axis-x' });
  xAxis.append(
    s('line', { class: 'axis-line', x1: MARGIN.left, x2: MARGIN.left + plotW, y1: bottom, y2: bottom }),
  );
  if (n > 0) {
    const first = points[0];
    const last = points[n - 1];
    const spanMs = first === undefined || last === undefined ? 0 : Date.parse(last.t) - Date.parse(first.t);
    const style = step === 'day' ? 'date' : spanMs >= 86_400_000 ? 'datetime' : 'time';
    const ticks = new Set(Array.from({ length: Math.min(6, n) }, (_, k) => Math.round((k * (n - 1)) / 5)));
    for (const i of ticks) {
      const point = points[i];
      if (point === undefined) continue;
      const anchor = n === 1 ? 'middle' : i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle';
      xAxis.append(
        s('line', { class: 'tick', x1: r(x(i)), x2: r(x(i)), y1: bottom, y2: bottom + 4 }),
        s('text', { x: r(x(i)), y: bottom + 16, 'text-anchor': anchor }, formatTick(point.t, style)),
      );
    }
  }
  xAxis.append(
    s(
      'text',
      { class: 'axis-title', x: MARGIN.left + plotW, y: HEIGHT - 2, 'text-anchor': 'end' },
      'time (UTC)',
    ),
  );
  svg.append(xAxis);

  if (n === 0) return svg;

  // The line and the area under it.
  const commands = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${r(x(i))} ${r(y(p.v))}`);
  svg.append(
    s('path', {
      class: 'area',
      d: `${commands.join(' ')} L${r(x(n - 1))} ${bottom} L${r(x(0))} ${bottom} Z`,
    }),
    s('path', { class: 'line', d: commands.join(' ') }),
  );

  // One hover band per point, with the point's value as its tooltip.
  const bands = s('g', { class: 'bands' });
  const half = n <= 1 ? plotW / 2 : plotW / (n - 1) / 2;
  points.forEach((p, i) => {
    const left = Math.max(MARGIN.left, x(i) - half);
    const right = Math.min(MARGIN.left + plotW, x(i) + half);
    bands.append(
      s(
        'rect',
        { class: 'band', x: r(left), y: MARGIN.top, width: r(right - left), height: plotH },
        s('title', {}, `${formatTime(p.t)}: ${formatCount(p.v)} ${unit}`),
      ),
    );
  });
  svg.append(bands);
  return svg;
}

/**
 * A horizontal funnel: one bar per stage, scaled to the largest count, with the count and, where
 * the stage has one, its share of the group's base (from `funnelStages`, `funnel.js`). The chart
 * computes no share itself, so it cannot put a count over a base it is not a part of.
 *
 * @example
 * ```js
 * cell.append(funnelChart(funnelStages(row).journeys));
 * ```
 * @param {readonly import('./funnel.js').FunnelStage[]} stages
 * @returns {SVGSVGElement}
 */
export function funnelChart(stages) {
  const rowH = 22;
  const labelW = 90;
  const valueW = 120;
  const barW = 420 - labelW - valueW;
  const max = Math.max(1, ...stages.map((st) => st.value));
  const text = (/** @type {(typeof stages)[number]} */ stage) =>
    `${formatCount(stage.value)}${stage.share === null ? '' : ` (${formatRate(stage.share)})`}`;
  const svg = s('svg', {
    class: 'funnel',
    viewBox: `0 0 420 ${stages.length * rowH}`,
    role: 'img',
    'aria-label': stages.map((st) => `${st.label} ${text(st)}`).join(', '),
  });
  stages.forEach((stage, i) => {
    const yMid = i * rowH + rowH / 2;
    svg.append(
      s('text', { x: 0, y: yMid, 'dominant-baseline': 'middle' }, stage.label),
      s(
        'rect',
        {
          class: `bar bar-${stage.key}`,
          x: labelW,
          y: i * rowH + 3,
          width: r(Math.max(stage.value > 0 ? 1 : 0, (stage.value / max) * barW)),
          height: rowH - 6,
          rx: 2,
        },
        s('title', {}, `${stage.label}: ${text(stage)}`),
      ),
      s(
        'text',
        {
          x: labelW + barW + 6,
          y: yMid,
          'dominant-baseline': 'middle',
          class: 'value',
          'data-stage': stage.key,
        },
        text(stage),
      ),
    );
  });
  return svg;
}

/**
 * Pin failure rate by rollout cohort (0–99): one slot per cohort, a bar as high as its failure
 * rate; a cohort with attempts but no failure shows a thin baseline mark, one without attempts
 * nothing. Each bar's `<title>` gives the counts.
 *
 * @param {readonly { cohort: number | null, attempts: number, pinFailuresEnforce: number, pinFailuresReport: number }[]} rows
 * @returns {SVGSVGElement}
 */
export function cohortChart(rows) {
  const width = 640;
  const height = 150;
  const margin = { top: 10, right: 8, bottom: 30, left: 58 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const bottom = margin.top + plotH;
  const slot = plotW / 100;
  const rateOf = (/** @type {(typeof rows)[number]} */ row) =>
    row.attempts > 0 ? (row.pinFailuresEnforce + row.pinFailuresReport) / row.attempts : 0;
  const cohorts = rows.filter((row) => row.cohort !== null && row.cohort >= 0 && row.cohort <= 99);
  const top = Math.max(0.01, ...cohorts.map(rateOf));
  const failing = cohorts.filter((row) => rateOf(row) > 0).length;
  const svg = s('svg', {
    class: 'chart cohorts',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Pin failure rate by cohort: ${cohorts.length} cohorts with TLS attempts, ${failing} with failures`,
  });
  const axis = s('g', { class: 'axis' });
  for (const v of [0, top / 2, top]) {
    const y = r(bottom - (v / top) * plotH);
    axis.append(
      s('line', { class: 'grid', x1: margin.left, x2: margin.left + plotW, y1: y, y2: y }),
      s(
        'text',
        { x: margin.left - 6, y, 'text-anchor': 'end', 'dominant-baseline': 'middle' },
        `${(v * 100).toFixed(v === 0 ? 0 : 1)} %`,
      ),
    );
  }
  for (const c of [0, 25, 50, 75, 99]) {
    const x = r(margin.left + (c + 0.5) * slot);
    axis.append(s('text', { x, y: bottom + 14, 'text-anchor': 'middle' }, String(c)));
  }
  axis.append(
    s('line', { class: 'axis-line', x1: margin.left, x2: margin.left + plotW, y1: bottom, y2: bottom }),
    s(
      'text',
      { class: 'axis-title', x: margin.left + plotW, y: height - 2, 'text-anchor': 'end' },
      'rollout cohort',
    ),
  );
  svg.append(axis);
  const bars = s('g', { class: 'bars' });
  for (const row of cohorts) {
    const cohort = /** @type {number} */ (row.cohort);
    const rate = rateOf(row);
    const h = rate > 0 ? Math.max(2, (rate / top) * plotH) : 1.5;
    const failures = row.pinFailuresEnforce + row.pinFailuresReport;
    bars.append(
      s(
        'rect',
        {
          class: rate > 0 ? 'bar failing' : 'bar clean',
          x: r(margin.left + cohort * slot + slot * 0.15),
          y: r(bottom - h),
          width: r(slot * 0.7),
          height: r(h),
          'data-cohort': cohort,
        },
        s(
          'title',
          {},
          `cohort ${cohort}: ${formatCount(failures)} pin failures in ${formatCount(row.attempts)} TLS attempts (${(rate * 100).toFixed(1)} %)`,
        ),
      ),
    );
  }
  svg.append(bars);
  return svg;
}
