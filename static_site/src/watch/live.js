// A live on the watch page: its "live" badge and viewer count, and the watch kept over it
// while it plays, so that a stream that stops gives way to what the live became (ended,
// waiting for its next stream, its replay being made) instead of a frozen frame.
import { ApiError, getVideo } from '../api.js';
import { h, isAbort, sleep } from '../dom.js';
import { strings } from '../strings.js';
import { POLL_INTERVAL_MS, VideoState, stateId } from './state.js';

// The live's state and viewers are read this often while it plays smoothly; as often as a
// waiting video's once playback ended or stalls, which is how a stream's end shows first.
const LIVE_POLL_MS = 10000;
const TICK_MS = 1000;

/** A live whose stream is playing now. */
export function isStreaming(video) {
  return Boolean(video.isLive) && stateId(video) === VideoState.PUBLISHED;
}

/** The "live" badge and how many watch, for a streaming live's headline; else null. */
export function liveStatus(video) {
  if (!isStreaming(video)) return null;
  return h(
    'span',
    { class: 'live-status', 'data-testid': 'live-status' },
    h('span', { class: 'live-badge live-badge-inline', 'data-testid': 'watch-live-badge' }, strings.liveBadge),
    h('span', { 'data-testid': 'live-viewers', 'data-viewers': String(Number(video.viewers) || 0) }, strings.liveViewers(Number(video.viewers) || 0)),
  );
}

/**
 * Plays `video` (its <video> from `play(signal)`, a player stopped when `signal` aborts) and,
 * when it is a streaming live, follows it (followLive) until its stream stops: then the
 * player stops and what the live became is the answer. Other videos play on: null.
 */
export async function playFollowingLive(id, video, { signal, play, onUpdate = () => {} }) {
  const playing = new AbortController();
  signal.addEventListener('abort', () => playing.abort(), { once: true });
  const el = play(playing.signal);
  if (!isStreaming(video)) return null;
  try {
    return await followLive(id, { el, signal, onUpdate });
  } finally {
    playing.abort();
  }
}

/**
 * Reads the live `id` until it no longer streams, and resolves to it then (to
 * { notFound: true } if it was deleted). `el`: its <video>; onUpdate(video) after each answer.
 */
async function followLive(id, { el, signal, onUpdate }) {
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  for (const type of ['ended', 'stalled', 'waiting', 'emptied']) el.addEventListener(type, stop, { signal });
  el.addEventListener('playing', () => {
    stopped = false;
  }, { signal });
  for (;;) {
    for (let waited = 0; waited < (stopped ? POLL_INTERVAL_MS : LIVE_POLL_MS); waited += TICK_MS) await sleep(TICK_MS, signal);
    let video;
    try {
      video = await getVideo(id, { signal });
    } catch (error) {
      if (isAbort(error) || signal.aborted) throw error;
      if (error instanceof ApiError && error.status === 404) return { notFound: true };
      continue; // a passing failure: the next answer tells
    }
    onUpdate(video);
    if (!isStreaming(video)) return video;
  }
}
