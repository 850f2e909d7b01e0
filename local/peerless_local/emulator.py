"""moto's server, the local stand-in for S3, DynamoDB and SQS, as a child process."""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request

from .ports import free_port


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG: if the stack is killed outright, the kernel ends the emulator too,
    # so no orphan outlives it.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


class Emulator:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "Emulator":
        self._process = subprocess.Popen(
            [sys.executable, "-m", "peerless_local.emulator_server", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent,
            env={**os.environ, "MOTO_CALL_RESET_API": "false", "MOTO_PORT": str(self.port)})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto's server exited with {self._process.returncode}")
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"moto's server did not answer on {self.url} in {timeout} s")

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
