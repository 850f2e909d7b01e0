"""Turn one upload into what a PeerTube-style player plays: a ladder of web MP4s, HLS (fMP4) and two pictures.

One ffmpeg process decodes the input once, splits the picture into one scaled branch per resolution
of the ladder and encodes each into `{resolution}.mp4` (`encode`). A second, cheap ffmpeg run copies every
MP4's streams into its HLS single-file rendition and takes the thumbnail and the preview from the largest
(`package`).

A long input is encoded in chunks instead, each by its own process (on AWS, its own function): a chunk
is a stretch between two keyframes of the input, encoded to picture only (`encode_chunk`); the sound is
encoded once for the whole input (`encode_audio`), and `join` puts the chunks end to end and the sound
beside them without re-encoding. Encoding the sound in pieces would put a gap of encoder priming at
every join; the picture has no such thing, as every chunk starts on a keyframe.

Picture and sound that end far apart (see STREAM_MISMATCH) are both made to last as long as the longer:
the last picture is held, or silence follows the sound. Left as they are, HLS players stall where the
shorter stream ends (they play only what both streams have buffered), and the web MP4 ends early or
freezes depending on the browser. In chunks, the last chunk holds the picture and `encode_audio` adds
the silence, so that `join` gets streams of the same length too.
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
# Like PeerTube, rungs below 720p keep at most this rate: a phone screen gains little from 60 fps at 360p,
# and the bitrate is better spent on the picture.
LOW_RUNG_MAX_FPS = 30
KEEP_FPS_FROM = 720
AUDIO_BITRATE = "128k"
AUDIO_SAMPLE_RATES = (44100, 48000)  # kept as they are; any other rate is resampled to 48 kHz
# A still picture never changes: a low rate keeps it cheap, yet ends it within 0.2 s of the sound.
STILL_FPS = 5
STILL_BACKGROUND = "0x141414"
THUMBNAIL_SIZE = (280, 157)  # PeerTube's sizes
PREVIEW_SIZE = (850, 480)
PROGRESS_INTERVAL = 0.5  # seconds between two on_progress calls
# Picture and sound ending further apart than this are padded to the longer one. Ordinary files differ by
# milliseconds (AAC priming, the length of the last frame) and keep their exact encode. No mismatch is
# refused, however large: a song under one picture encoded as a one-frame video, or a talk whose camera
# stopped before the microphone, are what their uploaders meant to publish, and holding the picture or
# adding silence shows them as they are. A file cut short is caught by what the encode could read
# (`check_read_to_the_end`), not by how its streams compare.
STREAM_MISMATCH = 1.0  # seconds
# An encode shorter than its input by more than a tenth of the input (at least SHORTFALL_MIN, at most
# SHORTFALL_MAX) did not read the file to its end: ffmpeg takes a file cut short or with garbage after
# some point as its end, logs errors and exits successfully.
SHORTFALL_SHARE = 0.1
SHORTFALL_MIN = 0.5  # seconds: a frame or two less is no loss (and is no sign of damage)
SHORTFALL_MAX = 5.0  # seconds: a film missing its last minutes is broken, however long it is
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

    @property
    def variant(self) -> dict[str, Any]:
        """What the master playlist says of this rendition (see `master_playlist`)."""
        return {"bandwidth": self.bandwidth, "width": self.width, "height": self.height, "fps": self.fps,
                "codecs": self.codecs, "playlist": self.playlist}


@dataclass(frozen=True)
class EncodeResult:
    duration: float  # seconds, of the encoded MP4
    renditions: list[Rendition]
    pictures: bool = True  # whether thumbnail and preview were made
    master: str = "master.m3u8"
    thumbnail: str = "thumbnail.jpg"
    preview: str = "preview.jpg"


class EncodeFailed(Exception):
    """ffmpeg could not convert the file; `reason` is a sentence for the uploader."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Padding:
    """Both streams made to last `length` seconds: the picture's last frame held when `picture`
    (the picture is the shorter), else silence after the sound."""

    length: float
    picture: bool


def padding(info: MediaInfo) -> Padding | None:
    """How `info`'s streams are evened out (see STREAM_MISMATCH); None when they are left as they are."""
    video, audio = info.video_duration, info.audio_duration
    if not (info.has_video and info.has_audio) or video is None or audio is None:
        return None  # a container that does not time its streams: nothing says they differ
    if abs(video - audio) <= STREAM_MISMATCH:
        return None
    # Never past the container's length, which the instance's length limit was checked against.
    return Padding(min(max(video, audio), info.duration), picture=video < audio)


def expected_duration(info: MediaInfo) -> float:
    """Seconds an encode of the whole of `info` lasts: its longer stream (the other padded to it)."""
    pad = padding(info)
    if pad is not None:
        return pad.length
    # The streams we encode when they are all timed, rather than the container, which also times the
    # subtitles and data streams that are left out.
    lengths = [info.video_duration] if info.has_video else []
    lengths += [info.audio_duration] if info.has_audio else []
    timed = [length for length in lengths if length is not None]
    return max(timed) if timed and len(timed) == len(lengths) else info.duration


def encode(
    src: str | Path,
    info: MediaInfo,
    out_dir: str | Path,
    *,
    max_height: int = 720,
    enabled: frozenset[int] | None = None,
    only: list[int] | None = None,
    pictures: bool = True,
    still: Path | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> EncodeResult:
    """The whole ladder (or the rungs `only` names) from one pass over the input, packaged.
    For sound alone, `still` is the picture the uploader gave: it is shown rather than the file's cover."""
    src, out_dir = Path(src).resolve(), Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    expected = expected_duration(info)
    progress = _Progress(on_progress, expected)

    plans = plans_for(info, only) if only is not None else ladder(info, max_height, enabled)
    mp4s = [out_dir / f"{plan.resolution}.mp4" for plan in plans]
    audio = "copy" if _audio_is_copyable(str(src), info) else "encode" if info.has_audio else None
    outputs = _encode_mp4s(
        ffmpeg.input(str(src)), info, plans, mp4s, audio, {"movflags": "+faststart"}, pad=padding(info),
        still=still,
    )
    _run(outputs, progress, src, out_dir)
    if info.has_video:
        # Without a picture, the still background lasts `info.duration` whatever the sound does; and audio
        # files' lengths are often estimates (raw AAC, MP3 without a header), which a check would take for damage.
        check_read_to_the_end(mp4s[0], expected)
    result = package(mp4s, plans, out_dir, pictures=pictures, src=src)
    progress.done()
    return result


def encode_chunk(
    src: str,
    info: MediaInfo,
    plans: list[Plan],
    start: float,
    duration: float | None,
    outputs: list[Path],
    *,
    on_progress: Callable[[float], None] | None = None,
) -> None:
    """The picture of `src` from `start` for `duration` seconds (to the end when None), one MP4 per plan.

    `start` must be a keyframe of the input, so that the chunk decodes from there and nothing before it.
    `src` may be a URL: ffmpeg then reads only the byte ranges of the chunk.
    When the sound outlasts the picture (see `padding`), the last chunk (`duration` None) holds the last
    picture until the sound's end, as `encode` does.
    """
    assert info.has_video, "audio-only inputs are cheap enough for one pass"
    pad = padding(info)
    last_pad = Padding(pad.length - start, picture=True) if pad and pad.picture and duration is None else None
    length = duration if duration is not None else last_pad.length if last_pad else info.duration - start
    length = length or info.duration
    source = ffmpeg.input(src, ss=start) if start else ffmpeg.input(src)
    # Keyframes on the input's clock, not the chunk's, so that joined chunks keep one 2-second grid.
    options = {"force_key_frames": _keyframes_every_interval(start), **({"t": duration} if duration is not None else {})}
    graph = _encode_mp4s(source, info, plans, outputs, None, options, pad=last_pad)
    _run(graph, _Progress(on_progress, length), src, outputs[0].parent)
    # A source cut short leaves the chunks past its end short or empty, and ffmpeg content.
    total = expected_duration(info)
    check_read_to_the_end(outputs[0], duration if duration is not None else total - start, start=start, total=total)
    if on_progress:
        on_progress(100.0)


def encode_audio(src: str, info: MediaInfo, out: Path) -> None:
    """The sound of `src` for `join`: AAC in an MP4 audio file, copied when it is suitable already.
    When the picture outlasts it (see `padding`), silence follows the sound until the picture's end."""
    assert info.has_audio
    pad = padding(info)
    sound = ffmpeg.input(src)["a:0"]
    if pad and not pad.picture:
        sound, options = sound.filter("apad"), {**_audio_options(info), "t": pad.length}
    else:
        options = {"c:a": "copy"} if _audio_is_copyable(src, info) else _audio_options(info)
    _run(sound.output(str(out), vn=None, map_metadata=-1, **options), None, src, out.parent)


def join(chunks: list[Path], audio: Path | None, out: Path) -> None:
    """The chunks of one rendition end to end, the sound beside them; nothing re-encoded.

    Each chunk's length is stated in the concat list, from its picture stream: left to the demuxer,
    the MP4s' edit lists would shift every later chunk by a fraction of a millisecond.
    """
    listing = out.with_suffix(".concat")
    lines = ["ffconcat version 1.0"]
    for chunk in chunks:
        (stream,) = ffmpeg.probe(str(chunk), v="error", select_streams="v:0")["streams"]
        quoted = str(chunk.resolve()).replace("'", "'\\''")
        lines += [f"file '{quoted}'", f"duration {stream['duration']}"]
    listing.write_text("\n".join(lines) + "\n")
    picture = ffmpeg.input(str(listing), f="concat", safe=0)
    streams = [picture.video] + ([ffmpeg.input(str(audio)).audio] if audio else [])
    _run(ffmpeg.output(*streams, str(out), c="copy", movflags="+faststart"), None, listing, out.parent)
    listing.unlink()


def package(
    mp4s: list[Path], plans: list[Plan], out_dir: Path, *, pictures: bool = True, src: Path | None = None
) -> EncodeResult:
    """HLS renditions copied from the web MP4s (largest first), the master playlist, and the pictures."""
    outputs = [ffmpeg.probe(str(mp4), v="error") for mp4 in mp4s]
    duration = float(outputs[0]["format"]["duration"])
    playlists = [out_dir / f"{plan.resolution}.m3u8" for plan in plans]
    fragmented = [out_dir / f"{plan.resolution}-fragmented.mp4" for plan in plans]
    images = (out_dir / EncodeResult.thumbnail, out_dir / EncodeResult.preview) if pictures else None
    _run(_package(mp4s, playlists, fragmented, images, duration), None, src or mp4s[0], out_dir)

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
    result = EncodeResult(duration=duration, renditions=renditions, pictures=pictures)
    (out_dir / result.master).write_text(master_playlist([r.variant for r in renditions]))
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
class Plan:
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


def ladder(info: MediaInfo, max_height: int, enabled: frozenset[int] | None = None) -> list[Plan]:
    """The renditions of `info`'s ladder (see `resolutions`), largest first."""
    if not info.has_video:
        return plans_for(info, [_even_below(min(720, max_height))])
    assert info.width and info.height
    # Like PeerTube, cap the smaller side so portrait videos get as many pixels as landscape ones.
    return plans_for(info, resolutions(min(info.width, info.height), max_height, enabled))


def plans_for(info: MediaInfo, chosen: list[int]) -> list[Plan]:
    """The renditions of the resolutions `chosen`, in that order. Audio gets a 16:9 still picture in one
    rendition, the first chosen: a ladder of still pictures buys nothing."""
    if not info.has_video:
        height = chosen[0]
        return [Plan(height, _nearest_even(height * 16 / 9), height, Fraction(STILL_FPS))]
    assert info.width and info.height
    smaller, larger = sorted((info.width, info.height))
    plans = []
    for resolution in chosen:
        other = _nearest_even(larger * resolution / smaller)  # keeps the aspect ratio
        width, height = (other, resolution) if info.width >= info.height else (resolution, other)
        plans.append(Plan(resolution, width, height, rung_fps(info.fps, resolution)))
    return plans


def rung_fps(input_fps: float | None, resolution: int) -> Fraction:
    """The frame rate of a rung: the input's, at most MAX_FPS, and below 720p at most LOW_RUNG_MAX_FPS by
    keeping every 2nd (3rd...) frame, so that 60 gives 30, 50 gives 25 and 59.94 gives 29.97."""
    # 1001 denominators keep NTSC rates (30000/1001) exact. A stream without a known rate is most likely 30 fps.
    fps = min(Fraction(input_fps or 30).limit_denominator(1001), Fraction(MAX_FPS))
    if resolution < KEEP_FPS_FROM and fps > LOW_RUNG_MAX_FPS:
        fps /= math.ceil(fps / LOW_RUNG_MAX_FPS)
    return fps


def _audio_is_copyable(src: str, info: MediaInfo) -> bool:
    """Like PeerTube, keep audio that players take as it is: AAC-LC stereo at 44.1 or 48 kHz."""
    if not (info.has_audio and info.audio_codec == "aac" and info.sample_rate in AUDIO_SAMPLE_RATES):
        return False
    try:
        streams = ffmpeg.probe(src, v="error", select_streams="a:0")["streams"]
    except ffmpeg.Error:
        return False
    return bool(streams) and streams[0].get("channels") == 2 and streams[0].get("profile") == "LC"


def _encode_mp4s(
    source: Any,
    info: MediaInfo,
    plans: list[Plan],
    mp4s: list[Path],
    audio: str | None,
    extra: dict[str, Any],
    *,
    pad: Padding | None = None,
    still: Path | None = None,
) -> Any:
    """One ffmpeg graph: the input decoded once, one scaled branch and one libx264 encoder per MP4.
    `audio` is "copy", "encode" or None (picture only); `extra` are more options for every output;
    `pad` evens out the streams (see `padding`); `still` is a picture for sound alone."""
    sound = source["a:0"]
    if pad is not None:
        # Either stream is padded without end, then every output is cut at the padded length: exact when
        # the container told the truth, and never past the longer stream's real end (-shortest), so that a
        # length the container overstates cannot make hours of a held picture.
        extra = {**extra, "t": pad.length, **({"shortest": None} if audio else {})}
        if audio and not pad.picture:
            audio = "encode"  # silence is only added to decoded sound
            sound = sound.filter("apad")
    if info.has_video:
        # ffmpeg applies rotation metadata before the filters, so this scales the displayed picture.
        # "V" leaves out cover art that some containers carry next to the video.
        picture = source["V:0"]
        if pad is not None and pad.picture:
            picture = picture.filter("tpad", stop_mode="clone", stop=-1)
        branches = picture.split() if len(plans) > 1 else None
        videos = [
            (branches[i] if branches else picture).filter("scale", plan.width, plan.height).filter("setsar", 1)
            for i, plan in enumerate(plans)
        ]
    else:
        (plan,) = plans
        background = f"color=c={STILL_BACKGROUND}:s={plan.width}x{plan.height}:r={plan.fps}:d={info.duration}"
        video = ffmpeg.input(background, f="lavfi")
        # Without real video, every video stream is a picture; the overlay repeats it to the end.
        cover = ffmpeg.input(str(still))["v:0"] if still else source["v:0"] if info.has_cover_art else None
        if cover is not None:
            cover = cover.filter("scale", plan.width, plan.height, force_original_aspect_ratio="decrease")
            video = ffmpeg.overlay(video, cover, x="(W-w)/2", y="(H-h)/2")
        videos = [video]
    if pad is not None and audio and not pad.picture and len(plans) > 1:
        # A filtered stream feeds one output only.
        sounds = sound.asplit()
        streams = [[video, sounds[i]] for i, video in enumerate(videos)]
    else:
        streams = [[video, sound] if audio else [video] for video in videos]
    return ffmpeg.merge_outputs(
        *(
            ffmpeg.output(*outputs, str(mp4), **{**_options(info, plan), **_audio_options(info, audio), **extra})
            for outputs, plan, mp4 in zip(streams, plans, mp4s)
        )
    )


def _options(info: MediaInfo, plan: Plan) -> dict[str, Any]:
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
        "force_key_frames": _keyframes_every_interval(0.0),
        "sc_threshold": 0,
        "map_metadata": -1,
    }
    if not info.has_video:
        options["tune"] = "stillimage"
    return options


def _keyframes_every_interval(start: float) -> str:
    """force_key_frames for an output starting `start` seconds into the input: a keyframe first, then one at
    each multiple of KEYFRAME_INTERVAL of the input's time."""
    offset = round(start % KEYFRAME_INTERVAL, 6)
    return f"expr:gte(t,n_forced*{KEYFRAME_INTERVAL}-{offset})" if offset else f"expr:gte(t,n_forced*{KEYFRAME_INTERVAL})"


def _audio_options(info: MediaInfo, audio: str | None = "encode") -> dict[str, Any]:
    if audio == "copy":
        return {"c:a": "copy"}
    if audio is None:
        return {}
    sample_rate = info.sample_rate if info.sample_rate in AUDIO_SAMPLE_RATES else 48000
    return {"c:a": "aac", "b:a": AUDIO_BITRATE, "ac": 2, "ar": sample_rate}


def _package(
    mp4s: list[Path],
    playlists: list[Path],
    fragmented: list[Path],
    pictures: tuple[Path, Path] | None,
    duration: float,
) -> Any:
    """One ffmpeg process copying each MP4 into its HLS rendition; the thumbnail and preview, when
    wanted, come from the first (largest)."""
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
    if pictures is None:
        return ffmpeg.merge_outputs(*hls)
    # A third in is past intros and fades; a clip under a second has none to skip.
    picture_at = duration / 3 if duration >= 1 else 0
    frames = ffmpeg.input(str(mp4s[0]), ss=picture_at).video.split()
    images = [
        ffmpeg.output(
            # Crop the middle to the picture's shape, then scale: crop last would round 157 lines to 156.
            frames[i]
            .filter("crop", f"min(iw,ih*{width}/{height})", f"min(ih,iw*{height}/{width})")
            .filter("scale", width, height)
            .filter("setsar", 1),
            str(path),
            **{"frames:v": 1, "q:v": 3},
        )
        for i, (path, (width, height)) in enumerate(zip(pictures, (THUMBNAIL_SIZE, PREVIEW_SIZE)))
    ]
    return ffmpeg.merge_outputs(*hls, *images)


def _run(stream: Any, progress: _Progress | None, src: str | Path, out_dir: Path) -> None:
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
            # A URL source is presigned: its signature is nobody's business.
            detail = ffmpeg_error_line(stderr.read(), Path(src).parent, out_dir).replace(str(src), "the upload")
            raise EncodeFailed(f"The file could not be converted (ffmpeg: {detail}).")


def check_read_to_the_end(mp4: Path, expected: float, *, start: float = 0.0, total: float | None = None) -> None:
    """Raises EncodeFailed when `mp4` is too short to hold the `expected` seconds of input (see
    SHORTFALL_SHARE). For a chunk from `start`, the reason counts in the whole input, `total` seconds long.

    A file whose later part is missing or garbage decodes up to there: ffmpeg logs the errors and exits
    successfully with a shortened video, which the uploader would only find out by watching it to the end.
    Damage in the middle is another matter: ffmpeg conceals it (a few blotchy or repeated frames, a blip of
    sound) and goes on to the end, and that video, whole but for a moment, is published.
    """
    # An output with no frame at all has no duration.
    encoded = float(ffmpeg.probe(str(mp4), v="error")["format"].get("duration", 0))
    if not _read_to_the_end(expected, encoded):
        raise EncodeFailed(
            f"The file ends early: only {_clock(start + encoded)} of its {_clock(total or expected)} could be read. "
            "It may be damaged or incompletely copied."
        )


def _read_to_the_end(expected: float, encoded: float) -> bool:
    return expected - encoded <= min(SHORTFALL_MAX, max(SHORTFALL_MIN, SHORTFALL_SHARE * expected))


def _clock(seconds: float) -> str:
    """A length as the uploader reads it: "4.2 s", "3:07", "1:02:09"."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


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


def master_playlist(variants: list[dict[str, Any]]) -> str:
    """The master playlist of the renditions `variants` describe (see `Rendition.variant`; `playlist` may
    be a key, the playlist's URL is relative to the master's)."""
    # Written here rather than by ffmpeg's -master_pl_name, which leaves out CODECS and FRAME-RATE.
    # Largest first: players that pick the first variant start sharp.
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for v in sorted(variants, key=lambda v: -v["width"] * v["height"]):
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={v['bandwidth']},RESOLUTION={v['width']}x{v['height']},"
            f'FRAME-RATE={v["fps"]:.3f},CODECS="{v["codecs"]}"'
        )
        lines.append(v["playlist"].rsplit("/", 1)[-1])
    return "\n".join(lines) + "\n"


# x264 wants even sides for 4:2:0.
def _nearest_even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def _even_below(value: int) -> int:
    return max(2, value // 2 * 2)
