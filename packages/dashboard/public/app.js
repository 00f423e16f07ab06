// @ts-check
/**
 * The dashboard shell: hash routing, the session, the header, loading and error states. Views
 * build their DOM with `h`/`s` (text only, never HTML) and render into `#view`.
 */
import { ApiError, currentSession, forgetSession, signOut } from './api.js';
import { byId, h } from './dom.js';
import { DEFAULT_RANGE, formatHash, parseHash } from './route.js';
import { destinationView } from './view-destination.js';
import { overviewView } from './view-overview.js';
import { signinView } from './view-signin.js';

/** @typedef {import('./types.js').Session} Session */
/** @typedef {import('./route.js').Route} Route */

const main = byId('view');
const projectLabel = byId('project');
const overviewLink = byId('overview-link');
const signOutButton = /** @type {HTMLButtonElement} */ (byId('signout'));

/** @type {Session | undefined} */
let session;
let sessionKnown = false;
/** Where to go after signing in (a shared link opened while signed out). */
let returnTo = '';
/** @type {AbortController | undefined} */
let inFlight;
let generation = 0;

/** @param {Route} route */
function go(route) {
  const hash = formatHash(route);
  if (location.hash === hash) void render();
  else location.hash = hash;
}

/** @param {string} hash */
function replaceHash(hash) {
  history.replaceState(null, '', hash);
}

/** @param {Node} node */
function show(node) {
  main.replaceChildren(node);
  main.removeAttribute('aria-busy');
}

function updateHeader() {
  projectLabel.textContent = session?.project ?? '';
  signOutButton.hidden = session === undefined;
  overviewLink.hidden = session === undefined;
  if (session !== undefined) {
    overviewLink.setAttribute(
      'href',
      formatHash({ name: 'overview', project: session.project, filters: { range: DEFAULT_RANGE } }),
    );
  }
}

/** @param {string} hash */
function belongsTo(hash) {
  const route = parseHash(hash);
  return route.name === 'overview' || route.name === 'destination' ? route.project : undefined;
}

/**
 * @param {string | undefined} project
 * @param {string} [message]
 */
function showSignin(project, message) {
  const hash = formatHash(project === undefined ? { name: 'signin' } : { name: 'signin', project });
  if (location.hash !== hash) replaceHash(hash);
  document.title = 'Sign in · qrpin';
  show(
    signinView({
      ...(project === undefined ? {} : { project }),
      ...(message === undefined ? {} : { message }),
      onSignedIn: (signedIn) => {
        session = signedIn;
        sessionKnown = true;
        updateHeader();
        const target =
          returnTo !== '' && belongsTo(returnTo) === signedIn.project
            ? returnTo
            : formatHash({ name: 'overview', project: signedIn.project, filters: { range: DEFAULT_RANGE } });
        returnTo = '';
        location.hash = target;
      },
    }),
  );
}

/** @param {unknown} err */
function errorPanel(err) {
  const retry = h('button', { type: 'button', class: 'secondary' }, 'Try again');
  retry.addEventListener('click', () => void render());
  const code = err instanceof ApiError ? err.code : 'ERR_PAGE';
  const message = err instanceof Error ? err.message : String(err);
  return h(
    'div',
    { class: 'error-panel', role: 'alert', id: 'view-error' },
    h('h1', {}, 'This view could not be loaded'),
    h('p', {}, message),
    h('p', { class: 'muted' }, code),
    retry,
  );
}

async function render() {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const mine = ++generation;
  const stale = () => mine !== generation;
  let route = parseHash(location.hash);
  try {
    if (!sessionKnown) {
      session = await currentSession();
      sessionKnown = true;
      if (stale()) return;
    }
    updateHeader();
    if (session === undefined) {
      if (route.name === 'overview' || route.name === 'destination') returnTo = location.hash;
      showSignin(route.name === 'home' ? undefined : route.project);
      return;
    }
    if (route.name === 'signin') {
      if (route.project === undefined || route.project === session.project) route = { name: 'home' };
      else return showSignin(route.project);
    }
    if (route.name === 'home') {
      route = { name: 'overview', project: session.project, filters: { range: DEFAULT_RANGE } };
      replaceHash(formatHash(route));
    }
    if (route.project !== session.project) {
      returnTo = location.hash;
      showSignin(
        route.project,
        `You are signed in to project "${session.project}". Sign in to "${route.project}" to open this link.`,
      );
      return;
    }
    main.setAttribute('aria-busy', 'true');
    if (main.firstChild === null || main.querySelector('.view-signin') !== null) {
      main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
    }
    const ctx = {
      session,
      signal: controller.signal,
      nowMs: Date.now(),
      go,
      refresh: () => void render(),
    };
    const node =
      route.name === 'overview' ? await overviewView(ctx, route) : await destinationView(ctx, route);
    if (stale()) return;
    document.title = `${route.name === 'overview' ? 'Destinations' : route.destination} · ${route.project} · qrpin`;
    show(node);
  } catch (err) {
    if (stale() || (err instanceof DOMException && err.name === 'AbortError')) return;
    if (err instanceof ApiError && err.status === 401) {
      session = undefined;
      forgetSession();
      updateHeader();
      if (route.name === 'overview' || route.name === 'destination') returnTo = location.hash;
      showSignin(
        route.name === 'overview' || route.name === 'destination' ? route.project : undefined,
        'Your session has ended. Sign in again.',
      );
      return;
    }
    show(errorPanel(err));
  }
}

signOutButton.addEventListener('click', () => {
  const project = session?.project;
  signOutButton.disabled = true;
  signOut().then(
    () => {
      signOutButton.disabled = false;
      session = undefined;
      returnTo = '';
      updateHeader();
      go(project === undefined ? { name: 'signin' } : { name: 'signin', project });
    },
    (err) => {
      signOutButton.disabled = false;
      show(errorPanel(err));
    },
  );
});

window.addEventListener('hashchange', () => void render());
void render();
