"""The ffmpeg process of one live stream: the FLV the encoder sends, read from stdin,
decoded once and encoded to every rung of the live ladder, written as live HLS (fMP4
segments, a sliding window of each rendition's playlist) into a directory that the
shipper (peerless_live.shipper) copies to the media store.

The ladder is the transcoder's rule (peerless.media.encode: the input's own resolution,
never upscaled, and the rungs the admin enabled below it) at most 30 fps, as PeerTube's
lives. Keyframes fall on the segment clock in every rendition, so all renditions' segments
start together and a player can switch between them at any segment.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from peerless.live import HIGH_LATENCY, SMALL_LATENCY
from peerless.media.encode import AUDIO_BITRATE, resolutions, target_bitrate
from peerless.media.probe import MediaInfo

LIVE_MAX_FPS = 30
# Seconds per segment by latency mode: short segments lower the latency (the player
# stays a few segments behind the newest), long ones give peers more time to share.
SEGMENT_SECONDS = {SMALL_LATENCY: 1, HIGH_LATENCY: 4}
DEFAULT_SEGMENT_SECONDS = 2
PLAYLIST_LENGTH = 6              # segments each rendition's live playlist lists
# Beyond these, a stream is refused rather than encoded: no real encoder sends them.
MAX_INPUT_PIXELS = 4096 * 2304
MAX_INPUT_FPS = 120


class Unsuitable(Exception):
    """The stream cannot be broadcast; the reason is for the streamer."""


@dataclass(frozen=True)
class Rung:
    resolution: int
    width: int
    height: int
    fps: Fraction
    bitrate: int

    @property
    def codecs(self) -> str:
        # High profile; level 4.0 covers 1080p30 and 5.1 what is above.
        level = "28" if self.height * self.width <= 1920 * 1088 else "33"
        return f"avc1.6400{level}"


@dataclass(frozen=True)
class LivePlan:
    rungs: list[Rung]
    has_audio: bool
    segment_seconds: int

    def variants(self) -> list[dict]:
        """What peerless.media.encode.master_playlist needs of each rendition."""
        audio = ",mp4a.40.2" if self.has_audio else ""
        return [{"width": r.width, "height": r.height, "fps": float(r.fps),
                 "bandwidth": r.bitrate + (128_000 if self.has_audio else 0),
                 "codecs": r.codecs + audio, "playlist": f"{i}.m3u8"}
                for i, r in enumerate(self.rungs)]


def plan(info: MediaInfo, *, max_height: int, enabled: frozenset[int],
         latency_mode: int) -> LivePlan:
    """The live ladder for the stream `info` describes (probed from its first second)."""
    if not info.has_video or not info.width or not info.height:
        raise Unsuitable("The stream has no video.")
    if info.width * info.height > MAX_INPUT_PIXELS or (info.fps or 0) > MAX_INPUT_FPS:
        raise Unsuitable(f"The stream's picture ({info.width}x{info.height} at "
                         f"{info.fps or 0:.0f} fps) is beyond what this instance takes.")
    fps = min(Fraction(info.fps or LIVE_MAX_FPS).limit_denominator(1001), Fraction(LIVE_MAX_FPS))
    smaller, larger = sorted((info.width, info.height))
    rungs = []
    for resolution in resolutions(smaller, max_height, enabled):
        other = max(2, 2 * round(larger * resolution / smaller / 2))
        width, height = (other, resolution) if info.width >= info.height else (resolution, other)
        # An encoder's stated bitrate is no cap on what its picture needs: not passed.
        rungs.append(Rung(resolution, width, height, fps,
                          target_bitrate(width, height, float(fps), None)))
    return LivePlan(rungs, info.has_audio,
                    SEGMENT_SECONDS.get(latency_mode, DEFAULT_SEGMENT_SECONDS))


def command(live: LivePlan, out: Path, prefix: str) -> list[str]:
    """The ffmpeg command: FLV on stdin, `<n>.m3u8` playlists and `<prefix>-<n>-...mp4`
    segments in `out`. `prefix` (the session) keeps one stream's segment names apart from
    another's, so caches may keep segments for good."""
    n = len(live.rungs)
    split = f"[0:v:0]split={n}" + "".join(f"[s{i}]" for i in range(n)) if n > 1 else None
    chains = [f"[{'s' + str(i) if split else '0:v:0'}]scale={r.width}:{r.height},setsar=1,"
              f"fps={r.fps}[v{i}]" for i, r in enumerate(live.rungs)]
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostats", "-nostdin",
            "-fflags", "+genpts", "-f", "flv", "-i", "pipe:0",
            "-filter_complex", ";".join(([split] if split else []) + chains)]
    segment = live.segment_seconds
    for i, r in enumerate(live.rungs):
        args += ["-map", f"[v{i}]"]
        if live.has_audio:
            args += ["-map", "0:a:0"]
        keyframes = int(math.ceil(segment * r.fps))
        args += [f"-c:v:{i}", "libx264", f"-b:v:{i}", str(r.bitrate),
                 f"-maxrate:v:{i}", str(r.bitrate), f"-bufsize:v:{i}", str(r.bitrate),
                 f"-g:v:{i}", str(keyframes), f"-keyint_min:v:{i}", str(keyframes)]
    args += ["-preset", "veryfast", "-tune", "zerolatency", "-profile:v", "high",
             "-pix_fmt", "yuv420p", "-sc_threshold", "0",
             "-force_key_frames", f"expr:gte(t,n_forced*{segment})"]
    if live.has_audio:
        args += ["-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ac", "2", "-ar", "48000"]
    stream_map = " ".join(f"v:{i},a:{i}" if live.has_audio else f"v:{i}" for i in range(n))
    # ffmpeg (5.1) leaves %v as it is in the init segment's name when there is one variant.
    init = f"{prefix}-%v-init.mp4" if n > 1 else f"{prefix}-0-init.mp4"
    args += ["-f", "hls", "-hls_time", str(segment), "-hls_list_size", str(PLAYLIST_LENGTH),
             "-hls_segment_type", "fmp4",
             "-hls_flags", "independent_segments+temp_file+program_date_time",
             "-hls_fmp4_init_filename", init,
             "-hls_segment_filename", str(out / f"{prefix}-%v-%06d.mp4"),
             "-var_stream_map", stream_map, str(out / "%v.m3u8")]
    return args
