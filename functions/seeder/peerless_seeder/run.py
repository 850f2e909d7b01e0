"""Starting the seeder and its catalog feed together: what the container's process and
the local stack call (`start_seeder`), so neither has to know how the two are wired."""
from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from .catalog_feed import CatalogFeed
from .metrics import HEALTH_FILE_SECONDS, write_health
from .seeder import Seeder, SeederConfig

log = logging.getLogger("peerless.seeder")


@dataclass
class RunningSeeder:
    seeder: Seeder
    feed: CatalogFeed
    thread: threading.Thread
    stop_event: threading.Event

    def section(self) -> dict:
        """The health document's "seeder" section (`Metrics.register("seeder", ...)`)."""
        return {**self.seeder.metrics(), "catalog": self.feed.metrics()}

    def stop(self, timeout: float = 10) -> None:
        self.stop_event.set()
        self.thread.join(timeout)
        self.feed.client.close()
        self.seeder.close()


def start_seeder(public_url: str, cache_dir: Path | str, *, api_url: str | None = None,
                 config: SeederConfig | None = None, poll_seconds: float = 2.0,
                 resync_seconds: float = 60.0, metrics=None,
                 media_url: str | None = None) -> RunningSeeder:
    """A seeder caching in `cache_dir` (unless `config` says it all), fed from the catalog
    of the instance at `api_url` (default: `public_url`) in a thread of its own. The
    instance serves its media, its mirrors of remote videos among them, at `media_url`
    (default: PEERLESS_MEDIA_URL, else `public_url`, as the instance's settings).

    On a loopback or private public URL (the local stack), the trackers and web seeds the
    torrents name are local: libtorrent's SSRF mitigation is turned off for them. With
    `metrics` (the server's `Metrics`), the seeder's section joins the health document."""
    if config is None:
        config = SeederConfig.from_env(cache_dir=Path(cache_dir),
                                       allow_local_urls=is_local_url(public_url))
    seeder = Seeder(config)
    client = httpx.Client(base_url=api_url or public_url, timeout=15,
                          headers={"User-Agent": "peerless-seeder"})
    feed = CatalogFeed(client, seeder, poll_seconds=poll_seconds,
                       resync_seconds=resync_seconds,
                       media_url=media_url or os.environ.get("PEERLESS_MEDIA_URL", public_url))
    stop = threading.Event()
    thread = threading.Thread(target=feed.run, args=(stop,), name="seeder-catalog",
                              daemon=True)
    thread.start()
    running = RunningSeeder(seeder, feed, thread, stop)
    if metrics is not None:
        metrics.register("seeder", running.section)
    log.info("seeder listening on port %d, caching in %s (budget %d bytes)",
             seeder.listen_port, config.cache_dir, config.cache_budget)
    return running


def is_local_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def main() -> None:
    """`python -m peerless_seeder.run --public-url URL --cache-dir DIR [--api-url URL]
    [--listen HOST:PORT] [--health-file PATH]`: the seeder alone, until SIGTERM. The local
    stack runs it as a child process: libtorrent's shutdown holds the GIL while it says
    goodbye to trackers and web seeds, which must not be threads of the same process. Its
    health section is written to PATH every 2 s, for the stack's health document."""
    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--public-url", required=True)
    parser.add_argument("--cache-dir", required=True, type=Path)
    parser.add_argument("--api-url")
    parser.add_argument("--listen")
    parser.add_argument("--health-file", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=os.environ.get("PEERLESS_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    overrides = {"listen_interfaces": args.listen} if args.listen else {}
    config = SeederConfig.from_env(cache_dir=args.cache_dir,
                                   allow_local_urls=is_local_url(args.public_url), **overrides)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    running = start_seeder(args.public_url, args.cache_dir, api_url=args.api_url, config=config)
    while not stop.wait(HEALTH_FILE_SECONDS if args.health_file else None):
        write_health(args.health_file, running.section())
    running.stop()


if __name__ == "__main__":
    main()
