// A playlist's page, /w/p/<id>: its videos in order, each opening the watch page at its
// position (/w/p/<id>?playlistPosition=N, where the watch page takes over). Its owner may
// remove and reorder videos here.
import { api, ApiError, getAll } from '../api.js';
import { channelPath, errorBox, messagePage, videoCard } from '../components.js';
import { h } from '../dom.js';
import { session } from '../session.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { viewerFilters } from '../browse/lists.js';
import { positionPath } from '../watch/playlist.js';

/** /videos/watch/playlist/<id> (PeerTube's older address) -> /w/p/<id>. */
export function playlistRedirectPage(ctx) {
  return ctx.navigate(`/w/p/${encodeURIComponent(ctx.params.id)}${location.search}`, { replace: true });
}

export async function playlistPage(ctx) {
  if (ctx.query.has('playlistPosition')) {
    const { watchPlaylistPage } = await import('./watch.js');
    return watchPlaylistPage(ctx);
  }
  const { outlet, signal, params } = ctx;
  const base = `/api/v1/video-playlists/${encodeURIComponent(params.id)}`;
  let playlist;
  try {
    playlist = await api.get(base, { signal });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    setPageTitle(strings.playlistNotFound);
    messagePage(outlet, { title: strings.playlistNotFound, text: strings.playlistNotFoundText, testId: 'not-found' }).focus();
    return;
  }
  setPageTitle(playlist.displayName);
  await session.ready;
  const mine = Boolean(session.user) && session.user.account?.name === playlist.ownerAccount?.name;
  const filters = await viewerFilters();

  const status = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-testid': 'playlist-status' });
  const problems = h('div', { class: 'list-status' });
  const list = h('ol', { class: 'playlist-elements', 'aria-label': strings.playlistVideosLabel, 'data-testid': 'playlist-elements' });
  const count = h('span', { 'data-testid': 'playlist-count' });
  const channel = playlist.videoChannel;
  outlet.append(
    h(
      'header',
      { class: 'playlist-header', 'data-testid': 'playlist-header' },
      h('h1', { class: 'page-title', tabindex: '-1' }, playlist.displayName),
      h(
        'p',
        { class: 'playlist-meta' },
        count,
        playlist.privacy?.label && [' · ', playlist.privacy.label],
        channel && [' · ', h('a', { href: channelPath(channel, { local: playlist.isLocal !== false }) }, channel.displayName || channel.name)],
        mine && [' · ', h('a', { href: '/my-library/video-playlists', 'data-testid': 'manage-playlists' }, strings.managePlaylists)],
      ),
      playlist.description && h('p', { class: 'actor-description' }, playlist.description),
      playlist.videosLength > 0 &&
        h('p', {}, h('a', { href: positionPath(playlist, 1), class: 'button', 'data-testid': 'play-all' }, strings.playlistPlayAll)),
    ),
    status,
    problems,
    list,
  );

  let elements = [];

  function row(element, index) {
    const position = index + 1;
    const video = element.video;
    const item = video
      ? videoCard(video, { blur: filters.blur, href: positionPath(playlist, position), heading: 'h2' })
      : h('li', { class: 'card-item' }, h('article', { class: 'video-card unavailable-card' }, h('h2', { class: 'card-title' }, strings.unavailableVideo)));
    item.classList.add('playlist-element');
    item.dataset.testid = 'playlist-element';
    item.prepend(h('span', { class: 'playlist-position', 'aria-hidden': 'true' }, String(position)));
    if (mine) {
      const name = video ? video.name : strings.unavailableVideo;
      const act = (text, label, onclick, disabled = false, testId) =>
        h('button', { type: 'button', class: 'button button-quiet button-small', 'aria-label': label, disabled, onclick, 'data-testid': testId }, text);
      item.append(
        h(
          'div',
          { class: 'playlist-element-actions' },
          act(strings.moveUp, strings.moveUpLabel(name), () => move(index, index - 1), index === 0, 'move-up'),
          act(strings.moveDown, strings.moveDownLabel(name), () => move(index, index + 1), index === elements.length - 1, 'move-down'),
          act(strings.removeFromPlaylist, strings.removeFromPlaylistLabel(name), () => remove(index), false, 'remove-element'),
        ),
      );
    }
    return item;
  }

  function draw(focusTestId = null, focusIndex = null) {
    list.replaceChildren(...elements.map(row));
    count.textContent = strings.playlistVideos(elements.length);
    if (elements.length === 0) {
      problems.replaceChildren(h('p', { class: 'empty-state', 'data-testid': 'empty-state' }, strings.emptyPlaylist));
    }
    // Keep keyboard focus on the moved video's button (or the nearest one).
    if (focusTestId !== null && elements.length > 0) {
      const target = list.children[Math.min(focusIndex, elements.length - 1)];
      const button = target?.querySelector(`[data-testid="${focusTestId}"]:not(:disabled)`) || target?.querySelector('button:not(:disabled)');
      button?.focus();
    }
  }

  async function change(work, message, focus) {
    problems.replaceChildren();
    for (const button of list.querySelectorAll('button')) button.disabled = true;
    try {
      await work();
      status.textContent = message;
    } catch (error) {
      problems.replaceChildren(errorBox(error));
    }
    draw(...focus);
  }

  function move(from, to) {
    const element = elements[from];
    const name = element.video ? element.video.name : strings.unavailableVideo;
    return change(
      async () => {
        // PeerTube's reorder: the element at startPosition goes after insertAfterPosition
        // (0: first), positions counted before the move.
        const insertAfterPosition = to < from ? to : to + 1;
        await api.post(`${base}/videos/reorder`, { json: { startPosition: from + 1, insertAfterPosition } });
        elements.splice(from, 1);
        elements.splice(to, 0, element);
      },
      strings.movedTo(name, to + 1),
      [to < from ? 'move-up' : 'move-down', to],
    );
  }

  function remove(index) {
    const element = elements[index];
    const name = element.video ? element.video.name : strings.unavailableVideo;
    return change(
      async () => {
        await api.delete(`${base}/videos/${element.id}`);
        elements.splice(index, 1);
      },
      strings.removedFromPlaylist(name),
      ['remove-element', index],
    );
  }

  // A playlist holds a bounded number of videos: all of them are shown, in order.
  elements = await getAll(`${base}/videos`, { signal });
  draw();
  ctx.contentReady();
}
