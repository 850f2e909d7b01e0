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
 * JSON ({ file: sha256 } or { file: { "start-end": sha256 } } for byte ranges). */
function segmentValidator(sha256Url) {
  let hashes = null;
  return async (url, byteRange, data) => {
    hashes ||= fetch(sha256Url, { credentials: 'omit' }).then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status))));
    let table;
    try {
      table = await hashes;
    } catch {
      hashes = null;
      return false;
    }
    const entry = table[new URL(url).pathname.split('/').pop()];
    const expected = typeof entry === 'string' ? entry : entry && byteRange ? entry[`${byteRange.start}-${byteRange.end}`] : undefined;
    if (!expected) return false;
    return hex(await crypto.subtle.digest('SHA-256', data)) === expected;
  };
}

/**
 * Starts playback of `video` (VideoDetails) in `el`.
 * - p2p: the viewer's P2P setting; autoplay: start at once;
 * - onError(message): nothing could be played; onChange(): mode, qualities or quality changed.
 * Returns a controller: { mode, stats, qualities, quality, autoQuality, setQuality(id),
 * progress, destroy() }; stats = { peers, p2pDownloaded, httpDownloaded, p2pUploaded }.
 * Qualities are [{ id, label }]; id -1 is "auto" (HLS only).
 */
export function attachPlayer(el, video, { p2p = true, autoplay = true, startAt = 0, onError = () => {}, onChange = () => {} } = {}) {
  const playlist = hlsPlaylist(video);
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

  function useHls(withP2P) {
    state.mode = withP2P ? 'hls-p2p' : 'hls';
    const config = { capLevelToPlayerSize: true, startPosition: pendingStart || -1 };
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
            validateP2PSegment: segmentValidator(playlist.segmentsSha256Url),
            httpRequestSetup: mirroredRequest(playlist),
            // Copies kept by other instances are checked like peers' data.
            validateHTTPSegment: playlist.redundancies?.length ? segmentValidator(playlist.segmentsSha256Url) : undefined,
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
      useMp4();
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
