"""`python -m peerless_seeder`: the seeder container's process: the tracker, the
libtorrent seeder, fed from the instance's public catalog (see `run.start_seeder`), and
the RTMP live ingest (peerless_live) on PEERLESS_RTMP_PORT (1935; "off": none).

Reads PEERLESS_PUBLIC_URL (its origin is allowed to open WebSockets), the
PEERLESS_TRACKER_* variables of `TrackerConfig.from_env` (the tracker's known swarms are
read from the instance's API at the public URL), and where to listen:
PEERLESS_SEEDER_HOST (default 0.0.0.0) and PEERLESS_SEEDER_PORT (default 8000).
SIGTERM or Ctrl-C stops it; its state is in memory only and clients announce again.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal

from peerless.settings import Settings
from peerless_live.server import make_ingest, serve as live_serve

from .run import start_seeder
from .seeder import SeederConfig
from .server import TrackerApp, serve
from .tracker import TrackerConfig

log = logging.getLogger("peerless.seeder")


async def main() -> None:
    settings = Settings.from_env()
    config = TrackerConfig.from_env(os.environ, public_url=settings.public_url)
    app = TrackerApp(config, api_url=settings.public_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    host = os.environ.get("PEERLESS_SEEDER_HOST", "0.0.0.0")
    port = int(os.environ.get("PEERLESS_SEEDER_PORT", "8000"))
    seeder = start_seeder(settings.public_url, SeederConfig.from_env().cache_dir,
                          metrics=app.metrics, media_url=settings.media_url)
    tracker_stop = asyncio.Event()
    tracking = asyncio.create_task(serve(app, host, port, tracker_stop, lambda bound: log.info(
        "tracker listening on %s:%d (ws: /tracker/socket, http: /tracker/announce)",
        host, bound)))
    ingest_stop = asyncio.Event()
    ingesting = None
    if os.environ.get("PEERLESS_RTMP_PORT") != "off":
        ingest = make_ingest(os.environ.get("PEERLESS_LIVE_WORK_DIR"))
        app.metrics.register("live", ingest.health)
        ingesting = asyncio.create_task(live_serve(
            ingest, host, settings.rtmp_port, ingest_stop,
            lambda bound: log.info("live ingest listening on %s:%d (rtmp)", host, bound)))
    await stop.wait()
    if ingesting is not None:
        # Running streams end first: their last segments shipped, their replays kept.
        ingest_stop.set()
        await ingesting
    # libtorrent's shutdown says goodbye to the trackers: the seeder stops while ours answers.
    await asyncio.to_thread(seeder.stop)
    tracker_stop.set()
    await tracking

if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("PEERLESS_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(main())
