import dataclasses
import re
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
import pytest

from peerless.media import encode as encode_module
from peerless.media.encode import EncodeFailed, EncodeResult, Rendition, encode, resolutions, target_bitrate
from peerless.media.probe import MediaInfo, probe

from .conftest import LONGER_STREAM


def _streams(path: Path, kind: str) -> list[dict]:
    return [s for s in ffmpeg.probe(str(path), v="error")["streams"] if s["codec_type"] == kind]


def _duration(path: Path) -> float:
    return float(ffmpeg.probe(str(path), v="error")["format"]["duration"])


def _keyframe_times(path: Path) -> list[float]:
    probed = ffmpeg.probe(str(path), v="error", select_streams="v", show_entries="packet=pts_time,flags")
    return [round(float(p["pts_time"]), 3) for p in probed["packets"] if "K" in p["flags"]]


def _decoding_errors(path: Path) -> str:
    """What ffmpeg complains about while decoding every frame: nothing, for a file that plays cleanly."""
    args = ["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-f", "null", "-"]
    decoded = subprocess.run(args, capture_output=True, text=True)
    return decoded.stderr or ("" if decoded.returncode == 0 else f"ffmpeg exited with {decoded.returncode}")


def _top_level_atoms(path: Path) -> list[str]:
    atoms, data, offset = [], path.read_bytes(), 0
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        atoms.append(kind.decode())
        offset += size
    return atoms


@dataclass(frozen=True)
class Encoded:
    out_dir: Path
    result: EncodeResult
    source_duration: float
    reports: list[tuple[float, float]]  # (seconds since the start, percent) of each on_progress call

    @property
    def rendition(self) -> Rendition:
        """The largest rendition: the input's own resolution, capped."""
        return self.result.renditions[0]

    @property
    def ladder(self) -> list[int]:
        return [r.resolution for r in self.result.renditions]


def _encode(samples, name: str, out_dir: Path, **kwargs) -> Encoded:
    src = getattr(samples, name)
    info = probe(src)
    reports: list[tuple[float, float]] = []
    started = time.monotonic()
    result = encode(src, info, out_dir, on_progress=lambda p: reports.append((time.monotonic() - started, p)), **kwargs)
    return Encoded(out_dir, result, info.duration, reports)


@pytest.fixture(scope="module")
def hd(samples, tmp_path_factory) -> Encoded:
    """The 720p sample, encoded once for many checks."""
    return _encode(samples, "hd", tmp_path_factory.mktemp("hd"))


def test_hd_rendition(hd):
    r = hd.rendition
    assert (r.resolution, r.width, r.height, r.fps) == (720, 1280, 720, 30.0)
    assert (r.mp4, r.playlist, r.fragmented) == ("720.mp4", "720.m3u8", "720-fragmented.mp4")
    assert (hd.result.master, hd.result.thumbnail, hd.result.preview) == ("master.m3u8", "thumbnail.jpg", "preview.jpg")
    sizes = [(r.resolution, r.width, r.height, r.fps) for r in hd.result.renditions]
    assert sizes == [(720, 1280, 720, 30.0), (480, 854, 480, 30.0), (360, 640, 360, 30.0), (240, 426, 240, 30.0),
                     (144, 256, 144, 30.0)]  # fmt: skip
    per_rendition = [f"{n}{suffix}" for n in hd.ladder for suffix in (".mp4", ".m3u8", "-fragmented.mp4")]
    assert sorted(p.name for p in hd.out_dir.iterdir()) == sorted(
        [*per_rendition, "master.m3u8", "thumbnail.jpg", "preview.jpg"]
    )
    for r in hd.result.renditions:
        assert r.mp4_size == (hd.out_dir / r.mp4).stat().st_size
        assert r.fragmented_size == (hd.out_dir / r.fragmented).stat().st_size
    assert hd.result.duration == pytest.approx(hd.source_duration, abs=0.1)


def test_mp4_is_web_ready(hd):
    mp4 = hd.out_dir / "720.mp4"
    atoms = _top_level_atoms(mp4)
    assert atoms.index("moov") < atoms.index("mdat")  # faststart: playable before fully downloaded
    (video,) = _streams(mp4, "video")
    (audio,) = _streams(mp4, "audio")
    assert (video["codec_name"], video["profile"], video["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (audio["codec_name"], audio["profile"], audio["channels"]) == ("aac", "LC", 2)
    assert audio["sample_rate"] == "48000"
    assert int(audio["bit_rate"]) == pytest.approx(128_000, rel=0.1)
    assert "title" not in ffmpeg.probe(str(mp4), v="error")["format"].get("tags", {})


def test_video_bitrate_stays_under_the_target(hd):
    for r in hd.result.renditions:
        (video,) = _streams(hd.out_dir / r.mp4, "video")
        # testsrc2 is busy enough to reach the cap; bufsize lets short stretches exceed it a little.
        assert int(video["bit_rate"]) <= target_bitrate(r.width, r.height, 30, None) * 1.1, r.mp4


def test_keyframes_every_two_seconds(hd):
    for r in hd.result.renditions:
        assert _keyframe_times(hd.out_dir / r.mp4) == [0.0, 2.0], r.mp4


def test_outputs_last_as_long_as_the_input(hd):
    for r in hd.result.renditions:
        for name in (r.mp4, r.fragmented):
            assert _duration(hd.out_dir / name) == pytest.approx(hd.source_duration, abs=0.1), name


def test_media_playlist_reads_one_file_by_byte_ranges(hd):
    playlist = (hd.out_dir / "720.m3u8").read_text()
    assert playlist.startswith("#EXTM3U\n")
    assert "#EXT-X-PLAYLIST-TYPE:VOD\n" in playlist and playlist.endswith("#EXT-X-ENDLIST\n")
    init = re.search(r'#EXT-X-MAP:URI="720-fragmented.mp4",BYTERANGE="(\d+)@0"', playlist)
    assert init
    segments = re.findall(r"#EXTINF:([\d.]+),\n#EXT-X-BYTERANGE:(\d+)@(\d+)\n720-fragmented.mp4\n", playlist)
    assert segments
    # The ranges tile the file: init segment, then each media segment right after the previous one.
    end = int(init[1])
    for seconds, length, start in segments:
        assert int(start) == end and float(seconds) <= encode_module.HLS_TIME
        end += int(length)
    assert end == hd.rendition.fragmented_size


def test_master_playlist(hd):
    lines = (hd.out_dir / "master.m3u8").read_text().splitlines()
    assert lines[0] == "#EXTM3U"
    stream_infs = [line for line in lines if line.startswith("#EXT-X-STREAM-INF:")]
    # Every rendition, largest first.
    assert [lines[lines.index(s) + 1] for s in stream_infs] == [f"{n}.m3u8" for n in (720, 480, 360, 240, 144)]
    for stream_inf, r in zip(stream_infs, hd.result.renditions, strict=True):
        attributes = dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', stream_inf.partition(":")[2]))
        (video,) = _streams(hd.out_dir / r.mp4, "video")
        assert attributes["CODECS"] == f'"avc1.6400{video["level"]:02x},mp4a.40.2"' == f'"{r.codecs}"'
        assert attributes["RESOLUTION"] == f"{r.width}x{r.height}" == f"{video['width']}x{video['height']}"
        assert attributes["FRAME-RATE"] == "30.000"
        init = re.search(r'BYTERANGE="(\d+)@0"', (hd.out_dir / r.playlist).read_text())
        assert init
        average = (r.fragmented_size - int(init[1])) * 8 / hd.result.duration  # media segments only
        assert int(attributes["BANDWIDTH"]) == r.bandwidth >= average
    bandwidths = [r.bandwidth for r in hd.result.renditions]
    assert bandwidths == sorted(bandwidths, reverse=True)


def test_thumbnail_and_preview(hd):
    for name, size in (("thumbnail.jpg", (280, 157)), ("preview.jpg", (850, 480))):
        (picture,) = _streams(hd.out_dir / name, "video")
        assert (picture["codec_name"], picture["width"], picture["height"]) == ("mjpeg", *size)


def test_progress_rises_to_100_at_most_every_interval(hd):
    times, percents = zip(*hd.reports)
    assert percents[-1] == 100
    assert all(0 <= a < b <= 100 for a, b in zip(percents, percents[1:]))
    # The last report comes when all is written, whatever the interval.
    assert all(b - a >= encode_module.PROGRESS_INTERVAL for a, b in zip((0, *times), times[:-1]))


def test_progress_unthrottled(samples, tmp_path, monkeypatch):
    monkeypatch.setattr(encode_module, "PROGRESS_INTERVAL", 0)
    reports = [percent for _, percent in _encode(samples, "small", tmp_path).reports]
    # ffmpeg reports its position at least once, when it ends; 100 waits for the HLS copy and the pictures.
    assert len(reports) >= 2 and 90 < reports[-2] < reports[-1] == 100
    assert all(a < b for a, b in zip(reports, reports[1:]))


class Cancelled(Exception):
    pass


def test_an_exception_from_on_progress_stops_ffmpeg(samples, tmp_path, monkeypatch):
    monkeypatch.setattr(encode_module, "PROGRESS_INTERVAL", 0)
    real_popen = subprocess.Popen
    started: list[subprocess.Popen] = []

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    def cancel(percent: float) -> None:
        raise Cancelled

    info = probe(samples.hd)
    monkeypatch.setattr(subprocess, "Popen", popen)
    with pytest.raises(Cancelled):
        encode(samples.hd, info, tmp_path, on_progress=cancel)
    (ffmpeg_process,) = [p for p in started if Path(p.args[0]).name == "ffmpeg"]
    assert ffmpeg_process.returncode is not None  # ended and reaped, not left running
    assert not (tmp_path / "master.m3u8").exists()


def test_1080p_is_capped_at_720(samples, tmp_path):
    encoded = _encode(samples, "full_hd", tmp_path)
    r = encoded.rendition
    assert (r.resolution, r.width, r.height, r.mp4) == (720, 1280, 720, "720.mp4")
    assert encoded.ladder == [720, 480, 360, 240, 144]
    for r in encoded.result.renditions:
        (video,) = _streams(tmp_path / r.mp4, "video")
        assert (video["width"], video["height"]) == (r.width, r.height)


def test_small_video_is_not_upscaled(samples, tmp_path):
    encoded = _encode(samples, "small", tmp_path)
    r = encoded.rendition
    assert (r.resolution, r.width, r.height, r.fps) == (240, 320, 240, 25.0)
    assert [(r.resolution, r.width, r.height) for r in encoded.result.renditions] == [(240, 320, 240), (144, 192, 144)]
    (video,) = _streams(tmp_path / "240.mp4", "video")
    assert (video["width"], video["height"]) == (320, 240)


def test_max_height_caps_the_smaller_side(samples, tmp_path):
    (r,) = _encode(samples, "small", tmp_path, max_height=144).result.renditions
    assert (r.resolution, r.width, r.height, r.mp4) == (144, 192, 144, "144.mp4")


def test_portrait_video_is_named_after_its_width(samples, tmp_path):
    encoded = _encode(samples, "rotated", tmp_path)
    r = encoded.rendition
    assert (r.resolution, r.width, r.height, r.mp4) == (240, 240, 320, "240.mp4")
    assert [(r.resolution, r.width, r.height) for r in encoded.result.renditions] == [(240, 240, 320), (144, 144, 192)]
    (video,) = _streams(tmp_path / "240.mp4", "video")
    assert (video["width"], video["height"]) == (240, 320)  # upright pixels, no rotation left to apply
    assert not video.get("side_data_list")


def test_video_without_audio_stays_silent(samples, tmp_path):
    encoded = _encode(samples, "silent", tmp_path)
    assert encoded.ladder == [360, 240, 144]
    for rendition in encoded.result.renditions:
        assert _streams(tmp_path / rendition.mp4, "audio") == []
        assert re.fullmatch(r"avc1\.6400[0-9a-f]{2}", rendition.codecs)
        assert f'CODECS="{rendition.codecs}"' in (tmp_path / "master.m3u8").read_text()


@pytest.mark.parametrize(
    "sample, size, fps, sample_rate",
    [
        ("flv", (320, 240), 25.0, "44100"),
        ("ogv", (320, 240), 25.0, "44100"),
        ("three_gp", (176, 144), 15.0, "48000"),  # H.263 and 8 kHz AMR, neither playable in a browser
        ("m4v", (320, 240), 25.0, "44100"),
        ("misnamed", (320, 240), 25.0, "44100"),  # Theora + Vorbis named .mp4: read as what it is
    ],
)
def test_other_containers_become_web_videos(samples, tmp_path, sample, size, fps, sample_rate):
    encoded = _encode(samples, sample, tmp_path)
    r = encoded.rendition
    assert (r.width, r.height, r.fps) == (*size, fps)  # the input's own picture, never upscaled
    assert r.codecs.startswith("avc1.6400") and r.codecs.endswith(",mp4a.40.2")
    mp4 = tmp_path / r.mp4
    atoms = _top_level_atoms(mp4)
    assert atoms.index("moov") < atoms.index("mdat")
    (video,) = _streams(mp4, "video")
    (audio,) = _streams(mp4, "audio")
    assert (video["codec_name"], video["profile"], video["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (video["width"], video["height"]) == size
    assert (audio["codec_name"], audio["profile"], audio["channels"], audio["sample_rate"]) == ("aac", "LC", 2, sample_rate)
    assert encoded.result.duration == pytest.approx(encoded.source_duration, abs=0.1)
    for name in (r.mp4, r.fragmented):
        assert _duration(tmp_path / name) == pytest.approx(encoded.source_duration, abs=0.1), name
    assert float(audio["duration"]) == pytest.approx(encoded.source_duration, abs=0.1)  # no sound lost
    assert _keyframe_times(mp4) == [0.0, 2.0]
    assert _decoding_errors(mp4) == ""


@pytest.mark.parametrize(
    "sample, sample_rate, colourful",
    [
        ("mp3", "44100", True),  # its cover is testsrc2's colour bars
        ("wav", "48000", False),  # 22.05 kHz resampled; a plain dark background
        ("m4a", "44100", False),
        ("ogg", "44100", False),
        ("opus", "48000", False),
        ("flac", "48000", True),  # 96 kHz resampled; its cover is in a FLAC picture block
        ("aac", "44100", False),  # raw ADTS, whose length ffprobe only estimates
    ],
)
def test_audio_becomes_a_video(samples, tmp_path, sample, sample_rate, colourful):
    encoded = _encode(samples, sample, tmp_path)
    (r,) = encoded.result.renditions  # a ladder of still pictures would buy nothing
    assert (r.resolution, r.width, r.height, r.codecs[:5], r.codecs[-10:]) == (720, 1280, 720, "avc1.", ",mp4a.40.2")
    mp4 = tmp_path / "720.mp4"
    (video,) = _streams(mp4, "video")
    (audio,) = _streams(mp4, "audio")
    assert (video["codec_name"], audio["codec_name"], audio["sample_rate"]) == ("h264", "aac", sample_rate)
    # A still picture at STILL_FPS may outlast the sound by one frame; the sound itself is whole.
    assert encoded.result.duration == pytest.approx(encoded.source_duration, abs=1 / encode_module.STILL_FPS + 0.05)
    assert float(audio["duration"]) == pytest.approx(encoded.source_duration, abs=0.1)
    assert _keyframe_times(mp4) == [0.0, 2.0]
    assert _decoding_errors(mp4) == ""
    saturation = _saturation(tmp_path / "preview.jpg")
    assert saturation > 20 if colourful else saturation < 2


def _saturation(picture: Path) -> float:
    probed = ffmpeg.probe(f"movie={picture},signalstats", f="lavfi", v="error", show_entries="frame_tags")
    return float(probed["frames"][0]["tags"]["lavfi.signalstats.SATAVG"])


@pytest.mark.parametrize("sample", ["wav", "mp3"])
def test_the_uploaders_picture_is_shown_over_the_sound(samples, tmp_path, sample):
    # A plain red picture: rather than the dark background (wav) and rather than the cover (mp3).
    red = tmp_path / "red.png"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=320x180", "-frames:v", "1", str(red)],
                   check=True)
    _encode(samples, sample, tmp_path, still=red)
    frame = tmp_path / "frame.png"
    subprocess.run(["ffmpeg", "-v", "error", "-ss", "1", "-i", str(tmp_path / "720.mp4"), "-frames:v", "1", str(frame)],
                   check=True)
    stats = ffmpeg.probe(f"movie={frame},signalstats", f="lavfi", v="error", show_entries="frame_tags")
    tags = stats["frames"][0]["tags"]
    # Red in YUV: a high V (Cr) average and a low U (Cb) one, the whole frame over.
    assert float(tags["lavfi.signalstats.VAVG"]) > 200 and float(tags["lavfi.signalstats.UAVG"]) < 110
    assert _saturation(tmp_path / "preview.jpg") > 20


def test_frames_replaced_by_garbage_fail_with_a_reason(samples, tmp_path):
    with pytest.raises(EncodeFailed) as caught:
        encode(samples.garbage, probe(samples.garbage), tmp_path)
    reason = caught.value.reason
    assert reason.startswith("The file could not be converted (ffmpeg: ") and len(reason) > 45
    assert str(samples.garbage.parent) not in reason and str(tmp_path) not in reason


@pytest.mark.parametrize("sample", ["mdat_cut", "tail_garbage"])
def test_a_file_that_ends_early_fails_with_a_reason(samples, tmp_path, sample):
    # ffmpeg decodes what it can, logs errors and exits 0 with a shorter video: that is no success.
    path = getattr(samples, sample)
    info = probe(path)
    assert info.duration == pytest.approx(2.5, abs=0.1)  # the index still promises the whole video
    with pytest.raises(EncodeFailed) as caught:
        encode(path, info, tmp_path)
    reason = caught.value.reason
    read = re.fullmatch(r"The file ends early: only (\d\.\d) s of its 2\.5 s could be read\. "
                        r"It may be damaged or incompletely copied\.", reason)  # fmt: skip
    assert read and 0.3 < float(read[1]) < 2.0, reason
    assert str(path.parent) not in reason and str(tmp_path) not in reason
    assert not (tmp_path / "master.m3u8").exists()  # nothing was packaged for publishing


def test_damage_in_the_middle_is_concealed_and_published(samples, tmp_path):
    # ffmpeg conceals the garbage (a few blotchy frames, a blip of sound) and goes on to the end: the
    # video is whole but for a moment, worth publishing rather than refusing.
    info = probe(samples.damaged_ts)
    result = encode(samples.damaged_ts, info, tmp_path)
    assert result.duration == pytest.approx(2.5, abs=0.1)
    (audio,) = _streams(tmp_path / "240.mp4", "audio")
    assert float(audio["duration"]) == pytest.approx(2.5, abs=0.1)
    assert _decoding_errors(tmp_path / "240.mp4") == ""


@pytest.mark.parametrize(
    "expected, encoded, whole",
    [
        (2.5, 2.46, True),  # a frame less
        (2.5, 1.9, False),
        (0.6, 0.2, True),  # half a second is never damage: a clip this short may lose a frame of 0.4 s
        (10.0, 9.1, True),  # a tenth
        (10.0, 8.8, False),
        (7200.0, 7196.0, True),
        (7200.0, 7190.0, False),  # ten seconds missing from a film is damage, whatever its length
    ],
)
def test_how_short_an_encode_may_be(expected, encoded, whole):
    assert encode_module._read_to_the_end(expected, encoded) is whole


def test_lengths_in_reasons_read_like_a_clock():
    assert [encode_module._clock(s) for s in (4.24, 59.94, 187.4, 3729)] == ["4.2 s", "59.9 s", "3:07", "1:02:09"]


# Picture and sound of different lengths: the shorter padded to the longer.


def _timed(video: float | None, audio: float | None, duration: float = 10.0) -> MediaInfo:
    return MediaInfo(
        duration=duration, has_video=True, has_audio=True, width=640, height=360, fps=30.0, video_codec="h264",
        audio_codec="aac", bitrate=1_000_000, size=1_250_000, video_duration=video, audio_duration=audio,
    )  # fmt: skip


@pytest.mark.parametrize(
    "info, padding",
    [
        (_timed(10.0, 9.98), None),  # AAC priming, a last frame: ordinary files are left as they are
        (_timed(10.0, 9.0), None),  # a second apart, still ordinary
        (_timed(10.0, 8.9), encode_module.Padding(10.0, picture=False)),  # silence after the sound
        (_timed(1.5, 10.0), encode_module.Padding(10.0, picture=True)),  # the last picture held
        (_timed(0.04, 10.0), encode_module.Padding(10.0, picture=True)),  # a song under a one-frame video
        (_timed(10.0, 1.0, duration=8.0), encode_module.Padding(8.0, picture=False)),  # the container's length caps
        (_timed(None, 5.0), None),  # untimed streams: nothing says they differ
        (_timed(5.0, None), None),
    ],
)
def test_when_streams_are_padded(info, padding):
    assert encode_module.padding(info) == padding


@pytest.fixture(scope="module", params=["long_picture", "long_sound"])
def padded(request, samples, tmp_path_factory) -> tuple[str, Encoded]:
    """A sample whose picture and sound end 2.5 s apart, and its encode."""
    return request.param, _encode(samples, request.param, tmp_path_factory.mktemp(request.param))


def test_shorter_stream_is_padded_to_the_longer(padded):
    _, encoded = padded
    assert encoded.result.duration == pytest.approx(LONGER_STREAM, abs=0.05)
    assert [r.resolution for r in encoded.result.renditions] == [240, 144]
    for r in encoded.result.renditions:
        mp4 = encoded.out_dir / r.mp4
        for stream in (*_streams(mp4, "video"), *_streams(mp4, "audio")):
            assert float(stream["duration"]) == pytest.approx(LONGER_STREAM, abs=0.05), (r.mp4, stream["codec_type"])
        assert _duration(encoded.out_dir / r.fragmented) == pytest.approx(LONGER_STREAM, abs=0.05)
        segments = re.findall(r"#EXTINF:([\d.]+),", (encoded.out_dir / r.playlist).read_text())
        assert sum(map(float, segments)) == pytest.approx(LONGER_STREAM, abs=0.05)
        assert _keyframe_times(mp4) == [0.0, 2.0], r.mp4
        assert _decoding_errors(mp4) == "", r.mp4


def _grey_frame(path: Path, at: float) -> bytes:
    args = ["ffmpeg", "-v", "error", "-ss", str(at), "-i", str(path), "-frames:v", "1",
            "-vf", "scale=32:24,format=gray", "-f", "rawvideo", "-"]  # fmt: skip
    return subprocess.run(args, check=True, capture_output=True).stdout


def _max_volume(path: Path, start: float, end: float) -> float:
    args = ["ffmpeg", "-nostdin", "-ss", str(start), "-to", str(end), "-i", str(path), "-map", "0:a",
            "-af", "volumedetect", "-f", "null", "-"]  # fmt: skip
    stderr = subprocess.run(args, check=True, capture_output=True, text=True).stderr
    return float(re.findall(r"max_volume: (-?[\d.]+|-inf) dB", stderr)[-1])


def test_the_last_picture_is_held_and_silence_follows_the_sound(padded):
    sample, encoded = padded
    mp4 = encoded.out_dir / encoded.rendition.mp4
    early, late = _grey_frame(mp4, 2.5), _grey_frame(mp4, 3.9)
    if sample == "long_sound":
        # The picture stands still after 1.5 s: the last frame, not black.
        assert sum(abs(a - b) for a, b in zip(early, late)) / len(late) < 2
        assert sum(late) / len(late) > 40
        assert _max_volume(mp4, 2.5, 3.9) > -30  # the sound goes on
    else:
        assert early != late  # the picture goes on
        assert _max_volume(mp4, 0.2, 1.3) > -30
        assert _max_volume(mp4, 1.7, 3.9) < -80  # then silence


def test_a_length_the_file_overstates_is_not_padded_into_being(samples, tmp_path):
    # Padding goes to the longer stream's real end, not to what the container claims: a file that
    # claims an hour of sound over a short picture does not cost an hour of held picture.
    info = dataclasses.replace(probe(samples.long_sound), duration=3600.0, audio_duration=3600.0)
    with pytest.raises(EncodeFailed) as caught:
        encode(samples.long_sound, info, tmp_path, only=[144])
    assert caught.value.reason.startswith("The file ends early: only 4.0 s of its 1:00:00 could be read.")


@pytest.mark.parametrize("sample", ["long_picture", "long_sound"])
def test_chunked_encode_is_padded_alike(samples, tmp_path, sample):
    # One chunk from the start to the end (the samples have one keyframe), the sound beside it.
    src = getattr(samples, sample)
    info = probe(src)
    plans = encode_module.plans_for(info, [144])
    chunk, audio, joined = tmp_path / "chunk.mp4", tmp_path / "audio.m4a", tmp_path / "144.mp4"
    encode_module.encode_chunk(str(src), info, plans, 0.0, None, [chunk])
    encode_module.encode_audio(str(src), info, audio)
    encode_module.join([chunk], audio, joined)
    for stream in (*_streams(joined, "video"), *_streams(joined, "audio")):
        assert float(stream["duration"]) == pytest.approx(LONGER_STREAM, abs=0.05), stream["codec_type"]
    assert _decoding_errors(joined) == ""


@pytest.mark.parametrize(
    "sample", ["hd", "small", "webm", "mkv", "avi", "mov", "flv", "ogv", "three_gp", "m4v", "rotated", "ladder"]
)
def test_ordinary_files_are_not_padded(samples, sample):
    assert encode_module.padding(probe(getattr(samples, sample))) is None


def test_target_bitrate_follows_peertube():
    assert target_bitrate(1280, 720, 30, None) == 3_041_280  # 0.11 bit per pixel at 720p
    assert target_bitrate(720, 1280, 30, None) == 3_041_280  # portrait: same class as landscape
    assert target_bitrate(640, 360, 30, None) == 1_036_800  # 0.15 bit per pixel at 360p
    assert target_bitrate(1280, 720, 30, 1_000_000) == 1_300_000  # input bitrate plus 30 %
    assert target_bitrate(1280, 720, 30, 1_000) == 552_960  # never below 0.02 bit per pixel


# The ladder: PeerTube's resolutions below the input's own, all from one ffmpeg process.


def _video_info(width: int, height: int, fps: float = 30.0, bitrate: int = 5_000_000) -> MediaInfo:
    return MediaInfo(
        duration=10.0, has_video=True, has_audio=True, width=width, height=height, fps=fps,
        video_codec="h264", audio_codec="aac", bitrate=bitrate, size=bitrate * 10 // 8, sample_rate=48000,
    )  # fmt: skip


@pytest.mark.parametrize(
    "input_resolution, max_height, ladder",
    [
        (2160, 2160, [2160, 1440, 1080, 720, 480, 360, 240, 144]),
        (1080, 1080, [1080, 720, 480, 360, 240, 144]),
        (1080, 720, [720, 480, 360, 240, 144]),  # capped
        (720, 720, [720, 480, 360, 240, 144]),
        (720, 1080, [720, 480, 360, 240, 144]),  # never upscaled
        (360, 720, [360, 240, 144]),
        (300, 720, [300, 240, 144]),  # the input's own resolution, then the standard rungs below it
        (481, 720, [480, 360, 240, 144]),  # made even, downwards
        (145, 720, [144]),
        (100, 720, [100]),  # below every rung: the input alone
        (1080, 500, [480, 360, 240, 144]),  # a cap between rungs gives the highest rung within it
        (1080, 100, [100]),
    ],
)
def test_ladder_follows_peertube(input_resolution, max_height, ladder):
    assert resolutions(input_resolution, max_height) == ladder


def test_the_admins_choice_of_rungs_is_kept_below_the_original():
    assert resolutions(1080, 1080, frozenset({1080, 480, 144})) == [1080, 480, 144]
    # The input's own resolution stays, as PeerTube keeps the original.
    assert resolutions(720, 1080, frozenset({1080, 360})) == [720, 360]


@pytest.mark.parametrize(
    "width, height, max_height, sizes",
    [
        (1920, 1080, 1080, [(1920, 1080), (1280, 720), (854, 480), (640, 360), (426, 240), (256, 144)]),
        (1280, 720, 720, [(1280, 720), (854, 480), (640, 360), (426, 240), (256, 144)]),
        (1080, 1920, 720, [(720, 1280), (480, 854), (360, 640), (240, 426), (144, 256)]),  # portrait
        (853, 481, 720, [(852, 480), (638, 360), (426, 240), (256, 144)]),  # odd sides
        (500, 375, 720, [(498, 374), (480, 360), (320, 240), (192, 144)]),  # 4:3, not a standard height
        (1440, 1080, 720, [(960, 720), (640, 480), (480, 360), (320, 240), (192, 144)]),
    ],
)
def test_ladder_sizes_keep_the_shape_with_even_sides(width, height, max_height, sizes):
    plans = encode_module.ladder(_video_info(width, height), max_height)
    assert [(p.width, p.height) for p in plans] == sizes
    for p in plans:
        assert p.width % 2 == 0 and p.height % 2 == 0
        assert p.width <= width and p.height <= height  # never upscaled
        assert p.width / p.height == pytest.approx(width / height, rel=0.02)


def test_ladder_bitrates_follow_the_rule_capped_by_the_input():
    info = _video_info(1920, 1080, bitrate=2_000_000)
    plans = encode_module.ladder(info, 1080)
    maxrates = [encode_module._options(info, p)["maxrate"] for p in plans]
    assert maxrates == [target_bitrate(p.width, p.height, 30, 2_000_000) for p in plans]
    assert maxrates[0] == 2_600_000 and maxrates[-1] < maxrates[0]  # the input's 2 Mb/s + 30 % caps the top


@pytest.fixture(scope="module")
def ladder(samples, tmp_path_factory) -> tuple[Encoded, list[list[str]]]:
    """The 640x360 stereo sample, encoded once, with the command line of every process encode started."""
    monkeypatch = pytest.MonkeyPatch()
    real_popen = subprocess.Popen
    commands: list[list[str]] = []

    def popen(args, *rest, **kwargs):
        commands.append([str(a) for a in args])
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    try:
        encoded = _encode(samples, "ladder", tmp_path_factory.mktemp("ladder"))
    finally:
        monkeypatch.undo()
    return encoded, commands


def test_ladder_renditions(ladder):
    encoded, _ = ladder
    assert [(r.resolution, r.width, r.height, r.mp4) for r in encoded.result.renditions] == [
        (360, 640, 360, "360.mp4"), (240, 426, 240, "240.mp4"), (144, 256, 144, "144.mp4")
    ]  # fmt: skip
    for r in encoded.result.renditions:
        (video,) = _streams(encoded.out_dir / r.mp4, "video")
        assert (video["width"], video["height"], video["profile"]) == (r.width, r.height, "High")
        assert "moov" in _top_level_atoms(encoded.out_dir / r.mp4)


def test_ladder_is_encoded_by_one_ffmpeg_process(samples, ladder):
    _, commands = ladder
    ffmpegs = [c for c in commands if Path(c[0]).name == "ffmpeg"]
    reading_the_source = [c for c in ffmpegs if str(samples.ladder.resolve()) in c]
    assert len(reading_the_source) == 1  # decoded once, for every rendition
    assert len(ffmpegs) == 2  # and one more, copying the MP4s into HLS


def test_ladder_outputs_last_as_long_as_the_input(samples, ladder):
    encoded, commands = ladder
    # An ordinary file's streams are encoded as they are: nothing padded, nothing cut.
    (encoding,) = [c for c in commands if Path(c[0]).name == "ffmpeg" and str(samples.ladder.resolve()) in c]
    graph = encoding[encoding.index("-filter_complex") + 1]
    assert "tpad" not in graph and "apad" not in graph and not {"-shortest", "-t"} & set(encoding)
    assert encoded.source_duration == pytest.approx(2.5, abs=0.05)
    for r in encoded.result.renditions:
        for name in (r.mp4, r.fragmented):
            assert _duration(encoded.out_dir / name) == pytest.approx(encoded.source_duration, abs=0.1), name


def test_ladder_keyframes_are_aligned_every_two_seconds(ladder):
    encoded, _ = ladder
    segments = set()
    for r in encoded.result.renditions:
        assert _keyframe_times(encoded.out_dir / r.mp4) == [0.0, 2.0], r.mp4
        segments.add(tuple(re.findall(r"#EXTINF:([\d.]+),", (encoded.out_dir / r.playlist).read_text())))
    # HLS segments of every rendition start at the same times, so players can switch between them.
    assert len(segments) == 1


def test_suitable_audio_is_copied_into_every_rendition(samples, ladder):
    encoded, _ = ladder

    def audio_md5(path: Path) -> str:
        args = ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a", "-c", "copy", "-f", "md5", "-"]
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout

    source = audio_md5(samples.ladder)
    for r in encoded.result.renditions:
        assert audio_md5(encoded.out_dir / r.mp4) == source, r.mp4
        assert r.codecs.endswith(",mp4a.40.2")


def test_ladder_master_playlist_and_progress(ladder):
    encoded, _ = ladder
    master = (encoded.out_dir / "master.m3u8").read_text()
    variants = re.findall(r"#EXT-X-STREAM-INF:BANDWIDTH=\d+,RESOLUTION=(\d+x\d+),FRAME-RATE=30.000,CODECS=\"[^\"]+\"\n(.+)", master)  # noqa: E501
    assert variants == [("640x360", "360.m3u8"), ("426x240", "240.m3u8"), ("256x144", "144.m3u8")]
    percents = [p for _, p in encoded.reports]
    assert percents[-1] == 100 and all(a < b for a, b in zip(percents, percents[1:]))
