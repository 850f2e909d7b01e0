// The states of a video that cannot be played yet (or ever): the box shown in place of the
// player, and the wait (polling) until it is published. Shared by the watch and embed pages.
import { ApiError, getVideo } from '../api.js';
import { h, isAbort, sleep } from '../dom.js';
import { strings } from '../strings.js';
import { hasPlayableSource } from '../player.js';

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

export function stateId(video) {
  const id = video.state && Number(video.state.id);
  return Number.isFinite(id) && id > 0 ? id : VideoState.PUBLISHED;
}

function stateLabel(video) {
  return (video.state && typeof video.state.label === 'string' && video.state.label) || '';
}

export function sameText(a, b) {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The box shown in place of the player while the video cannot be played. */
function stateBox(video, { pending }) {
  const id = stateId(video);
  const label = stateLabel(video);
  let title;
  let detail = '';
  if (id === VideoState.WAITING_FOR_LIVE) {
    title = strings.liveWaitingTitle;
    detail = strings.liveWaitingDetail;
  } else if (id === VideoState.LIVE_ENDED) {
    title = strings.liveEndedTitle;
    detail = strings.liveEndedDetail;
  } else if (id === VideoState.TRANSCODING_FAILED) {
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

/**
 * Resolves to the video once it can be played, showing its state in `playerArea` while it
 * is processed (and passing failures in `pollNote`); to null when it never will be, and to
 * { notFound: true } when it was deleted meanwhile. onUpdate(video) after each new answer.
 */
export async function waitUntilPlayable(video, { id, signal, playerArea, pollNote, onUpdate = () => {} }) {
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
    if (!pending) return null;

    await sleep(POLL_INTERVAL_MS, signal);
    try {
      video = await getVideo(id, { signal });
      pollNote.textContent = '';
    } catch (error) {
      if (isAbort(error) || signal.aborted) throw error;
      if (error instanceof ApiError && error.status === 404) return { notFound: true };
      // A passing failure: say so and keep polling.
      pollNote.textContent = error.message;
      continue;
    }
    onUpdate(video);
  }

  return video;
}
