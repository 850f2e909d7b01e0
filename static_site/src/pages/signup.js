// Sign up: /signup. A new user at once where the instance allows it, or a request that a
// moderator accepts where it wants approval; a plain message where sign-ups are closed.
import { api, getConfig } from '../api.js';
import { checkFields, checkboxField, formAlert, showApiError, submitButton, textField, whileBusy } from '../account/forms.js';
import {
  checkChannelName,
  checkDisplayName,
  checkEmail,
  checkOptionalDisplayName,
  checkPassword,
  checkReason,
  checkRequired,
  checkSameAs,
  checkUsername,
  nameFrom,
} from '../account/validation.js';
import { errorBox, loadingIndicator } from '../components.js';
import { h } from '../dom.js';
import { session } from '../session.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';

// PeerTube's UserRegistrationState: 1 pending, 2 rejected, 3 accepted.
const REGISTRATION_PENDING = 1;

/** The page's message instead of the form (closed, or the request awaits a moderator). */
function notice(outlet, { title, text, testId }) {
  const heading = h('h1', { class: 'page-title', tabindex: '-1' }, title);
  outlet.replaceChildren(
    h(
      'section',
      { class: 'acct-page acct-narrow acct-notice', 'data-testid': testId },
      heading,
      h('p', { role: 'status' }, text),
      h('p', {}, h('a', { href: '/', class: 'button' }, strings.backHome)),
    ),
  );
  heading.focus();
}

/** Fills `target` with `make()` as the user types in `sources`, until the user writes in
 * `target` itself. */
function suggest(target, sources, make) {
  let edited = Boolean(target.control.value);
  target.control.addEventListener('input', () => {
    edited = target.control.value !== '';
  });
  for (const source of sources) {
    source.control.addEventListener('input', () => {
      if (!edited) target.control.value = make();
    });
  }
}

export async function signupPage(ctx) {
  const { outlet, signal } = ctx;
  setPageTitle(strings.acctSignupTitle);
  await session.ready;
  if (session.user) {
    ctx.navigate('/', { replace: true });
    return;
  }
  outlet.append(loadingIndicator());
  let config;
  try {
    // Fresh: an administrator may have opened or closed sign-ups since the app loaded.
    config = await getConfig({ fresh: true });
  } catch (error) {
    if (signal.aborted) return;
    outlet.replaceChildren(errorBox(error, { onRetry: ctx.reload }));
    return;
  }
  if (signal.aborted) return;
  outlet.replaceChildren();
  const signup = config?.signup || {};
  if (!signup.allowed) {
    notice(outlet, { title: strings.acctSignupClosedTitle, text: strings.acctSignupClosed, testId: 'signup-closed' });
    ctx.contentReady();
    return;
  }
  const approval = Boolean(signup.requiresApproval);

  const displayName = textField({ name: 'displayName', label: strings.acctDisplayName, hint: strings.acctSignupDisplayNameHint, check: checkOptionalDisplayName, attrs: { autocomplete: 'name', maxlength: '120' } });
  const username = textField({
    name: 'username',
    label: strings.acctUsername,
    hint: strings.acctSignupUsernameHint(location.host),
    check: checkUsername,
    attrs: { autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: '50' },
  });
  const email = textField({ name: 'email', label: strings.acctEmail, type: 'email', hint: strings.acctSignupEmailHint, check: checkEmail, attrs: { autocomplete: 'email', required: true } });
  const password = textField({ name: 'password', label: strings.acctPassword, type: 'password', hint: strings.acctPasswordHint, check: checkPassword, attrs: { autocomplete: 'new-password', required: true } });
  const confirmation = textField({ name: 'passwordConfirmation', label: strings.acctPasswordConfirm, type: 'password', check: checkSameAs('password'), attrs: { autocomplete: 'new-password', required: true } });
  const channelName = textField({
    name: 'channelName',
    label: strings.acctChannelName,
    hint: strings.acctSignupChannelNameHint,
    check: checkChannelName,
    attrs: { autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: '50' },
  });
  const channelDisplayName = textField({ name: 'channelDisplayName', label: strings.acctChannelDisplayName, check: checkDisplayName, attrs: { required: true, maxlength: '120' } });
  const reason = approval
    ? textField({ name: 'registrationReason', label: strings.acctSignupReason, hint: strings.acctSignupReasonHint, multiline: true, check: checkReason, attrs: { rows: '4', required: true } })
    : null;
  const terms = checkboxField({
    name: 'terms',
    label: [
      strings.acctSignupTermsBefore(signup.minimumAge),
      h('a', { href: '/about#terms', target: '_blank', 'data-testid': 'terms-link' }, strings.acctSignupTermsLink, h('span', { class: 'visually-hidden' }, strings.acctOpensInNewTab)),
    ],
    check: checkRequired(strings.acctErrTermsRequired),
  });
  suggest(channelName, [username], () => {
    const base = nameFrom(username.value());
    return base ? strings.acctSignupDefaultChannelName(base) : '';
  });
  suggest(channelDisplayName, [displayName, username], () => {
    const name = displayName.value() || username.value();
    return name ? strings.acctSignupDefaultChannelDisplayName(name) : '';
  });

  const fields = [displayName, username, email, password, confirmation, channelName, channelDisplayName, reason, terms].filter(Boolean);
  const alert = formAlert();
  const submit = submitButton(approval ? strings.acctSignupRequestButton : strings.acctSignupButton, 'signup-submit');

  async function send() {
    const body = {
      username: username.value(),
      email: email.value(),
      password: password.control.value,
      channel: { name: channelName.value(), displayName: channelDisplayName.value() },
    };
    if (displayName.value()) body.displayName = displayName.value();
    if (reason) body.registrationReason = reason.value();
    const answer = await api.post(approval ? '/api/v1/users/registrations/request' : '/api/v1/users/register', { json: body, anonymous: true });
    // The instance may have started to want approval since the page loaded.
    if (approval || answer?.state?.id === REGISTRATION_PENDING) return 'pending';
    await session.login(body.username, body.password);
    return 'signed-in';
  }

  const form = h(
    'form',
    {
      class: 'acct-form',
      novalidate: true,
      'data-testid': 'signup-form',
      async onsubmit(event) {
        event.preventDefault();
        alert.show('');
        if (!checkFields(fields)) return;
        let outcome;
        try {
          outcome = await whileBusy(submit, strings.acctSigningUp, send);
        } catch (error) {
          showApiError(error, fields, alert, { channel: 'channelName' });
          if (!alert.element.hidden) alert.element.scrollIntoView({ block: 'nearest' });
          return;
        }
        if (outcome === 'pending') {
          notice(outlet, { title: strings.acctSignupPendingTitle, text: strings.acctSignupPending, testId: 'signup-pending' });
        } else {
          ctx.navigate('/', { replace: true });
        }
      },
    },
    alert.element,
    h('fieldset', { class: 'acct-fieldset' }, h('legend', {}, strings.acctSignupAccountLegend), displayName.element, username.element, email.element, password.element, confirmation.element),
    h('fieldset', { class: 'acct-fieldset' }, h('legend', {}, strings.acctSignupChannelLegend), h('p', { class: 'acct-hint' }, strings.acctSignupChannelIntro), channelName.element, channelDisplayName.element),
    reason && h('fieldset', { class: 'acct-fieldset' }, h('legend', {}, strings.acctSignupReasonLegend), reason.element),
    terms.element,
    h('div', { class: 'acct-buttons' }, submit),
  );

  outlet.append(
    h(
      'div',
      { class: 'acct-page acct-medium' },
      h('h1', { class: 'page-title' }, strings.acctSignupTitle),
      h('p', { class: 'acct-intro' }, approval ? strings.acctSignupApprovalIntro : strings.acctSignupIntro),
      form,
      h('p', { class: 'acct-aside' }, strings.acctSignupHaveAccount, ' ', h('a', { href: '/login' }, strings.logIn)),
    ),
  );
  ctx.contentReady();
}
