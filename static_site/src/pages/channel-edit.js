// Creating a channel (/manage/create) and editing one (/manage/update/<handle>): names,
// description, support text, avatar and banner.
import { api, getConfig } from '../api.js';
import { checkFields, formAlert, section, showApiError, statusLine, submitButton, textField, whileBusy } from '../account/forms.js';
import { imagePicker } from '../account/images.js';
import { MY_CHANNELS, channelHandle, channelPath, fullHandle } from '../account/links.js';
import { checkChannelName, checkDisplayName, checkOptionalText, nameFrom } from '../account/validation.js';
import { errorBox, handleSegment, loadingIndicator } from '../components.js';
import { h } from '../dom.js';
import { Role, session } from '../session.js';
import { requireUser, setPageTitle } from '../shell.js';
import { strings } from '../strings.js';

/** The fields both pages share, filled from `channel` when editing. */
function channelFields(channel) {
  return {
    displayName: textField({ name: 'displayName', label: strings.acctChannelDisplayName, value: channel?.displayName, check: checkDisplayName, attrs: { required: true, maxlength: '120' } }),
    description: textField({ name: 'description', label: strings.acctDescription, hint: strings.acctChannelDescriptionHint, value: channel?.description, multiline: true, check: checkOptionalText, attrs: { rows: '4', maxlength: '1000' } }),
    support: textField({ name: 'support', label: strings.acctChannelSupport, hint: strings.acctChannelSupportHint, value: channel?.support, multiline: true, check: checkOptionalText, attrs: { rows: '3', maxlength: '1000' } }),
  };
}

function backLink() {
  return h('p', { class: 'acct-back' }, h('a', { href: MY_CHANNELS }, strings.acctBackToChannels));
}

/** A form that checks `fields`, runs `send()` and shows what went wrong by the fields. */
function channelForm({ testId, fields, submitLabel, send, status }) {
  const alert = formAlert();
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
        status?.show('');
        if (!checkFields(fields)) return;
        try {
          await whileBusy(submit, strings.acctSaving, send);
        } catch (error) {
          showApiError(error, fields, alert);
        }
      },
    },
    alert.element,
    fields.map((f) => f.element),
    h('div', { class: 'acct-buttons' }, submit, h('a', { href: MY_CHANNELS, class: 'button button-quiet' }, strings.acctCancel)),
    status?.element,
  );
}

export async function channelCreatePage(ctx) {
  const { outlet } = ctx;
  if (!(await requireUser(ctx))) return;
  setPageTitle(strings.acctChannelCreateTitle);
  const { displayName, description, support } = channelFields(null);
  const name = textField({
    name: 'name',
    label: strings.acctChannelName,
    hint: strings.acctChannelNameHint(location.host),
    check: checkChannelName,
    attrs: { required: true, maxlength: '50', autocapitalize: 'none', spellcheck: 'false' },
  });
  // The name follows the display name until the user writes one.
  let nameEdited = false;
  name.control.addEventListener('input', () => {
    nameEdited = name.control.value !== '';
  });
  displayName.control.addEventListener('input', () => {
    if (!nameEdited) name.control.value = nameFrom(displayName.control.value);
  });

  const form = channelForm({
    testId: 'channel-form',
    fields: [displayName, name, description, support],
    submitLabel: strings.acctChannelCreate,
    async send() {
      const body = { name: name.value(), displayName: displayName.value() };
      if (description.value()) body.description = description.value();
      if (support.value()) body.support = support.value();
      await api.post('/api/v1/video-channels', { json: body });
      ctx.navigate(`${MY_CHANNELS}?created=${encodeURIComponent(body.displayName)}`);
    },
  });
  outlet.append(h('div', { class: 'acct-page acct-medium' }, backLink(), h('h1', { class: 'page-title' }, strings.acctChannelCreateTitle), form));
  displayName.control.focus();
  ctx.contentReady();
}

export async function channelEditPage(ctx) {
  const { outlet, signal, params } = ctx;
  const user = await requireUser(ctx);
  if (!user) return;
  setPageTitle(strings.acctChannelEditTitle);
  const body = h('div', {}, loadingIndicator());
  outlet.append(h('div', { class: 'acct-page acct-medium' }, backLink(), body));

  let channel;
  let config;
  try {
    [channel, config] = await Promise.all([
      api.get(`/api/v1/video-channels/${handleSegment(params.handle)}`, { signal }),
      getConfig().catch(() => null),
    ]);
  } catch (error) {
    if (signal.aborted) return;
    body.replaceChildren(errorBox(error, { onRetry: ctx.reload }));
    return;
  }
  if (signal.aborted) return;
  const owner = channel.ownerAccount?.name;
  if (owner !== user.username && session.role !== Role.ADMINISTRATOR) {
    body.replaceChildren(errorBox(new Error(strings.acctChannelNotYours)));
    return;
  }
  const title = channel.displayName || channel.name;
  setPageTitle(strings.acctChannelEditNamed(title));
  const base = `/api/v1/video-channels/${handleSegment(channelHandle(channel))}`;

  const fields = channelFields(channel);
  const status = statusLine('channel-status');
  const heading = h('h1', { class: 'page-title', 'data-testid': 'channel-edit-title' }, strings.acctChannelEditNamed(title));
  const form = channelForm({
    testId: 'channel-form',
    fields: Object.values(fields),
    submitLabel: strings.acctSaveChannel,
    status,
    async send() {
      const next = { displayName: fields.displayName.value(), description: fields.description.value() || null, support: fields.support.value() || null };
      await api.put(base, { json: next });
      heading.textContent = strings.acctChannelEditNamed(next.displayName);
      setPageTitle(strings.acctChannelEditNamed(next.displayName));
      status.show(strings.acctChannelSaved);
    },
  });
  const picker = (kind, images) =>
    imagePicker({
      kind,
      name: title,
      images,
      config,
      async upload(formData) {
        const answer = await api.post(`${base}/${kind}/pick`, { form: formData });
        return answer?.[`${kind}s`] || [];
      },
      remove: () => api.delete(`${base}/${kind}`),
    });

  body.replaceChildren(
    heading,
    h('p', { class: 'acct-intro' }, strings.acctChannelHandle(fullHandle(channel)), ' · ', h('a', { href: channelPath(channel) }, strings.acctChannelView)),
    section(
      strings.acctChannelImages,
      'channel-images',
      h('h3', { class: 'acct-subtitle' }, strings.acctBanner),
      picker('banner', channel.banners),
      h('h3', { class: 'acct-subtitle' }, strings.acctAvatar),
      picker('avatar', channel.avatars),
    ),
    section(strings.acctChannelDetails, 'channel-details', form),
  );
  ctx.contentReady();
}
