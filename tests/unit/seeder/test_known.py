"""Which swarms the tracker takes: the filter's protocol, the swarm ids p2p-media-loader
announces, and the feed that learns them from a fake PeerTube API (httpx's MockTransport)."""
from __future__ import annotations

import json
import random
import time
from urllib.parse import quote_from_bytes

import httpx
import pytest

from peerless_seeder.known import (KnownSwarms, SwarmFeed, magnet_info_hash,
                                   p2p_media_loader_hashes)
from peerless_seeder.server import TrackerServer
from peerless_seeder.tracker import Tracker, TrackerConfig, UnknownSwarm, bdecode

BASE = "https://video.example.org"
KNOWN = bytes(range(200, 220))
UNKNOWN = b"u" * 20


def wire(value: bytes) -> str:
    return value.decode("latin-1")


def ws_announce(tracker, conn, info_hash, **options):
    return tracker.receive(conn, json.dumps({
        "action": "announce", "info_hash": wire(info_hash), "peer_id": "-PL0001-000000000001",
        "event": "started", "left": 10, "offers": []}), **options)


def http_query(info_hash: bytes, port: int = 6881) -> str:
    return (f"info_hash={quote_from_bytes(info_hash)}&peer_id=-qB4650-000000000001"
            f"&port={port}&left=0&compact=1")


# --- the filter ---------------------------------------------------------------------------

def test_a_known_swarm_is_taken_and_an_unknown_one_refused_leaving_nothing():
    tracker = Tracker(TrackerConfig(), known={KNOWN})
    conn = tracker.connect("10.0.0.1", None)
    taken = ws_announce(tracker, conn, KNOWN)
    assert taken.sends[0][1]["incomplete"] == 1

    refused = ws_announce(tracker, conn, UNKNOWN)
    assert refused.sends == [(conn, {
        "failure reason": "unknown info_hash: not a video of this instance",
        "action": "announce", "info_hash": wire(UNKNOWN)})]
    assert "failure reason" in tracker.http_announce(http_query(UNKNOWN), "10.0.0.2")
    assert "failure reason" not in tracker.http_announce(http_query(KNOWN), "10.0.0.2")
    assert set(tracker.swarms) == {KNOWN} and set(conn.swarms) == {KNOWN}
    assert tracker.metrics()["refused_unknown"] == 2 and tracker.metrics()["peers"] == 2


def test_an_unknown_swarm_may_wait_for_a_refresh_and_is_counted_once():
    known: set[bytes] = set()
    tracker = Tracker(TrackerConfig(), known=known)
    conn = tracker.connect("10.0.0.1", None)
    with pytest.raises(UnknownSwarm):
        ws_announce(tracker, conn, KNOWN, defer_unknown=True)
    known.add(KNOWN)  # what the refresh found
    taken = ws_announce(tracker, conn, KNOWN, repeated=True)
    assert taken.sends[0][1]["action"] == "announce" and KNOWN in tracker.swarms
    assert tracker.metrics()["messages"] == 1 and tracker.metrics()["refused_unknown"] == 0


def test_without_a_known_set_any_swarm_is_taken():
    tracker = Tracker(TrackerConfig())
    conn = tracker.connect("10.0.0.1", None)
    assert "failure reason" not in ws_announce(tracker, conn, UNKNOWN).sends[0][1]
    assert TrackerConfig.from_env({"PEERLESS_TRACKER_KNOWN_ONLY": "off"}, BASE).known_only is False
    assert TrackerConfig.from_env({}, BASE).known_only is True


# --- what viewers announce ------------------------------------------------------------------

MASTER = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,FRAME-RATE=30.000,CODECS="avc1.64001f,mp4a.40.2"
720.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,FRAME-RATE=29.970,CODECS="avc1.4d401e,mp4a.40.2"
360.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=0,RESOLUTION=1x2,FRAME-RATE=25,CODECS="avc1.64001f"
x.m3u8
"""


def test_the_swarm_ids_are_those_p2p_media_loader_announces():
    # Computed by p2p-media-loader-core 2.3.1's own generateStreamShortId, getStreamSwarmId
    # and getStreamHash for these three variants of this master URL.
    url = "http://localhost:9000/static/streaming-playlists/hls/abc/master.m3u8"
    assert p2p_media_loader_hashes(url + "?v=2", MASTER) == {
        b"aVbQl2JdU7dEu4goRaTb", b"3Y8FxkEmZmY4YV+J4eKi", b"8cku1xwhvKfv9c7KFsPy"}
    assert p2p_media_loader_hashes(url.replace("abc", "abd"), MASTER).isdisjoint(
        p2p_media_loader_hashes(url, MASTER))


def test_magnet_info_hashes():
    assert magnet_info_hash("magnet:?xt=urn:btih:" + "ab" * 20 + "&dn=x") == b"\xab" * 20
    assert magnet_info_hash("magnet:?xt=urn:btih:" + "vovo" * 8) == b"\xab\xaa\xea\xba\xae" * 4
    assert magnet_info_hash(None) is None and magnet_info_hash("magnet:?dn=x") is None


def test_the_known_set_is_bounded_and_forgets_the_oldest_videos():
    known = KnownSwarms(limit=4)
    known.set("a", {b"1", b"2"})
    known.set("b", {b"2", b"3"})
    known.set("c", {b"4", b"5"})  # 5 hashes: "a" goes
    assert b"1" not in known and b"2" in known and len(known) == 4
    known.forget("b")
    assert b"2" not in known and b"3" not in known and b"4" in known


# --- the feed -------------------------------------------------------------------------------

class FakeAPI:
    """The instance's videos as its API and media show them."""

    def __init__(self):
        self.now = 1_000_000.0
        self.videos: dict[str, dict] = {}
        self.masters: dict[str, str] = {}
        self.lists = 0

    def publish(self, uuid: str, *, live: bool = False, master: str | None = MASTER) -> dict:
        url = f"{BASE}/static/streaming-playlists/hls/{uuid}/master.m3u8"
        video = {"uuid": uuid, "isLive": live, "privacy": {"id": 1}, "state": {"id": 1},
                 "publishedAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z",
                                              time.gmtime(self.now)),
                 "files": [] if live else [{"magnetUri": magnet(uuid, "web")}],
                 "streamingPlaylists": [{"playlistUrl": url, "files": [] if live else [
                     {"magnetUri": magnet(uuid, "hls")}]}]}
        self.videos[uuid] = video
        if master is not None:
            self.masters[url] = master
        return video

    def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/videos":
            self.lists += 1
            params = request.url.params
            listed = sorted((v for v in self.videos.values() if v["privacy"]["id"] == 1
                             and (params.get("isLive") != "true" or v["isLive"])),
                            key=lambda v: v["publishedAt"], reverse=True)
            start, count = int(params["start"]), int(params["count"])
            return httpx.Response(200, json={"data": listed[start:start + count]})
        if path.startswith("/api/v1/videos/"):
            video = self.videos.get(path.rsplit("/", 1)[1])
            return httpx.Response(200, json=video) if video else httpx.Response(404)
        if str(request.url) in self.masters:
            return httpx.Response(200, text=self.masters[str(request.url)])
        return httpx.Response(404)


def magnet(uuid: str, kind: str) -> str:
    return "magnet:?xt=urn:btih:" + torrent_hash(uuid, kind).hex()


def torrent_hash(uuid: str, kind: str) -> bytes:
    return random.Random(f"{uuid}{kind}").randbytes(20)


def swarms(api: FakeAPI, uuid: str) -> set[bytes]:
    url = api.videos[uuid]["streamingPlaylists"][0]["playlistUrl"]
    return p2p_media_loader_hashes(url, api.masters[url])


@pytest.fixture
def api():
    return FakeAPI()


@pytest.fixture
def feed(api):
    client = httpx.Client(base_url=BASE, transport=httpx.MockTransport(api.handler))
    return SwarmFeed(client, KnownSwarms(), page_size=2, clock=lambda: api.now)


def test_a_published_video_is_known_and_a_hidden_one_forgotten(api, feed):
    api.publish("old")
    feed.sync()
    api.now += 10
    api.publish("new")
    feed.poll()
    for uuid in ("old", "new"):
        assert {torrent_hash(uuid, "web"), torrent_hash(uuid, "hls")} | swarms(api, uuid) \
            == feed.known.hashes(uuid)
        assert torrent_hash(uuid, "web") in feed.known
    api.videos["new"]["privacy"]["id"] = 3  # made private: it leaves the newest page
    feed.poll()
    assert torrent_hash("new", "web") not in feed.known
    assert torrent_hash("old", "web") in feed.known
    del api.videos["old"]  # deleted, and no longer on any page the polls read
    api.publish("a")
    api.publish("b")
    feed.poll()
    feed.sync()
    assert torrent_hash("old", "web") not in feed.known and torrent_hash("b", "web") in feed.known


def test_a_live_is_known_once_its_master_is_up(api, feed):
    for n in range(3):  # lives are listed apart from the newest page
        api.now += 1
        api.publish(f"vod{n}")
    api.publish("live", live=True, master=None)
    api.now -= 100  # a permanent live published long ago
    feed.poll()
    assert not feed.known.hashes("live")
    url = api.videos["live"]["streamingPlaylists"][0]["playlistUrl"]
    api.masters[url] = MASTER
    feed.poll()
    assert feed.known.hashes("live") == swarms(api, "live") and len(swarms(api, "live")) == 3


def test_a_young_video_gains_the_variants_of_its_new_renditions(api, feed):
    first = MASTER.split("#EXT-X-STREAM-INF:BANDWIDTH=800000")[0]
    api.publish("fast", master=first)  # fast publish: one rendition first
    feed.poll()
    assert len(feed.known.hashes("fast") - {torrent_hash("fast", "web"),
                                             torrent_hash("fast", "hls")}) == 1
    api.masters[api.videos["fast"]["streamingPlaylists"][0]["playlistUrl"]] = MASTER
    api.now += 3
    feed.poll(eager=True)  # an unknown swarm was announced
    assert swarms(api, "fast") <= feed.known.hashes("fast")


def test_a_miss_refreshes_at_once_but_not_more_than_the_rate(api):
    api.publish("first")
    server = TrackerServer(TrackerConfig(refresh_on_miss_seconds=30), api_url=BASE,
                           transport=httpx.MockTransport(api.handler), poll_seconds=3600)
    server.start()
    try:
        http = httpx.Client(base_url=server.url)
        deadline = time.monotonic() + 5
        while torrent_hash("first", "web") not in server.app.known:
            assert time.monotonic() < deadline, "the first sync did not happen"
            time.sleep(0.05)

        def announce(info_hash: bytes) -> dict:
            response = http.get(f"/tracker/announce?{http_query(info_hash)}")
            return bdecode(response.content)

        api.publish("just-now")
        assert b"failure reason" not in announce(torrent_hash("just-now", "hls"))
        lists = api.lists
        assert announce(UNKNOWN) == {b"failure reason":
                                     b"unknown info_hash: not a video of this instance"}
        assert api.lists == lists  # the refresh just done stands for 30 s
        health = http.get("/tracker/health").json()
        assert health["tracker"]["refused_unknown"] == 1
        assert health["swarm_feed"]["refreshes"] == 1
    finally:
        server.stop()
