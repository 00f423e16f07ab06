// @ts-check
/**
 * Hand-drawn SVG charts (`createElementNS`, no library): a time series with axes, tick labels and a
 * `<title>` tooltip per point, and a horizontal funnel of stages.
 */
import { s } from './dom.js';
import { formatCount, formatTick, formatTime } from './format.js';

const COMPACT = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { top: 14, right: 14, bottom: 34, left: 52 };

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
    s('text', { class: 'axis-title', x: 4, y: MARGIN.top - 2, 'dominant-baseline': 'hanging' }, unit),
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
 * A horizontal funnel: one bar per stage, scaled to the first stage, with the count and its share
 * of the first stage.
 *
 * @param {readonly { label: string, value: number }[]} stages
 * @returns {SVGSVGElement}
 */
export function funnelChart(stages) {
  const rowH = 22;
  const labelW = 90;
  const valueW = 110;
  const barW = 420 - labelW - valueW;
  const first = stages[0]?.value ?? 0;
  const max = Math.max(1, ...stages.map((st) => st.value));
  const svg = s('svg', {
    class: 'funnel',
    viewBox: `0 0 420 ${stages.length * rowH}`,
    role: 'img',
    'aria-label': stages.map((st) => `${st.label} ${formatCount(st.value)}`).join(', '),
  });
  stages.forEach((stage, i) => {
    const share = first > 0 ? ` (${Math.round((stage.value / first) * 100)} %)` : '';
    const yMid = i * rowH + rowH / 2;
    svg.append(
      s('text', { x: 0, y: yMid, 'dominant-baseline': 'middle' }, stage.label),
      s(
        'rect',
        {
          class: `bar stage-${i}`,
          x: labelW,
          y: i * rowH + 3,
          width: r(Math.max(stage.value > 0 ? 1 : 0, (stage.value / max) * barW)),
          height: rowH - 6,
          rx: 2,
        },
        s('title', {}, `${stage.label}: ${formatCount(stage.value)}${share}`),
      ),
      s(
        'text',
        { x: labelW + barW + 6, y: yMid, 'dominant-baseline': 'middle', class: 'value' },
        `${formatCount(stage.value)}${share}`,
      ),
    );
  });
  return svg;
}
