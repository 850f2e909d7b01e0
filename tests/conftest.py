import subprocess
from pathlib import Path

import pytest

from tests.stack import Stack

CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"


def make_clip(path: Path, *args: str) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args, str(path)], check=True)
    return path


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> dict[str, Path]:
    """Tiny generated inputs, made once."""
    d = tmp_path_factory.mktemp("media")
    clip = make_clip(d / "clip.mp4", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
                     "-f", "lavfi", "-i", "sine=frequency=440", "-t", "4",
                     "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                     "-c:a", "aac", "-shortest")
    portrait = make_clip(d / "portrait.mov", "-f", "lavfi", "-i",
                         "testsrc2=size=360x640:rate=25", "-t", "2", "-c:v", "libx264",
                         "-preset", "ultrafast", "-pix_fmt", "yuv420p")
    audio = make_clip(d / "podcast.mp3", "-f", "lavfi", "-i", "sine=frequency=330",
                      "-t", "3", "-c:a", "libmp3lame")
    text = d / "notes.mp4"
    text.write_text("This is not a video, whatever its name says.\n" * 100)
    return {"clip": clip, "portrait": portrait, "audio": audio, "text": text}


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """One local stack for the session, with two transcode workers so duplicated events
    really race, and limits small enough for tiny clips to meet them: fast publish and
    chunked encoding from 10 s, at most 30 s a video."""
    running = Stack(tmp_path_factory.mktemp("stack") / "data",
                    PEERLESS_TRANSCODE_WORKERS="2", PEERLESS_FAST_PUBLISH_SECONDS="10",
                    PEERLESS_CHUNK_SECONDS="4", PEERLESS_MAX_VIDEO_DURATION="30").start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def two_stacks(tmp_path_factory):
    """Two more stacks on two ports, for federation between them with real signed HTTP
    (loopback let in). No seeder: federation needs none. Tests leave them following each
    other or not; each test makes the follows it needs."""
    stacks = [Stack(tmp_path_factory.mktemp(name) / "data", PEERLESS_SEEDER="off",
                    PEERLESS_FEDERATION_ALLOW_PRIVATE="1").start() for name in ("a", "b")]
    yield stacks
    for one in stacks:
        one.stop()
