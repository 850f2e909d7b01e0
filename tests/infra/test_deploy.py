"""`make deploy` and `make destroy` stop at once, with a clear message and no network,
when the credentials or the domain are missing."""
import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}


def _make(target: str, extra: dict[str, str]):
    # A scrubbed environment: no AWS variable, no domain, and no route out (a proxy that
    # does not exist, so that any network call would fail slowly and loudly).
    env = {"PATH": os.environ["PATH"], "HOME": "/nonexistent",
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", **extra}
    started = time.monotonic()
    result = subprocess.run(["make", "-s", target], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    return result, time.monotonic() - started


@pytest.mark.parametrize("target", ["deploy", "destroy"])
def test_without_credentials(target):
    result, took = _make(target, {"PEERLESS_DOMAIN": "videos.example.org"})
    assert result.returncode != 0
    assert "No AWS credentials" in result.stderr
    assert "PEERLESS_DOMAIN" not in result.stderr
    assert took < 5


def test_without_domain():
    result, took = _make("deploy", CREDENTIALS)
    assert result.returncode != 0
    assert "No domain: set PEERLESS_DOMAIN" in result.stderr
    assert "credentials" not in result.stderr
    assert took < 5


def test_with_a_url_for_a_domain():
    result, _ = _make("deploy", {**CREDENTIALS, "PEERLESS_DOMAIN": "https://videos.example.org"})
    assert result.returncode != 0 and "not a bare domain name" in result.stderr


def test_the_seeder_cpu_is_one_of_fargates_sizes(tmp_path):
    from app import options_from_env
    layer = {"PEERLESS_LAYER_DIR": str(tmp_path / "layer")}
    assert options_from_env({**layer, "PEERLESS_SEEDER_CPU": "1024"}).seeder_cpu == 1024
    assert options_from_env(layer).seeder_cpu == 256
    with pytest.raises(SystemExit, match="PEERLESS_SEEDER_CPU"):
        options_from_env({**layer, "PEERLESS_SEEDER_CPU": "300"})
