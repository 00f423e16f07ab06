// @ts-check
/**
 * Sign-in: a project id and one of its admin tokens. The server answers with an HttpOnly session
 * cookie (`SameSite=Strict`) and the session's CSRF token; the token typed here is not kept.
 */
import { ApiError, signIn } from './api.js';
import { h } from './dom.js';

/** @typedef {import('./types.js').Session} Session */

/** The project id pattern of the server (docs/server.md). */
const PROJECT_PATTERN = '[a-z0-9][a-z0-9._\\-]{0,63}';

/**
 * @param {unknown} err
 * @param {string} project
 * @returns {string}
 */
function explain(err, project) {
  if (err instanceof ApiError) {
    switch (err.status) {
      case 401:
        return `That is not an admin token of project "${project}". Check both fields.`;
      case 403:
        return `The server refused the sign-in: ${err.message}`;
      case 429:
        return `Too many sign-in attempts from this address; try again in ${err.retryAfterSeconds ?? 'a few'} s.`;
      case 0:
        return err.message;
      default:
        return `Sign-in failed (${err.code}): ${err.message}`;
    }
  }
  return `Sign-in failed: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * @param {{ project?: string, message?: string, onSignedIn: (session: Session) => void }} options
 * @returns {HTMLElement}
 */
export function signinView({ project, message, onSignedIn }) {
  const projectInput = h('input', {
    id: 'signin-project',
    name: 'project',
    required: true,
    pattern: PROJECT_PATTERN,
    maxlength: 64,
    autocomplete: 'username',
    spellcheck: 'false',
    placeholder: 'spring',
  });
  projectInput.value = project ?? '';
  const tokenInput = h('input', {
    id: 'signin-token',
    name: 'token',
    type: 'password',
    required: true,
    maxlength: 512,
    autocomplete: 'current-password',
  });
  const status = h('p', { class: 'form-error', id: 'signin-error', role: 'alert' }, message ?? '');
  const submit = h('button', { type: 'submit', id: 'signin-submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'h-signin' },
    h('h1', { id: 'h-signin' }, 'Sign in to the qrpin dashboard'),
    h(
      'p',
      { class: 'muted' },
      'Use an admin token of the project (the one qrpin serve wrote, or one you added). The session lasts 12 hours on this browser.',
    ),
    h('div', { class: 'field' }, h('label', { for: 'signin-project' }, 'Project id'), projectInput),
    h('div', { class: 'field' }, h('label', { for: 'signin-token' }, 'Admin token'), tokenInput),
    status,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const projectId = projectInput.value.trim();
    const token = tokenInput.value;
    submit.disabled = true;
    status.textContent = '';
    signIn(projectId, token).then(
      (session) => {
        tokenInput.value = '';
        onSignedIn(session);
      },
      (err) => {
        submit.disabled = false;
        status.textContent = explain(err, projectId);
        tokenInput.focus();
      },
    );
  });
  queueMicrotask(() => (projectInput.value === '' ? projectInput : tokenInput).focus());
  return h('section', { class: 'view view-signin' }, form);
}
