// Attaches a video's stream to a <video> element, in one of the delivery modes PeerTube
// has, chosen by the viewer's P2P setting:
//   'hls-p2p'    HLS through hls.js, segments shared with other viewers by
//                p2p-media-loader (peers from our tracker only, no STUN server), every
//                segment from a peer checked against the playlist's segments-sha256;
//   'webtorrent' a web video (MP4 files, no HLS) through WebTorrent, the instance as web
//                seed (src/watch/webtorrent.js, imported only then);
//   'hls'        P2P off: hls.js over plain HTTP;
//   'mp4'        P2P off without HLS, or the last resort when the others fail;
//   'native-hls' browsers without Media Source Extensions (iOS) play the HLS themselves.
import './watch/node-globals.js';
import Hls from 'hls.js';
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs';
import { strings } from './strings.js';

const HLS_TYPE = 1; // streamingPlaylists[].type: 1 = HLS
// The first segments wait this long for a peer before asking the server. bench/p2p.py:
// 700 ms reaches the physical peer share at N = 4 with a 1.1 s startup; 0 (the library's
// default) loses a third of it, 2000 adds a second to every lone viewer's first frame.
const P2P_HTTP_INITIAL_TIMEOUT_MS = 700;
// A torrent that has not started downloading by then is given up for plain HTTP.
const WEBTORRENT_STALL_MS = 15000;
// The MP4 picked first: the largest rendition up to this height.
const PREFERRED_HEIGHT = 720;
// A live's segment hashes change with every segment: read again no more often than this.
const LIVE_HASHES_REFRESH_MS = 1000;
// Segments shorter than this on average: a live in small latency mode (1 s segments), which
// plays closer to the edge and without P2P, as PeerTube's player does.
const SMALL_LATENCY_SEGMENT_S = 1.5;
const SMALL_LATENCY_SYNC_SEGMENTS = 2; // hls.js's default: 3
// A live's segments nearer the playhead than this are fetched over HTTP at once; the later
// ones wait for a peer. p2p-media-loader's 15 s covers a whole live window (it plays 5 of
// its 6 segments behind the edge): everyone took everything over HTTP. PeerTube's value.
const LIVE_HIGH_DEMAND_S = 4;

function hlsPlaylist(video) {
  const playlists = Array.isArray(video.streamingPlaylists) ? video.streamingPlaylists : [];
  return playlists.find((p) => p && p.type === HLS_TYPE && p.playlistUrl) || playlists.find((p) => p && p.playlistUrl) || null;
}

export function hlsPlaylistUrl(video) {
  return hlsPlaylist(video)?.playlistUrl || null;
}

function byResolution(files) {
  return files.filter((f) => f && f.fileUrl).sort((a, b) => (b.resolution?.id || 0) - (a.resolution?.id || 0));
}

/** The web video files (MP4 with a torrent each), largest first. */
export function webVideoFiles(video) {
  return byResolution(Array.isArray(video.files) ? [...video.files] : []);
}

/** Every MP4 a viewer may download or play: the web videos, else the HLS renditions' files. */
export function mp4Files(video) {
  const direct = webVideoFiles(video);
  if (direct.length) return direct;
  return byResolution((hlsPlaylist(video)?.files || []).slice());
}

export function mp4FileUrl(video) {
  return pickFile(mp4Files(video))?.fileUrl || null;
}

function pickFile(files) {
  return files.find((f) => (f.resolution?.id || 0) <= PREFERRED_HEIGHT) || files[files.length - 1] || null;
}

export function hasPlayableSource(video) {
  return Boolean(hlsPlaylistUrl(video) || mp4Files(video).length);
}

/** Our tracker, on the instance's own host. */
export function trackerUrl(video) {
  // Another instance's video: its viewers' swarms are at its own tracker.
  const origin = (video?.trackerUrls || []).find((url) => /^wss?:\/\//.test(url));
  return origin || `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/tracker/socket`;
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** p2p-media-loader's check of a segment from a peer, against PeerTube's segments-sha256
 * JSON ({ file: sha256 } or { file: { "start-end": sha256 } } for byte ranges). A live's
 * JSON lists only the segments of the moment: a segment it does not know yet makes it read
 * again, at most once a LIVE_HASHES_REFRESH_MS. */
function segmentValidator(sha256Url, { live = false } = {}) {
  let table = null;
  let loading = null;
  let loadedAt = 0;
  const load = () => {
    loading ||= fetch(sha256Url, { credentials: 'omit', cache: live ? 'no-store' : 'default' })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status))))
      .then((json) => {
        table = json;
        loadedAt = Date.now();
        return json;
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  };
  return async (url, byteRange, data) => {
    const name = new URL(url).pathname.split('/').pop();
    let current;
    try {
      current = table || (await load());
      if (live && !(name in current)) {
        const wait = loadedAt + LIVE_HASHES_REFRESH_MS - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        current = await load();
      }
    } catch {
      return refuse(name, 'the hashes could not be read');
    }
    const entry = current[name];
    const expected = typeof entry === 'string' ? entry : entry && byteRange ? entry[`${byteRange.start}-${byteRange.end}`] : undefined;
    if (!expected) return refuse(name, 'no hash for it');
    return hex(await crypto.subtle.digest('SHA-256', data)) === expected || refuse(name, 'its SHA-256 differs');
  };
}

// p2p-media-loader drops the peer that sent a refused segment, silently: say why.
function refuse(name, reason) {
  console.warn(`Segment ${name} refused (segments-sha256: ${reason})`);
  return false;
}

/** Whether a live is in PeerTube's "small latency" mode, read from its first rendition's
 * segment lengths (the video's JSON does not say): 1 s segments instead of 2 or 4. */
async function smallLatency(playlistUrl, signal) {
  try {
    const text = async (url) => {
      const response = await fetch(url, { signal, cache: 'no-store' });
      return response.ok ? response.text() : '';
    };
    const master = await text(playlistUrl);
    const variant = master.split('\n').map((line) => line.trim()).find((line) => line && !line.startsWith('#'));
    if (!variant) return false;
    const lengths = [...(await text(new URL(variant, playlistUrl).href)).matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
    return lengths.length > 0 && lengths.reduce((a, b) => a + b, 0) / lengths.length < SMALL_LATENCY_SEGMENT_S;
  } catch {
    return false; // hls.js reports the playlist's problems itself
  }
}

/**
 * Starts playback of `video` (VideoDetails) in `el`.
 * - p2p: the viewer's P2P setting; autoplay: start at once;
 * - onError(message): nothing could be played; onChange(): mode, qualities or quality changed.
 * A live (video.isLive) plays from near its edge, without P2P in small latency mode.
 * Returns a controller: { mode, stats, qualities, quality, autoQuality, setQuality(id),
 * progress, goLive(), destroy() }; stats = { peers, p2pDownloaded, httpDownloaded, p2pUploaded }.
 * Qualities are [{ id, label }]; id -1 is "auto" (HLS only).
 */
export function attachPlayer(el, video, { p2p = true, autoplay = true, startAt = 0, onError = () => {}, onChange = () => {} } = {}) {
  const playlist = hlsPlaylist(video);
  const live = Boolean(video.isLive);
  const webFiles = webVideoFiles(video);
  const files = mp4Files(video);
  const stats = { peers: 0, p2pDownloaded: 0, httpDownloaded: 0, p2pUploaded: 0 };
  const controller = new AbortController();
  const state = { mode: null, qualities: [], quality: -1, autoQuality: null, progress: null };
  let hls = null;
  let mediaRecoveries = 0;
  let pendingStart = startAt > 0 ? startAt : 0;

  const changed = () => {
    el.dataset.playback = state.mode || 'none';
    onChange();
  };
  const play = () => {
    if (pendingStart && el.duration) {
      el.currentTime = Math.min(pendingStart, el.duration);
      pendingStart = 0;
    }
    if (!autoplay || controller.signal.aborted) return;
    el.play()?.catch(() => {}); // Autoplay may be refused; the controls remain.
  };
  el.addEventListener('loadedmetadata', play);

  function fail(message) {
    onError(message);
    state.mode = null;
    changed();
  }

  function setSource(url) {
    // A new source keeps the position and whether it was playing.
    if (el.currentSrc) {
      pendingStart = el.currentTime;
      autoplay = !el.paused;
    }
    el.src = url;
  }

  function useMp4(file = pickFile(files)) {
    if (!file) return fail(strings.noPlayableSource);
    state.mode = 'mp4';
    state.qualities = files.map((f) => ({ id: f.resolution?.id || 0, label: f.resolution?.label || '' }));
    state.quality = file.resolution?.id || 0;
    setSource(file.fileUrl);
    changed();
  }

  async function useWebTorrent(file = pickFile(webFiles)) {
    state.mode = 'webtorrent';
    state.qualities = webFiles.map((f) => ({ id: f.resolution?.id || 0, label: f.resolution?.label || '' }));
    state.quality = file.resolution?.id || 0;
    state.progress = 0;
    changed();
    // A new choice of quality replaces the download under way.
    state.attempt?.abort();
    const attempt = new AbortController();
    state.attempt = attempt;
    controller.signal.addEventListener('abort', () => attempt.abort(), { once: true });
    let lastProgress = 0;
    const watchdog = setInterval(() => {
      if (state.progress === lastProgress) attempt.abort(new Error('stalled'));
      lastProgress = state.progress;
    }, WEBTORRENT_STALL_MS);
    try {
      const { downloadWebVideo } = await import('./watch/webtorrent.js');
      const url = await downloadWebVideo(file, {
        trackerUrl: trackerUrl(video),
        stats,
        signal: attempt.signal,
        onProgress(progress) {
          state.progress = progress;
        },
      });
      state.progress = null;
      setSource(url);
      changed();
    } catch (error) {
      if (controller.signal.aborted || state.attempt !== attempt) return;
      console.warn('WebTorrent failed, playing over HTTP:', error);
      state.progress = null;
      useMp4(file);
    } finally {
      clearInterval(watchdog);
    }
  }

  async function useHls(withP2P) {
    const small = live && (await smallLatency(playlist.playlistUrl, controller.signal));
    if (controller.signal.aborted) return;
    if (small) withP2P = false;
    state.mode = withP2P ? 'hls-p2p' : 'hls';
    const config = { capLevelToPlayerSize: true, startPosition: pendingStart || -1 };
    if (small) config.liveSyncDurationCount = SMALL_LATENCY_SYNC_SEGMENTS;
    pendingStart = 0;
    if (withP2P) {
      const HlsWithP2P = HlsJsP2PEngine.injectMixin(Hls);
      hls = new HlsWithP2P({
        ...config,
        p2p: {
          core: {
            announceTrackers: [trackerUrl(video)],
            rtcConfig: { iceServers: [] },
            httpDownloadInitialTimeoutMs: P2P_HTTP_INITIAL_TIMEOUT_MS,
            ...(live && { highDemandTimeWindow: LIVE_HIGH_DEMAND_S }),
            validateP2PSegment: segmentValidator(playlist.segmentsSha256Url, { live }),
            httpRequestSetup: mirroredRequest(playlist),
            // Copies kept by other instances are checked like peers' data.
            validateHTTPSegment: playlist.redundancies?.length ? segmentValidator(playlist.segmentsSha256Url, { live }) : undefined,
          },
          onHlsJsCreated(instance) {
            const engine = instance.p2pEngine;
            engine.addEventListener('onChunkDownloaded', (bytes, source) => {
              if (source === 'p2p') stats.p2pDownloaded += bytes;
              else stats.httpDownloaded += bytes;
            });
            engine.addEventListener('onChunkUploaded', (bytes) => {
              stats.p2pUploaded += bytes;
            });
            engine.addEventListener('onPeerConnect', () => {
              stats.peers += 1;
            });
            engine.addEventListener('onPeerClose', () => {
              stats.peers = Math.max(0, stats.peers - 1);
            });
          },
        },
      });
    } else {
      hls = new Hls(config);
      hls.on(Hls.Events.FRAG_LOADED, (_event, data) => {
        stats.httpDownloaded += data.frag?.stats?.loaded || data.payload?.byteLength || 0;
      });
    }
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal || controller.signal.aborted) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 2) {
        mediaRecoveries += 1;
        hls.recoverMediaError();
        return;
      }
      console.warn('hls.js fatal error:', data.type, data.details);
      hls.destroy();
      hls = null;
      el.removeAttribute('src');
      // A live has no MP4 to fall back on: its stream stopped, which the page tells.
      if (live) fail(strings.liveInterrupted);
      else useMp4();
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      state.qualities = [{ id: -1, label: '' }, ...hls.levels.map((level, index) => ({ id: index, label: `${level.height}p` }))];
      state.quality = -1;
      changed();
      play();
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => {
      state.autoQuality = hls.levels[data.level] ? `${hls.levels[data.level].height}p` : null;
      changed();
    });
    hls.loadSource(playlist.playlistUrl);
    hls.attachMedia(el);
    changed();
  }

  el.addEventListener('error', () => {
    if (controller.signal.aborted || hls) return;
    const code = el.error && el.error.code;
    // Native HLS or the torrent's file failed: the MP4 over HTTP is the last resort.
    if ((state.mode === 'native-hls' || state.mode === 'webtorrent') && files.length) return useMp4();
    onError(code ? `${strings.playbackError} (${code})` : strings.playbackError);
  });

  // P2P needs WebRTC, and checking segments needs crypto.subtle (secure contexts only).
  const p2pPossible = p2p && typeof RTCPeerConnection === 'function' && Boolean(globalThis.crypto?.subtle);
  if (playlist && Hls.isSupported()) {
    useHls(p2pPossible && Boolean(playlist.segmentsSha256Url));
  } else if (playlist && el.canPlayType('application/vnd.apple.mpegurl')) {
    state.mode = 'native-hls';
    setSource(playlist.playlistUrl);
    changed();
  } else if (!playlist && p2pPossible && webFiles.some((f) => f.torrentUrl)) {
    useWebTorrent(pickFile(webFiles.filter((f) => f.torrentUrl)));
  } else {
    useMp4();
  }

  return {
    get mode() {
      return state.mode;
    },
    get qualities() {
      return state.qualities;
    },
    get quality() {
      return state.quality;
    },
    /** The rendition hls.js chose in "auto" ("720p"), or null. */
    get autoQuality() {
      return state.autoQuality;
    },
    /** The WebTorrent download's progress (0…1) before playback starts, else null. */
    get progress() {
      return state.progress;
    },
    stats,
    /** Jumps to where a live is being played now. */
    goLive() {
      const edge = hls ? hls.liveSyncPosition : el.seekable.length ? el.seekable.end(el.seekable.length - 1) : null;
      if (Number.isFinite(edge)) el.currentTime = edge;
      el.play()?.catch(() => {});
    },
    setQuality(id) {
      if (hls) {
        hls.currentLevel = id;
        state.quality = id;
        changed();
        return;
      }
      const list = state.mode === 'webtorrent' ? webFiles : files;
      const file = list.find((f) => (f.resolution?.id || 0) === id);
      if (!file) return;
      if (state.mode === 'webtorrent') useWebTorrent(file);
      else useMp4(file);
    },
    destroy() {
      controller.abort();
      if (hls) hls.destroy();
      hls = null;
      el.pause();
      el.removeAttribute('src');
      el.load();
    },
  };
}

/**
 * Where HTTP segment requests go when other instances keep copies of the playlist
 * (PeerTube's redundancies): in turn from each copy and the origin, the copies first, so
 * the load spreads as PeerTube's player spreads it. Same file names under each copy's
 * directory; what arrives from a copy is checked against segments-sha256 (validateHTTPSegment),
 * as any peer's data is.
 */
export function mirroredRequest(playlist) {
  const origin = directoryOf(playlist?.playlistUrl);
  const copies = (playlist?.redundancies || []).map((r) => directoryOf(r.baseUrl)).filter(Boolean);
  if (!origin || copies.length === 0) return undefined;
  const bases = [...copies, origin];
  let turn = 0;
  return async (segmentUrl, _segmentRange, signal, requestRange) => {
    if (!segmentUrl.startsWith(origin)) return undefined;
    const base = bases[turn % bases.length];
    turn += 1;
    const headers = requestRange ? { Range: `bytes=${requestRange.start}-${requestRange.end ?? ''}` } : undefined;
    return new Request(base + segmentUrl.slice(origin.length), { headers, signal });
  };
}

function directoryOf(url) {
  return typeof url === 'string' && url.includes('/') ? url.slice(0, url.lastIndexOf('/') + 1) : null;
}
