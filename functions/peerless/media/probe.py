"""What an uploaded file holds, decided by ffprobe and never by the file's name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import ffmpeg

# Shorter media has nothing to watch, and it is what a lone picture demuxes as (one frame of 0.04 s).
MIN_DURATION = 0.5
# Below this a "video" is a tracking pixel or a broken file, not something to watch.
MIN_SIDE = 16

# Codecs that carry single pictures. Motion JPEG or an animated GIF are real videos; a lone picture in
# these codecs is not, and ffprobe still calls it a "video" stream.
_PICTURE_CODECS = frozenset({"png", "mjpeg", "bmp", "gif", "webp", "tiff", "jpeg2000"})

# "[h264 @ 0x55d1c0e8a440] " prefixes name ffmpeg internals and addresses; the uploader needs the rest.
_LOG_PREFIX = re.compile(r"^(\[[^\]]+ @ 0x[0-9a-f]+\] )+")
# Lines ffmpeg prints after the real error, saying only that it gave up or that the data was bad.
_GENERIC_STARTS = ("Conversion failed!", "Error marking filters as finished", "Last message repeated")
_GENERIC_END = ": Invalid data found when processing input"


@dataclass(frozen=True)
class MediaInfo:
    duration: float  # seconds
    has_video: bool
    has_audio: bool
    width: int | None  # display size: after sample aspect ratio and rotation metadata
    height: int | None
    fps: float | None
    video_codec: str | None
    audio_codec: str | None
    bitrate: int  # bits/s of the whole file
    size: int  # bytes
    sample_rate: int | None = None  # Hz of the audio stream
    has_cover_art: bool = False  # a picture to show while the audio plays (only meaningful without video)
    # Seconds of each stream as the container states them (None: no such stream, or a container that does not
    # say). They differ from `duration` and from each other by a few milliseconds in an ordinary file (AAC
    # priming, the last frame's length); by seconds when the picture stops before the sound or the other way.
    video_duration: float | None = None
    audio_duration: float | None = None


class NotMedia(Exception):
    """The file cannot be published as a video; `reason` is a sentence for the uploader."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def probe(path: str | Path) -> MediaInfo:
    path = Path(path).resolve()  # absolute, so a name starting with "-" is never read as an option
    size = path.stat().st_size
    if size == 0:
        raise NotMedia("The file is empty.")
    try:
        data = ffmpeg.probe(str(path), v="error")
    except ffmpeg.Error as e:
        detail = ffmpeg_error_line(e.stderr, path.parent)
        raise NotMedia(f"The file is not a video or audio file (ffprobe could not read it: {detail}).") from e

    streams: list[dict[str, Any]] = data.get("streams", [])
    container_duration = _number(data.get("format", {}).get("duration"))
    videos = [s for s in streams if s.get("codec_type") == "video"]
    pictures = [s for s in videos if _is_picture(s, container_duration)]
    video = next((s for s in videos if s not in pictures), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None and audio is None:
        if pictures:
            raise NotMedia("The file is a still image, not a video or audio file.")
        raise NotMedia("The file is not a video or audio file (ffprobe found no audio or video stream).")

    video_duration, audio_duration = _stream_duration(video), _stream_duration(audio)
    duration = container_duration
    if duration is None:
        # Some containers leave the total unset but time each stream.
        duration = max((d for d in (video_duration, audio_duration) if d is not None), default=None)
    if duration is None or duration < MIN_DURATION:
        raise NotMedia(f"The file has no playable length (ffprobe reports {duration or 0:.2f} s).")

    width = height = None
    if video is not None:
        width, height = _display_size(video)
        if width < MIN_SIDE or height < MIN_SIDE:
            raise NotMedia(f"The video is too small to watch ({width}x{height} pixels).")

    return MediaInfo(
        duration=duration,
        has_video=video is not None,
        has_audio=audio is not None,
        width=width,
        height=height,
        fps=_frame_rate(video) if video else None,
        video_codec=video.get("codec_name") if video else None,
        audio_codec=audio.get("codec_name") if audio else None,
        bitrate=round(size * 8 / duration),
        size=size,
        sample_rate=int(audio["sample_rate"]) if audio and audio.get("sample_rate") else None,
        has_cover_art=bool(pictures),
        video_duration=video_duration,
        audio_duration=audio_duration,
    )


def ffmpeg_error_line(stderr: bytes | None, *directories: Path) -> str:
    """The last line of ffmpeg/ffprobe's stderr that says what went wrong, without internals or local paths."""
    text = (stderr or b"").decode("utf-8", errors="replace")
    for directory in directories:
        # Server paths mean nothing to the uploader; file names still help.
        text = text.replace(f"{directory}/", "")
    lines = [line for raw in text.splitlines() if (line := _LOG_PREFIX.sub("", raw).strip())]
    specific = [line for line in lines if not line.startswith(_GENERIC_STARTS) and not line.endswith(_GENERIC_END)]
    return (specific or lines or ["no error message"])[-1]


def _is_picture(stream: dict[str, Any], container_duration: float | None) -> bool:
    disposition = stream.get("disposition", {})
    if disposition.get("attached_pic") or disposition.get("still_image"):
        return True
    if stream.get("codec_name") not in _PICTURE_CODECS:
        return False
    # A picture has no frame rate, or lasts one frame (image2 times a lone picture as 1/25 s).
    # Matroska times only the whole file.
    duration = _number(stream.get("duration")) or container_duration
    return _rate(stream.get("avg_frame_rate")) is None or duration is None or duration < MIN_DURATION


def _stream_duration(stream: dict[str, Any] | None) -> float | None:
    """Seconds of `stream` as its container states them; None when it does not."""
    if stream is None:
        return None
    duration = _number(stream.get("duration"))
    if duration is None:
        # Matroska and WebM time only the whole file; their muxers (ffmpeg's, mkvmerge) state each track's
        # length in a "DURATION" tag, "00:01:02.480000000" (some name it "DURATION-eng").
        tags = stream.get("tags", {})
        duration = next((_tag_seconds(v) for key, v in tags.items() if key.upper().startswith("DURATION")), None)
    return duration if duration is not None and duration > 0 else None


def _tag_seconds(value: str) -> float | None:
    """Matroska's "01:02:03.480000000" as seconds; None for anything else."""
    parts = value.split(":")
    if len(parts) != 3:
        return None
    try:
        return int(parts[0]) * 3600 + int(parts[1]) * 60 + float(parts[2])
    except ValueError:
        return None


def _display_size(stream: dict[str, Any]) -> tuple[int, int]:
    width, height = int(stream["width"]), int(stream["height"])
    sar = _rate(stream.get("sample_aspect_ratio"))
    if sar is not None and sar != 1:
        width = round(width * sar)
    if _rotation(stream) % 180 == 90:
        width, height = height, width
    return width, height


def _rotation(stream: dict[str, Any]) -> int:
    # ffprobe >= 5 reports the display matrix as side data; older versions as a "rotate" tag.
    for side_data in stream.get("side_data_list", []):
        if "rotation" in side_data:
            return abs(int(float(side_data["rotation"])))
    return abs(int(stream.get("tags", {}).get("rotate", 0)))


def _frame_rate(stream: dict[str, Any]) -> float | None:
    # avg_frame_rate is what plays; r_frame_rate is only a guess from the time base (1000/1 in some WebM).
    rate = _rate(stream.get("avg_frame_rate")) or _rate(stream.get("r_frame_rate"))
    return float(rate) if rate else None


def _rate(value: str | None) -> Fraction | None:
    """ffprobe's "30000/1001" or "16:9"; None for "0/0", "N/A" or missing."""
    if not value:
        return None
    numerator, _, denominator = value.replace(":", "/").partition("/")
    try:
        rate = Fraction(int(numerator), int(denominator or 1))
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate > 0 else None


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:  # "N/A"
        return None
