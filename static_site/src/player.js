// Attaches a video's stream to a <video> element.
//
// Order of preference: HLS through hls.js (Media Source Extensions), HLS
// played natively (Safari, iOS), then the first MP4 file.
import Hls from 'hls.js';
import { strings } from './strings.js';

const HLS_TYPE = 1; // streamingPlaylists[].type: 1 = HLS

export function hlsPlaylistUrl(video) {
  const playlists = Array.isArray(video.streamingPlaylists) ? video.streamingPlaylists : [];
  const hls = playlists.find((p) => p && p.type === HLS_TYPE && p.playlistUrl) || playlists.find((p) => p && p.playlistUrl);
  return hls ? hls.playlistUrl : null;
}

export function mp4FileUrl(video) {
  const direct = (Array.isArray(video.files) ? video.files : []).find((f) => f && f.fileUrl);
  if (direct) return direct.fileUrl;
  // With HLS only, PeerTube still lists each rendition's file under its playlist.
  for (const playlist of video.streamingPlaylists || []) {
    const file = (playlist.files || []).find((f) => f && f.fileUrl);
    if (file) return file.fileUrl;
  }
  return null;
}

export function hasPlayableSource(video) {
  return Boolean(hlsPlaylistUrl(video) || mp4FileUrl(video));
}

/**
 * Starts playback of `video` (VideoDetails) in the element `el`.
 * onError(message) is called when nothing can be played.
 * Returns { destroy(), mode } where mode is 'hls.js', 'native-hls', 'mp4' or null.
 */
export function attachPlayer(el, video, { onError = () => {}, autoplay = true } = {}) {
  const hlsUrl = hlsPlaylistUrl(video);
  const mp4Url = mp4FileUrl(video);
  let hls = null;
  let mode = null;
  let destroyed = false;
  let mediaRecoveries = 0;

  const play = () => {
    if (!autoplay || destroyed) return;
    const p = el.play();
    if (p && typeof p.catch === 'function') p.catch(() => {}); // Autoplay may be refused; the controls remain.
  };

  function useMp4() {
    if (!mp4Url) {
      onError(strings.noPlayableSource);
      return;
    }
    mode = 'mp4';
    el.src = mp4Url;
    play();
  }

  el.addEventListener('error', () => {
    if (destroyed || hls) return;
    const code = el.error && el.error.code;
    // Native HLS failed: the MP4 is a last resort.
    if (mode === 'native-hls' && mp4Url) return useMp4();
    onError(code ? `${strings.playbackError} (${code})` : strings.playbackError);
  });

  if (hlsUrl && Hls.isSupported()) {
    mode = 'hls.js';
    hls = new Hls({ capLevelToPlayerSize: true });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal || destroyed) return;
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
    hls.on(Hls.Events.MANIFEST_PARSED, play);
    hls.loadSource(hlsUrl);
    hls.attachMedia(el);
  } else if (hlsUrl && el.canPlayType('application/vnd.apple.mpegurl')) {
    mode = 'native-hls';
    el.src = hlsUrl;
    play();
  } else {
    useMp4();
  }

  return {
    get mode() {
      return mode;
    },
    destroy() {
      destroyed = true;
      if (hls) hls.destroy();
      hls = null;
      el.pause();
      el.removeAttribute('src');
      el.load();
    },
  };
}
