import re
import struct
import subprocess
import time
from pathlib import Path

import ffmpeg
import pytest

from peerless.media import encode as encode_module
from peerless.media.encode import EncodeFailed, EncodeResult, Rendition, encode, target_bitrate
from peerless.media.probe import probe


def _streams(path: Path, kind: str) -> list[dict]:
    return [s for s in ffmpeg.probe(str(path), v="error")["streams"] if s["codec_type"] == kind]


def _duration(path: Path) -> float:
    return float(ffmpeg.probe(str(path), v="error")["format"]["duration"])


def _keyframe_times(path: Path) -> list[float]:
    packets = ffmpeg.probe(str(path), v="error", select_streams="v", show_entries="packet=pts_time,flags")["packets"]
    return [round(float(p["pts_time"]), 3) for p in packets if "K" in p["flags"]]


def _top_level_atoms(path: Path) -> list[str]:
    atoms, data, offset = [], path.read_bytes(), 0
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        atoms.append(kind.decode())
        offset += size
    return atoms


def _encode(samples, name: str, out_dir: Path, **kwargs) -> tuple[EncodeResult, Rendition, float]:
    src = getattr(samples, name)
    info = probe(src)
    result = encode(src, info, out_dir, **kwargs)
    assert len(result.renditions) == 1
    return result, result.renditions[0], info.duration


@pytest.fixture(scope="module")
def hd(samples, tmp_path_factory):
    """The 720p sample encoded once for many checks, with when each progress report came."""
    out_dir = tmp_path_factory.mktemp("hd")
    reports: list[tuple[float, float]] = []
    started = time.monotonic()
    result, rendition, source_duration = _encode(
        samples, "hd", out_dir, on_progress=lambda percent: reports.append((time.monotonic() - started, percent))
    )
    return out_dir, result, rendition, source_duration, reports


def test_hd_rendition(hd):
    out_dir, result, rendition, source_duration, _ = hd
    assert (rendition.resolution, rendition.width, rendition.height, rendition.fps) == (720, 1280, 720, 30.0)
    assert (rendition.mp4, rendition.playlist, rendition.fragmented) == ("720.mp4", "720.m3u8", "720-fragmented.mp4")
    assert (result.master, result.thumbnail, result.preview) == ("master.m3u8", "thumbnail.jpg", "preview.jpg")
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        ["720.mp4", "720.m3u8", "720-fragmented.mp4", "master.m3u8", "thumbnail.jpg", "preview.jpg"]
    )
    assert rendition.mp4_size == (out_dir / "720.mp4").stat().st_size
    assert rendition.fragmented_size == (out_dir / "720-fragmented.mp4").stat().st_size
    assert result.duration == pytest.approx(source_duration, abs=0.1)


def test_mp4_is_web_ready(hd):
    out_dir, *_ = hd
    mp4 = out_dir / "720.mp4"
    atoms = _top_level_atoms(mp4)
    assert atoms.index("moov") < atoms.index("mdat")  # faststart: playable before fully downloaded
    (video,) = _streams(mp4, "video")
    (audio,) = _streams(mp4, "audio")
    assert (video["codec_name"], video["profile"], video["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (audio["codec_name"], audio["profile"], audio["channels"], audio["sample_rate"]) == ("aac", "LC", 2, "48000")
    assert int(audio["bit_rate"]) == pytest.approx(128_000, rel=0.1)
    assert "title" not in ffmpeg.probe(str(mp4), v="error")["format"].get("tags", {})


def test_video_bitrate_stays_under_the_target(hd):
    out_dir, *_ = hd
    (video,) = _streams(out_dir / "720.mp4", "video")
    # testsrc2 is busy enough to reach the cap; bufsize lets short stretches exceed it a little.
    assert int(video["bit_rate"]) <= target_bitrate(1280, 720, 30, None) * 1.1


def test_keyframes_every_two_seconds(hd):
    out_dir, *_ = hd
    assert _keyframe_times(out_dir / "720.mp4") == [0.0, 2.0]


def test_outputs_last_as_long_as_the_input(hd):
    out_dir, _, _, source_duration, _ = hd
    for name in ("720.mp4", "720-fragmented.mp4"):
        assert _duration(out_dir / name) == pytest.approx(source_duration, abs=0.1), name


def test_media_playlist_reads_one_file_by_byte_ranges(hd):
    out_dir, _, rendition, _, _ = hd
    playlist = (out_dir / "720.m3u8").read_text()
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
    assert end == rendition.fragmented_size


def test_master_playlist(hd):
    out_dir, _, rendition, _, _ = hd
    lines = (out_dir / "master.m3u8").read_text().splitlines()
    assert lines[0] == "#EXTM3U"
    (stream_inf,) = [line for line in lines if line.startswith("#EXT-X-STREAM-INF:")]
    assert lines[lines.index(stream_inf) + 1] == "720.m3u8"
    attributes = dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', stream_inf.partition(":")[2]))
    (video,) = _streams(out_dir / "720.mp4", "video")
    assert attributes["CODECS"] == f'"avc1.6400{video["level"]:02x},mp4a.40.2"' == f'"{rendition.codecs}"'
    assert attributes["RESOLUTION"] == "1280x720"
    assert attributes["FRAME-RATE"] == "30.000"
    average = rendition.fragmented_size * 8 / _duration(out_dir / "720.mp4")
    assert int(attributes["BANDWIDTH"]) == rendition.bandwidth >= average


def test_thumbnail_and_preview(hd):
    out_dir, *_ = hd
    for name, size in (("thumbnail.jpg", (280, 157)), ("preview.jpg", (850, 480))):
        (picture,) = _streams(out_dir / name, "video")
        assert (picture["codec_name"], picture["width"], picture["height"]) == ("mjpeg", *size)


def test_progress_rises_to_100_at_most_every_interval(hd):
    *_, reports = hd
    times, percents = zip(*reports)
    assert percents[-1] == 100
    assert all(0 <= a < b <= 100 for a, b in zip(percents, percents[1:]))
    # The last report comes when all is written, whatever the interval.
    assert all(b - a >= encode_module.PROGRESS_INTERVAL for a, b in zip((0, *times), times[:-1]))


def test_progress_unthrottled(samples, tmp_path, monkeypatch):
    monkeypatch.setattr(encode_module, "PROGRESS_INTERVAL", 0)
    reports: list[float] = []
    encode(samples.small, probe(samples.small), tmp_path, on_progress=reports.append)
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
    (ffmpeg_process,) = started
    assert ffmpeg_process.returncode is not None  # ended and reaped, not left running
    assert not (tmp_path / "master.m3u8").exists()


def test_1080p_is_capped_at_720(samples, tmp_path):
    _, rendition, _ = _encode(samples, "full_hd", tmp_path)
    assert (rendition.resolution, rendition.width, rendition.height, rendition.mp4) == (720, 1280, 720, "720.mp4")
    (video,) = _streams(tmp_path / "720.mp4", "video")
    assert (video["width"], video["height"]) == (1280, 720)


def test_small_video_is_not_upscaled(samples, tmp_path):
    _, rendition, _ = _encode(samples, "small", tmp_path)
    assert (rendition.resolution, rendition.width, rendition.height, rendition.fps) == (240, 320, 240, 25.0)
    (video,) = _streams(tmp_path / "240.mp4", "video")
    assert (video["width"], video["height"]) == (320, 240)


def test_max_height_caps_the_smaller_side(samples, tmp_path):
    _, rendition, _ = _encode(samples, "small", tmp_path, max_height=144)
    assert (rendition.resolution, rendition.width, rendition.height, rendition.mp4) == (144, 192, 144, "144.mp4")


def test_portrait_video_is_named_after_its_width(samples, tmp_path):
    _, rendition, _ = _encode(samples, "rotated", tmp_path)
    assert (rendition.resolution, rendition.width, rendition.height, rendition.mp4) == (240, 240, 320, "240.mp4")
    (video,) = _streams(tmp_path / "240.mp4", "video")
    assert (video["width"], video["height"]) == (240, 320)  # upright pixels, no rotation left to apply
    assert not video.get("side_data_list")


def test_video_without_audio_stays_silent(samples, tmp_path):
    _, rendition, _ = _encode(samples, "silent", tmp_path)
    assert _streams(tmp_path / "360.mp4", "audio") == []
    assert re.fullmatch(r"avc1\.6400[0-9a-f]{2}", rendition.codecs)
    assert f'CODECS="{rendition.codecs}"' in (tmp_path / "master.m3u8").read_text()


@pytest.mark.parametrize("sample, sample_rate", [("mp3", "44100"), ("wav", "48000")])
def test_audio_becomes_a_video(samples, tmp_path, sample, sample_rate):
    result, rendition, source_duration = _encode(samples, sample, tmp_path)
    assert (rendition.resolution, rendition.width, rendition.height) == (720, 1280, 720)
    assert rendition.codecs.endswith(",mp4a.40.2") and rendition.codecs.startswith("avc1.")
    mp4 = tmp_path / "720.mp4"
    (video,) = _streams(mp4, "video")
    (audio,) = _streams(mp4, "audio")
    assert (video["codec_name"], audio["codec_name"], audio["sample_rate"]) == ("h264", "aac", sample_rate)
    # A still picture at STILL_FPS may outlast the sound by one frame.
    assert result.duration == pytest.approx(source_duration, abs=1 / encode_module.STILL_FPS + 0.05)
    assert _keyframe_times(mp4) == [0.0, 2.0]
    assert (tmp_path / "thumbnail.jpg").stat().st_size > 0


def test_cover_art_is_shown(samples, tmp_path):
    _encode(samples, "mp3", tmp_path)
    # testsrc2's picture is colourful; the plain background is not: compare the preview's colours.
    stats = ffmpeg.probe(
        f"movie={tmp_path / 'preview.jpg'},signalstats", f="lavfi", v="error", show_entries="frame_tags=lavfi.signalstats.SATAVG"
    )
    assert float(stats["frames"][0]["tags"]["lavfi.signalstats.SATAVG"]) > 20


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
