// Watch page: /w/<id> and /videos/watch/<id> (uuid, shortUUID or numeric id).
import { ApiError, getVideo } from '../api.js';
import { errorBox, loadingIndicator, messagePage } from '../components.js';
import { h, isAbort, sleep } from '../dom.js';
import { formatAbsoluteDate, formatRelativeDate } from '../format.js';
import { attachPlayer, hasPlayableSource } from '../player.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';

export const POLL_INTERVAL_MS = 2000;

// PeerTube's VideoState ids.
export const VideoState = {
  PUBLISHED: 1,
  TO_TRANSCODE: 2,
  TO_IMPORT: 3,
  WAITING_FOR_LIVE: 4,
  LIVE_ENDED: 5,
  TO_MOVE_TO_EXTERNAL_STORAGE: 6,
  TRANSCODING_FAILED: 7,
  TO_MOVE_TO_EXTERNAL_STORAGE_FAILED: 8,
  TO_EDIT: 9,
  TO_MOVE_TO_FILE_SYSTEM: 10,
  TO_MOVE_TO_FILE_SYSTEM_FAILED: 11,
};
// States that end by themselves: the page polls until the video is published.
const PENDING = new Set([
  VideoState.TO_TRANSCODE,
  VideoState.TO_IMPORT,
  VideoState.WAITING_FOR_LIVE,
  VideoState.TO_MOVE_TO_EXTERNAL_STORAGE,
  VideoState.TO_EDIT,
  VideoState.TO_MOVE_TO_FILE_SYSTEM,
]);
const FAILED = new Set([
  VideoState.TRANSCODING_FAILED,
  VideoState.TO_MOVE_TO_EXTERNAL_STORAGE_FAILED,
  VideoState.TO_MOVE_TO_FILE_SYSTEM_FAILED,
]);

function stateId(video) {
  const id = video.state && Number(video.state.id);
  return Number.isFinite(id) && id > 0 ? id : VideoState.PUBLISHED;
}

function stateLabel(video) {
  return (video.state && typeof video.state.label === 'string' && video.state.label) || '';
}

function sameText(a, b) {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The box shown in place of the player while the video cannot be played. */
function stateBox(video, { pending }) {
  const id = stateId(video);
  const label = stateLabel(video);
  let title;
  let detail = '';
  if (id === VideoState.TRANSCODING_FAILED) {
    title = strings.stateTranscodingFailed;
    detail = label && !sameText(label, title) ? label : strings.stateUnavailable;
  } else if (pending) {
    title = id === VideoState.TO_TRANSCODE ? strings.stateTranscoding : strings.stateProcessing;
    detail = id === VideoState.TO_TRANSCODE || !label ? strings.stateWillRefresh : `${label}. ${strings.stateWillRefresh}`;
  } else {
    title = label || strings.stateUnavailable;
    if (label) detail = strings.stateUnavailable;
  }
  return h(
    'div',
    {
      class: `state-box ${FAILED.has(id) ? 'state-failed' : pending ? 'state-pending' : 'state-other'}`,
      role: FAILED.has(id) ? 'alert' : 'status',
      'data-testid': 'video-state',
      'data-state': String(id),
    },
    pending && h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    h('p', { class: 'state-title' }, title),
    detail && h('p', { class: 'state-detail' }, detail),
  );
}

function videoInfo(video) {
  const channel = video.channel || {};
  const account = video.account || {};
  const channelName = channel.displayName || channel.name || '';
  const accountName = account.displayName || account.name || '';
  const description = typeof video.description === 'string' ? video.description.trim() : '';
  return [
    h('h1', { class: 'video-title', 'data-testid': 'video-title', tabindex: '-1' }, video.name || ''),
    h(
      'p',
      { class: 'video-meta' },
      typeof video.views === 'number' && h('span', { 'data-testid': 'video-views' }, strings.views(video.views)),
      typeof video.views === 'number' && video.publishedAt && ' · ',
      video.publishedAt &&
        h(
          'time',
          { datetime: video.publishedAt, title: formatAbsoluteDate(video.publishedAt), 'data-testid': 'video-date' },
          formatRelativeDate(video.publishedAt),
        ),
    ),
    (channelName || accountName) &&
      h(
        'p',
        { class: 'video-channel', 'data-testid': 'video-channel' },
        channelName && [h('span', { class: 'visually-hidden' }, `${strings.channelLabel}: `), h('strong', {}, channelName)],
        accountName && !sameText(accountName, channelName) && [' ', h('span', { class: 'video-account' }, strings.accountLabel(accountName))],
      ),
    h(
      'section',
      { class: 'video-description', 'aria-label': strings.descriptionHeading },
      // Plain text: the description is never interpreted as HTML.
      h(
        'p',
        { class: description ? 'description-text' : 'description-text empty', 'data-testid': 'video-description' },
        description || strings.noDescription,
      ),
    ),
  ];
}

export async function watchPage(ctx) {
  const { outlet, signal, params } = ctx;
  const id = params.id;
  setPageTitle('');
  outlet.append(loadingIndicator());

  let video;
  try {
    video = await getVideo(id, { signal });
  } catch (error) {
    if (isAbort(error) || signal.aborted) throw error;
    outlet.replaceChildren();
    if (error instanceof ApiError && error.status === 404) return showNotFound(ctx);
    setPageTitle(strings.errorTitle);
    outlet.append(errorBox(error, { onRetry: ctx.reload }));
    return;
  }

  const playerArea = h('div', { class: 'player-area' });
  const info = h('div', { class: 'video-info' });
  const pollNote = h('p', { class: 'poll-note', 'aria-live': 'polite' });
  outlet.replaceChildren(h('article', { class: 'watch' }, playerArea, pollNote, info));

  const showDetails = (v) => {
    setPageTitle(v.name || '');
    info.replaceChildren(...videoInfo(v).filter(Boolean));
  };
  showDetails(video);
  ctx.contentReady();

  // Wait (polling) until the video can be played, or show why it cannot.
  let shownState = null;
  for (;;) {
    const state = stateId(video);
    const pending = PENDING.has(state);
    const playable = state === VideoState.PUBLISHED || (!pending && !FAILED.has(state) && hasPlayableSource(video));
    if (playable) break;
    const key = `${state}|${stateLabel(video)}`;
    if (key !== shownState) {
      playerArea.replaceChildren(stateBox(video, { pending }));
      shownState = key;
    }
    if (!pending) return;

    await sleep(POLL_INTERVAL_MS, signal);
    try {
      video = await getVideo(id, { signal });
      pollNote.textContent = '';
    } catch (error) {
      if (isAbort(error) || signal.aborted) throw error;
      if (error instanceof ApiError && error.status === 404) {
        outlet.replaceChildren();
        return showNotFound(ctx);
      }
      // A passing failure: say so and keep polling.
      pollNote.textContent = error.message;
      continue;
    }
    showDetails(video);
  }

  mountPlayer(ctx, playerArea, video);
}

function mountPlayer(ctx, playerArea, video) {
  const el = h('video', {
    id: 'player',
    class: 'player',
    controls: true,
    playsinline: true,
    preload: 'metadata',
    poster: video.previewPath || video.thumbnailPath || null,
    'aria-label': strings.videoPlayerLabel(video.name || ''),
  });
  const errorSlot = h('div', { class: 'player-error-slot' });
  playerArea.replaceChildren(el, errorSlot);
  const player = attachPlayer(el, video, {
    onError(message) {
      errorSlot.replaceChildren(
        h('p', { class: 'player-error', role: 'alert', 'data-testid': 'player-error' }, message),
      );
    },
  });
  el.dataset.playback = player.mode || 'none';
  if (!hasPlayableSource(video)) el.dataset.playback = 'none';
  ctx.signal.addEventListener('abort', () => player.destroy(), { once: true });
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
