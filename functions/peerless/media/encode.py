"""Turn one upload into what a PeerTube-style player plays: a ladder of web MP4s, HLS (fMP4) and two pictures.

One ffmpeg process decodes the input once, splits the picture into one scaled branch per resolution
of the ladder and encodes each into `{resolution}.mp4`. A second, cheap ffmpeg run copies every MP4's
streams into its HLS single-file rendition and takes the thumbnail and the preview from the largest.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import ffmpeg

from peerless.media.probe import MediaInfo, ffmpeg_error_line

KEYFRAME_INTERVAL = 2  # seconds; HLS segments (HLS_TIME) must be a multiple of it
HLS_TIME = 4  # seconds per segment
MAX_FPS = 60
AUDIO_BITRATE = "128k"
AUDIO_SAMPLE_RATES = (44100, 48000)  # kept as they are; any other rate is resampled to 48 kHz
# A still picture never changes: a low rate keeps it cheap, yet ends it within 0.2 s of the sound.
STILL_FPS = 5
STILL_BACKGROUND = "0x141414"
THUMBNAIL_SIZE = (280, 157)  # PeerTube's sizes
PREVIEW_SIZE = (850, 480)
PROGRESS_INTERVAL = 0.5  # seconds between two on_progress calls
# PeerTube's VideoResolution rungs (the smaller side, in lines), lowest first.
LADDER = (144, 240, 360, 480, 720, 1080, 1440, 2160)

# PeerTube's getAverageTheoreticalBitrate: bits per pixel by resolution class (smaller side, in lines).
_AVERAGE_BITS_PER_PIXEL = (
    (2160, 0.08), (1440, 0.09), (1080, 0.10), (720, 0.11), (480, 0.12), (360, 0.15), (240, 0.17), (0, 0.19)
)  # fmt: skip  (0: PeerTube's 144p figure, for anything smaller too)
_MIN_BITS_PER_PIXEL = 0.02  # PeerTube's getMinTheoreticalBitrate
# RFC 6381 "avc1.PPCCLL": profile_idc and constraint flags as x264 writes them for each profile ffprobe names.
_AVC_PROFILES = {"Constrained Baseline": "42c0", "Main": "4d40", "High": "6400"}
_AAC_LC = "mp4a.40.2"
_SEGMENT = re.compile(r"#EXTINF:([\d.]+),\s*#EXT-X-BYTERANGE:(\d+)@\d+")
_STDERR_TAIL = 8192  # bytes of ffmpeg's stderr worth reading for the error


@dataclass(frozen=True)
class Rendition:
    resolution: int  # PeerTube's resolution: the smaller side, so a 720x1280 portrait video is "720"
    height: int
    width: int
    fps: float
    mp4: str  # file name in out_dir
    playlist: str  # e.g. "720.m3u8"
    fragmented: str  # e.g. "720-fragmented.mp4"
    mp4_size: int
    fragmented_size: int
    bandwidth: int  # bits/s of the richest segment, as the master playlist's BANDWIDTH wants
    codecs: str  # RFC 6381, e.g. "avc1.64001f,mp4a.40.2"


@dataclass(frozen=True)
class EncodeResult:
    duration: float  # seconds, of the encoded MP4
    renditions: list[Rendition]
    master: str = "master.m3u8"
    thumbnail: str = "thumbnail.jpg"
    preview: str = "preview.jpg"


class EncodeFailed(Exception):
    """ffmpeg could not convert the file; `reason` is a sentence for the uploader."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def encode(
    src: str | Path,
    info: MediaInfo,
    out_dir: str | Path,
    *,
    max_height: int = 720,
    enabled: frozenset[int] | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> EncodeResult:
    src, out_dir = Path(src).resolve(), Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    progress = _Progress(on_progress, info.duration)

    plans = _plans(info, max_height, enabled)  # largest first
    mp4s = [out_dir / f"{plan.resolution}.mp4" for plan in plans]
    copy_audio = _audio_is_copyable(src, info)
    _run(_encode_mp4s(src, info, plans, mp4s, copy_audio), progress, src, out_dir)

    outputs = [ffmpeg.probe(str(mp4), v="error") for mp4 in mp4s]
    duration = float(outputs[0]["format"]["duration"])
    playlists = [out_dir / f"{plan.resolution}.m3u8" for plan in plans]
    fragmented = [out_dir / f"{plan.resolution}-fragmented.mp4" for plan in plans]
    pictures = (out_dir / EncodeResult.thumbnail, out_dir / EncodeResult.preview)
    _run(_package(mp4s, playlists, fragmented, *pictures, duration), None, src, out_dir)

    renditions = [
        Rendition(
            resolution=plan.resolution,
            height=plan.height,
            width=plan.width,
            fps=float(plan.fps),
            mp4=mp4.name,
            playlist=playlist.name,
            fragmented=fmp4.name,
            mp4_size=mp4.stat().st_size,
            fragmented_size=fmp4.stat().st_size,
            bandwidth=_peak_bandwidth(playlist.read_text()),
            codecs=_codecs(output["streams"]),
        )
        for plan, mp4, playlist, fmp4, output in zip(plans, mp4s, playlists, fragmented, outputs)
    ]
    result = EncodeResult(duration=duration, renditions=renditions)
    (out_dir / result.master).write_text(_master_playlist(result.renditions))
    progress.done()
    return result


def target_bitrate(width: int, height: int, fps: float, input_bitrate: int | None) -> int:
    """PeerTube's getTargetBitrate: bits per pixel by resolution, capped by what the input had to give."""
    resolution = min(width, height)
    bits_per_pixel = next(bpp for lines, bpp in _AVERAGE_BITS_PER_PIXEL if resolution >= lines)
    pixels_per_second = width * height * fps
    bitrate = pixels_per_second * bits_per_pixel
    if input_bitrate:
        # Re-encoding loses quality, hence PeerTube's 30 % margin over the input.
        bitrate = min(bitrate, input_bitrate * 1.3)
    return int(max(bitrate, pixels_per_second * _MIN_BITS_PER_PIXEL))


@dataclass(frozen=True)
class _Plan:
    """The picture of one rendition."""

    resolution: int
    width: int
    height: int
    fps: Fraction


def resolutions(input_resolution: int, max_height: int,
                enabled: frozenset[int] | None = None) -> list[int]:
    """The ladder for an input whose smaller side is `input_resolution`, largest first;
    the rungs below the top only those `enabled` (the admin's choice) when given.

    PeerTube's computeResolutionsToTranscode with its default always_transcode_original_resolution:
    the input's own resolution (made even, never upscaled), then every standard rung strictly below it.
    `max_height` plays the part of the enabled resolutions: above it, the top is the highest rung
    within it (or the cap itself when no rung fits).
    """
    if input_resolution > max_height:
        top = max((rung for rung in LADDER if rung <= max_height), default=_even_below(max_height))
    else:
        top = _even_below(input_resolution)
    return [top, *(rung for rung in reversed(LADDER)
                   if rung < top and (enabled is None or rung in enabled))]


def _plans(info: MediaInfo, max_height: int,
           enabled: frozenset[int] | None = None) -> list[_Plan]:
    if not info.has_video:
        # Audio gets a 16:9 still picture, in one rendition: a ladder of still pictures buys nothing.
        height = _even_below(min(720, max_height))
        return [_Plan(height, _nearest_even(height * 16 / 9), height, Fraction(STILL_FPS))]
    assert info.width and info.height
    # Like PeerTube, cap the smaller side so portrait videos get as many pixels as landscape ones.
    smaller, larger = sorted((info.width, info.height))
    # 1001 denominators keep NTSC rates (30000/1001) exact. A stream without a known rate is most likely 30 fps.
    fps = min(Fraction(info.fps or 30).limit_denominator(1001), Fraction(MAX_FPS))
    plans = []
    for resolution in resolutions(smaller, max_height, enabled):
        other = _nearest_even(larger * resolution / smaller)  # keeps the aspect ratio
        width, height = (other, resolution) if info.width >= info.height else (resolution, other)
        plans.append(_Plan(resolution, width, height, fps))
    return plans


def _audio_is_copyable(src: Path, info: MediaInfo) -> bool:
    """Like PeerTube, keep audio that players take as it is: AAC-LC stereo at 44.1 or 48 kHz."""
    if not (info.has_audio and info.audio_codec == "aac" and info.sample_rate in AUDIO_SAMPLE_RATES):
        return False
    try:
        streams = ffmpeg.probe(str(src), v="error", select_streams="a:0")["streams"]
    except ffmpeg.Error:
        return False
    return bool(streams) and streams[0].get("channels") == 2 and streams[0].get("profile") == "LC"


def _encode_mp4s(src: Path, info: MediaInfo, plans: list[_Plan], mp4s: list[Path], copy_audio: bool) -> Any:
    """One ffmpeg graph: the input decoded once, one scaled branch and one libx264 encoder per MP4."""
    source = ffmpeg.input(str(src))
    if info.has_video:
        # ffmpeg applies rotation metadata before the filters, so this scales the displayed picture.
        # "V" leaves out cover art that some containers carry next to the video.
        branches = source["V:0"].split() if len(plans) > 1 else None
        videos = [
            (branches[i] if branches else source["V:0"]).filter("scale", plan.width, plan.height).filter("setsar", 1)
            for i, plan in enumerate(plans)
        ]
    else:
        (plan,) = plans
        background = f"color=c={STILL_BACKGROUND}:s={plan.width}x{plan.height}:r={plan.fps}:d={info.duration}"
        video = ffmpeg.input(background, f="lavfi")
        if info.has_cover_art:
            # Without real video, every video stream is a picture; the overlay repeats it to the end.
            cover = source["v:0"].filter("scale", plan.width, plan.height, force_original_aspect_ratio="decrease")
            video = ffmpeg.overlay(video, cover, x="(W-w)/2", y="(H-h)/2")
        videos = [video]
    return ffmpeg.merge_outputs(
        *(
            ffmpeg.output(*_streams(video, source, info), str(mp4), **_options(info, plan, copy_audio))
            for video, plan, mp4 in zip(videos, plans, mp4s)
        )
    )


def _streams(video: Any, source: Any, info: MediaInfo) -> list[Any]:
    return [video, source["a:0"]] if info.has_audio else [video]


def _options(info: MediaInfo, plan: _Plan, copy_audio: bool) -> dict[str, Any]:
    # The bitrate of an audio file says nothing about what its picture needs.
    input_bitrate = info.bitrate if info.has_video else None
    bitrate = target_bitrate(plan.width, plan.height, float(plan.fps), input_bitrate)
    options: dict[str, Any] = {
        "c:v": "libx264",
        "preset": "veryfast",
        "profile:v": "high",
        "pix_fmt": "yuv420p",
        "crf": 23,
        "maxrate": bitrate,
        "bufsize": 2 * bitrate,
        "r": str(plan.fps),
        # Keyframes on the clock, never on scene cuts, so that every HLS segment of every rendition
        # starts with one at the same time.
        "force_key_frames": f"expr:gte(t,n_forced*{KEYFRAME_INTERVAL})",
        "sc_threshold": 0,
        "map_metadata": -1,
        "movflags": "+faststart",
    }
    if not info.has_video:
        options["tune"] = "stillimage"
    if copy_audio:
        options["c:a"] = "copy"
    elif info.has_audio:
        sample_rate = info.sample_rate if info.sample_rate in AUDIO_SAMPLE_RATES else 48000
        options |= {"c:a": "aac", "b:a": AUDIO_BITRATE, "ac": 2, "ar": sample_rate}
    return options


def _package(
    mp4s: list[Path], playlists: list[Path], fragmented: list[Path], thumbnail: Path, preview: Path, duration: float
) -> Any:
    """One ffmpeg process copying each MP4 into its HLS rendition; the pictures come from the first (largest)."""
    hls = [
        ffmpeg.output(
            ffmpeg.input(str(mp4)),
            str(playlist),
            c="copy",
            f="hls",
            hls_time=HLS_TIME,
            hls_playlist_type="vod",
            hls_segment_type="fmp4",
            # One file read with byte ranges, init segment included, as PeerTube serves it.
            hls_flags="single_file",
            hls_segment_filename=str(fmp4),
        )
        for mp4, playlist, fmp4 in zip(mp4s, playlists, fragmented)
    ]
    # A third in is past intros and fades; a clip under a second has none to skip.
    picture_at = duration / 3 if duration >= 1 else 0
    pictures = ffmpeg.input(str(mp4s[0]), ss=picture_at).video.split()
    images = [
        ffmpeg.output(
            # Crop the middle to the picture's shape, then scale: crop last would round 157 lines to 156.
            pictures[i]
            .filter("crop", f"min(iw,ih*{width}/{height})", f"min(ih,iw*{height}/{width})")
            .filter("scale", width, height)
            .filter("setsar", 1),
            str(path),
            **{"frames:v": 1, "q:v": 3},
        )
        for i, (path, (width, height)) in enumerate(((thumbnail, THUMBNAIL_SIZE), (preview, PREVIEW_SIZE)))
    ]
    return ffmpeg.merge_outputs(*hls, *images)


def _run(stream: Any, progress: _Progress | None, src: Path, out_dir: Path) -> None:
    quiet = ("-hide_banner", "-nostdin", "-nostats", "-loglevel", "error")
    args = stream.global_args(*quiet, "-progress", "pipe:1").compile(overwrite_output=True)
    # stderr can be megabytes of decoder complaints: a file, not a pipe nobody reads while ffmpeg blocks on it.
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, text=True)
        try:
            assert process.stdout
            for line in process.stdout:
                key, _, value = line.strip().partition("=")
                # out_time_ms is microseconds too (an old ffmpeg misnomer); out_time_us says so.
                if progress and key == "out_time_us" and value.lstrip("-").isdigit():
                    progress.at(int(value) / 1_000_000)
            process.wait()
        finally:
            if process.poll() is None:  # we are leaving early (on_progress raised, interrupt): stop ffmpeg
                process.kill()
                process.wait()
        if process.returncode != 0:
            size = stderr.seek(0, os.SEEK_END)
            stderr.seek(max(0, size - _STDERR_TAIL))
            detail = ffmpeg_error_line(stderr.read(), src.parent, out_dir)
            raise EncodeFailed(f"The file could not be converted (ffmpeg: {detail}).")


class _Progress:
    """Percentages of ffmpeg's position: rising, at most every PROGRESS_INTERVAL, 100 once all is written."""

    def __init__(self, callback: Callable[[float], None] | None, duration: float) -> None:
        self._callback = callback
        self._duration = duration
        self._last_percent = 0.0
        self._last_time = time.monotonic()

    def at(self, seconds: float) -> None:
        percent = round(min(99.0, max(0.0, 100 * seconds / self._duration)), 1)
        now = time.monotonic()
        if self._callback and percent > self._last_percent and now - self._last_time >= PROGRESS_INTERVAL:
            self._last_percent, self._last_time = percent, now
            self._callback(percent)

    def done(self) -> None:
        if self._callback:
            self._callback(100.0)


def _peak_bandwidth(media_playlist: str) -> int:
    segments = [(float(seconds), int(size)) for seconds, size in _SEGMENT.findall(media_playlist)]
    return math.ceil(max(size * 8 / seconds for seconds, size in segments if seconds > 0))


def _codecs(streams: list[dict[str, Any]]) -> str:
    video = next(s for s in streams if s["codec_type"] == "video")
    codecs = [f"avc1.{_AVC_PROFILES[video['profile']]}{int(video['level']):02x}"]
    if any(s["codec_type"] == "audio" for s in streams):
        codecs.append(_AAC_LC)
    return ",".join(codecs)


def _master_playlist(renditions: list[Rendition]) -> str:
    # Written here rather than by ffmpeg's -master_pl_name, which leaves out CODECS and FRAME-RATE.
    # Largest first, as `renditions` come: players that pick the first variant start sharp.
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for r in renditions:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={r.bandwidth},RESOLUTION={r.width}x{r.height},"
            f'FRAME-RATE={r.fps:.3f},CODECS="{r.codecs}"'
        )
        lines.append(r.playlist)
    return "\n".join(lines) + "\n"


# x264 wants even sides for 4:2:0.
def _nearest_even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def _even_below(value: int) -> int:
    return max(2, value // 2 * 2)
