"""The container's health document: one section per part it runs.

The tracker registers its section; the seeder (bytes sent, torrents seeded) and the live
ingest register theirs with `Metrics.register`, and appear beside it. A part running in
another process (the local stack's seeder) hands its section over in a file.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable


class Metrics:
    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._started = clock()
        self._sections: dict[str, Callable[[], dict[str, Any]]] = {}

    def register(self, name: str, section: Callable[[], dict[str, Any]]) -> None:
        """`section` is called for every health request (in the server's event loop)."""
        self._sections[name] = section

    def snapshot(self) -> dict[str, Any]:
        document: dict[str, Any] = {"status": "ok",
                                    "uptime_seconds": round(self._clock() - self._started, 3)}
        for name, section in self._sections.items():
            try:
                document[name] = section()
            except Exception as error:  # one broken part must not hide the others
                document["status"] = "degraded"
                document[name] = {"error": f"{type(error).__name__}: {error}"}
        return document


HEALTH_FILE_SECONDS = 2.0


def write_health(path: Path, section: dict) -> None:
    """The section as JSON at `path`, replaced whole (a reader never sees half of it)."""
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({**section, "written_at": time.time()}))
    partial.replace(path)


def read_health(path: Path, stale_after: float = 10 * HEALTH_FILE_SECONDS) -> dict:
    """The section `write_health` wrote last; an error when it is missing or stale (the
    seeder is down or stuck), which marks the health document degraded."""
    try:
        section = json.loads(path.read_text())
    except FileNotFoundError:
        raise RuntimeError("the seeder has not reported yet") from None
    age = time.time() - section.pop("written_at")
    if age > stale_after:
        raise RuntimeError(f"the seeder's last report is {age:.0f} s old")
    return section
