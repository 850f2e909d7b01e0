"""Tiny media files, generated once per test session from ffmpeg's synthetic sources."""

from __future__ import annotations

import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

VIDEO_DURATION = 3.0  # the 720p sample
CLIP_DURATION = 2.5  # every other sample: long enough for a second keyframe at 2 s
LONGER_STREAM = 4.0  # picture and sound far apart: the longer stream of each
SHORTER_STREAM = 1.5  # and the shorter


@dataclass(frozen=True)
class Samples:
    hd: Path  # 1280x720 30 fps H.264 + AAC 48 kHz, with a title tag
    full_hd: Path  # 1920x1080 H.264 + AAC
    small: Path  # 320x240 25 fps H.264 + AAC 44.1 kHz
    webm: Path  # VP9 + Opus
    mkv: Path  # H.264 + Vorbis
    avi: Path  # MPEG-4 part 2 + MP3
    mov: Path  # H.264 + AAC in QuickTime
    flv: Path  # H.264 + AAC in Flash Video
    ogv: Path  # Theora + Vorbis in Ogg
    three_gp: Path  # 176x144 15 fps H.263 + AMR-NB 8 kHz mono in 3GPP, as phones filmed
    m4v: Path  # H.264 + AAC in Apple's .m4v
    misnamed: Path  # the Ogg video (Theora + Vorbis) named .mp4
    mp3: Path  # 44.1 kHz, with a PNG cover (attached picture)
    wav: Path  # 22.05 kHz, no picture
    m4a: Path  # AAC-LC stereo 44.1 kHz in MP4, no picture
    ogg: Path  # Vorbis 44.1 kHz in Ogg
    opus: Path  # Opus in Ogg (always 48 kHz)
    flac: Path  # 96 kHz, with a PNG cover (a FLAC picture block)
    aac: Path  # raw AAC (ADTS): no container, the length is only an estimate
    silent: Path  # 640x360 H.264, no audio
    ladder: Path  # 640x360 30 fps H.264 + AAC-LC stereo 48 kHz: audio an encode may copy as it is
    rotated: Path  # 320x240 coded with 90° rotation metadata: displayed 240x320
    text: Path  # a text file named .mp4
    empty: Path  # 0 bytes named .mp4
    image: Path  # a PNG named .mp4
    tiny: Path  # a 1x1 video
    moov_cut: Path  # an MP4 cut in half, losing its index (moov after mdat, ffmpeg's default)
    mdat_cut: Path  # a faststart MP4 cut in half: index complete, later frames missing
    garbage: Path  # a faststart MP4 whose frames are random bytes
    tail_garbage: Path  # a faststart MP4 whose last 40 % are random bytes: it decodes, then stops
    damaged_ts: Path  # MPEG-TS with random bytes over its middle fifth: it decodes with errors to the end
    long_picture: Path  # 4 s of 320x240 picture, 1.5 s of AAC-LC stereo 48 kHz (audio an encode could copy)
    long_sound: Path  # 1.5 s of 320x240 picture, 4 s of AAC-LC stereo 48 kHz, in Matroska (timed by tags)


def _ffmpeg(*args: str | float | Path) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


def _picture(size: str, rate: int) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}"]


def _tone(sample_rate: int) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={sample_rate}"]


def _amr_nb(path: Path, seconds: float) -> Path:
    """AMR-NB noise. ffmpeg decodes AMR but builds seldom encode it; any bits make a valid frame, so
    this writes frames itself: 12.2 kbit/s mode, 20 ms each, 31 random bytes after the frame header."""
    noise = random.Random(1)
    frames = b"".join(b"\x3c" + noise.randbytes(31) for _ in range(round(seconds * 50)))
    path.write_bytes(b"#!AMR\n" + frames)
    return path


_FAST_H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    d = tmp_path_factory.mktemp("media")
    s = Samples(
        hd=d / "hd.mp4",
        full_hd=d / "full_hd.mp4",
        small=d / "small.mp4",
        webm=d / "vp9.webm",
        mkv=d / "h264.mkv",
        avi=d / "mpeg4.avi",
        mov=d / "h264.mov",
        flv=d / "h264.flv",
        ogv=d / "theora.ogv",
        three_gp=d / "h263.3gp",
        m4v=d / "h264.m4v",
        misnamed=d / "theora.mp4",
        mp3=d / "cover.mp3",
        wav=d / "tone.wav",
        m4a=d / "aac.m4a",
        ogg=d / "vorbis.ogg",
        opus=d / "tone.opus",
        flac=d / "cover.flac",
        aac=d / "tone.aac",
        silent=d / "silent.mp4",
        ladder=d / "ladder.mp4",
        rotated=d / "rotated.mp4",
        text=d / "text.mp4",
        empty=d / "empty.mp4",
        image=d / "image.mp4",
        tiny=d / "tiny.nut",
        moov_cut=d / "moov_cut.mp4",
        mdat_cut=d / "mdat_cut.mp4",
        garbage=d / "garbage.mp4",
        tail_garbage=d / "tail_garbage.mp4",
        damaged_ts=d / "damaged.ts",
        long_picture=d / "long_picture.mp4",
        long_sound=d / "long_sound.mkv",
    )

    title = ["-metadata", "title=Uploader's private title"]  # encode must drop it
    _ffmpeg(*_picture("1280x720", 30), *_tone(48000), "-t", VIDEO_DURATION, *_FAST_H264, "-c:a", "aac", *title, s.hd)
    _ffmpeg(*_picture("1920x1080", 30), *_tone(48000), "-t", CLIP_DURATION, *_FAST_H264, "-c:a", "aac", s.full_hd)
    _ffmpeg(*_picture("320x240", 25), *_tone(44100), "-t", CLIP_DURATION, *_FAST_H264, "-c:a", "aac", s.small)
    vp9 = ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"]
    _ffmpeg(*_picture("320x240", 25), *_tone(48000), "-t", CLIP_DURATION, *vp9, s.webm)
    _ffmpeg("-i", s.small, "-c:v", "copy", "-c:a", "libvorbis", s.mkv)
    _ffmpeg("-i", s.small, "-c:v", "mpeg4", "-c:a", "libmp3lame", s.avi)
    _ffmpeg("-i", s.small, "-c", "copy", s.mov)
    _ffmpeg("-i", s.small, "-c", "copy", s.flv)
    _ffmpeg("-i", s.small, "-c", "copy", s.m4v)
    _ffmpeg("-i", s.small, "-c:v", "libtheora", "-c:a", "libvorbis", s.ogv)
    s.misnamed.write_bytes(s.ogv.read_bytes())
    # H.263 knows only a few picture sizes; 176x144 (QCIF) is the one phones filmed in.
    amr = _amr_nb(d / "noise.amr", CLIP_DURATION)
    h263 = ["-c:v", "h263", "-c:a", "copy"]
    _ffmpeg(*_picture("176x144", 15), "-i", amr, "-t", CLIP_DURATION, *h263, s.three_gp)
    _ffmpeg(*_picture("320x240", 1), "-frames:v", "1", "-c:v", "png", "-f", "image2", s.image)
    cover = ["-map", "0", "-map", "1", "-c:v", "png", "-disposition:v", "attached_pic"]
    _ffmpeg(*_tone(44100), "-i", s.image, "-t", CLIP_DURATION, *cover, "-c:a", "libmp3lame", s.mp3)
    _ffmpeg(*_tone(22050), "-t", CLIP_DURATION, s.wav)
    _ffmpeg(*_tone(44100), "-t", CLIP_DURATION, "-c:a", "aac", "-ac", 2, s.m4a)
    _ffmpeg(*_tone(44100), "-t", CLIP_DURATION, "-c:a", "libvorbis", s.ogg)
    _ffmpeg(*_tone(48000), "-t", CLIP_DURATION, "-c:a", "libopus", s.opus)
    _ffmpeg(*_tone(96000), "-i", s.image, "-t", CLIP_DURATION, *cover, s.flac)
    _ffmpeg(*_tone(44100), "-t", CLIP_DURATION, "-c:a", "aac", s.aac)
    _ffmpeg(*_picture("640x360", 30), "-t", CLIP_DURATION, *_FAST_H264, s.silent)
    stereo = ["-c:a", "aac", "-ac", 2]
    _ffmpeg(*_picture("640x360", 30), *_tone(48000), "-t", CLIP_DURATION, *_FAST_H264, *stereo, s.ladder)
    # ffmpeg 5.1 writes the display matrix from this tag only when copying streams.
    _ffmpeg("-i", s.small, "-c", "copy", "-metadata:s:v:0", "rotate=90", s.rotated)
    _ffmpeg(*_picture("16x16", 10), "-t", CLIP_DURATION, "-vf", "scale=1:1", "-c:v", "rawvideo", s.tiny)
    # Each source ends by itself (no -t, no -shortest), so each stream keeps its own length.
    for path, picture, sound in ((s.long_picture, LONGER_STREAM, SHORTER_STREAM),
                                 (s.long_sound, SHORTER_STREAM, LONGER_STREAM)):  # fmt: skip
        _ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={picture}",
                "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={sound}",
                *_FAST_H264, *stereo, path)  # fmt: skip

    s.text.write_text("This is not a video, whatever its name says.\n")
    s.empty.touch()
    whole = s.small.read_bytes()
    s.moov_cut.write_bytes(whole[: len(whole) // 2])
    faststart = d / "faststart.mp4"
    _ffmpeg("-i", s.small, "-c", "copy", "-movflags", "+faststart", faststart)
    whole = faststart.read_bytes()
    s.mdat_cut.write_bytes(whole[: len(whole) // 2])
    frames_start = whole.index(b"mdat") + 4
    noise = random.Random(0).randbytes(len(whole) - frames_start)
    s.garbage.write_bytes(whole[:frames_start] + noise)
    kept = len(whole) * 6 // 10
    s.tail_garbage.write_bytes(whole[:kept] + random.Random(2).randbytes(len(whole) - kept))
    ts = d / "whole.ts"
    _ffmpeg("-i", s.small, "-c", "copy", ts)
    whole = ts.read_bytes()
    middle = slice(len(whole) * 2 // 5, len(whole) * 3 // 5)
    s.damaged_ts.write_bytes(whole[: middle.start] + random.Random(3).randbytes(middle.stop - middle.start)
                             + whole[middle.stop :])  # fmt: skip
    return s
