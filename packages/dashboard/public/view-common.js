// @ts-check
/** Pieces the views share: the view context, headings, empty states, badges, rates. */
import { h } from './dom.js';
import { formatTime } from './format.js';

/** @typedef {import('./route.js').Route} Route */

/**
 * What a view gets from the app shell.
 *
 * @typedef {object} ViewContext
 * @property {import('./types.js').Session} session
 * @property {AbortSignal} signal aborted when the user navigates away
 * @property {number} nowMs the clock, read once per render
 * @property {(route: Route) => void} go navigates (sets the hash)
 * @property {() => void} refresh renders the current view again
 */

/**
 * @param {string} title
 * @param {string} body
 * @returns {HTMLElement}
 */
export function emptyState(title, body) {
  return h(
    'div',
    { class: 'empty', role: 'status' },
    h('p', { class: 'empty-title' }, title),
    h('p', {}, body),
  );
}

/** @type {Record<string, string>} */
const STATUS_LABELS = { ok: 'OK', warning: 'Warning', alert: 'Alert', idle: 'Idle' };

/**
 * @param {string} status
 * @returns {HTMLElement}
 */
export function statusBadge(status) {
  const known = Object.hasOwn(STATUS_LABELS, status);
  return h(
    'span',
    { class: `badge badge-${known ? status : 'unknown'}` },
    known ? (STATUS_LABELS[status] ?? status) : status,
  );
}

/**
 * The heading row of a view: the title, the time range it shows, and a refresh button.
 *
 * @param {Node | string} title
 * @param {{ from: string, to: string, exact?: boolean }} range
 * @param {() => void} refresh
 * @returns {HTMLElement}
 */
export function viewHead(title, range, refresh) {
  const button = h('button', { type: 'button', class: 'secondary', id: 'refresh' }, 'Refresh');
  button.addEventListener('click', refresh);
  return h(
    'div',
    { class: 'view-head' },
    h('h1', {}, title),
    h(
      'p',
      { class: 'range' },
      `${formatTime(range.from)} – ${formatTime(range.to)}`,
      range.exact === false
        ? h(
            'span',
            { class: 'approx', title: 'Minute rollups were purged; the edges are whole hours' },
            ' (approx.)',
          )
        : null,
    ),
    button,
  );
}

/**
 * @param {number} numerator
 * @param {number} denominator
 * @returns {number | null}
 */
export function rate(numerator, denominator) {
  return denominator > 0 ? numerator / denominator : null;
}

/**
 * A table with a caption, header cells and the given rows, in a box that scrolls sideways on a
 * narrow screen.
 *
 * @param {string} caption
 * @param {readonly (string | { label: string, num?: boolean })[]} columns
 * @param {readonly HTMLTableRowElement[]} rows
 * @param {string} [className]
 * @returns {HTMLElement}
 */
export function table(caption, columns, rows, className) {
  const head = h('tr');
  for (const column of columns) {
    const { label, num } = typeof column === 'string' ? { label: column, num: false } : column;
    head.append(h('th', { scope: 'col', class: num === true ? 'num' : undefined }, label));
  }
  const body = h('tbody');
  body.append(...rows);
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: className },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, head),
      body,
    ),
  );
}
