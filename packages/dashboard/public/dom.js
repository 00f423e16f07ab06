// @ts-check
/**
 * Safe DOM building. Every string the API returns (destination ids, campaigns, app versions,
 * platforms, hosts) is attacker-controlled: it only ever becomes a text node or the value of an
 * attribute on this allow-list, set with `setAttribute`. Nothing here parses HTML.
 */

/** @typedef {string | number | Node | null | undefined | false} Child */
/** @typedef {Record<string, string | number | boolean | null | undefined>} Attributes */

const HTML_ATTRIBUTES = new Set([
  'autocomplete',
  'class',
  'colspan',
  'datetime',
  'disabled',
  'for',
  'hidden',
  'href',
  'id',
  'inputmode',
  'max',
  'maxlength',
  'min',
  'name',
  'pattern',
  'placeholder',
  'required',
  'role',
  'scope',
  'selected',
  'spellcheck',
  'step',
  'tabindex',
  'title',
  'type',
  'value',
]);

const SVG_ATTRIBUTES = new Set([
  'class',
  'cx',
  'cy',
  'd',
  'dominant-baseline',
  'focusable',
  'height',
  'preserveAspectRatio',
  'r',
  'role',
  'rx',
  'text-anchor',
  'transform',
  'viewBox',
  'width',
  'x',
  'x1',
  'x2',
  'y',
  'y1',
  'y2',
]);

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Sets attributes from the allow-list (plus `aria-*` and `data-*`); `on*` handlers, `style`,
 * `src` and the like throw. An `href` must be an in-page hash link.
 *
 * @param {Element} el
 * @param {Attributes} attrs
 * @param {Set<string>} allowed
 */
function setAttributes(el, attrs, allowed) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (!allowed.has(name) && !/^(aria|data)-[a-z-]+$/.test(name)) {
      throw new Error(`attribute "${name}" is not on the dashboard's allow-list`);
    }
    const text = value === true ? '' : String(value);
    if (name === 'href' && !text.startsWith('#')) throw new Error('links must be in-page hash links');
    el.setAttribute(name, text);
  }
}

/**
 * @param {Element} el
 * @param {readonly Child[]} children
 */
function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/**
 * Creates an HTML element with attributes and children (strings become text nodes).
 *
 * @example
 * ```js
 * h('td', { class: 'num' }, formatCount(row.scans));
 * ```
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttributes(el, attrs, HTML_ATTRIBUTES);
  append(el, children);
  return el;
}

/**
 * Creates an SVG element (`createElementNS`) with presentation attributes and children.
 *
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} tag
 * @param {Attributes} [attrs]
 * @param {...Child} children
 * @returns {SVGElementTagNameMap[K]}
 */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttributes(el, attrs, SVG_ATTRIBUTES);
  append(el, children);
  return el;
}

/**
 * Looks an element up by id, failing loudly when the page shell lacks it.
 *
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el;
}
