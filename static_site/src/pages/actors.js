// Channel pages (/c/<handle>, /c/<handle>/videos, /c/<handle>/video-playlists) and
// account pages (/a/<name>, /a/<name>/video-channels, /a/<name>/videos): a header with
// banner, avatar, description and followers, then tabs. PeerTube's older addresses
// (/video-channels/…, /accounts/…) lead here.
import { api, ApiError } from '../api.js';
import { accountPath, handleSegment, messagePage } from '../components.js';
import { h } from '../dom.js';
import { session } from '../session.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { avatar, channelCard, tabs, videoList, viewerFilters } from '../browse/lists.js';
import { playlistCard } from '../browse/playlists.js';
import { subscribeButton } from '../browse/subscribe.js';

/** /video-channels/x/videos -> /c/x/videos, /accounts/x -> /a/x: PeerTube's old paths. */
export function redirectPage(ctx) {
  const { rest } = ctx.params;
  const prefix = location.pathname.startsWith('/accounts/') ? 'a' : 'c';
  return ctx.navigate(`/${prefix}/${handleSegment(ctx.params.handle)}${rest}${location.search}`, { replace: true });
}

/** The actor, or a "not found" page (null) for a 404. */
async function load(path, ctx, notFoundTitle) {
  try {
    return await api.get(path, { signal: ctx.signal });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    setPageTitle(notFoundTitle);
    messagePage(ctx.outlet, { title: notFoundTitle, text: strings.actorNotFound, testId: 'not-found' }).focus();
    return null;
  }
}

function header(actor, { handle, meta, actions, testId }) {
  const banner = actor.banners?.[0]?.path;
  const description = (actor.description || '').trim();
  return h(
    'header',
    { class: 'actor-header', 'data-testid': testId },
    banner && h('img', { class: 'actor-banner', src: banner, alt: '', 'data-testid': 'actor-banner' }),
    h(
      'div',
      { class: 'actor-main' },
      avatar(actor, 'large'),
      h(
        'div',
        { class: 'actor-text' },
        h('h1', { class: 'page-title actor-name', tabindex: '-1' }, actor.displayName || actor.name),
        h('p', { class: 'actor-handle' }, handle),
        meta && h('p', { class: 'actor-meta' }, meta),
      ),
      actions && h('div', { class: 'actor-actions' }, actions),
    ),
    description && h('p', { class: 'actor-description', 'data-testid': 'actor-description' }, description),
  );
}

function listTab(ctx, fetchPage, { label, emptyText, card = null, testId = 'video-grid', gridClass }, filters) {
  const list = videoList({
    signal: ctx.signal,
    blur: filters.blur,
    label,
    emptyText,
    heading: 'h3',
    testId,
    gridClass,
    ...(card ? { card, key: (item) => item.id, countText: strings.shownOfTotalItems } : {}),
    fetchPage,
  });
  ctx.outlet.append(h('section', { class: 'actor-tab', 'aria-label': label }, h('h2', { class: 'visually-hidden' }, label), list.element));
  return list.loadFirst();
}

export async function channelPage(ctx) {
  const { params, signal } = ctx;
  const handle = params.handle;
  const resource = `/api/v1/video-channels/${handleSegment(handle)}`;
  const channel = await load(resource, ctx, strings.channelNotFound);
  if (!channel) return;
  const title = channel.displayName || channel.name;
  setPageTitle(title);
  const filters = await viewerFilters();
  const followers = h('span', { 'data-testid': 'followers-count', 'aria-live': 'polite' }, strings.followers(channel.followersCount || 0));
  let count = channel.followersCount || 0;
  const owner = channel.ownerAccount;
  await session.ready;
  // Its owner manages the channel (the account pages' editor) rather than following it.
  const own = Boolean(session.user && owner && session.user.account?.name === owner.name);
  const actions = own
    ? h('a', { href: `/manage/update/${handleSegment(channel.name)}`, class: 'button button-quiet', 'data-testid': 'manage-channel' }, strings.manageChannel)
    : await subscribeButton(channel, {
        signal,
        onChange(subscribed) {
          count = Math.max(0, count + (subscribed ? 1 : -1));
          followers.textContent = strings.followers(count);
        },
      });
  const base = `/c/${handleSegment(handle)}`;
  const tab = params.tab === '/video-playlists' ? 'playlists' : 'videos';
  ctx.outlet.append(
    header(channel, {
      handle: `@${channel.name}@${channel.host}`,
      testId: 'channel-header',
      meta: [
        followers,
        owner && [' · ', strings.channelBy, ' ', h('a', { href: accountPath(owner, { local: channel.isLocal !== false }), 'data-testid': 'channel-owner' }, owner.displayName || owner.name)],
      ],
      actions,
    }),
    tabs(strings.channelTabsLabel, [
      { href: `${base}/videos`, text: strings.tabVideos, testId: 'tab-videos' },
      { href: `${base}/video-playlists`, text: strings.tabPlaylists, testId: 'tab-playlists' },
    ], tab === 'playlists' ? `${base}/video-playlists` : `${base}/videos`),
  );
  if (tab === 'playlists') {
    await listTab(
      ctx,
      (start, count) => api.get(`${resource}/video-playlists`, { query: { start, count }, signal }),
      { label: strings.tabPlaylists, emptyText: strings.noPlaylists, card: (p) => playlistCard(p), testId: 'playlist-grid' },
      filters,
    );
  } else {
    await listTab(
      ctx,
      (start, count) => api.get(`${resource}/videos`, { query: { ...filters.query, sort: '-publishedAt', start, count }, signal }),
      { label: strings.tabVideos, emptyText: strings.noChannelVideos },
      filters,
    );
  }
  ctx.contentReady();
}

export async function accountPage(ctx) {
  const { params, signal } = ctx;
  const resource = `/api/v1/accounts/${handleSegment(params.name)}`;
  const account = await load(resource, ctx, strings.accountNotFound);
  if (!account) return;
  setPageTitle(account.displayName || account.name);
  const filters = await viewerFilters();
  const base = `/a/${handleSegment(params.name)}`;
  const tab = params.tab === '/videos' ? 'videos' : 'channels';
  ctx.outlet.append(
    header(account, { handle: `@${account.name}@${account.host}`, testId: 'account-header' }),
    tabs(strings.accountTabsLabel, [
      { href: `${base}/video-channels`, text: strings.tabChannels, testId: 'tab-channels' },
      { href: `${base}/videos`, text: strings.tabVideos, testId: 'tab-videos' },
    ], tab === 'videos' ? `${base}/videos` : `${base}/video-channels`),
  );
  if (tab === 'videos') {
    await listTab(
      ctx,
      (start, count) => api.get(`${resource}/videos`, { query: { ...filters.query, sort: '-publishedAt', start, count }, signal }),
      { label: strings.tabVideos, emptyText: strings.noAccountVideos },
      filters,
    );
  } else {
    await listTab(
      ctx,
      (start, count) => api.get(`${resource}/video-channels`, { query: { start, count }, signal }),
      { label: strings.tabChannels, emptyText: strings.noChannels, card: channelCard, testId: 'channel-grid', gridClass: 'channel-list' },
      filters,
    );
  }
  ctx.contentReady();
}
