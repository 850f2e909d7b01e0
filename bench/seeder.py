"""The libtorrent seeder alone, on loopback.

Prints, for a file of --mb MB (median of --runs): how fast the seeder fetches it through
its web seed (a local HTTP server with Range, as the CDN), then how fast one desktop
libtorrent client downloads it from the seeder alone (no web seed, no tracker), over TCP
and over uTP: from adding the torrent to the last piece (what a user waits), and from the
first byte received (the transfer itself), with the wait for that first byte: the
client's own (libtorrent connects to a peer on its next 500 ms tick, `tick_interval`). Browsers (WebRTC) are measured in a
network namespace (issue 5, bench/p2p.py).

    .venv/bin/python bench/seeder.py [--mb 20] [--runs 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from peerless.media.torrents import make_torrent  # noqa: E402
from peerless_seeder.seeder import Seeder, SeederConfig  # noqa: E402
from tests.integration.test_seeder import (RangeServer, desktop_client, lt,  # noqa: E402
                                           sha256, wait_for, without_web_seed)

TRANSPORTS = {
    "tcp": {"enable_outgoing_utp": False, "enable_incoming_utp": False},
    "utp": {"enable_outgoing_tcp": False, "enable_incoming_tcp": False},
}


def run_once(work: Path, size: int) -> dict[str, float]:
    video = work / "www" / "video.mp4"
    video.parent.mkdir(parents=True)
    video.write_bytes(os.urandom(size))
    www = RangeServer(work / "www")
    seeder = Seeder(SeederConfig(work / "cache", listen_interfaces="127.0.0.1:0",
                                 allow_local_urls=True))
    figures = {}
    try:
        torrent = make_torrent(video, name=video.name, webseed=f"{www.url}/video.mp4",
                               trackers=["http://127.0.0.1:9/announce"])
        started = time.monotonic()
        seeder.seed(torrent.data, "video")
        wait_for(lambda: seeder.status("video")["state"] == "seeding", timeout=120,
                 interval=0.01)
        figures["fetch"] = size / (time.monotonic() - started) / 1e6
        www.stop()
        for transport, settings in TRANSPORTS.items():
            client = desktop_client(**settings)
            params = lt.add_torrent_params()
            params.ti, params.save_path = without_web_seed(torrent.data), str(work / transport)
            started = time.monotonic()
            handle = client.add_torrent(params)
            handle.connect_peer(("127.0.0.1", seeder.listen_port))
            first = None  # when the first bytes had arrived, and how many
            while not (status := handle.status()).is_seeding:
                if first is None and status.total_wanted_done > 0:
                    first = (time.monotonic(), status.total_wanted_done)
                if time.monotonic() - started > 120:
                    raise TimeoutError(transport)
                time.sleep(0.002)
            done = time.monotonic()
            figures[transport] = size / (done - started) / 1e6
            figures[f"{transport} stream"] = (size - first[1]) / (done - first[0]) / 1e6
            figures[f"{transport} first"] = first[0] - started
            handle.flush_cache()
            wait_for(lambda: any(isinstance(a, lt.cache_flushed_alert)
                                 for a in client.pop_alerts()))
            assert sha256(work / transport / video.name) == sha256(video)
    finally:
        seeder.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    size = int(args.mb * 1e6)
    runs = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as work:
            runs.append(run_once(Path(work), size))
    print(f"seeder, {args.mb:g} MB file, loopback, median of {args.runs}:")
    for name, label, unit in (("fetch", "web seed -> seeder (HTTP, Range)", "MB/s"),
                              ("tcp", "seeder -> one libtorrent client, TCP", "MB/s"),
                              ("tcp stream", "  the same from its first byte", "MB/s"),
                              ("tcp first", "  wait for the first byte", "s"),
                              ("utp", "seeder -> one libtorrent client, uTP", "MB/s"),
                              ("utp stream", "  the same from its first byte", "MB/s"),
                              ("utp first", "  wait for the first byte", "s")):
        values = [r[name] for r in runs]
        digits = 2 if unit == "s" else 1
        print(f"  {label:40s} {statistics.median(values):7.{digits}f} {unit:4s}"
              f"  (runs: {', '.join(f'{v:.{digits}f}' for v in values)})")


if __name__ == "__main__":
    main()
