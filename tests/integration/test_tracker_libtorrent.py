"""A real BitTorrent implementation against the tracker: two libtorrent sessions (which
speak both the HTTP tracker and, WebTorrent being compiled in, the WebSocket tracker with
WebRTC offers and answers) find each other through it, and one downloads a torrent made
as the transcoder makes them (its trackers are the instance's two URLs)."""
from __future__ import annotations

import os
import time

import httpx
import pytest

from peerless.media.torrents import make_torrent
from peerless_seeder.server import TrackerServer
from peerless_seeder.tracker import TrackerConfig

pytestmark = pytest.mark.integration
lt = pytest.importorskip("libtorrent")


def session():
    # Nothing reaches beyond loopback: no DHT, LSD, UPnP, NAT-PMP, nor public STUN.
    return lt.session({
        "listen_interfaces": "127.0.0.1:0", "enable_dht": False, "enable_lsd": False,
        "enable_upnp": False, "enable_natpmp": False, "webtorrent_stun_server": "",
        # libtorrent refuses loopback trackers whose path is not /announce.
        "ssrf_mitigation": False, "announce_to_all_tiers": True,
        "announce_to_all_trackers": True})


def wait_for(condition, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise TimeoutError(condition)


def test_libtorrent_peers_meet_through_both_trackers(tmp_path):
    video = tmp_path / "seed" / "video.mp4"
    video.parent.mkdir()
    video.write_bytes(os.urandom(200_000))
    server = TrackerServer(TrackerConfig(known_only=False)).start()
    http = httpx.Client(base_url=server.url)
    try:
        torrent = make_torrent(video, name="video.mp4", webseed="http://127.0.0.1:9/none",
                               trackers=[server.ws_url, f"{server.url}/tracker/announce"])

        def stats():
            return http.get("/tracker/health").json()["tracker"]

        seeder, leecher = session(), session()
        seeding = lt.load_torrent_buffer(torrent.data)
        seeding.save_path = str(video.parent)
        seeding.url_seeds = []
        seeder.add_torrent(seeding)
        # The seeder is in the swarm through both doors before the leecher comes.
        wait_for(lambda: stats()["peers"] >= 2 and stats()["seeders"] >= 2)

        leeching = lt.load_torrent_buffer(torrent.data)
        leeching.save_path = str(tmp_path / "leech")
        leeching.url_seeds = []
        handle = leecher.add_torrent(leeching)
        wait_for(lambda: handle.status().is_seeding)
        assert (tmp_path / "leech" / "video.mp4").read_bytes() == video.read_bytes()

        # The WebSocket side carried the leecher's WebRTC offer and the seeder's answer.
        final = wait_for(lambda: (s := stats())["relayed"]["answers"] >= 1 and s)
        assert final["relayed"]["offers"] >= 1 and final["errors"] == 0
        assert final["http_announces"] >= 2 and final["swarms"] == 1
    finally:
        # The tracker goes before the sessions: libtorrent 2.1.1's session, at its end,
        # waits forever on a WebSocket tracker that is still up (its "stopped" announce
        # is never sent; libtorrent's own shutdown bug, not the tracker's).
        server.stop()
        http.close()
