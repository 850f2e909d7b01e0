// Watching a playlist, /w/p/<playlist>?playlistPosition=N (PeerTube's address): the Nth
// video on the watch page, the playlist beside it, and the next video when one ends.
import { api, getAll } from '../api.js';
import { formatDuration } from '../format.js';
import { h } from '../dom.js';
import { strings } from '../strings.js';

/** The playlist's address at `position`. */
export function positionPath(playlist, position) {
  const id = playlist.shortUUID || playlist.uuid || playlist.id;
  return `/w/p/${encodeURIComponent(String(id))}?playlistPosition=${position}`;
}

/**
 * The playlist `id` and its elements; `current` is the element at `position`, or the
 * first playable one after it (a deleted or private video leaves an empty element).
 */
export async function loadPlaylist(id, position, { signal }) {
  const base = `/api/v1/video-playlists/${encodeURIComponent(id)}`;
  const [playlist, elements] = await Promise.all([
    api.get(base, { signal }),
    getAll(`${base}/videos`, { signal }),
  ]);
  const playable = elements.filter((e) => e.video);
  const current = playable.find((e) => e.position >= position) || null;
  const next = current ? playable.find((e) => e.position > current.position) || null : null;
  return { playlist, elements, current, next };
}

/** The list beside the player: every element, the one playing marked. */
export function playlistPanel({ playlist, elements, current }) {
  const items = elements.map((element) => {
    const video = element.video;
    const playing = element === current;
    const label = video ? video.name : strings.playlistElementUnavailable;
    return h(
      'li',
      { class: `playlist-item${playing ? ' playing' : ''}`, 'data-testid': 'playlist-item' },
      h('span', { class: 'playlist-position', 'aria-hidden': 'true' }, playing ? '▶' : String(element.position)),
      video
        ? h(
            'a',
            { href: positionPath(playlist, element.position), 'aria-current': playing ? 'true' : null },
            h('span', { class: 'playlist-item-name' }, label),
            h('span', { class: 'playlist-item-duration' }, formatDuration(video.duration)),
          )
        : h('span', { class: 'playlist-item-name unavailable' }, label),
    );
  });
  return h(
    'aside',
    { class: 'playlist-panel', 'aria-label': strings.playlistPanelLabel(playlist.displayName), 'data-testid': 'playlist-panel' },
    h(
      'h2',
      { class: 'playlist-panel-title' },
      h('a', { href: `/w/p/${encodeURIComponent(playlist.shortUUID || playlist.uuid || playlist.id)}` }, playlist.displayName),
    ),
    h('p', { class: 'playlist-panel-meta' }, strings.playlistPanelPosition(current ? elements.indexOf(current) + 1 : 0, elements.length)),
    h('ol', { class: 'playlist-panel-items' }, items),
  );
}
