// Small pieces of UI shared by the pages.
import { h } from './dom.js';
import { formatAbsoluteDate, formatDuration, formatRelativeDate } from './format.js';
import { strings } from './strings.js';

export function loadingIndicator(text = strings.loading) {
  return h(
    'p',
    { class: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    text,
  );
}

/** A readable error with an optional "Try again" button. */
export function errorBox(error, { title = strings.errorTitle, onRetry = null } = {}) {
  const message = (error && error.message) || String(error);
  return h(
    'div',
    { class: 'error-box', role: 'alert', 'data-testid': 'error' },
    h('p', { class: 'error-title' }, title),
    h('p', { class: 'error-message' }, message),
    onRetry && h('button', { type: 'button', class: 'button', onclick: onRetry }, strings.retry),
  );
}

/** A full-page message with a heading and a link home (404s and the like). */
export function messagePage(outlet, { title, text, testId }) {
  const heading = h('h1', { class: 'page-title', tabindex: '-1' }, title);
  outlet.append(
    h(
      'section',
      { class: 'message-page', 'data-testid': testId },
      heading,
      h('p', {}, text),
      h('p', {}, h('a', { href: '/', class: 'button' }, strings.backHome)),
    ),
  );
  return heading;
}

export function watchPath(video) {
  const id = video.shortUUID || video.uuid || video.id;
  return `/w/${encodeURIComponent(String(id))}`;
}

/** A card in the video grid, linking to the watch page. */
export function videoCard(video) {
  const href = watchPath(video);
  const name = video.name || '';
  const duration = formatDuration(video.duration);
  const channel =
    (video.channel && (video.channel.displayName || video.channel.name)) ||
    (video.account && (video.account.displayName || video.account.name)) ||
    '';
  // The thumbnail link repeats the title link, so it is hidden from assistive
  // technology and from the tab order; the title link is the one to use.
  return h(
    'li',
    { class: 'card-item' },
    h(
      'article',
      { class: 'video-card', 'data-testid': 'video-card' },
      h(
        'a',
        { class: 'card-thumb', href, tabindex: '-1', 'aria-hidden': 'true' },
        video.thumbnailPath
          ? h('img', {
              src: video.thumbnailPath,
              alt: strings.thumbnailAlt(name),
              loading: 'lazy',
              decoding: 'async',
              width: '320',
              height: '180',
            })
          : h('span', { class: 'thumb-placeholder' }),
        h('span', { class: 'duration-badge' }, duration),
      ),
      h(
        'div',
        { class: 'card-body' },
        h('h2', { class: 'card-title' }, h('a', { href, 'data-testid': 'video-link' }, name)),
        channel && h('p', { class: 'card-channel' }, channel),
        h(
          'p',
          { class: 'card-meta' },
          h('span', { class: 'visually-hidden' }, `${strings.durationLabel(duration)}, `),
          h(
            'time',
            { datetime: video.publishedAt, title: formatAbsoluteDate(video.publishedAt) },
            formatRelativeDate(video.publishedAt),
          ),
          typeof video.views === 'number' && [' · ', strings.views(video.views)],
        ),
      ),
    ),
  );
}
