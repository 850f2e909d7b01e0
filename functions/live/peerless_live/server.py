"""Running the ingest: the RTMP server with the live sessions' sweep, in the seeder
container's event loop (`serve`), or in a thread of its own for the local stack and the
tests (`IngestServer`)."""
from __future__ import annotations

import asyncio
import logging
import tempfile
from pathlib import Path
from typing import Callable

from peerless import aws
from peerless.live import STALE_AFTER
from peerless.settings import settings
from peerless_seeder.serving import ServingThread

from . import rtmp
from .ingest import Ingest

log = logging.getLogger("peerless.live")


def make_ingest(work_dir: Path | None = None) -> Ingest:
    """An ingest on this instance's media store and uploads bucket."""
    work = Path(work_dir or tempfile.gettempdir()) / "peerless-live"
    work.mkdir(parents=True, exist_ok=True)
    return Ingest(aws.media_store(), aws.client("s3"), settings().uploads_bucket, work)


async def serve(ingest: Ingest, host: str, port: int, stop: asyncio.Event,
                ready: Callable[[int], None] = lambda port: None) -> None:
    """Takes streams on host:port until `stop`; then ends every stream running."""
    server = await rtmp.start_server(host, port, ingest.on_publish)
    ready(server.sockets[0].getsockname()[1])
    try:
        while not stop.is_set():
            try:
                await ingest.sweep()
            except Exception:   # the table unreachable a moment: the next sweep tries again
                log.exception("sweeping dead live sessions failed")
            try:
                await asyncio.wait_for(stop.wait(), STALE_AFTER)
            except asyncio.TimeoutError:
                pass
    finally:
        server.close()
        await server.wait_closed()
        # Streams end as their connections close: each ships, ends and keeps its replay.
        while ingest.broadcasts:
            await asyncio.sleep(0.1)


class IngestServer(ServingThread):
    """The ingest in a thread with its own event loop."""

    def __init__(self, ingest: Ingest, host: str = "127.0.0.1", port: int = 0):
        self.ingest = ingest
        super().__init__("live ingest", lambda stop, ready: serve(ingest, host, self.port,
                                                                  stop, ready), port)

    def health(self) -> dict:
        """Read from another thread (the tracker's, which serves the health document):
        a glance at the broadcasts, never a wait on this loop."""
        return {"running": self.running, **self.ingest.health()}
