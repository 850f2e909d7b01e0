// Playlist cards and the addresses of playlists.
import { h } from '../dom.js';
import { formatRelativeDate } from '../format.js';
import { strings } from '../strings.js';

export function playlistPath(playlist) {
  return `/w/p/${encodeURIComponent(playlist.shortUUID || playlist.uuid || playlist.id)}`;
}

/** A playlist in a grid: thumbnail with its number of videos, name, privacy, date. */
export function playlistCard(playlist, { heading = 'h3', extra = null } = {}) {
  const href = playlistPath(playlist);
  const name = playlist.displayName || '';
  return h(
    'li',
    { class: 'card-item' },
    h(
      'article',
      { class: 'video-card playlist-card', 'data-testid': 'playlist-card' },
      h(
        'a',
        { class: 'card-thumb', href, tabindex: '-1', 'aria-hidden': 'true' },
        playlist.thumbnailPath ? h('img', { src: playlist.thumbnailPath, alt: '', loading: 'lazy', width: '320', height: '180' }) : h('span', { class: 'thumb-placeholder' }),
        h('span', { class: 'playlist-count-badge' }, strings.playlistVideos(playlist.videosLength || 0)),
      ),
      h(
        'div',
        { class: 'card-body' },
        h(heading, { class: 'card-title' }, h('a', { href, 'data-testid': 'playlist-link' }, name)),
        h(
          'p',
          { class: 'card-meta' },
          playlist.privacy?.label && [playlist.privacy.label, ' · '],
          h('span', { class: 'visually-hidden' }, `${strings.playlistVideos(playlist.videosLength || 0)}, `),
          strings.playlistUpdated(formatRelativeDate(playlist.updatedAt)),
        ),
        extra,
      ),
    ),
  );
}
