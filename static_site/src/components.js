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

/**
 * The address of a channel's or an account's page: `/c/name` for this instance's,
 * `/c/name@host` for another's (PeerTube's form, so links work across instances).
 */
export function actorPath(prefix, actor, { local = true } = {}) {
  const handle = local || !actor.host ? actor.name : `${actor.name}@${actor.host}`;
  return `/${prefix}/${handleSegment(handle)}`;
}

/** A handle (name@host:port) as a path segment: "@" and ":" are allowed there and kept
 * readable, as PeerTube writes them. */
export function handleSegment(handle) {
  return encodeURIComponent(handle).replace(/%40/g, '@').replace(/%3A/gi, ':');
}

export const channelPath = (channel, options) => actorPath('c', channel, options);
export const accountPath = (account, options) => actorPath('a', account, options);

/** A live's badge instead of a duration: streaming now, waiting for its stream, or ended
 * (PeerTube's states 1, 4 and 5); null for other videos. */
function liveLabel(video) {
  if (!video.isLive) return null;
  const state = Number(video.state?.id) || 1;
  if (state === 4) return { kind: 'waiting', text: strings.liveWaitingBadge };
  if (state === 5) return { kind: 'ended', text: strings.liveEndedBadge };
  return { kind: 'now', text: strings.liveBadge };
}

/**
 * A card in the video grid, linking to the watch page and the channel.
 * `blur`: the viewer's NSFW policy is "blur", so a sensitive video's thumbnail is
 * blurred under a label (its title stays readable). `href` overrides the watch link
 * (a playlist's position); `heading` is the title's level under the list's own heading.
 */
export function videoCard(video, { blur = false, href = watchPath(video), heading = 'h3' } = {}) {
  const name = video.name || '';
  const duration = formatDuration(video.duration);
  const live = liveLabel(video);
  const sensitive = blur && Boolean(video.nsfw);
  const owner = video.channel || video.account;
  const ownerLink =
    owner &&
    h(
      'a',
      {
        href: video.channel ? channelPath(owner, { local: video.isLocal !== false }) : accountPath(owner, { local: video.isLocal !== false }),
        'data-testid': 'card-channel',
      },
      owner.displayName || owner.name,
    );
  // The thumbnail link repeats the title link, so it is hidden from assistive
  // technology and from the tab order; the title link is the one to use.
  return h(
    'li',
    { class: 'card-item' },
    h(
      'article',
      { class: 'video-card', 'data-testid': 'video-card', 'data-nsfw': video.nsfw ? 'true' : null },
      h(
        'a',
        { class: `card-thumb${sensitive ? ' card-thumb-blurred' : ''}`, href, tabindex: '-1', 'aria-hidden': 'true' },
        video.thumbnailPath
          ? h('img', {
              src: video.thumbnailPath,
              alt: '',
              loading: 'lazy',
              decoding: 'async',
              width: '320',
              height: '180',
            })
          : h('span', { class: 'thumb-placeholder' }),
        sensitive && h('span', { class: 'nsfw-label', 'data-testid': 'nsfw-label' }, strings.sensitiveContent),
        live
          ? h('span', { class: `live-badge live-badge-${live.kind}`, 'data-testid': 'live-badge', 'data-kind': live.kind }, live.text)
          : h('span', { class: 'duration-badge' }, duration),
      ),
      h(
        'div',
        { class: 'card-body' },
        h(heading, { class: 'card-title' }, h('a', { href, 'data-testid': 'video-link' }, name)),
        ownerLink && h('p', { class: 'card-channel' }, ownerLink),
        h(
          'p',
          { class: 'card-meta' },
          // What sighted users read off the thumbnail, said once for screen readers.
          h(
            'span',
            { class: 'visually-hidden' },
            [live ? live.text : strings.durationLabel(duration), sensitive && strings.sensitiveContent]
              .filter(Boolean)
              .join(', ') + ', ',
          ),
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
