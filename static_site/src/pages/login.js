// Log in: /login?next=<path>, with a username or an email address and a password.
import { ApiError, getConfig } from '../api.js';
import { checkFields, formAlert, textField, whileBusy, submitButton } from '../account/forms.js';
import { safeNext } from '../account/links.js';
import { checkRequired } from '../account/validation.js';
import { h } from '../dom.js';
import { session } from '../session.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';

/** The message for a refused login: PeerTube's invalid_grant means wrong credentials. */
function loginError(error) {
  if (error instanceof ApiError && error.body?.code === 'invalid_grant') return strings.acctLoginBadCredentials;
  return error?.message || String(error);
}

export async function loginPage(ctx) {
  const { outlet, query } = ctx;
  setPageTitle(strings.acctLoginTitle);
  const next = safeNext(query.get('next'));
  await session.ready;
  if (session.user) {
    ctx.navigate(next, { replace: true });
    return;
  }

  const username = textField({
    name: 'username',
    label: strings.acctLoginUsername,
    check: checkRequired(strings.acctErrLoginRequired),
    attrs: { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true },
  });
  const password = textField({
    name: 'password',
    label: strings.acctPassword,
    type: 'password',
    check: checkRequired(strings.acctErrPasswordRequired),
    attrs: { autocomplete: 'current-password', required: true },
  });
  const alert = formAlert();
  const submit = submitButton(strings.acctLoginButton, 'login-submit');
  const signupSlot = h('p', { class: 'acct-aside' });
  const heading = h('h1', { class: 'page-title' }, strings.acctLoginTitle);

  const form = h(
    'form',
    {
      class: 'acct-form acct-narrow',
      novalidate: true,
      'data-testid': 'login-form',
      async onsubmit(event) {
        event.preventDefault();
        alert.show('');
        if (!checkFields([username, password])) return;
        try {
          await whileBusy(submit, strings.acctLoggingIn, () => session.login(username.value(), password.control.value));
        } catch (error) {
          alert.show(loginError(error));
          password.control.select();
          password.control.focus();
          return;
        }
        ctx.navigate(next, { replace: true });
      },
    },
    alert.element,
    username.element,
    password.element,
    h('div', { class: 'acct-buttons' }, submit),
  );
  outlet.append(h('div', { class: 'acct-page acct-narrow' }, heading, form, signupSlot));
  username.control.focus();
  ctx.contentReady();

  // Only where sign-ups are open is there a link to them.
  try {
    const config = await getConfig();
    if (config?.signup?.allowed) {
      signupSlot.append(strings.acctLoginNoAccount, ' ', h('a', { href: '/signup', 'data-testid': 'login-signup-link' }, strings.acctLoginCreateAccount));
    }
  } catch {
    // Without the config the form still works; the link waits for another visit.
  }
}
