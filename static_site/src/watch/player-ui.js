// The player as the watch and embed pages show it: a <video> with our own controls
// (play, seek with storyboard previews, time, volume, captions, settings for quality and
// speed, theatre, fullscreen), keyboard shortcuts with their help dialog, the sensitive
// content overlay, and the view counted after a few seconds of playback. A live has no seek
// bar but a "live" button back to its edge, and reports its viewer every few seconds.
import { api } from '../api.js';
import { h } from '../dom.js';
import { formatDuration } from '../format.js';
import { attachPlayer } from '../player.js';
import { strings } from '../strings.js';
import { openDialog } from './dialog.js';

const SEEK_STEP_S = 5;
const VOLUME_STEP = 0.1;
const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];
// A view counts after this much playback (or at the end of a shorter video).
const VIEW_AFTER_S = 3;
// A live counts who watches it now from reports this often (the server's window is 30 s).
const LIVE_REPORT_MS = 5000;
const IDLE_MS = 2500;

/** "90", "1m30s", "1h2m3s" (PeerTube's ?start=) -> seconds. */
export function parseStart(text) {
  if (!text) return 0;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  return m ? (Number(m[1] || 0) * 3600) + (Number(m[2] || 0) * 60) + Number(m[3] || 0) : 0;
}

/** Seconds -> PeerTube's "1m30s". */
export function formatStart(seconds) {
  const s = Math.floor(seconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return `${hours ? `${hours}h` : ''}${minutes ? `${minutes}m` : ''}${s % 60}s`;
}

function inTextField(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

function iconButton({ label, testId, onclick, icon, pressed = null }) {
  return h(
    'button',
    { type: 'button', class: `player-button player-icon-${icon}`, 'aria-label': label, title: label, 'data-testid': testId, 'aria-pressed': pressed === null ? null : String(pressed), onclick },
    h('span', { class: 'player-icon', 'aria-hidden': 'true' }),
  );
}

function radioGroup({ legend, name, options, value, onchange, testId }) {
  return h(
    'fieldset',
    { class: 'player-settings-group', 'data-testid': testId },
    h('legend', {}, legend),
    options.map((option) =>
      h(
        'label',
        { class: 'player-settings-option' },
        h('input', { type: 'radio', name, value: String(option.value), checked: option.value === value, onchange: () => onchange(option.value) }),
        option.label,
      ),
    ),
  );
}

/**
 * Builds the player for `video` and starts it (or waits behind the sensitive content
 * overlay when `sensitive`). Options: signal (stops everything), p2p, autoplay, startAt (s),
 * theatre ({ active(), toggle() } or null, the watch page's), shortcuts (listen on the
 * document). Returns { root, el, get player(), onChange(fn) }.
 */
export function createPlayer(video, { signal, p2p, autoplay, startAt = 0, sensitive = false, theatre = null, shortcuts = true }) {
  const id = video.uuid || video.id;
  const live = Boolean(video.isLive);
  const el = h('video', {
    id: 'player',
    class: 'player',
    playsinline: true,
    preload: 'metadata',
    poster: video.previewPath || video.thumbnailPath || null,
    'aria-label': strings.videoPlayerLabel(video.name || ''),
  });
  const root = h('div', { class: `player-shell paused${live ? ' player-live' : ''}`, 'data-testid': 'player-shell' });
  const errorSlot = h('div', { class: 'player-error-slot' });
  const status = h('p', { class: 'player-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'player-status' });
  const listeners = new Set();
  let player = null;
  const changed = () => {
    render();
    if (!settingsPanel.hidden) renderSettings();
    for (const listener of listeners) listener();
  };

  // --- controls -----------------------------------------------------------------------
  const playButton = iconButton({ label: strings.playerPlay, testId: 'player-play', icon: 'play', onclick: () => togglePlay() });
  const seek = h('input', { type: 'range', class: 'player-seek', min: '0', max: String(video.duration || 0), step: '0.1', value: '0', 'aria-label': strings.playerSeek, 'data-testid': 'player-seek' });
  const preview = h('div', { class: 'storyboard-preview', hidden: true, 'aria-hidden': 'true' }, h('div', { class: 'storyboard-image' }), h('span', { class: 'storyboard-time' }));
  const time = h('span', { class: 'player-time', 'data-testid': 'player-time', hidden: live }, '0:00');
  const liveEdge =
    live &&
    h('button', { type: 'button', class: 'player-live-edge', title: strings.playerGoLive, 'aria-label': strings.playerGoLive, 'data-testid': 'player-live-edge', onclick: () => player?.goLive() }, strings.liveBadge);
  const muteButton = iconButton({ label: strings.playerMute, testId: 'player-mute', icon: 'volume', onclick: () => toggleMute() });
  const volume = h('input', { type: 'range', class: 'player-volume', min: '0', max: '1', step: '0.05', value: '1', 'aria-label': strings.playerVolume, 'data-testid': 'player-volume' });
  const captionsButton = iconButton({ label: strings.playerCaptions, testId: 'player-captions', icon: 'captions', pressed: false, onclick: () => toggleCaptions() });
  captionsButton.hidden = true;
  const settingsPanel = h('div', { class: 'player-settings', id: `player-settings-${id}`, hidden: true, 'data-testid': 'player-settings', role: 'group', 'aria-label': strings.playerSettings });
  const settingsButton = iconButton({ label: strings.playerSettings, testId: 'player-settings-button', icon: 'settings', onclick: () => toggleSettings() });
  settingsButton.setAttribute('aria-expanded', 'false');
  settingsButton.setAttribute('aria-controls', settingsPanel.id);
  const theatreButton = theatre && iconButton({ label: strings.playerTheatre, testId: 'player-theatre', icon: 'theatre', pressed: theatre.active(), onclick: () => toggleTheatre() });
  const fullscreenButton = iconButton({ label: strings.playerFullscreen, testId: 'player-fullscreen', icon: 'fullscreen', onclick: () => toggleFullscreen() });
  const helpButton = iconButton({ label: strings.playerShortcuts, testId: 'player-help', icon: 'help', onclick: () => showHelp() });
  const controls = h(
    'div',
    { class: 'player-controls' },
    h('div', { class: 'player-seek-row', hidden: live }, seek, preview),
    h('div', { class: 'player-buttons' }, playButton, time, liveEdge, muteButton, volume, h('span', { class: 'player-spacer' }), captionsButton, settingsButton, theatreButton, fullscreenButton, helpButton),
  );
  root.append(el, status, errorSlot, settingsPanel, controls);

  function togglePlay() {
    if (!player) return reveal();
    if (el.paused || el.ended) el.play()?.catch(() => {});
    else el.pause();
  }
  function toggleMute() {
    el.muted = !el.muted;
    if (!el.muted && el.volume === 0) el.volume = 0.5;
  }
  function setVolume(value) {
    el.volume = Math.min(1, Math.max(0, value));
    el.muted = el.volume === 0;
  }
  function seekBy(delta) {
    if (!Number.isFinite(el.duration)) return;
    el.currentTime = Math.min(el.duration, Math.max(0, el.currentTime + delta));
  }
  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else root.requestFullscreen?.().catch(() => {});
  }
  function toggleTheatre() {
    if (!theatre) return;
    theatre.toggle();
    theatreButton.setAttribute('aria-pressed', String(theatre.active()));
  }
  function showingTrack() {
    return [...el.textTracks].find((t) => t.mode === 'showing') || null;
  }
  function setCaptions(language) {
    for (const track of el.textTracks) track.mode = track.language === language ? 'showing' : 'disabled';
    changed();
  }
  let lastCaptions = null;
  function toggleCaptions() {
    const shown = showingTrack();
    if (shown) {
      lastCaptions = shown.language;
      setCaptions(null);
    } else if (el.textTracks.length) {
      setCaptions(lastCaptions || el.textTracks[0].language);
    }
  }
  function toggleSettings(open = settingsPanel.hidden) {
    settingsPanel.hidden = !open;
    settingsButton.setAttribute('aria-expanded', String(open));
    if (open) {
      renderSettings();
      settingsPanel.querySelector('input:checked, input')?.focus();
    }
  }
  settingsPanel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      toggleSettings(false);
      settingsButton.focus();
    }
  });

  function renderSettings() {
    const groups = [];
    if (player && player.qualities.length > 1) {
      groups.push(
        radioGroup({
          legend: strings.playerQuality,
          name: `quality-${id}`,
          testId: 'player-quality',
          value: player.quality,
          options: player.qualities.map((q) => ({ value: q.id, label: q.id === -1 ? strings.playerQualityAuto(player.autoQuality) : q.label })),
          onchange: (value) => player.setQuality(value),
        }),
      );
    }
    groups.push(
      radioGroup({
        legend: strings.playerSpeed,
        name: `speed-${id}`,
        testId: 'player-speed',
        value: el.playbackRate,
        options: SPEEDS.map((s) => ({ value: s, label: s === 1 ? strings.playerSpeedNormal : `${s}×` })),
        onchange: (value) => {
          el.playbackRate = value;
        },
      }),
    );
    if (el.textTracks.length) {
      groups.push(
        radioGroup({
          legend: strings.playerCaptions,
          name: `captions-${id}`,
          testId: 'player-captions-choice',
          value: showingTrack()?.language || null,
          options: [{ value: null, label: strings.playerCaptionsOff }, ...[...el.textTracks].map((t) => ({ value: t.language, label: t.label }))],
          onchange: (value) => setCaptions(value),
        }),
      );
    }
    const focused = settingsPanel.contains(document.activeElement) ? document.activeElement.name : null;
    settingsPanel.replaceChildren(...groups);
    if (focused) settingsPanel.querySelector(`input[name="${focused}"]:checked`)?.focus();
  }

  function showHelp() {
    const rows = [
      [`${strings.shortcutSpaceKey}, K`, strings.shortcutPlay],
      ['F', strings.shortcutFullscreen],
      ['M', strings.shortcutMute],
      ['←, →', strings.shortcutSeek(SEEK_STEP_S)],
      ['↑, ↓', strings.shortcutVolume],
      theatre && ['T', strings.shortcutTheatre],
      ['C', strings.shortcutCaptions],
      ['?', strings.shortcutHelp],
    ].filter(Boolean);
    openDialog({
      title: strings.playerShortcuts,
      testId: 'shortcuts-dialog',
      body: h('dl', { class: 'shortcut-list' }, rows.map(([keys, what]) => [h('dt', {}, h('kbd', {}, keys)), h('dd', {}, what)])),
    });
  }

  // --- state shown ----------------------------------------------------------------------
  function render() {
    const paused = el.paused || el.ended;
    root.classList.toggle('paused', paused);
    playButton.setAttribute('aria-label', paused ? strings.playerPlay : strings.playerPause);
    playButton.title = playButton.getAttribute('aria-label');
    playButton.className = `player-button player-icon-${paused ? 'play' : 'pause'}`;
    const duration = Number.isFinite(el.duration) ? el.duration : video.duration || 0;
    seek.max = String(duration);
    if (document.activeElement !== seek) seek.value = String(el.currentTime);
    seek.setAttribute('aria-valuetext', strings.playerTimeOf(formatDuration(el.currentTime), formatDuration(duration)));
    time.textContent = `${formatDuration(el.currentTime)} / ${formatDuration(duration)}`;
    const muted = el.muted || el.volume === 0;
    muteButton.setAttribute('aria-label', muted ? strings.playerUnmute : strings.playerMute);
    muteButton.title = muteButton.getAttribute('aria-label');
    muteButton.className = `player-button player-icon-${muted ? 'muted' : 'volume'}`;
    volume.value = String(muted ? 0 : el.volume);
    captionsButton.hidden = el.textTracks.length === 0;
    captionsButton.setAttribute('aria-pressed', String(Boolean(showingTrack())));
    const full = document.fullscreenElement === root;
    fullscreenButton.setAttribute('aria-label', full ? strings.playerExitFullscreen : strings.playerFullscreen);
    fullscreenButton.title = fullscreenButton.getAttribute('aria-label');
    root.dataset.fullscreen = String(full);
    if (player?.progress !== null && player?.progress !== undefined) {
      status.textContent = strings.playerTorrentProgress(Math.round(player.progress * 100));
    } else if (status.dataset.kind === 'torrent') {
      status.textContent = '';
    }
    status.dataset.kind = player?.progress !== null && player?.progress !== undefined ? 'torrent' : '';
  }

  for (const type of ['play', 'pause', 'ended', 'timeupdate', 'durationchange', 'volumechange', 'loadedmetadata']) {
    el.addEventListener(type, render);
  }
  el.addEventListener('ratechange', changed);
  el.textTracks.addEventListener?.('change', changed);
  el.textTracks.addEventListener?.('addtrack', changed);
  // A click elsewhere closes the settings.
  document.addEventListener(
    'click',
    (event) => {
      if (!settingsPanel.hidden && !settingsPanel.contains(event.target) && !settingsButton.contains(event.target)) toggleSettings(false);
    },
    { signal },
  );
  document.addEventListener('fullscreenchange', render, { signal });
  el.addEventListener('click', () => togglePlay());
  el.addEventListener('dblclick', () => toggleFullscreen());
  seek.addEventListener('input', () => {
    el.currentTime = Number(seek.value);
  });
  volume.addEventListener('input', () => setVolume(Number(volume.value)));

  // The controls fade out while the video plays and the pointer rests.
  let idleTimer = null;
  const wake = () => {
    root.classList.remove('idle');
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => root.classList.add('idle'), IDLE_MS);
  };
  root.addEventListener('pointermove', wake);
  root.addEventListener('focusin', wake);
  signal.addEventListener('abort', () => clearTimeout(idleTimer), { once: true });

  // --- keyboard shortcuts ---------------------------------------------------------------
  if (shortcuts) {
    document.addEventListener(
      'keydown',
      (event) => {
        if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
        if (inTextField(event.target) || document.querySelector('dialog[open]')) return;
        const onControl = event.target instanceof HTMLElement && event.target.closest('button, a, summary');
        const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
        const actions = {
          ' ': onControl ? null : togglePlay,
          k: togglePlay,
          f: toggleFullscreen,
          m: toggleMute,
          ArrowLeft: () => seekBy(-SEEK_STEP_S),
          ArrowRight: () => seekBy(SEEK_STEP_S),
          ArrowUp: () => setVolume(el.volume + VOLUME_STEP),
          ArrowDown: () => setVolume(el.volume - VOLUME_STEP),
          t: theatre ? toggleTheatre : null,
          c: toggleCaptions,
          '?': showHelp,
        };
        const action = actions[key];
        if (!action) return;
        event.preventDefault();
        wake();
        action();
      },
      { signal },
    );
  }

  // --- captions and storyboards (small requests, after the player started) ----------
  async function loadCaptions() {
    const answer = await api.get(`/api/v1/videos/${encodeURIComponent(id)}/captions`, { signal });
    for (const caption of answer?.data || []) {
      el.append(h('track', { kind: 'subtitles', src: caption.fileUrl || caption.captionPath, srclang: caption.language?.id, label: caption.language?.label || caption.language?.id }));
    }
    render();
  }

  async function loadStoryboard() {
    const answer = await api.get(`/api/v1/videos/${encodeURIComponent(id)}/storyboards`, { signal });
    const board = answer?.storyboards?.[0];
    if (!board || !board.spriteWidth || !board.spriteDuration) return;
    const image = preview.querySelector('.storyboard-image');
    const label = preview.querySelector('.storyboard-time');
    const columns = Math.max(1, Math.floor(board.totalWidth / board.spriteWidth));
    Object.assign(image.style, {
      width: `${board.spriteWidth}px`,
      height: `${board.spriteHeight}px`,
      backgroundImage: `url("${board.storyboardPath}")`,
    });
    seek.addEventListener('pointermove', (event) => {
      const box = seek.getBoundingClientRect();
      const fraction = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
      const at = fraction * Number(seek.max || 0);
      const index = Math.floor(at / board.spriteDuration);
      image.style.backgroundPosition = `-${(index % columns) * board.spriteWidth}px -${Math.floor(index / columns) * board.spriteHeight}px`;
      label.textContent = formatDuration(at);
      const half = board.spriteWidth / 2;
      preview.style.left = `${Math.min(box.width - half, Math.max(half, event.clientX - box.left))}px`;
      preview.hidden = false;
    });
    seek.addEventListener('pointerleave', () => {
      preview.hidden = true;
    });
  }

  // --- the view -----------------------------------------------------------------------
  const reportView = () =>
    api.post(`/api/v1/videos/${encodeURIComponent(id)}/views`, { json: { currentTime: Math.floor(el.currentTime) } }).catch((error) => console.warn('The view was not counted:', error));
  if (live) {
    const report = () => {
      if (!el.paused && !el.ended) reportView();
    };
    el.addEventListener('playing', report, { once: true });
    const reporter = setInterval(report, LIVE_REPORT_MS);
    signal.addEventListener('abort', () => clearInterval(reporter), { once: true });
  } else {
    let watched = 0;
    let lastTime = null;
    let counted = false;
    const countView = () => {
      if (counted) return;
      counted = true;
      reportView();
    };
    el.addEventListener('timeupdate', () => {
      if (!el.paused && lastTime !== null) watched += Math.max(0, Math.min(1, el.currentTime - lastTime));
      lastTime = el.currentTime;
      if (watched >= VIEW_AFTER_S) countView();
    });
    el.addEventListener('seeking', () => {
      lastTime = null;
    });
    el.addEventListener('ended', countView);
  }

  // --- start --------------------------------------------------------------------------
  function start(play) {
    player = attachPlayer(el, video, {
      p2p,
      autoplay: play,
      startAt,
      onChange: changed,
      onError(message) {
        errorSlot.replaceChildren(h('p', { class: 'player-error', role: 'alert', 'data-testid': 'player-error' }, message));
      },
    });
    signal.addEventListener('abort', () => player.destroy(), { once: true });
    const progressTimer = setInterval(() => player.progress !== null && render(), 500);
    signal.addEventListener('abort', () => clearInterval(progressTimer), { once: true });
    const quiet = (error) => signal.aborted || console.warn(error);
    loadCaptions().catch(quiet);
    if (!live) loadStoryboard().catch(quiet);
    changed();
  }

  let overlay = null;
  function reveal() {
    if (player) return;
    overlay?.remove();
    start(true);
    el.focus?.();
  }
  if (sensitive) {
    root.classList.add('sensitive');
    overlay = h(
      'div',
      { class: 'sensitive-overlay', 'data-testid': 'nsfw-overlay' },
      h('p', { class: 'sensitive-title' }, strings.sensitiveTitle),
      h('p', {}, strings.sensitiveText),
      h('button', { type: 'button', class: 'button', 'data-testid': 'nsfw-reveal', onclick: reveal }, strings.sensitiveShow),
    );
    root.append(overlay);
    render();
  } else {
    start(autoplay);
  }

  return {
    root,
    el,
    get player() {
      return player;
    },
    onChange(listener) {
      listeners.add(listener);
    },
  };
}
