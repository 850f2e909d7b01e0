// My channels: /my-library/video-channels. The user's channels, with links to create and
// edit them, and deletion once the user typed the channel's name.
import { api, getAll } from '../api.js';
import { confirmByTyping } from '../account/confirm.js';
import { statusLine } from '../account/forms.js';
import { avatar } from '../account/images.js';
import { channelEditPath, channelHandle, channelPath, fullHandle } from '../account/links.js';
import { errorBox, handleSegment, loadingIndicator } from '../components.js';
import { h } from '../dom.js';
import { requireUser, setPageTitle } from '../shell.js';
import { strings } from '../strings.js';

function channelItem(channel, onDelete) {
  const name = channel.displayName || channel.name;
  const remove = h('button', { type: 'button', class: 'button button-quiet acct-danger-text', 'data-testid': 'channel-delete', 'aria-label': strings.acctChannelDeleteNamed(name) }, strings.acctDelete);
  remove.addEventListener('click', () => onDelete(channel, remove));
  return h(
    'li',
    { class: 'acct-card', 'data-testid': 'channel-item', 'data-channel': channel.name },
    avatar(channel.avatars, name, 64),
    h(
      'div',
      { class: 'acct-card-body' },
      h('h2', { class: 'acct-card-title' }, h('a', { href: channelPath(channel), 'data-testid': 'channel-link' }, name)),
      h('p', { class: 'acct-card-meta' }, fullHandle(channel), ' · ', h('span', { 'data-testid': 'channel-subscribers' }, strings.acctSubscribers(Number(channel.followersCount) || 0))),
      channel.description && h('p', { class: 'acct-card-text' }, channel.description),
    ),
    h(
      'div',
      { class: 'acct-card-actions' },
      h('a', { href: channelEditPath(channel), class: 'button button-quiet', 'data-testid': 'channel-edit', 'aria-label': strings.acctChannelEditNamed(name) }, strings.acctEdit),
      remove,
    ),
  );
}

export async function myChannelsPage(ctx) {
  const { outlet, signal, query } = ctx;
  const user = await requireUser(ctx);
  if (!user) return;
  setPageTitle(strings.acctChannelsTitle);

  const status = statusLine('channels-status');
  const list = h('ul', { class: 'acct-cards', 'aria-label': strings.acctChannelsTitle, 'data-testid': 'channel-list' });
  const body = h('div', {}, loadingIndicator());
  const count = h('p', { class: 'acct-hint', 'data-testid': 'channel-count' });
  outlet.append(
    h(
      'div',
      { class: 'acct-page' },
      h(
        'div',
        { class: 'acct-page-head' },
        h('h1', { class: 'page-title' }, strings.acctChannelsTitle),
        h('a', { href: '/manage/create', class: 'button', 'data-testid': 'channel-create' }, strings.acctChannelCreate),
      ),
      count,
      status.element,
      body,
    ),
  );
  // Coming back from creating a channel: say so.
  const created = query.get('created');
  if (created) status.show(strings.acctChannelCreated(created));

  let channels = [];
  function draw() {
    count.textContent = strings.acctChannelsCount(channels.length);
    list.replaceChildren(...channels.map((c) => channelItem(c, onDelete)));
    body.replaceChildren(channels.length ? list : h('p', { class: 'acct-empty', 'data-testid': 'empty-state' }, strings.acctChannelsEmpty));
  }

  async function onDelete(channel, button) {
    const name = channel.displayName || channel.name;
    const deleted = await confirmByTyping({
      title: strings.acctChannelDeleteTitle(name),
      text: strings.acctChannelDeleteWarning,
      expected: channel.name,
      confirmLabel: strings.acctChannelDeleteConfirm,
      busyLabel: strings.acctDeleting,
      action: () => api.delete(`/api/v1/video-channels/${handleSegment(channelHandle(channel))}`),
    });
    if (!deleted) {
      button.focus();
      return;
    }
    channels = channels.filter((c) => c.id !== channel.id);
    draw();
    status.show(strings.acctChannelDeleted(name));
    (list.querySelector('a') || outlet.querySelector('[data-testid="channel-create"]'))?.focus();
  }

  try {
    channels = await getAll(`/api/v1/accounts/${encodeURIComponent(user.username)}/video-channels`, { query: { sort: 'createdAt' }, signal });
  } catch (error) {
    if (signal.aborted) return;
    body.replaceChildren(errorBox(error, { onRetry: ctx.reload }));
    return;
  }
  draw();
  ctx.contentReady();
}
