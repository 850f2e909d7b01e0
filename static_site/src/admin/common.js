// What every administration page shares: the guarded frame with its tabs, form fields
// that show the server's per-field messages, a status line, confirmation dialogs, tables
// that become cards on a phone, paging, and quotas.
import { ApiError } from '../api.js';
import { append, h } from '../dom.js';
import { formatAbsoluteDate, formatRelativeDate } from '../format.js';
import { Role, session } from '../session.js';
import { requireUser, setPageTitle } from '../shell.js';
import { LOCALE, strings } from '../strings.js';

const SECTIONS = [
  { href: '/admin/users', text: () => strings.adminTabUsers, role: Role.MODERATOR, match: /^\/admin\/users/ },
  { href: '/admin/registrations', text: () => strings.adminTabRegistrations, role: Role.MODERATOR, match: /^\/admin\/registrations/ },
  { href: '/admin/moderation/abuses', text: () => strings.adminTabAbuses, role: Role.MODERATOR, match: /^\/admin\/moderation\/abuses/ },
  { href: '/admin/moderation/blocklist', text: () => strings.adminTabBlocklist, role: Role.MODERATOR, match: /^\/admin\/moderation\/(blocklist|video-blocks)/ },
  { href: '/admin/follows', text: () => strings.adminTabFollows, role: Role.ADMINISTRATOR, match: /^\/admin\/follows/ },
  { href: '/admin/settings', text: () => strings.adminTabSettings, role: Role.ADMINISTRATOR, match: /^\/admin\/settings/ },
];

// A message for the next admin page drawn (after a form sends the user elsewhere).
let flash = null;

export function setFlash(text) {
  flash = text;
}

/**
 * Checks the role, titles the page and draws the admin frame: heading, the sections the
 * user may open, a status line. Resolves to { body, status, heading } or null when the
 * visitor was sent to the login page.
 */
export async function adminFrame(ctx, { role, title }) {
  const user = await requireUser(ctx, role);
  if (!user) return null;
  setPageTitle(title);
  const heading = h('h1', { class: 'page-title', tabindex: '-1' }, title);
  const tabs = h(
    'nav',
    { class: 'admin-sections', 'aria-label': strings.adminSectionsLabel },
    h(
      'ul',
      {},
      SECTIONS.filter((s) => session.role <= s.role).map((s) =>
        h(
          'li',
          {},
          h('a', { href: s.href, 'aria-current': s.match.test(location.pathname) ? 'page' : null }, s.text()),
        ),
      ),
    ),
  );
  const status = statusLine();
  const body = h('div', { class: 'admin-body' });
  ctx.outlet.append(h('section', { class: 'admin-page' }, tabs, heading, status.element, body));
  if (flash) {
    // Set after the region is in the page, so that screen readers announce it.
    const text = flash;
    flash = null;
    setTimeout(() => status.set(text, 'success'), 50);
  }
  return { body, status, heading, user };
}

/** Tabs inside one page (blocklists, follows): links, the current one marked. */
export function subTabs(label, items) {
  return h(
    'nav',
    { class: 'admin-tabs', 'aria-label': label },
    h(
      'ul',
      {},
      items.map(([href, text, current]) => h('li', {}, h('a', { href, 'aria-current': current ? 'page' : null }, text))),
    ),
  );
}

/** A polite live region: success and error messages after an action. */
export function statusLine() {
  const element = h('p', { class: 'admin-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'admin-status', hidden: true });
  return {
    element,
    set(text, kind = 'success') {
      element.textContent = text;
      element.className = `admin-status admin-status-${kind}`;
      element.hidden = !text;
    },
    error(error) {
      this.set(errorText(error), 'error');
    },
    clear() {
      this.set('');
    },
  };
}

export function errorText(error) {
  return (error && error.message) || String(error);
}

let fieldCount = 0;

/**
 * A labelled control with a hint and a place for its error.
 *   type: text, email, password, number, search, textarea, select (options: [[value, text]]), checkbox
 * `invalid` replaces the server's message when it refuses the value (its messages name
 * the rule broken, such as a regular expression, not what to write).
 * Returns { element, input, invalid, value(), setError(text) }.
 */
export function field({ label, name, type = 'text', value = '', hint = null, options = [], testId = null, invalid = null, ...attrs }) {
  const id = `admin-field-${++fieldCount}`;
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const common = { id, name, 'data-testid': testId || `field-${name}`, 'aria-describedby': hintId, ...attrs };
  let input;
  if (type === 'textarea') {
    input = h('textarea', { rows: 4, ...common });
    input.value = value ?? '';
  } else if (type === 'select') {
    input = h('select', common, options.map(([v, text]) => h('option', { value: String(v) }, text)));
    input.value = String(value);
  } else if (type === 'checkbox') {
    input = h('input', { type, ...common });
    input.checked = Boolean(value);
  } else {
    input = h('input', { type, ...common });
    input.value = value ?? '';
  }
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const hintNode = hint && h('p', { class: 'field-hint', id: hintId }, hint);
  const labelNode = h('label', { for: id }, label);
  const element =
    type === 'checkbox'
      ? h('div', { class: 'admin-field admin-field-check' }, input, h('div', {}, labelNode, hintNode, error))
      : h('div', { class: 'admin-field' }, labelNode, hintNode, input, error);
  return {
    element,
    input,
    invalid,
    value() {
      if (type === 'checkbox') return input.checked;
      if (type === 'number') return input.value === '' ? null : Number(input.value);
      return input.value;
    },
    setError(text) {
      error.textContent = text || '';
      error.hidden = !text;
      if (text) {
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
      } else {
        input.removeAttribute('aria-invalid');
        if (hintId) input.setAttribute('aria-describedby', hintId);
        else input.removeAttribute('aria-describedby');
      }
    },
  };
}

/**
 * Shows an error of a form: each of PeerTube's per-field messages next to its field
 * (`fields` maps the server's names to fields), the rest in `status`. Focuses the first
 * field in error.
 */
export function showFormError(error, fields, status) {
  for (const f of Object.values(fields)) f.setError('');
  const perField = error instanceof ApiError ? error.fieldErrors : {};
  const unplaced = [];
  let first = null;
  for (const [name, message] of Object.entries(perField)) {
    const target = fields[name];
    if (target) {
      target.setError(target.invalid || message);
      first ||= target;
    } else {
      unplaced.push(`${name}: ${message}`);
    }
  }
  if (first) {
    status.set(unplaced.length ? `${strings.adminFixFields} ${unplaced.join(' ')}` : strings.adminFixFields, 'error');
    first.input.focus();
  } else {
    status.error(error);
  }
}

export function clearFieldErrors(fields) {
  for (const f of Object.values(fields)) f.setError('');
}

/** Marks the required fields left empty (before asking the server); true when none is. */
export function checkRequired(fields) {
  const empty = Object.values(fields).filter((f) => f.input?.required && !f.input.value.trim());
  for (const f of empty) f.setError(strings.adminRequired);
  empty[0]?.input.focus();
  return empty.length === 0;
}

/** Runs an action from a button: disabled while it runs, its outcome in `status`. */
export async function runAction(button, status, action, successText) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await action();
    if (successText) status.set(successText, 'success');
    return true;
  } catch (error) {
    status.error(error);
    return false;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

export function button(text, onclick, { quiet = false, danger = false, testId = null, type = 'button', ...attrs } = {}) {
  const classes = ['button', quiet && 'button-quiet', danger && 'button-danger'].filter(Boolean).join(' ');
  return h('button', { type, class: classes, 'data-testid': testId, onclick, ...attrs }, text);
}

/**
 * A modal confirmation (native <dialog>: focus stays inside, Escape cancels). With
 * `input` ({ label, required, minLength, hint }) it asks for a text too. Resolves to
 * { text } when confirmed, null when cancelled.
 */
export function confirmDialog({ title, text = null, confirmLabel, danger = false, input = null }) {
  return new Promise((resolve) => {
    const titleId = `admin-dialog-${++fieldCount}`;
    const textField =
      input &&
      field({
        label: input.label,
        name: 'dialog-text',
        type: 'textarea',
        rows: 3,
        hint: input.hint,
        required: input.required || null,
        minlength: input.minLength || null,
        maxlength: input.maxLength || null,
        value: input.value || '',
      });
    const form = h(
      'form',
      { method: 'dialog', class: 'admin-dialog-form' },
      h('h2', { id: titleId, class: 'admin-dialog-title' }, title),
      text && h('p', {}, text),
      textField && textField.element,
      h(
        'div',
        { class: 'admin-actions' },
        button(strings.adminCancel, () => dialog.close('cancel'), { quiet: true, testId: 'dialog-cancel' }),
        button(confirmLabel, null, { type: 'submit', danger, testId: 'dialog-confirm', value: 'confirm' }),
      ),
    );
    const dialog = h('dialog', { class: 'admin-dialog', 'aria-labelledby': titleId, 'data-testid': 'admin-dialog' }, form);
    form.addEventListener('submit', (event) => {
      if (textField && input.minLength && textField.value().trim().length < input.minLength && (input.required || textField.value().trim())) {
        event.preventDefault();
        textField.setError(strings.adminTooShort(input.minLength));
        textField.input.focus();
      }
    });
    dialog.addEventListener('close', () => {
      const confirmed = dialog.returnValue === 'confirm';
      dialog.remove();
      resolve(confirmed ? { text: textField ? textField.value().trim() : '' } : null);
    });
    document.body.append(dialog);
    dialog.showModal();
    (textField ? textField.input : form.querySelector('[data-testid="dialog-confirm"]')).focus();
  });
}

/**
 * A table that stays readable on a phone (each row becomes a card, its cells labelled).
 * columns: [{ title, cell: (item) => node|string, className }]
 */
export function dataTable({ caption, columns, items, rowTestId = 'admin-row' }) {
  return h(
    'div',
    { class: 'admin-table-wrap' },
    h(
      'table',
      { class: 'admin-table' },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.title)))),
      h(
        'tbody',
        {},
        items.map((item) =>
          h(
            'tr',
            { 'data-testid': rowTestId },
            columns.map((c) => h('td', { 'data-label': c.title, class: c.className }, h('div', {}, c.cell(item)))),
          ),
        ),
      ),
    ),
  );
}

/** An empty list's message. */
export function emptyState(text, testId = 'admin-empty') {
  return h('p', { class: 'admin-empty', 'data-testid': testId }, text);
}

/** "1–20 of 45" and links to the previous and next pages (the start is in the address). */
export function pager(ctx, { start, count, total }) {
  if (total <= count && start === 0) return null;
  const link = (to, text, rel) => {
    const query = new URLSearchParams(ctx.query);
    if (to > 0) query.set('start', String(to));
    else query.delete('start');
    const text_ = query.toString();
    return h('a', { class: 'button button-quiet', href: `${location.pathname}${text_ ? `?${text_}` : ''}`, rel }, text);
  };
  const last = Math.min(start + count, total);
  return h(
    'nav',
    { class: 'admin-pager', 'aria-label': strings.adminPagination },
    start > 0 ? link(Math.max(0, start - count), strings.adminPrevious, 'prev') : null,
    h('span', {}, strings.adminRange(total ? start + 1 : 0, last, total)),
    last < total ? link(start + count, strings.adminNext, 'next') : null,
  );
}

/** The start of the page shown, from ?start= (never negative). */
export function startFrom(ctx) {
  return Math.max(0, Number.parseInt(ctx.query.get('start') || '0', 10) || 0);
}

/** A search box that puts its text in the address (?search=), so back and reload keep it. */
export function searchForm(ctx, { label, testId = 'admin-search', extra = [] }) {
  const input = h('input', {
    type: 'search',
    name: 'search',
    id: `admin-search-${++fieldCount}`,
    value: ctx.query.get('search') || '',
    'data-testid': testId,
  });
  return h(
    'form',
    {
      class: 'admin-filters',
      role: 'search',
      onsubmit(event) {
        event.preventDefault();
        const query = new URLSearchParams(ctx.query);
        query.delete('start');
        const text = input.value.trim();
        if (text) query.set('search', text);
        else query.delete('search');
        for (const select of event.currentTarget.querySelectorAll('select')) {
          if (select.value) query.set(select.name, select.value);
          else query.delete(select.name);
        }
        const qs = query.toString();
        ctx.navigate(`${location.pathname}${qs ? `?${qs}` : ''}`);
      },
    },
    h('div', { class: 'admin-field' }, h('label', { for: input.id }, label), input),
    extra,
    h('div', { class: 'admin-filter-submit' }, button(strings.adminFilter, null, { type: 'submit', quiet: true })),
  );
}

/** A date shown relative, the full date in its tooltip. */
export function dateCell(iso) {
  if (!iso) return '';
  return h('time', { datetime: iso, title: formatAbsoluteDate(iso) }, formatRelativeDate(iso));
}

// --- quotas --------------------------------------------------------------------------------

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const QUOTAS = [100 * MiB, 500 * MiB, GiB, 5 * GiB, 20 * GiB, 50 * GiB, 100 * GiB, 200 * GiB, 500 * GiB];
const DAILY_QUOTAS = [10 * MiB, 50 * MiB, 100 * MiB, 500 * MiB, 2 * GiB, 5 * GiB, 10 * GiB, 20 * GiB, 50 * GiB];
const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];

/** 1073741824 -> "1 GB"; -1 -> "Unlimited". */
export function formatBytes(bytes) {
  const n = Number(bytes);
  if (n < 0) return strings.adminUnlimited;
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(LOCALE, { style: 'unit', unit: UNITS[unit], unitDisplay: unit === 0 ? 'narrow' : 'short', maximumFractionDigits: 1 }).format(value);
}

/** A select of PeerTube's usual quotas (daily or not), keeping a value set otherwise. */
export function quotaField({ label, name, value, daily = false, hint = null }) {
  const sizes = daily ? DAILY_QUOTAS : QUOTAS;
  const values = [-1, ...sizes];
  if (!values.includes(Number(value))) values.push(Number(value));
  values.sort((a, b) => a - b);
  const f = field({ label, name, type: 'select', value: String(value), hint, options: values.map((v) => [v, formatBytes(v)]) });
  return { ...f, value: () => Number(f.input.value) };
}

export function roleOptions() {
  // A moderator may only create and edit plain users (the server says so too).
  const all = [
    [Role.USER, strings.adminRoleUser],
    [Role.MODERATOR, strings.adminRoleModerator],
    [Role.ADMINISTRATOR, strings.adminRoleAdministrator],
  ];
  return session.role === Role.ADMINISTRATOR ? all : all.slice(0, 1);
}

export function roleName(role) {
  const id = Number(role?.id ?? role);
  return { [Role.USER]: strings.adminRoleUser, [Role.MODERATOR]: strings.adminRoleModerator, [Role.ADMINISTRATOR]: strings.adminRoleAdministrator }[id] || role?.label || '';
}

/** The handle of an account or actor: its name here, name@host for a remote one. */
export function handle(account) {
  if (!account) return '';
  return account.host && account.host !== location.host ? `${account.name}@${account.host}` : account.name;
}

/** Replaces a container's content (children as h() takes them: null skipped, arrays flat). */
export function fill(container, ...children) {
  container.replaceChildren();
  return append(container, children);
}
