// @ts-check
/**
 * The page's state lives in the URL hash, so a view can be shared:
 *
 * - `#/signin` (optionally `?project=…`): the sign-in form;
 * - `#/p/<project>?<filters>`: the overview of every destination;
 * - `#/p/<project>/d/<destination>?<filters>`: one destination.
 *
 * Path segments are `encodeURIComponent`-encoded; filters are a query string
 * (`range=24h|…|custom`, `from`, `to` (ISO, custom only), `campaign`, `appVersion`, `platform`).
 */

/** The time range presets, in seconds. */
export const PRESETS = /** @type {const} */ ({
  '1h': 3600,
  '6h': 6 * 3600,
  '24h': 24 * 3600,
  '7d': 7 * 86_400,
  '30d': 30 * 86_400,
});

/** @typedef {keyof typeof PRESETS} Preset */

export const DEFAULT_RANGE = '24h';

/**
 * @typedef {object} Filters
 * @property {Preset | 'custom'} range
 * @property {string} [from] ISO 8601, with `range: 'custom'`
 * @property {string} [to] ISO 8601, with `range: 'custom'`
 * @property {string} [campaign]
 * @property {string} [appVersion]
 * @property {string} [platform]
 */

/**
 * @typedef {{ name: 'signin', project?: string }
 *   | { name: 'home' }
 *   | { name: 'overview', project: string, filters: Filters }
 *   | { name: 'destination', project: string, destination: string, filters: Filters }} Route
 */

/** The filter fields that select events by a dimension. */
export const DIMENSION_FILTERS = /** @type {const} */ (['campaign', 'appVersion', 'platform']);

/**
 * `encodeURIComponent`, which throws on a lone surrogate (a JSON string may hold one): such an id
 * is encoded with U+FFFD in its place rather than breaking the whole view.
 *
 * @param {string} value
 * @returns {string}
 */
function encode(value) {
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
  }
}

/**
 * @param {string} value
 * @returns {string | undefined}
 */
function decode(value) {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * @param {string | null} value
 * @returns {string | undefined}
 */
function isoOrUndefined(value) {
  if (value === null || value === '') return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/**
 * @param {URLSearchParams} query
 * @returns {Filters}
 */
export function parseFilters(query) {
  const range = query.get('range') ?? DEFAULT_RANGE;
  /** @type {Filters} */
  const filters = { range: DEFAULT_RANGE };
  if (range === 'custom') {
    const from = isoOrUndefined(query.get('from'));
    const to = isoOrUndefined(query.get('to'));
    if (from !== undefined && to !== undefined && Date.parse(from) < Date.parse(to)) {
      Object.assign(filters, { range: 'custom', from, to });
    }
  } else if (Object.hasOwn(PRESETS, range)) {
    filters.range = /** @type {Preset} */ (range);
  }
  for (const name of DIMENSION_FILTERS) {
    const value = query.get(name);
    if (value !== null && value !== '') filters[name] = value;
  }
  return filters;
}

/**
 * @param {Filters} filters
 * @returns {string} the query string, without `?`
 */
export function formatFilters(filters) {
  const query = new URLSearchParams();
  query.set('range', filters.range);
  if (filters.range === 'custom' && filters.from !== undefined && filters.to !== undefined) {
    query.set('from', filters.from);
    query.set('to', filters.to);
  }
  for (const name of DIMENSION_FILTERS) {
    const value = filters[name];
    if (value !== undefined && value !== '') query.set(name, value);
  }
  return query.toString();
}

/**
 * @param {string} hash `location.hash`
 * @returns {Route}
 */
export function parseHash(hash) {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const parts = path.split('/').filter((p) => p !== '');
  if (parts[0] === 'signin') {
    const project = query.get('project');
    return project === null || project === '' ? { name: 'signin' } : { name: 'signin', project };
  }
  if (parts[0] === 'p' && parts[1] !== undefined) {
    const project = decode(parts[1]);
    if (project === undefined || project === '') return { name: 'home' };
    const filters = parseFilters(query);
    if (parts.length === 2) return { name: 'overview', project, filters };
    if (parts.length === 4 && parts[2] === 'd' && parts[3] !== undefined) {
      const destination = decode(parts[3]);
      if (destination !== undefined && destination !== '') {
        return { name: 'destination', project, destination, filters };
      }
    }
  }
  return { name: 'home' };
}

/**
 * @param {Route} route
 * @returns {string} a hash starting with `#/`
 */
export function formatHash(route) {
  switch (route.name) {
    case 'signin':
      return route.project === undefined
        ? '#/signin'
        : `#/signin?${new URLSearchParams({ project: route.project })}`;
    case 'home':
      return '#/';
    case 'overview':
      return `#/p/${encode(route.project)}?${formatFilters(route.filters)}`;
    case 'destination':
      return `#/p/${encode(route.project)}/d/${encode(route.destination)}?${formatFilters(route.filters)}`;
  }
}

/**
 * The `[from, to)` range a filter stands for at `nowMs`: a preset ends at the next whole minute.
 *
 * @param {Filters} filters
 * @param {number} nowMs
 * @returns {{ from: string, to: string }}
 */
export function timeRange(filters, nowMs) {
  if (filters.range === 'custom' && filters.from !== undefined && filters.to !== undefined) {
    return { from: filters.from, to: filters.to };
  }
  const seconds = PRESETS[filters.range === 'custom' ? DEFAULT_RANGE : filters.range];
  const to = Math.ceil(nowMs / 60_000) * 60_000;
  return { from: new Date(to - seconds * 1000).toISOString(), to: new Date(to).toISOString() };
}

/**
 * The query parameters of a metrics request for these filters.
 *
 * @param {Filters} filters
 * @param {number} nowMs
 * @returns {Record<string, string>}
 */
export function metricsParams(filters, nowMs) {
  /** @type {Record<string, string>} */
  const params = { ...timeRange(filters, nowMs) };
  for (const name of DIMENSION_FILTERS) {
    const value = filters[name];
    if (value !== undefined) params[name] = value;
  }
  return params;
}
