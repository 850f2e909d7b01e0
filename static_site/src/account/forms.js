// Form pieces shared by the account pages: labelled fields with a hint and an error line
// each, a status line read out by screen readers, and a submit button that shows it is busy.
import { ApiError } from '../api.js';
import { h } from '../dom.js';

let nextId = 0;

/** A unique id for a control, so two forms of one page never share one. */
export function controlId(name) {
  nextId += 1;
  return `acct-${name}-${nextId}`;
}

/**
 * A labelled input (or textarea with `multiline`), its hint and its error line.
 * `check(value, values)` returns a message when the value is refused, else null.
 * Returns { element, control, name, value(), setError(message), check }.
 */
export function textField({ name, label, type = 'text', value = '', hint = '', multiline = false, check = null, attrs = {} }) {
  const id = controlId(name);
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const control = h(multiline ? 'textarea' : 'input', {
    id,
    name,
    type: multiline ? null : type,
    class: 'acct-input',
    'aria-describedby': [hintId, errorId].filter(Boolean).join(' '),
    'data-testid': `field-${name}`,
    ...attrs,
  });
  control.value = value ?? '';
  return withError({ name, control, check, errorId }, [
    h('label', { class: 'acct-label', for: id }, label),
    hint && h('p', { class: 'acct-hint', id: hintId }, hint),
    control,
  ]);
}

/** A checkbox with its label beside it, and an error line (the terms of use). */
export function checkboxField({ name, label, checked = false, check = null }) {
  const id = controlId(name);
  const errorId = `${id}-error`;
  const control = h('input', { id, name, type: 'checkbox', class: 'acct-checkbox', 'aria-describedby': errorId, 'data-testid': `field-${name}` });
  control.checked = checked;
  return withError({ name, control, check, errorId }, [
    h('span', { class: 'acct-inline' }, control, h('label', { for: id }, label)),
  ]);
}

/** The field's element: `nodes` then its error line. */
function withError({ name, control, check, errorId }, nodes) {
  const error = h('p', { class: 'acct-field-error', id: errorId, hidden: true, 'data-testid': `error-${name}` });
  const element = h('div', { class: 'acct-field' }, ...nodes, error);
  const value = () => (control.type === 'checkbox' ? control.checked : control.value.trim());
  function setError(message) {
    error.textContent = message || '';
    error.hidden = !message;
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  }
  // A corrected field loses its error as soon as it changes.
  control.addEventListener(control.type === 'checkbox' ? 'change' : 'input', () => setError(null));
  return { element, control, name, value, setError, check };
}

/** A polite live region for "Saved" and the like; `show(text, kind)` with kind ok|error. */
export function statusLine(testId = 'status') {
  const element = h('p', { class: 'acct-status', role: 'status', 'aria-live': 'polite', 'data-testid': testId });
  let timer = null;
  return {
    element,
    show(text, kind = 'ok') {
      clearTimeout(timer);
      element.textContent = text || '';
      element.dataset.kind = kind;
      // A confirmation fades after a while; an error stays until the next attempt.
      if (text && kind === 'ok') timer = setTimeout(() => { element.textContent = ''; }, 6000);
    },
  };
}

/** The alert box above a form for errors that belong to no field. */
export function formAlert() {
  const element = h('div', { class: 'acct-alert', role: 'alert', 'data-testid': 'form-error', hidden: true });
  return {
    element,
    show(message) {
      element.textContent = message || '';
      element.hidden = !message;
    },
  };
}

/**
 * Runs every field's check; shows the messages and focuses the first refused field.
 * Returns true when all are valid.
 */
export function checkFields(fields) {
  const values = Object.fromEntries(fields.map((f) => [f.name, f.value()]));
  let first = null;
  for (const field of fields) {
    const message = field.check ? field.check(field.value(), values) : null;
    field.setError(message);
    if (message && !first) first = field;
  }
  first?.control.focus();
  return !first;
}

/**
 * Shows an API error: PeerTube's per-field messages next to their fields (`aliases` maps
 * an API field to one of ours), the rest in `alert`. Focuses the first field in error.
 */
export function showApiError(error, fields, alert, aliases = {}) {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const perField = error instanceof ApiError ? error.fieldErrors : {};
  const left = [];
  let first = null;
  for (const [apiName, message] of Object.entries(perField)) {
    const field = byName.get(aliases[apiName] || apiName);
    if (field) {
      field.setError(message);
      first ||= field;
    } else {
      left.push(message);
    }
  }
  if (first && left.length === 0) alert.show('');
  else alert.show(left.length ? left.join(' ') : error?.message || String(error));
  first?.control.focus();
}

/** Disables the button and shows `busyLabel` while `work()` runs. */
export async function whileBusy(button, busyLabel, work) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busyLabel;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.textContent = label;
    button.removeAttribute('aria-busy');
  }
}

/** A submit button. */
export function submitButton(label, testId) {
  return h('button', { type: 'submit', class: 'button', 'data-testid': testId }, label);
}

/** A section of a page with its heading (h2), for pages made of several forms. */
export function section(title, testId, ...children) {
  const headingId = controlId('heading');
  return h(
    'section',
    { class: 'acct-section', 'aria-labelledby': headingId, 'data-testid': testId },
    h('h2', { class: 'acct-section-title', id: headingId }, title),
    ...children,
  );
}
