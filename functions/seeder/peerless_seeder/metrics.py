"""The container's health document: one section per part it runs.

The tracker registers its section now; the seeder (bytes sent, torrents seeded) and the
live ingest register theirs later, with `Metrics.register`, and appear beside it.
"""
from __future__ import annotations

import time
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
