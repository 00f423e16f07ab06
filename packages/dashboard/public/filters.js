// @ts-check
/**
 * The filter bar shared by the overview and the destination view: time range (presets or a custom
 * UTC range) and campaign, app version and platform menus filled from `/metrics/dimensions`.
 * Every change navigates to a new hash, so the URL always holds the view's filters.
 */
import { h } from './dom.js';
import { DIMENSION_FILTERS, timeRange } from './route.js';

/** @typedef {import('./route.js').Filters} Filters */
/** @typedef {import('./route.js').Route} Route */
/** @typedef {Extract<Route, { filters: Filters }>} FilteredRoute */
/** @typedef {import('./types.js').Dimensions} Dimensions */
/** @typedef {import('./route.js').Preset} Preset */

/** @type {Record<Preset | 'custom', string>} */
const RANGE_LABELS = {
  '1h': 'Last hour',
  '6h': 'Last 6 hours',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  custom: 'Custom range…',
};

/** @type {Record<(typeof DIMENSION_FILTERS)[number], { label: string, all: string, key: keyof Dimensions }>} */
const MENUS = {
  campaign: { label: 'Campaign', all: 'All campaigns', key: 'campaigns' },
  appVersion: { label: 'App version', all: 'All versions', key: 'appVersions' },
  platform: { label: 'Platform', all: 'All platforms', key: 'platforms' },
};

/**
 * `2026-12-01T10:00:00.000Z` → `2026-12-01T10:00` (a `datetime-local` value, read as UTC).
 *
 * @param {string} iso
 */
const toInput = (iso) => iso.slice(0, 16);

/**
 * A `datetime-local` value read as UTC, as ISO 8601; `undefined` when empty or invalid.
 *
 * @param {string} value
 * @returns {string | undefined}
 */
export function fromInput(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const t = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/**
 * @param {string} id
 * @param {string} label
 * @param {HTMLElement} control
 */
function field(id, label, control) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

/**
 * @param {FilteredRoute} route
 * @param {Dimensions} dimensions
 * @param {number} nowMs
 * @param {(route: Route) => void} go
 * @returns {HTMLFormElement}
 */
export function filterBar(route, dimensions, nowMs, go) {
  const filters = route.filters;
  /** @param {Filters} next */
  const apply = (next) => go({ ...route, filters: next });

  const range = h('select', { id: 'filter-range', name: 'range' });
  for (const [value, label] of Object.entries(RANGE_LABELS)) {
    range.append(h('option', { value, selected: value === filters.range }, label));
  }

  const current = timeRange(filters, nowMs);
  const fromInputEl = h('input', { id: 'filter-from', name: 'from', type: 'datetime-local', required: true });
  const toInputEl = h('input', { id: 'filter-to', name: 'to', type: 'datetime-local', required: true });
  fromInputEl.value = toInput(current.from);
  toInputEl.value = toInput(current.to);
  const customError = h('p', { class: 'field-error', role: 'alert' });
  const custom = h(
    'fieldset',
    { class: 'custom-range', hidden: filters.range !== 'custom' },
    h('legend', {}, 'Custom range (UTC)'),
    field('filter-from', 'From', fromInputEl),
    field('filter-to', 'To', toInputEl),
    h('button', { type: 'submit', class: 'secondary' }, 'Apply'),
    customError,
  );

  range.addEventListener('change', () => {
    if (range.value === 'custom') {
      custom.hidden = false;
      fromInputEl.focus();
      return;
    }
    const next = { ...filters, range: /** @type {Filters['range']} */ (range.value) };
    delete next.from;
    delete next.to;
    apply(next);
  });

  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filters' },
    field('filter-range', 'Time range', range),
  );
  for (const name of DIMENSION_FILTERS) {
    const menu = MENUS[name];
    const id = `filter-${name}`;
    const select = h('select', { id, name });
    select.append(h('option', { value: '' }, menu.all));
    const values = [...dimensions[menu.key]];
    const chosen = filters[name];
    if (chosen !== undefined && !values.includes(chosen)) values.unshift(chosen);
    for (const value of values) select.append(h('option', { value, selected: value === chosen }, value));
    select.addEventListener('change', () => {
      const next = { ...filters };
      if (select.value === '') delete next[name];
      else next[name] = select.value;
      apply(next);
    });
    form.append(field(id, menu.label, select));
  }
  const anyDimension = DIMENSION_FILTERS.some((name) => filters[name] !== undefined);
  if (anyDimension) {
    const clear = h('button', { type: 'button', class: 'link', id: 'filter-clear' }, 'Clear filters');
    clear.addEventListener('click', () => {
      const next = { ...filters };
      for (const name of DIMENSION_FILTERS) delete next[name];
      apply(next);
    });
    form.append(clear);
  }
  form.append(custom);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const from = fromInput(fromInputEl.value);
    const to = fromInput(toInputEl.value);
    if (from === undefined || to === undefined) {
      customError.textContent = 'Enter both times.';
      return;
    }
    if (Date.parse(from) >= Date.parse(to)) {
      customError.textContent = '"From" must be before "To".';
      return;
    }
    if (Date.parse(to) - Date.parse(from) > 400 * 86_400_000) {
      customError.textContent = 'A range may not exceed 400 days.';
      return;
    }
    apply({ ...filters, range: 'custom', from, to });
  });
  return form;
}
