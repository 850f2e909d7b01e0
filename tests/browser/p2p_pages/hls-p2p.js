// hls.js with p2p-media-loader v2: our tracker only, no STUN, segments from peers checked
// against the video's segments-sha256 JSON (PeerTube's shape), and every byte counted.
//   await window.startP2P({manifest, announce: [ws url], sha256Url, core: {...}, live})
//   window.stats: bytes from peers / over HTTP, uploaded, segments, checks, stalls
import Hls from 'hls.js';
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs';

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const stats = {
  p2pBytes: 0, httpBytes: 0, uploadedBytes: 0, p2pSegments: 0, httpSegments: 0,
  validated: 0, invalid: 0, unknownSegments: 0, peersConnected: 0, peerIds: [],
  stalls: [], longestStallMs: 0, errors: [], playing: false, startupMs: null,
  hlsErrors: [],
};
window.stats = stats;

async function loadHashes(url) {
  const response = await fetch(url, { cache: 'no-store' });
  return response.json();
}

window.startP2P = async ({ manifest, announce, sha256Url, height = 0, core = {}, live = false }) => {
  let hashes = await loadHashes(sha256Url);
  const validateP2PSegment = async (url, byteRange, data) => {
    const file = new URL(url).pathname.split('/').pop();
    // A live's hashes change with every segment: a name not there yet makes them read again.
    if (live && !(file in hashes)) hashes = await loadHashes(sha256Url);
    const entry = hashes[file];
    const expected = typeof entry === 'string' ? entry
      : entry && byteRange ? entry[`${byteRange.start}-${byteRange.end}`] : undefined;
    if (!expected) {
      stats.unknownSegments += 1;
      return false;
    }
    const ok = hex(await crypto.subtle.digest('SHA-256', data)) === expected;
    if (ok) stats.validated += 1; else stats.invalid += 1;
    return ok;
  };
  const HlsWithP2P = HlsJsP2PEngine.injectMixin(Hls);
  const video = document.getElementById('player');
  const started = performance.now();
  let stallStart = null;
  const stallBegins = () => { if (stallStart === null && stats.playing) stallStart = performance.now(); };
  video.addEventListener('waiting', stallBegins);
  video.addEventListener('stalled', stallBegins);
  video.addEventListener('playing', () => {
    if (!stats.playing) { stats.playing = true; stats.startupMs = performance.now() - started; }
    if (stallStart !== null) {
      const ms = performance.now() - stallStart;
      stats.stalls.push(ms);
      stats.longestStallMs = Math.max(stats.longestStallMs, ms);
      stallStart = null;
    }
  });
  video.addEventListener('ended', () => { stats.ended = true; });
  window.currentStallMs = () => (stallStart === null ? 0 : performance.now() - stallStart);

  const hls = new HlsWithP2P({
    capLevelToPlayerSize: false,
    p2p: {
      core: {
        announceTrackers: announce,
        rtcConfig: { iceServers: [] },
        validateP2PSegment,
        ...core,
      },
      onHlsJsCreated(instance) {
        const engine = instance.p2pEngine;
        engine.addEventListener('onChunkDownloaded', (bytes, source) => {
          if (source === 'p2p') stats.p2pBytes += bytes; else stats.httpBytes += bytes;
        });
        engine.addEventListener('onChunkUploaded', (bytes) => { stats.uploadedBytes += bytes; });
        engine.addEventListener('onSegmentLoaded', (d) => {
          if (d.downloadSource === 'p2p') stats.p2pSegments += 1; else stats.httpSegments += 1;
        });
        engine.addEventListener('onPeerConnect', (d) => {
          stats.peersConnected += 1; stats.peerIds.push(d.peerId);
        });
        engine.addEventListener('onSegmentError', (d) => {
          stats.errors.push(`${d.downloadSource}: ${d.error && d.error.type}`);
        });
        engine.addEventListener('onTrackerError', (d) => { stats.errors.push(`tracker: ${d.error}`); });
      },
    },
  });
  window.hls = hls;
  // Every viewer on the same rendition (the one `height` names, else the smallest): peers
  // share segments of one rendition only, and ABR would scatter them.
  hls.on(Hls.Events.MANIFEST_PARSED, () => {
    const found = hls.levels.findIndex((level) => level.height === height);
    const index = found >= 0 ? found : 0;
    hls.currentLevel = index;
    stats.level = hls.levels[index].height;
  });
  hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) stats.hlsErrors.push(data.details); });
  hls.attachMedia(video);
  hls.loadSource(manifest);
  video.muted = true;
  // Not awaited: play() settles only once playback starts.
  video.play().catch((e) => stats.errors.push(`play: ${e}`));
};
window.p2pReady = true;
