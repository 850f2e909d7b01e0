"""The live ladder (peerless_live.encoder): which renditions a stream gets, and which
streams are refused before any encoding."""
import subprocess
from fractions import Fraction

import pytest

from peerless.live import DEFAULT_LATENCY, HIGH_LATENCY, SMALL_LATENCY
from peerless.media.probe import MediaInfo
from peerless_live.encoder import Unsuitable, command, plan


def stream(width=1280, height=720, fps=60.0, video=True, audio=True) -> MediaInfo:
    return MediaInfo(duration=1.0, has_video=video, has_audio=audio,
                     width=width if video else None, height=height if video else None,
                     fps=fps if video else None, video_codec="h264" if video else None,
                     audio_codec="aac" if audio else None, bitrate=4_000_000, size=500_000)


def test_the_streams_own_resolution_and_the_enabled_rungs_below_at_most_30_fps():
    live = plan(stream(), max_height=1080, enabled=frozenset({360, 1080}),
                latency_mode=DEFAULT_LATENCY)
    assert [(r.width, r.height) for r in live.rungs] == [(1280, 720), (640, 360)]
    assert {r.fps for r in live.rungs} == {Fraction(30)}
    assert live.rungs[0].bitrate > live.rungs[1].bitrate
    variants = live.variants()
    assert [v["playlist"] for v in variants] == ["0.m3u8", "1.m3u8"]
    assert variants[0]["codecs"] == "avc1.640028,mp4a.40.2"


def test_never_above_the_instances_top_nor_upscaled():
    tall = plan(stream(1920, 1080), max_height=720, enabled=frozenset({1080, 720, 360}),
                latency_mode=DEFAULT_LATENCY)
    assert [r.height for r in tall.rungs] == [720, 360]
    small = plan(stream(320, 240, fps=25), max_height=720, enabled=frozenset({360, 720}),
                 latency_mode=DEFAULT_LATENCY)
    assert [(r.width, r.height, r.fps) for r in small.rungs] == [(320, 240, Fraction(25))]


def test_portrait_streams_keep_their_shape():
    live = plan(stream(720, 1280), max_height=720, enabled=frozenset({360}),
                latency_mode=DEFAULT_LATENCY)
    assert [(r.width, r.height) for r in live.rungs] == [(720, 1280), (360, 640)]


def test_segments_follow_the_latency_mode():
    lengths = [plan(stream(), max_height=720, enabled=frozenset(), latency_mode=mode)
               .segment_seconds for mode in (SMALL_LATENCY, DEFAULT_LATENCY, HIGH_LATENCY)]
    assert lengths == [1, 2, 4]


@pytest.mark.parametrize("info, reason", [
    (stream(video=False), "no video"),
    (stream(16000, 9000), "beyond"),
    (stream(fps=1000), "beyond"),
])
def test_streams_that_cannot_be_broadcast_are_refused(info, reason):
    with pytest.raises(Unsuitable, match=reason):
        plan(info, max_height=720, enabled=frozenset(), latency_mode=DEFAULT_LATENCY)


@pytest.mark.parametrize("enabled", [frozenset(), frozenset({144})], ids=["one", "two"])
def test_every_rendition_gets_its_own_files(tmp_path, enabled):
    """ffmpeg's names for one or several renditions: each its own init segment, no
    placeholder left in a name a player will ask for."""
    source = tmp_path / "in.flv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30",
                    "-f", "lavfi", "-i", "sine", "-t", "3", "-c:v", "libx264", "-preset",
                    "ultrafast", "-g", "30", "-c:a", "aac", str(source)], check=True)
    live = plan(stream(320, 240, fps=30), max_height=720, enabled=enabled,
                latency_mode=DEFAULT_LATENCY)
    out = tmp_path / "out"
    out.mkdir()
    with source.open("rb") as stdin:
        subprocess.run(command(live, out, "s1"), stdin=stdin, check=True)
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if "%" in n]
    for i in range(len(live.rungs)):
        playlist = (out / f"{i}.m3u8").read_text()
        assert f'#EXT-X-MAP:URI="s1-{i}-init.mp4"' in playlist
        assert f"s1-{i}-init.mp4" in names and f"s1-{i}-000000.mp4" in names
