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
    preview = ffmpeg.probe(
        f"movie={tmp_path / 'preview.jpg'},signalstats", f="lavfi", v="error", show_entries="frame_tags"
    )
    saturation = float(preview["frames"][0]["tags"]["lavfi.signalstats.SATAVG"])
    assert saturation > 20 if colourful else saturation < 2


def test_frames_replaced_by_garbage_fail_with_a_reason(samples, tmp_path):
    with pytest.raises(EncodeFailed) as caught:
        encode(samples.garbage, probe(samples.garbage), tmp_path)
    reason = caught.value.reason
    assert reason.startswith("The file could not be converted (ffmpeg: ") and len(reason) > 45
    assert str(samples.garbage.parent) not in reason and str(tmp_path) not in reason


def test_truncated_video_gives_what_could_be_decoded(samples, tmp_path):
    info = probe(samples.mdat_cut)
    assert info.duration == pytest.approx(2.5, abs=0.1)  # the index still promises the whole video
    result = encode(samples.mdat_cut, info, tmp_path)
    assert 0.3 < result.duration < info.duration - 0.5
    assert result.duration == pytest.approx(_duration(tmp_path / "240.mp4"))


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


def test_ladder_outputs_last_as_long_as_the_input(ladder):
    encoded, _ = ladder
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
