// /videos/live: create a live (its channel, live settings and the usual details), then
// /videos/live/<id>: what the streamer needs to go live from OBS or ffmpeg (the RTMP URL
// and the stream key, hidden until shown, copyable, regenerable), the live's state as it
// changes, and its past sessions. Only the live's owner (or a moderator) can see the key.
import { ApiError, api, getConfig, getVideo } from '../api.js';
import { errorBox, loadingIndicator, watchPath } from '../components.js';
import { h, isAbort, sleep } from '../dom.js';
import { formatAbsoluteDate } from '../format.js';
import { requireUser, setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { detailsForm, loadChoices, savePicture } from '../upload/details.js';
import { VideoState, stateId } from '../watch/state.js';

// The state shown follows the live this often: a stream shows up within seconds.
const STATE_POLL_MS = 3000;
const LATENCY_MODES = { 1: () => strings.liveLatencyDefault, 2: () => strings.liveLatencyHigh, 3: () => strings.liveLatencySmall };

export async function goLivePage(ctx) {
  const user = await requireUser(ctx);
  if (!user) return;
  setPageTitle(strings.goLiveTitle);
  const heading = h('h1', { class: 'page-title', tabindex: '-1' }, strings.goLiveTitle);
  ctx.outlet.append(heading, loadingIndicator());
  let config, choices;
  try {
    [config, choices] = await Promise.all([getConfig(), loadChoices()]);
  } catch (error) {
    if (ctx.signal.aborted) return;
    ctx.outlet.replaceChildren(heading, errorBox(error, { onRetry: () => ctx.reload() }));
    return;
  }
  const live = config?.live || {};
  const channels = user.videoChannels || [];
  const problem = !live.enabled ? strings.liveDisabled : channels.length === 0 ? strings.uploadNoChannel : null;
  if (problem) {
    ctx.outlet.replaceChildren(heading, errorBox(new Error(problem)));
    ctx.contentReady();
    return;
  }

  const channel = h('select', { 'data-testid': 'live-channel' }, channels.map((c) => h('option', { value: String(c.id) }, c.displayName || c.name)));
  const permanent = h('input', { type: 'checkbox', 'data-testid': 'live-permanent' });
  const replay = live.allowReplay && h('input', { type: 'checkbox', 'data-testid': 'live-replay' });
  const latency =
    live.latencySetting?.enabled &&
    h('select', { 'data-testid': 'live-latency' }, Object.entries(LATENCY_MODES).map(([id, label]) => h('option', { value: id }, label())));

  const form = detailsForm({
    video: { name: '', downloadEnabled: true },
    choices,
    submitLabel: strings.goLiveCreate,
    leading: (field) => [
      field('channelId', strings.uploadChannel, channel),
      field('permanentLive', strings.livePermanent, permanent, { hint: strings.livePermanentHint }),
      replay && field('saveReplay', strings.liveSaveReplay, replay, { hint: strings.liveSaveReplayHint }),
      latency && field('latencyMode', strings.liveLatency, latency, { hint: strings.liveLatencyHint }),
    ],
    async onSubmit({ fields, thumbnail }) {
      // A new video takes no "cleared" field: what is left empty is simply not sent.
      const given = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && !(Array.isArray(value) && value.length === 0)));
      const body = { ...given, channelId: Number(channel.value), permanentLive: permanent.checked, saveReplay: Boolean(replay?.checked) };
      if (latency) body.latencyMode = Number(latency.value);
      if (body.saveReplay) body.replaySettings = { privacy: fields.privacy };
      const created = await api.post('/api/v1/videos/live', { json: body });
      await savePicture(created.video.uuid, thumbnail);
      ctx.navigate(`/videos/live/${encodeURIComponent(created.video.shortUUID || created.video.uuid)}`);
    },
  });
  ctx.outlet.replaceChildren(heading, h('p', { class: 'details-hint' }, strings.goLiveIntro), form.element);
  ctx.contentReady();
}

/** A read-only value with a copy button (and, for a secret, a show/hide button). */
function copyableField({ label, value, testId, secret = false }) {
  const id = `live-${testId}`;
  const input = h('input', { type: secret ? 'password' : 'text', id, readonly: true, value, class: 'live-value', 'data-testid': testId, spellcheck: 'false', autocomplete: 'off' });
  const copied = h('span', { class: 'details-hint', role: 'status' });
  const show =
    secret &&
    h('button', {
      type: 'button',
      class: 'button button-quiet',
      'aria-pressed': 'false',
      'aria-controls': id,
      'data-testid': `${testId}-show`,
      onclick() {
        const shown = input.type === 'password';
        input.type = shown ? 'text' : 'password';
        show.textContent = shown ? strings.liveHide : strings.liveShow;
        show.setAttribute('aria-pressed', String(shown));
      },
    }, strings.liveShow);
  const copy = h('button', {
    type: 'button',
    class: 'button button-quiet',
    'aria-label': strings.liveCopyLabel(label),
    'data-testid': `${testId}-copy`,
    async onclick() {
      try {
        await navigator.clipboard.writeText(input.value);
        copied.textContent = strings.liveCopied;
      } catch {
        // No clipboard (an insecure context): the value is selected for the keyboard.
        input.type = 'text';
        input.select();
      }
    },
  }, strings.liveCopy);
  return {
    element: h('div', { class: 'details-field live-field' }, h('label', { for: id }, label), h('div', { class: 'live-value-row' }, input, show, copy), copied),
    set(next) {
      input.value = next;
      copied.textContent = '';
    },
  };
}

function stateText(video) {
  const state = stateId(video);
  if (state === VideoState.WAITING_FOR_LIVE) return strings.liveStateWaiting;
  if (state === VideoState.PUBLISHED && video.isLive) return strings.liveStateLive(Number(video.viewers) || 0);
  if (state === VideoState.LIVE_ENDED) return strings.liveEndedTitle;
  if (state === VideoState.TO_TRANSCODE) return strings.liveStateReplay;
  return video.state?.label || '';
}

function sessionRow(session) {
  const when = (iso) => (iso ? h('time', { datetime: iso }, formatAbsoluteDate(iso)) : strings.liveSessionRunning);
  return h(
    'li',
    { class: 'live-session', 'data-testid': 'live-session' },
    when(session.startDate),
    ' – ',
    when(session.endDate),
    session.error ? h('span', { class: 'upload-error' }, ` ${strings.liveSessionError}`) : '',
    session.replayVideo ? [' · ', h('a', { href: watchPath(session.replayVideo) }, strings.liveSessionReplay)] : '',
  );
}

export async function liveSettingsPage(ctx) {
  const user = await requireUser(ctx);
  if (!user) return;
  const { signal } = ctx;
  const id = ctx.params.id;
  setPageTitle(strings.liveSettingsTitle);
  const heading = h('h1', { class: 'page-title', tabindex: '-1' }, strings.liveSettingsTitle);
  ctx.outlet.append(heading, loadingIndicator());
  let settings, video;
  try {
    [settings, video] = await Promise.all([api.get(`/api/v1/videos/live/${encodeURIComponent(id)}`, { signal }), getVideo(id, { signal })]);
  } catch (error) {
    if (isAbort(error) || signal.aborted) return;
    const shown = error instanceof ApiError && error.status === 403 ? new Error(strings.liveNotYours) : error;
    ctx.outlet.replaceChildren(heading, errorBox(shown, { onRetry: () => ctx.reload() }));
    ctx.contentReady();
    return;
  }
  setPageTitle(strings.liveSettingsOf(video.name));
  heading.textContent = strings.liveSettingsOf(video.name);

  const url = copyableField({ label: strings.liveRtmpUrl, value: settings.rtmpUrl, testId: 'live-rtmp-url' });
  const key = copyableField({ label: strings.liveStreamKey, value: settings.streamKey, testId: 'live-stream-key', secret: true });
  const keyNote = h('p', { class: 'details-hint', role: 'status', 'data-testid': 'live-key-note' });
  const regenerate = h('button', {
    type: 'button',
    class: 'button button-quiet upload-danger',
    'data-testid': 'live-regenerate',
    async onclick() {
      if (!confirm(strings.liveRegenerateConfirm)) return;
      regenerate.disabled = true;
      try {
        const fresh = await api.post(`/api/v1/videos/live/${encodeURIComponent(id)}/stream-key`, { json: {} });
        key.set(fresh.streamKey);
        keyNote.textContent = strings.liveRegenerated;
      } catch (error) {
        keyNote.textContent = error.message;
      } finally {
        regenerate.disabled = false;
      }
    },
  }, strings.liveRegenerate);

  const state = h('p', { class: 'live-state', role: 'status', 'data-testid': 'live-state' });
  const sessions = h('ul', { class: 'live-sessions', 'data-testid': 'live-sessions' });
  const showState = (v) => {
    state.dataset.state = String(stateId(v));
    state.dataset.live = String(Boolean(v.isLive));
    state.textContent = stateText(v);
  };
  async function showSessions() {
    const found = await api.get(`/api/v1/videos/live/${encodeURIComponent(id)}/sessions`, { signal });
    sessions.replaceChildren(...(found.data || []).slice().reverse().map(sessionRow));
    if (!sessions.children.length) sessions.append(h('li', {}, strings.liveNoSessions));
  }
  showState(video);

  const mode = LATENCY_MODES[settings.latencyMode];
  ctx.outlet.replaceChildren(
    heading,
    h(
      'section',
      { class: 'live-panel', 'aria-labelledby': 'live-connect-title' },
      h('h2', { id: 'live-connect-title' }, strings.liveConnectTitle),
      h('p', { class: 'details-hint' }, strings.liveConnectHint),
      url.element,
      key.element,
      h('div', { class: 'details-actions' }, regenerate, keyNote),
    ),
    h(
      'section',
      { class: 'live-panel', 'aria-labelledby': 'live-state-title' },
      h('h2', { id: 'live-state-title' }, strings.liveStateTitle),
      state,
      h(
        'ul',
        { class: 'live-summary' },
        h('li', {}, settings.permanentLive ? strings.livePermanent : strings.liveNotPermanent),
        h('li', {}, settings.saveReplay ? strings.liveSaveReplay : strings.liveNoReplay),
        mode && h('li', {}, `${strings.liveLatency}: ${mode()}`),
      ),
      h('p', {}, h('a', { href: watchPath(video), 'data-testid': 'live-watch-link' }, strings.liveWatchPage)),
    ),
    h('section', { class: 'live-panel', 'aria-labelledby': 'live-sessions-title' }, h('h2', { id: 'live-sessions-title' }, strings.liveSessionsTitle), sessions),
  );
  ctx.contentReady();

  // The state and sessions follow the stream until the page is left.
  let shown = `${stateId(video)}|${video.isLive}`;
  try {
    await showSessions();
    for (;;) {
      await sleep(STATE_POLL_MS, signal);
      try {
        video = await getVideo(id, { signal });
      } catch (error) {
        if (isAbort(error) || signal.aborted) throw error;
        continue; // a passing failure: the next answer tells
      }
      showState(video);
      if (`${stateId(video)}|${video.isLive}` !== shown) {
        shown = `${stateId(video)}|${video.isLive}`;
        await showSessions();
      }
    }
  } catch (error) {
    if (!isAbort(error) && !signal.aborted) sessions.after(errorBox(error));
  }
}
