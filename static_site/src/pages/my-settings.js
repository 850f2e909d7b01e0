// Settings: /my-account/settings. A user edits their profile, avatar, email and password, and
// the preferences below; a visitor gets the preferences alone, kept in this browser. Every
// preference applies as soon as it changes (the theme at once, visibly).
import { api, ApiError, getConfig } from '../api.js';
import { languagePicker, radioGroup, toggle } from '../account/choices.js';
import { confirmByTyping } from '../account/confirm.js';
import { checkFields, formAlert, section, showApiError, statusLine, submitButton, textField, whileBusy } from '../account/forms.js';
import { imagePicker } from '../account/images.js';
import { checkDisplayName, checkEmail, checkOptionalText, checkPassword, checkRequired, checkSameAs } from '../account/validation.js';
import { errorBox, loadingIndicator } from '../components.js';
import { append, h } from '../dom.js';
import { THEMES, preferences } from '../preferences.js';
import { session } from '../session.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';

// The instance's first administrator, whom the API never deletes.
const ROOT = 'root';

/** Saves preferences one change after another (two quick clicks must not race); resolves
 * to whether the change was saved. */
function preferenceSaver(status, signedIn) {
  let queue = Promise.resolve();
  return (changes) => {
    queue = queue.then(async () => {
      status.show(strings.acctSaving);
      try {
        await preferences.save(changes);
        status.show(signedIn ? strings.acctPrefSaved : strings.acctPrefSavedHere);
        return true;
      } catch (error) {
        status.show(error?.message || String(error), 'error');
        return false;
      }
    });
    return queue;
  };
}

/** `apply(field, control)(value)` saves a preference, or puts the control back as saved. */
function preferenceBinder(prefs, status, signedIn) {
  const save = preferenceSaver(status, signedIn);
  const saved = { ...prefs };
  return (field, control) => async (value) => {
    if (await save({ [field]: value })) saved[field] = value;
    else control().set(saved[field]);
  };
}

function videoSection(prefs, languages, signedIn) {
  const status = statusLine('videos-status');
  const apply = preferenceBinder(prefs, status, signedIn);

  const nsfw = radioGroup({
    name: 'nsfw',
    legend: strings.acctNsfwLegend,
    hint: strings.acctNsfwHint,
    value: prefs.nsfwPolicy,
    options: [
      { value: 'display', label: strings.acctNsfwDisplay, hint: strings.acctNsfwDisplayHint },
      { value: 'blur', label: strings.acctNsfwBlur, hint: strings.acctNsfwBlurHint },
      { value: 'do_not_list', label: strings.acctNsfwHide, hint: strings.acctNsfwHideHint },
    ],
    onChange: apply('nsfwPolicy', () => nsfw),
  });
  const autoplay = toggle({ name: 'autoplay', label: strings.acctAutoplay, checked: prefs.autoPlayVideo, onChange: apply('autoPlayVideo', () => autoplay) });
  const p2p = toggle({ name: 'p2p', label: strings.acctP2p, hint: strings.acctP2pHint, checked: prefs.p2pEnabled, onChange: apply('p2pEnabled', () => p2p) });

  // Quick clicks in the list become one save.
  let timer = null;
  const saveLanguages = apply('videoLanguages', () => picker);
  const picker = languages
    ? languagePicker({
        languages,
        selected: prefs.videoLanguages,
        onRefused: (message) => status.show(message, 'error'),
        onChange(codes) {
          clearTimeout(timer);
          timer = setTimeout(() => saveLanguages(codes), 500);
        },
      })
    : null;

  return section(
    strings.acctVideosSection,
    'videos-section',
    nsfw.element,
    picker ? picker.element : h('p', { class: 'acct-hint' }, strings.acctLanguagesUnavailable),
    autoplay.element,
    p2p.element,
    status.element,
  );
}

function appearanceSection(prefs, signedIn) {
  const status = statusLine('theme-status');
  const apply = preferenceBinder(prefs, status, signedIn);
  const labels = {
    'instance-default': [strings.acctThemeInstance, strings.acctThemeInstanceHint],
    'peerless-light': [strings.acctThemeLight, null],
    'peerless-dark': [strings.acctThemeDark, null],
  };
  const theme = radioGroup({
    name: 'theme',
    legend: strings.acctThemeLegend,
    value: THEMES.includes(prefs.theme) ? prefs.theme : 'instance-default',
    options: THEMES.map((value) => ({ value, label: labels[value][0], hint: labels[value][1] })),
    onChange: apply('theme', () => theme),
  });
  return section(strings.acctAppearanceSection, 'appearance-section', theme.element, status.element);
}

function profileSection(user, config) {
  const account = user.account || {};
  const picker = imagePicker({
    kind: 'avatar',
    name: account.displayName || user.username,
    images: account.avatars,
    config,
    async upload(form) {
      const answer = await api.post('/api/v1/users/me/avatar/pick', { form });
      await session.refresh();
      return answer?.avatars || [];
    },
    async remove() {
      await api.delete('/api/v1/users/me/avatar');
      await session.refresh();
    },
  });

  const displayName = textField({ name: 'displayName', label: strings.acctDisplayName, value: account.displayName || user.username, check: checkDisplayName, attrs: { maxlength: '120', required: true } });
  const description = textField({ name: 'description', label: strings.acctDescription, hint: strings.acctDescriptionHint, value: account.description || '', multiline: true, check: checkOptionalText, attrs: { rows: '4', maxlength: '1000' } });
  const fields = [displayName, description];
  const alert = formAlert();
  const status = statusLine('profile-status');
  const submit = submitButton(strings.acctSaveProfile, 'profile-submit');
  const form = h(
    'form',
    {
      class: 'acct-form',
      novalidate: true,
      'data-testid': 'profile-form',
      async onsubmit(event) {
        event.preventDefault();
        alert.show('');
        status.show('');
        if (!checkFields(fields)) return;
        try {
          await whileBusy(submit, strings.acctSaving, async () => {
            await api.put('/api/v1/users/me', { json: { displayName: displayName.value(), description: description.value() || null } });
            await session.refresh();
          });
          status.show(strings.acctProfileSaved);
        } catch (error) {
          showApiError(error, fields, alert);
        }
      },
    },
    alert.element,
    displayName.element,
    description.element,
    h('div', { class: 'acct-buttons' }, submit),
    status.element,
  );
  return section(
    strings.acctProfileSection,
    'profile-section',
    h('p', { class: 'acct-hint' }, strings.acctProfileHandle(`${user.username}@${location.host}`)),
    h('h3', { class: 'acct-subtitle' }, strings.acctAvatar),
    picker,
    h('h3', { class: 'acct-subtitle' }, strings.acctProfileDetails),
    form,
  );
}

/** A form that changes something guarded by the current password (email, password).
 * `fields` are all its fields in order, `current` the current password's among them. */
function guardedForm({ testId, username, fields, current, submitLabel, body, done }) {
  const alert = formAlert();
  const status = statusLine(`${testId}-status`);
  const submit = submitButton(submitLabel, `${testId}-submit`);
  return h(
    'form',
    {
      class: 'acct-form',
      novalidate: true,
      'data-testid': testId,
      async onsubmit(event) {
        event.preventDefault();
        alert.show('');
        status.show('');
        if (!checkFields(fields)) return;
        try {
          await whileBusy(submit, strings.acctSaving, () => api.put('/api/v1/users/me', { json: { ...body(), currentPassword: current.control.value } }));
        } catch (error) {
          // PeerTube answers a wrong current password with a 401.
          if (error instanceof ApiError && error.status === 401) {
            current.setError(strings.acctErrCurrentPasswordWrong);
            current.control.focus();
          } else {
            showApiError(error, fields, alert);
          }
          return;
        }
        for (const field of fields) field.control.value = '';
        status.show(await done());
      },
    },
    // Password managers file the new password under this account.
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: username, hidden: true, readonly: true }),
    alert.element,
    fields.map((f) => f.element),
    h('div', { class: 'acct-buttons' }, submit),
    status.element,
  );
}

function currentPasswordField(name) {
  return textField({ name, label: strings.acctCurrentPassword, type: 'password', check: checkRequired(strings.acctErrCurrentPasswordRequired), attrs: { autocomplete: 'current-password', required: true } });
}

function securitySection(user) {
  const password = textField({ name: 'newPassword', label: strings.acctNewPassword, type: 'password', hint: strings.acctPasswordHint, check: checkPassword, attrs: { autocomplete: 'new-password', required: true } });
  const confirmation = textField({ name: 'newPasswordConfirmation', label: strings.acctPasswordConfirm, type: 'password', check: checkSameAs('newPassword'), attrs: { autocomplete: 'new-password', required: true } });
  const currentForPassword = currentPasswordField('currentPassword');
  const passwordForm = guardedForm({
    testId: 'password-form',
    username: user.username,
    fields: [currentForPassword, password, confirmation],
    current: currentForPassword,
    submitLabel: strings.acctChangePassword,
    body: () => ({ password: password.control.value }),
    done: async () => strings.acctPasswordChanged,
  });

  const emailNow = h('p', { class: 'acct-hint', 'data-testid': 'current-email' }, strings.acctEmailNow(user.email));
  const email = textField({ name: 'newEmail', label: strings.acctNewEmail, type: 'email', check: checkEmail, attrs: { autocomplete: 'email', required: true } });
  const currentForEmail = currentPasswordField('emailCurrentPassword');
  const emailForm = guardedForm({
    testId: 'email-form',
    username: user.username,
    fields: [email, currentForEmail],
    current: currentForEmail,
    submitLabel: strings.acctChangeEmail,
    body: () => ({ email: email.value() }),
    async done() {
      await session.refresh();
      emailNow.textContent = strings.acctEmailNow(session.user?.email || '');
      return strings.acctEmailChanged;
    },
  });

  return section(
    strings.acctSecuritySection,
    'security-section',
    h('h3', { class: 'acct-subtitle' }, strings.acctPasswordTitle),
    passwordForm,
    h('h3', { class: 'acct-subtitle' }, strings.acctEmailTitle),
    emailNow,
    emailForm,
  );
}

/** Deleting one's own account, after typing one's username. The instance's first
 * administrator (root) cannot. */
function deleteAccountSection(user, onDeleted) {
  const button = h('button', { type: 'button', class: 'button acct-danger-button', 'data-testid': 'delete-account' }, strings.acctDeleteAccount);
  button.addEventListener('click', async () => {
    const deleted = await confirmByTyping({
      title: strings.acctDeleteAccountTitle,
      text: strings.acctDeleteAccountWarning,
      expected: user.username,
      confirmLabel: strings.acctDeleteAccount,
      busyLabel: strings.acctDeleting,
      action: () => api.delete('/api/v1/users/me'),
    });
    if (deleted) await onDeleted();
    else button.focus();
  });
  return section(strings.acctDeleteAccountSection, 'delete-account-section', h('p', {}, strings.acctDeleteAccountWarning), h('div', { class: 'acct-buttons' }, button));
}

export async function settingsPage(ctx) {
  const { outlet, signal } = ctx;
  await session.ready;
  const user = session.user;
  setPageTitle(user ? strings.acctSettingsTitle : strings.acctVisitorSettingsTitle);
  // Signing in or out elsewhere (another tab, an expired session) changes whose settings
  // these are: draw them again.
  const who = user?.id ?? null;
  const stop = session.onChange((now) => {
    if ((now?.id ?? null) !== who) ctx.reload();
  });
  signal.addEventListener('abort', stop, { once: true });

  const heading = h('h1', { class: 'page-title' }, user ? strings.acctSettingsTitle : strings.acctVisitorSettingsTitle);
  const body = h('div', { class: 'acct-sections' }, loadingIndicator());
  outlet.append(h('div', { class: 'acct-page acct-medium' }, heading, body));

  let config;
  let prefs;
  let languages;
  try {
    [config, prefs, languages] = await Promise.all([
      getConfig().catch(() => null),
      preferences.current(),
      api.get('/api/v1/videos/languages', { signal }).catch((error) => {
        if (signal.aborted) throw error;
        return null;
      }),
    ]);
  } catch (error) {
    if (signal.aborted) return;
    body.replaceChildren(errorBox(error, { onRetry: ctx.reload }));
    return;
  }
  if (signal.aborted) return;

  const signedIn = Boolean(user);
  body.replaceChildren();
  append(body, [
    !signedIn &&
      h(
        'p',
        { class: 'acct-intro', 'data-testid': 'visitor-note' },
        strings.acctVisitorNote,
        ' ',
        h('a', { href: `/login?next=${encodeURIComponent(location.pathname)}` }, strings.acctVisitorLogin),
      ),
    signedIn && profileSection(user, config),
    videoSection(prefs, languages, signedIn),
    appearanceSection(prefs, signedIn),
    signedIn && securitySection(user),
    signedIn &&
      user.username !== ROOT &&
      deleteAccountSection(user, async () => {
        stop();
        await session.logout();
        ctx.navigate('/', { replace: true });
      }),
  ]);
  ctx.contentReady();
}
