"""Chunked encoding: where a long input is cut (keyframe_times, chunk_bounds, chunk_seconds), and that chunks
encoded apart and joined give what one pass gives: the same length, the same frames at the same times, the
sound in sync."""

from __future__ import annotations

import http.server
import re
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
import pytest

from peerless.media import encode as encode_module
from peerless.media.chunks import chunk_bounds, chunk_seconds, keyframe_times
from peerless.media.encode import EncodeFailed, EncodeResult, Plan, encode, encode_audio, encode_chunk, join, package
from peerless.media.probe import MediaInfo, probe

FPS = 30
CLIP_SECONDS = 24
CHUNK_TARGET = 6
# Per-frame SSIM of the same picture encoded twice (0.98 and up here) against neighbouring frames of
# testsrc2, whose moving parts make it change every frame (0.94 and below).
SAME_FRAME_SSIM = 0.96


def _ffmpeg(*args: str | float | Path) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


# B-frames (which ultrafast leaves out unless asked), so that a keyframe's dts and pts differ;
# keyframes on the clock every 2 s, as encode makes them.
_H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-bf", 2, "-pix_fmt", "yuv420p",
         "-force_key_frames", "expr:gte(t,n_forced*2)"]  # fmt: skip


@dataclass(frozen=True)
class Inputs:
    clip: Path  # 24 s 320x240 30 fps H.264 with B-frames + AAC-LC stereo 48 kHz; keyframes every 2 s
    offset_ts: Path  # 10 s 160x120 H.264 in MPEG-TS, timestamps starting past 10 s; keyframes every 2 s
    looped: Path  # the clip five times over, copied: 120 s and about 13 MB


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    d = tmp_path_factory.mktemp("chunk_inputs")
    s = Inputs(clip=d / "clip.mp4", offset_ts=d / "offset.ts", looped=d / "looped.mp4")
    picture = ["-f", "lavfi", "-i", f"testsrc2=size=320x240:rate={FPS}"]
    tone = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    _ffmpeg(*picture, *tone, "-t", CLIP_SECONDS, *_H264, "-c:a", "aac", "-ac", 2, s.clip)
    small = ["-f", "lavfi", "-i", f"testsrc2=size=160x120:rate={FPS}"]
    _ffmpeg(*small, "-t", 10, *_H264, "-output_ts_offset", 10, s.offset_ts)
    _ffmpeg("-stream_loop", 4, "-i", s.clip, "-c", "copy", s.looped)
    return s


def _packets(path: Path | str) -> list[dict]:
    probed = ffmpeg.probe(str(path), v="error", select_streams="v:0", show_entries="packet=pts_time,dts_time,flags")
    return probed["packets"]


# keyframe_times


def test_keyframes_of_a_clip_with_b_frames_are_their_presentation_times(inputs):
    keys = [p for p in _packets(inputs.clip) if "K" in p["flags"]]
    assert any(p["pts_time"] != p["dts_time"] for p in keys)  # decoded ahead of their time: dts would be wrong
    assert keyframe_times(str(inputs.clip)) == [float(t) for t in range(0, CLIP_SECONDS, 2)]


def test_keyframes_count_from_the_start_of_the_input(inputs):
    assert float(_packets(inputs.offset_ts)[0]["pts_time"]) >= 10
    assert keyframe_times(str(inputs.offset_ts)) == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_keyframes_near_times_are_those_at_or_before_them(inputs):
    assert keyframe_times(str(inputs.clip), near=[5, 12, 12.5, 23.9]) == [4.0, 12.0, 22.0]
    # MPEG-TS has no index to seek by: read whole, for the same answer.
    assert keyframe_times(str(inputs.offset_ts), near=[3, 9.9]) == [2.0, 8.0]


def test_unreadable_input_fails_with_a_reason_and_no_path(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    with pytest.raises(EncodeFailed) as caught:
        keyframe_times(str(text))
    assert caught.value.reason.startswith("The file's keyframes could not be read (ffprobe: ")
    assert str(tmp_path) not in caught.value.reason


class _Server:
    """Files of a directory over HTTP with byte ranges, as S3 serves them; counts the bytes sent."""

    def __init__(self, directory: Path) -> None:
        self.sent = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def setup(self) -> None:
                super().setup()
                # A small send buffer, so that what is counted as sent is close to what ffmpeg read.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)

            def do_GET(self) -> None:
                path = directory / self.path.lstrip("/")
                size = path.stat().st_size
                ranged = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
                first, last = (int(ranged[1]), int(ranged[2] or size - 1)) if ranged else (0, size - 1)
                self.send_response(206 if ranged else 200)
                self.send_header("Accept-Ranges", "bytes")
                if ranged:
                    self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
                self.send_header("Content-Length", str(last - first + 1))
                self.end_headers()
                with path.open("rb") as f:
                    f.seek(first)
                    left = last - first + 1
                    try:
                        while left:
                            block = f.read(min(left, 8192))
                            self.wfile.write(block)
                            left -= len(block)
                            server.sent += len(block)
                    except (BrokenPipeError, ConnectionResetError):  # ffmpeg had what it wanted
                        pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def read_by(self, action) -> tuple[object, int]:
        """What `action` returns, and the bytes it had sent."""
        self.sent = 0
        return action(), self.sent


@pytest.fixture
def server(inputs) -> Iterator[_Server]:
    served = _Server(inputs.clip.parent)
    thread = threading.Thread(target=served.httpd.serve_forever, daemon=True)
    thread.start()
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()
    thread.join()


def test_keyframes_of_a_url(inputs, server):
    url = server.base + inputs.looped.name
    size = inputs.looped.stat().st_size
    every, sent = server.read_by(lambda: keyframe_times(url))
    assert every == keyframe_times(str(inputs.looped))
    assert len(every) == 60
    assert sent >= size * 0.9  # every packet's bytes: the whole file, which `near` avoids
    times = [30.5, 60.5, 90.5]
    near, sent = server.read_by(lambda: keyframe_times(url, near=times))
    assert near == [max(k for k in every if k <= t) for t in times]
    assert sent < size / 5  # the index, the first frames and three keyframes


# chunk_bounds


def _tile(bounds: list[tuple[float, float | None]]) -> list[float]:
    """The start of each chunk after the first, from the previous chunk's start and length."""
    return [round(start + length, 6) for (start, length), _ in zip(bounds, bounds[1:]) if length is not None]


def test_an_input_shorter_than_one_and_a_half_targets_is_one_chunk():
    every_2s = [float(t) for t in range(0, 180, 2)]
    assert chunk_bounds(every_2s, 179.9, 120) == [(0.0, None)]
    assert len(chunk_bounds(every_2s, 180, 120)) == 2


def test_an_input_without_usable_keyframes_is_one_chunk():
    assert chunk_bounds([], 600, 120) == [(0.0, None)]
    assert chunk_bounds([0.0], 600, 120) == [(0.0, None)]  # the start only: nowhere else to cut
    assert chunk_bounds([0.0, 600.0, 700.0], 600, 120) == [(0.0, None)]  # past the end


def test_regular_keyframes_give_chunks_of_the_target():
    every_2s = [float(t) for t in range(0, 600, 2)]
    assert chunk_bounds(every_2s, 600, 120) == [(0.0, 120.0), (120.0, 120.0), (240.0, 120.0), (360.0, 120.0),
                                                (480.0, None)]  # fmt: skip


def test_irregular_keyframes_give_the_nearest_to_each_multiple():
    keyframes = [0.0, 7.0, 11.0, 18.0, 23.0, 31.0, 38.0]
    assert chunk_bounds(keyframes, 45, 10) == [(0.0, 11.0), (11.0, 7.0), (18.0, 13.0), (31.0, 7.0), (38.0, None)]
    # Equally near on both sides: the earlier.
    assert chunk_bounds([0.0, 9.0, 11.0], 30, 10)[1][0] == 9.0


def test_keyframes_on_the_encodes_grid_come_first():
    every_1s = [float(t) for t in range(0, 600)]  # as phones film
    starts = [start for start, _ in chunk_bounds(every_1s, 600, 112.5)]
    # 337.5 is as near 337 as 338; a chunk starting at 337 would put the joined keyframes at 337, 339...
    assert starts == [0.0, 112.0, 224.0, 338.0, 450.0, 562.0]
    assert all(start % encode_module.KEYFRAME_INTERVAL == 0 for start in starts)
    # At 29.97 fps the encode's keyframes are the first frames after each 2 s: 2.002, 4.004...
    ntsc = [round(n * 1001 / 30000, 6) for n in range(0, 600 * 30)]
    assert [round(start, 3) for start, _ in chunk_bounds(ntsc, 600, 112.5)] == [0.0, 112.012, 224.024, 338.004,
                                                                                450.016, 562.028]  # fmt: skip
    # None on the grid within a quarter of the target: the nearest, whatever it is.
    off_grid = [0.0] + [3 * n + 0.5 for n in range(1, 200)]
    assert [start for start, _ in chunk_bounds(off_grid, 600, 120)] == [0.0, 120.5, 240.5, 360.5, 480.5]


def test_a_tiny_last_piece_joins_the_chunk_before():
    every_2s = [float(t) for t in range(0, 366, 2)]
    assert chunk_bounds(every_2s, 365, 120) == [(0.0, 120.0), (120.0, 120.0), (240.0, None)]  # not a 5 s chunk
    assert chunk_bounds(every_2s, 395, 120)[-1] == (360.0, None)  # 35 s: a quarter of the target or more


def test_no_chunk_is_tiny_where_keyframes_are_sparse():
    # 140 is the keyframe nearest to 240, but only 22 s after the chunk starting at 118.
    assert chunk_bounds([0.0, 118.0, 140.0, 400.0], 500, 120) == [(0.0, 118.0), (118.0, 282.0), (400.0, None)]


@pytest.mark.parametrize("fps, duration, target", [(30000 / 1001, 7203.7, 120), (25, 1000, 97), (30, 61, 17)])
def test_chunks_tile_the_input_from_keyframe_to_keyframe(fps, duration, target):
    # Keyframes every 2 s of a 29.97 fps stream fall between microseconds; keyframe_times gives them rounded.
    keyframes = [round(n / fps, 6) for n in range(0, int(duration * fps), round(2 * fps))]
    bounds = chunk_bounds(keyframes, duration, target)
    starts = [start for start, _ in bounds]
    assert starts[0] == 0.0 and bounds[-1][1] is None
    assert _tile(bounds) == starts[1:]  # each chunk ends exactly where the next starts
    assert set(starts) <= set(keyframes)
    assert all(length >= target / 4 for _, length in bounds[:-1])
    assert duration - starts[-1] >= target / 4
    assert all(abs(start - n * target) <= target / 4 for n, start in enumerate(starts))


# chunk_seconds


def test_chunk_seconds_keep_an_encode_within_half_the_budget():
    budget = 900  # a Lambda function's 15 minutes
    assert chunk_seconds(2.0, budget) == 120  # fast: the target, however much more would fit
    assert chunk_seconds(0.1, budget) == 45  # 45 s of input at 0.1 s per second: 450 s, half the budget
    assert chunk_seconds(None, budget) == 112.5  # unknown: as slow as 0.25 s of input per second
    assert chunk_seconds(0.01, budget) == 10  # never below the floor
    assert chunk_seconds(0.01, budget, floor=2) == 4.5
    assert chunk_seconds(5, budget, target=60) == 60


# Chunks encoded apart and joined, against one pass over the same input.


@dataclass(frozen=True)
class Compared:
    info: MediaInfo
    plans: list[Plan]
    bounds: list[tuple[float, float | None]]
    chunked: Path  # directory of the joined MP4s and their HLS renditions
    packaged: EncodeResult
    single: Path  # directory of encode()'s output


@pytest.fixture(scope="module")
def compared(inputs, tmp_path_factory) -> Compared:
    src = str(inputs.clip)
    info = probe(inputs.clip)
    plans = encode_module.ladder(info, 240)
    bounds = chunk_bounds(keyframe_times(src), info.duration, CHUNK_TARGET)
    chunked = tmp_path_factory.mktemp("chunked")
    pieces: dict[int, list[Path]] = {plan.resolution: [] for plan in plans}
    for i, (start, length) in enumerate(bounds):
        outputs = [chunked / f"chunk{i}-{plan.resolution}.mp4" for plan in plans]
        encode_chunk(src, info, plans, start, length, outputs)
        for plan, output in zip(plans, outputs):
            pieces[plan.resolution].append(output)
    encode_audio(src, info, chunked / "audio.mp4")
    joined = [chunked / f"{plan.resolution}.mp4" for plan in plans]
    for plan, mp4 in zip(plans, joined):
        join(pieces[plan.resolution], chunked / "audio.mp4", mp4)
    packaged = package(joined, plans, chunked, pictures=True, src=inputs.clip)
    single = tmp_path_factory.mktemp("single")
    encode(inputs.clip, info, single, max_height=240)
    return Compared(info, plans, bounds, chunked, packaged, single)


def _stream(path: Path, kind: str) -> dict:
    (stream,) = [s for s in ffmpeg.probe(str(path), v="error")["streams"] if s["codec_type"] == kind]
    return stream


def _ssim(a: Path, b: Path, *, b_late_by: int = 0) -> list[float]:
    """SSIM of each frame of `a` against the frame of `b` at the same time (or `b_late_by` frames later)."""
    shift = f"trim=start_frame={b_late_by},setpts=PTS-STARTPTS," if b_late_by else ""
    graph = f"[1:v]{shift}null[b];[0:v][b]ssim=stats_file=-:shortest=1"
    args = ["ffmpeg", "-v", "error", "-nostdin", "-i", str(a), "-i", str(b), "-lavfi", graph, "-f", "null", "-"]
    stats = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return [float(value) for value in re.findall(r"All:([\d.]+)", stats)]


def test_the_clip_is_cut_every_target_at_its_keyframes(compared):
    assert compared.bounds == [(0.0, 6.0), (6.0, 6.0), (12.0, 6.0), (18.0, None)]
    assert [p.resolution for p in compared.plans] == [240, 144]


def test_joined_lasts_as_long_as_one_pass(compared):
    for plan in compared.plans:
        joined = compared.chunked / f"{plan.resolution}.mp4"
        single = compared.single / f"{plan.resolution}.mp4"
        picture, single_picture = _stream(joined, "video"), _stream(single, "video")
        assert float(picture["duration"]) == pytest.approx(float(single_picture["duration"]), abs=1 / FPS)
        assert int(picture["nb_frames"]) == int(single_picture["nb_frames"]) == CLIP_SECONDS * FPS
        sound, single_sound = _stream(joined, "audio"), _stream(single, "audio")
        assert float(sound["duration"]) == pytest.approx(float(single_sound["duration"]), abs=0.025)


def test_joined_shows_the_same_frame_as_one_pass_at_every_time(compared):
    for plan in compared.plans:
        joined = compared.chunked / f"{plan.resolution}.mp4"
        scores = _ssim(joined, compared.single / f"{plan.resolution}.mp4")
        assert len(scores) == CLIP_SECONDS * FPS
        assert min(scores) > SAME_FRAME_SSIM, (plan.resolution, scores.index(min(scores)) / FPS)
    # A chunk one frame early or late would show: neighbouring frames score below the threshold.
    late = _ssim(compared.chunked / "240.mp4", compared.single / "240.mp4", b_late_by=1)
    assert len(late) == CLIP_SECONDS * FPS - 1
    assert max(late) < SAME_FRAME_SSIM


def test_joined_sound_is_in_sync_with_the_picture(compared):
    def audio_md5(path: Path) -> str:
        args = ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a", "-c", "copy", "-f", "md5", "-"]
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout

    for plan in compared.plans:
        joined = compared.chunked / f"{plan.resolution}.mp4"
        single = compared.single / f"{plan.resolution}.mp4"
        starts = [float(_stream(path, kind)["start_time"]) for path in (joined, single) for kind in ("video", "audio")]
        assert max(starts) - min(starts) < 0.001
        assert audio_md5(joined) == audio_md5(single)  # the same sound, at the same times


def test_joined_has_keyframes_every_two_seconds_and_plays_cleanly(compared):
    for plan in compared.plans:
        joined = compared.chunked / f"{plan.resolution}.mp4"
        keys = [round(float(p["pts_time"]), 3) for p in _packets(joined) if "K" in p["flags"]]
        assert keys == [float(t) for t in range(0, CLIP_SECONDS, encode_module.KEYFRAME_INTERVAL)]
        decoded = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(joined), "-f", "null", "-"],
                                 capture_output=True, text=True)  # fmt: skip
        assert decoded.returncode == 0 and decoded.stderr == ""


def test_joined_mp4s_package_into_hls_of_four_second_segments(compared):
    result = compared.packaged
    assert [r.resolution for r in result.renditions] == [240, 144]
    assert result.duration == pytest.approx(CLIP_SECONDS, abs=1 / FPS)
    for r in result.renditions:
        segments = re.findall(r"#EXTINF:([\d.]+),", (compared.chunked / r.playlist).read_text())
        assert [float(s) for s in segments] == [encode_module.HLS_TIME] * (CLIP_SECONDS // encode_module.HLS_TIME)
    master = (compared.chunked / result.master).read_text()
    assert re.findall(r"\n(\d+\.m3u8)", master) == ["240.m3u8", "144.m3u8"]
    thumbnail = _stream(compared.chunked / result.thumbnail, "video")
    assert (thumbnail["codec_name"], thumbnail["width"], thumbnail["height"]) == ("mjpeg", *encode_module.THUMBNAIL_SIZE)


def test_a_chunk_keeps_its_keyframes_on_the_inputs_two_second_grid(tmp_path):
    # Keyframes every second in the input, so that a chunk may start off the grid, at 3 s.
    src = tmp_path / "every-second.mp4"
    _ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=160x120:rate={FPS}", "-t", 9, "-c:v", "libx264",
            "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-force_key_frames", "expr:gte(t,n_forced*1)", src)
    info = probe(src)
    plans = encode_module.ladder(info, 120)
    out = tmp_path / "chunk.mp4"
    encode_chunk(str(src), info, plans, 3.0, None, [out])
    keys = [round(float(p["pts_time"]), 3) for p in _packets(out) if "K" in p["flags"]]
    # The chunk's own start, then the input's 4, 6 and 8 s.
    assert keys == [0.0, 1.0, 3.0, 5.0]
