// Watch page: /w/<id> and /videos/watch/<id> (uuid, shortUUID or numeric id), with
// ?start=1m30s to begin further in; /w/p/<playlist>?playlistPosition=N for a playlist's
// videos in turn. The player (src/watch/player-ui.js) and its P2P statistics, the video's
// details, the actions on it and its comments.
import { ApiError, getVideo } from '../api.js';
import { errorBox, handleSegment, loadingIndicator, messagePage } from '../components.js';
import { h, isAbort } from '../dom.js';
import { formatAbsoluteDate, formatDuration, formatRelativeDate } from '../format.js';
import { hasPlayableSource, mp4Files } from '../player.js';
import { preferences } from '../preferences.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { actionsBar, channelHandle, subscribeButton } from '../watch/actions.js';
import { commentsSection } from '../watch/comments.js';
import { createPlayer, parseStart } from '../watch/player-ui.js';
import { loadPlaylist, playlistPanel, positionPath } from '../watch/playlist.js';
import { liveStatus, playFollowingLive } from '../watch/live.js';
import { sameText, waitUntilPlayable } from '../watch/state.js';
import { statsPanel } from '../watch/stats.js';

const THEATRE_KEY = 'peerless.theatre';

function avatarOf(actor, name) {
  const path = actor?.avatars?.[0]?.path || actor?.avatars?.[0]?.fileUrl;
  return path
    ? h('img', { src: path, alt: '', class: 'avatar channel-avatar', width: '48', height: '48' })
    : h('span', { class: 'avatar channel-avatar avatar-initial', 'aria-hidden': 'true' }, (name || '?').slice(0, 1).toUpperCase());
}

function labelled(field) {
  return field && field.id !== undefined && field.id !== null && field.id !== 0 && field.id !== '' && field.label ? field.label : null;
}

/** Views and date (a live's badge and viewers first), under the title. */
function metaLine(video) {
  return [
    liveStatus(video),
    typeof video.views === 'number' && h('span', { 'data-testid': 'video-views' }, strings.views(video.views)),
    typeof video.views === 'number' && video.publishedAt && ' · ',
    video.publishedAt &&
      h('time', { datetime: video.publishedAt, title: formatAbsoluteDate(video.publishedAt), 'data-testid': 'video-date' }, formatRelativeDate(video.publishedAt)),
  ].filter(Boolean);
}

function channelRow(video, { signal }) {
  const channel = video.channel || {};
  const account = video.account || {};
  const channelName = channel.displayName || channel.name || '';
  const accountName = account.displayName || account.name || '';
  if (!channelName && !accountName) return null;
  return h(
    'div',
    { class: 'video-channel', 'data-testid': 'video-channel' },
    channel.name ? h('a', { href: `/c/${handleSegment(channelHandle(channel))}`, class: 'channel-avatar-link', tabindex: '-1', 'aria-hidden': 'true' }, avatarOf(channel, channelName)) : avatarOf(account, accountName),
    h(
      'div',
      { class: 'channel-names' },
      channel.name
        ? h('a', { href: `/c/${handleSegment(channelHandle(channel))}`, class: 'channel-link', 'data-testid': 'channel-link' }, h('span', { class: 'visually-hidden' }, `${strings.channelLabel}: `), channelName)
        : h('strong', {}, channelName),
      accountName && !sameText(accountName, channelName) && h('span', { class: 'video-account' }, strings.accountLabel(accountName)),
      typeof channel.followersCount === 'number' && h('span', { class: 'video-account' }, strings.watchFollowers(channel.followersCount)),
    ),
    channel.name && subscribeButton(channel, { signal }),
  );
}

function description(video) {
  const text = typeof video.description === 'string' ? video.description.trim() : '';
  return h(
    'section',
    { class: 'video-description', 'aria-label': strings.descriptionHeading },
    // Plain text: the description is never interpreted as HTML.
    h('p', { class: text ? 'description-text' : 'description-text empty', 'data-testid': 'video-description' }, text || strings.noDescription),
  );
}

function metadata(video) {
  const rows = [
    [strings.metaCategory, labelled(video.category), 'meta-category'],
    [strings.metaLicence, labelled(video.licence), 'meta-licence'],
    [strings.metaLanguage, labelled(video.language), 'meta-language'],
    [strings.metaDuration, video.duration ? formatDuration(video.duration) : null, 'meta-duration'],
  ].filter(([, value]) => value);
  const tags = Array.isArray(video.tags) ? video.tags : [];
  if (!rows.length && !tags.length) return null;
  return h(
    'dl',
    { class: 'video-metadata' },
    rows.map(([label, value, testId]) => [h('dt', {}, label), h('dd', { 'data-testid': testId }, value)]),
    tags.length > 0 && [
      h('dt', {}, strings.metaTags),
      h('dd', { class: 'video-tags', 'data-testid': 'video-tags' }, tags.map((tag) => h('a', { href: `/search?tagsOneOf=${encodeURIComponent(tag)}`, class: 'tag' }, tag))),
    ],
  );
}

/** A playlist's video at ?playlistPosition=N, with the playlist beside the player. */
export async function watchPlaylistPage(ctx) {
  const position = Math.max(1, Number.parseInt(ctx.query.get('playlistPosition'), 10) || 1);
  ctx.outlet.append(loadingIndicator());
  let found;
  try {
    found = await loadPlaylist(ctx.params.id, position, { signal: ctx.signal });
  } catch (error) {
    if (isAbort(error) || ctx.signal.aborted) throw error;
    ctx.outlet.replaceChildren();
    if (error instanceof ApiError && error.status === 404) return showNotFound(ctx);
    throw error;
  }
  if (!found.current) {
    ctx.outlet.replaceChildren();
    setPageTitle(found.playlist.displayName);
    messagePage(ctx.outlet, { title: found.playlist.displayName, text: strings.playlistNothingToPlay, testId: 'playlist-empty' });
    return ctx.contentReady();
  }
  return watchPage({ ...ctx, params: { id: found.current.video.uuid } }, found);
}

/** `inPlaylist`: what loadPlaylist found, when the video is watched as part of one. */
export async function watchPage(ctx, inPlaylist = null) {
  const { outlet, signal, params } = ctx;
  const id = params.id;
  setPageTitle('');
  outlet.append(loadingIndicator());

  let video;
  let prefs;
  try {
    [video, prefs] = await Promise.all([getVideo(id, { signal }), preferences.current()]);
  } catch (error) {
    if (isAbort(error) || signal.aborted) throw error;
    outlet.replaceChildren();
    if (error instanceof ApiError && error.status === 404) return showNotFound(ctx);
    setPageTitle(strings.errorTitle);
    outlet.append(errorBox(error, { onRetry: ctx.reload }));
    return;
  }

  const article = h('article', { class: `watch${inPlaylist ? ' with-playlist' : ''}` });
  article.classList.toggle('theatre', localStorage.getItem(THEATRE_KEY) === '1');
  const playerArea = h('div', { class: 'player-area' });
  const statsSlot = h('div', { class: 'stats-slot' });
  const info = h('div', { class: 'video-info' });
  const pollNote = h('p', { class: 'poll-note', 'aria-live': 'polite' });
  article.append(playerArea, pollNote, statsSlot, info);
  if (inPlaylist) article.append(playlistPanel(inPlaylist));
  outlet.replaceChildren(article);

  // Title, views and date are all that is shown while the video is processed; a live's
  // badge and viewers change while it plays.
  const title = h('h1', { class: 'video-title', 'data-testid': 'video-title', tabindex: '-1' });
  const meta = h('p', { class: 'video-meta' });
  info.append(title, meta);
  const showHeadline = (v) => {
    setPageTitle(v.name || '');
    title.textContent = v.name || '';
    meta.replaceChildren(...metaLine(v));
  };
  showHeadline(video);
  ctx.contentReady();

  let view = null;
  let detailsShown = false;
  const showDetails = () => {
    if (detailsShown) return;
    detailsShown = true;
    info.append(
      actionsBar(video, { signal, currentTime: () => view?.el.currentTime || 0, files: mp4Files(video) }),
      channelRow(video, { signal }) || '',
      description(video),
      metadata(video) || '',
    );
    article.append(commentsSection(video, { signal }));
  };
  // A live is worth reading about while it waits for its stream; other videos once ready.
  if (video.isLive) showDetails();

  // A live goes round: waiting, playing, then ended, waiting again or its replay.
  for (;;) {
    video = await waitUntilPlayable(video, { id, signal, playerArea, pollNote, onUpdate: showHeadline });
    if (!video) return;
    if (video.notFound) {
      outlet.replaceChildren();
      return showNotFound(ctx);
    }
    showHeadline(video);
    video = await playFollowingLive(id, video, {
      signal,
      onUpdate: showHeadline,
      play(playing) {
        view = createPlayer(video, {
          signal: playing,
          p2p: prefs.p2pEnabled !== false,
          autoplay: prefs.autoPlayVideo !== false,
          startAt: video.isLive ? 0 : parseStart(ctx.query.get('start')),
          sensitive: Boolean(video.nsfw) && prefs.nsfwPolicy !== 'display',
          theatre: {
            active: () => article.classList.contains('theatre'),
            toggle() {
              const on = article.classList.toggle('theatre');
              localStorage.setItem(THEATRE_KEY, on ? '1' : '0');
            },
          },
        });
        playerArea.replaceChildren(view.root);
        if (inPlaylist?.next) {
          // The next video follows, as PeerTube's "autoplay next video of the playlist" does.
          view.el.addEventListener('ended', () => {
            if (!signal.aborted) ctx.navigate(positionPath(inPlaylist.playlist, inPlaylist.next.position));
          });
        }
        if (!hasPlayableSource(video)) view.el.dataset.playback = 'none';
        const current = view;
        statsSlot.replaceChildren(statsPanel(() => current.player, { signal: playing }));
        showDetails();
        return view.el;
      },
    });
    if (!video) return;
    statsSlot.replaceChildren();
  }
}

function showNotFound(ctx) {
  setPageTitle(strings.videoNotFoundTitle);
  const heading = messagePage(ctx.outlet, {
    title: strings.videoNotFoundTitle,
    text: strings.videoNotFound,
    testId: 'video-not-found',
  });
  ctx.contentReady();
  return heading;
}
