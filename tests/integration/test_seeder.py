"""The libtorrent seeder for real: it fetches a torrent's data through the torrent's own web
seed (a small HTTP server with Range support, as the CDN is), then a desktop libtorrent
client, with no web seed and no tracker, downloads the file from the seeder alone; a
WebRTC-only libtorrent client does the same through the instance's WebSocket tracker (the
road of browser WebTorrent); the cache budget and `drop`; and the catalog feed keeping
the seeder in line with a real local stack's catalog."""
from __future__ import annotations

import hashlib
import http.server
import os
import re
import threading
import time
from pathlib import Path

import httpx
import pytest

from peerless.media.torrents import make_torrent
from peerless_seeder.seeder import Seeder, SeederConfig, quiesce, session_settings

pytestmark = pytest.mark.integration
lt = pytest.importorskip("libtorrent")

# A tracker nobody answers on: libtorrent needs none here (peers are given directly), and
# the port-9 refusal is immediate.
NO_TRACKER = "http://127.0.0.1:9/announce"


# --- helpers (bench/seeder.py uses them too) ---------------------------------------------

class RangeServer:
    """Serves the files of a directory on 127.0.0.1 with single-range requests, as the CDN
    does (http.server's SimpleHTTPRequestHandler ignores Range); counts the bytes sent."""

    def __init__(self, root: Path):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = root / self.path.split("?")[0].lstrip("/")
                if not path.is_file() or ".." in self.path:
                    self.send_error(404)
                    return
                size = path.stat().st_size
                first, last = 0, size - 1
                match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
                if match and (match[1] or match[2]):
                    if match[1]:
                        first = int(match[1])
                        last = min(int(match[2]), size - 1) if match[2] else size - 1
                    else:  # the last N bytes
                        first = max(0, size - int(match[2]))
                    if first > last:
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{size}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
                else:
                    self.send_response(200)
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(last - first + 1))
                self.end_headers()
                with path.open("rb") as f:
                    f.seek(first)
                    left = last - first + 1
                    while left > 0 and (chunk := f.read(min(left, 1 << 16))):
                        self.wfile.write(chunk)
                        left -= len(chunk)
                        server.bytes_sent += len(chunk)

            def log_message(self, *args):
                pass

        self.bytes_sent = 0
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def wait_for(condition, timeout: float = 20, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(interval)
    raise TimeoutError(getattr(condition, "__name__", "condition"))


def media_file(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    return path


def without_web_seed(torrent: bytes):
    """The torrent as a desktop client gets it with nobody to ask but the seeder: no
    url-list, no tracker."""
    decoded = lt.bdecode(torrent)
    for field in (b"url-list", b"announce", b"announce-list"):
        decoded.pop(field, None)
    return lt.torrent_info(lt.bdecode(lt.bencode(decoded)))


def desktop_client(**overrides):
    """A libtorrent session with the seeder's own safe settings, on loopback."""
    settings = session_settings(SeederConfig(Path("/nonexistent"),
                                             listen_interfaces="127.0.0.1:0",
                                             allow_local_urls=True))
    return lt.session({**settings, **overrides})


def download(session, info, save_path: Path, peer: tuple[str, int] | None,
             timeout: float = 60, interval: float = 0.05):
    """Adds `info` to `session` and waits until every piece is checked and written: a
    piece passes its hash check before libtorrent 2's disk thread has written it (it
    waits in a store buffer), so the file is read only after a flush."""
    params = lt.add_torrent_params()
    params.ti, params.save_path = info, str(save_path)
    handle = session.add_torrent(params)
    if peer:
        handle.connect_peer(peer)
    wait_for(lambda: handle.status().is_seeding, timeout, interval)
    handle.flush_cache()
    wait_for(lambda: any(isinstance(alert, lt.cache_flushed_alert) and alert.handle == handle
                         for alert in session.pop_alerts()), timeout, interval)
    return handle


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def seeder(tmp_path):
    running = Seeder(SeederConfig(tmp_path / "cache", listen_interfaces="127.0.0.1:0",
                                  allow_local_urls=True, cache_budget=1_000_000))
    yield running
    running.close()


# --- the tests ----------------------------------------------------------------------------

def test_a_desktop_client_downloads_from_the_seeder_alone(tmp_path, seeder):
    video = media_file(tmp_path / "www" / "static" / "video-720.mp4", 300_000)
    www = RangeServer(tmp_path / "www")
    try:
        torrent = make_torrent(video, name=video.name, webseed=f"{www.url}/static/{video.name}",
                               trackers=[NO_TRACKER])
        assert seeder.seed(torrent.data, "video-720")
        wait_for(lambda: seeder.status("video-720")["state"] == "seeding")
        cached = Path(seeder.status("video-720")["path"])
        assert sha256(cached) == sha256(video)
        assert www.bytes_sent >= video.stat().st_size  # the data came through the web seed
    finally:
        www.stop()  # from now on the seeder is the only source

    client = desktop_client()
    started = time.monotonic()
    handle = download(client, without_web_seed(torrent.data), tmp_path / "desktop",
                      ("127.0.0.1", seeder.listen_port))
    elapsed = time.monotonic() - started
    assert sha256(tmp_path / "desktop" / video.name) == sha256(video)
    wait_for(lambda: handle.status().all_time_download >= video.stat().st_size)
    # The seeder counts what it sent (its metrics follow libtorrent's status updates).
    metrics = wait_for(lambda: (m := seeder.metrics())["uploaded_bytes"] >= 300_000 and m)
    assert metrics["torrents"] == metrics["seeding"] == 1 and metrics["errors"] == 0
    assert elapsed < 30


def test_a_webrtc_client_downloads_from_the_seeder_through_the_tracker(tmp_path, seeder):
    """Browser WebTorrent's road without a browser: the WebSocket tracker relays a
    libtorrent client's WebRTC offers to the seeder, whose STUN server is none, and the
    pieces come over the data channel (the client has TCP and uTP off). Loopback works for
    libtorrent's WebRTC (not for Chromium's: see DESIGN section 6)."""
    from peerless_seeder.server import TrackerServer
    from peerless_seeder.tracker import TrackerConfig

    video = media_file(tmp_path / "www" / "video.mp4", 200_000)
    www = RangeServer(tmp_path / "www")
    tracker = TrackerServer(TrackerConfig(known_only=False)).start()
    try:
        torrent = make_torrent(video, name=video.name, webseed=f"{www.url}/video.mp4",
                               trackers=[tracker.ws_url])
        seeder.seed(torrent.data, "video")
        wait_for(lambda: seeder.status("video")["state"] == "seeding")
        www.stop()

        decoded = lt.bdecode(torrent.data)
        del decoded[b"url-list"]
        client = desktop_client(enable_incoming_tcp=False, enable_outgoing_tcp=False,
                                enable_incoming_utp=False, enable_outgoing_utp=False)
        download(client, lt.torrent_info(lt.bdecode(lt.bencode(decoded))),
                 tmp_path / "webrtc", None, timeout=30)
        assert sha256(tmp_path / "webrtc" / video.name) == sha256(video)
        # Only the seeder had the pieces, and the tracker carried the offers and answers.
        wait_for(lambda: seeder.metrics()["uploaded_bytes"] >= 200_000)
        stats = httpx.get(f"{tracker.url}/tracker/health").json()["tracker"]
        assert stats["relayed"]["offers"] >= 1 and stats["relayed"]["answers"] >= 1
        quiesce(client)  # before the session goes: see quiesce
    finally:
        seeder.close()  # with the tracker still up: must not hang (see quiesce)
        tracker.stop()


def test_a_file_kept_in_the_cache_is_seeded_at_once_and_a_damaged_piece_mended(
        tmp_path, seeder):
    """After a restart the cache holds the files: they seed without a fetch, each piece
    checked when first asked for; a damaged one is fetched again from the web seed, and
    the client gets the right bytes."""
    video = media_file(tmp_path / "www" / "kept.mp4", 300_000)
    www = RangeServer(tmp_path / "www")
    try:
        torrent = make_torrent(video, name=video.name, webseed=f"{www.url}/kept.mp4",
                               trackers=[NO_TRACKER])
        cached = tmp_path / "cache" / torrent.info_hash / video.name
        cached.parent.mkdir(parents=True)
        damaged = bytearray(video.read_bytes())
        damaged[100_000:100_010] = b"bit rot..."
        cached.write_bytes(bytes(damaged))

        seeder.seed(torrent.data, "kept")
        wait_for(lambda: seeder.status("kept")["state"] == "seeding", timeout=5)
        assert www.bytes_sent == 0  # nothing fetched to start seeding

        client = desktop_client()
        download(client, without_web_seed(torrent.data), tmp_path / "client",
                 ("127.0.0.1", seeder.listen_port))
        assert sha256(tmp_path / "client" / video.name) == sha256(video)
        wait_for(lambda: sha256(cached) == sha256(video))  # the cache is mended too
        assert 0 < www.bytes_sent < video.stat().st_size  # the bad piece, not the file
    finally:
        www.stop()


def test_drop_removes_the_torrent_and_its_cached_file(tmp_path, seeder):
    video = media_file(tmp_path / "www" / "a.mp4", 100_000)
    www = RangeServer(tmp_path / "www")
    try:
        torrent = make_torrent(video, name="a.mp4", webseed=f"{www.url}/a.mp4",
                               trackers=[NO_TRACKER])
        seeder.seed(torrent.data, "a")
        wait_for(lambda: seeder.status("a")["state"] == "seeding")
        cached = Path(seeder.status("a")["path"])
        assert cached.read_bytes() == video.read_bytes()

        assert seeder.drop("a") and not seeder.drop("a")
        assert seeder.status("a") is None and seeder.keys() == set()
        wait_for(lambda: not cached.parent.exists())
        assert list((tmp_path / "cache").iterdir()) == []
        assert seeder.metrics()["torrents"] == 0
    finally:
        www.stop()


def test_the_cache_budget_evicts_the_least_recently_used(tmp_path, seeder):
    """Budget 1 MB, three files of 400 KB: the third evicts one of the first two, the one
    no client downloaded from (though it was added last), then the next evicts the other."""
    www = RangeServer(tmp_path / "www")
    try:
        torrents = {}
        for name in ("old", "new", "third", "fourth"):
            video = media_file(tmp_path / "www" / f"{name}.mp4", 400_000)
            torrents[name] = make_torrent(video, name=video.name,
                                          webseed=f"{www.url}/{video.name}",
                                          trackers=[NO_TRACKER])
        for name in ("old", "new"):
            seeder.seed(torrents[name].data, name)
            wait_for(lambda: seeder.status(name)["state"] == "seeding")
        paths = {name: Path(seeder.status(name)["path"]) for name in ("old", "new")}

        # A client downloads "old": it is the recently used one now.
        client = desktop_client()
        download(client, without_web_seed(torrents["old"].data), tmp_path / "client",
                 ("127.0.0.1", seeder.listen_port))
        wait_for(lambda: seeder.metrics()["uploaded_bytes"] >= 400_000)

        assert seeder.seed(torrents["third"].data, "third")
        assert seeder.keys() == {"old", "third"}
        wait_for(lambda: not paths["new"].exists())
        assert paths["old"].exists()
        assert seeder.seed(torrents["fourth"].data, "fourth")
        assert seeder.keys() == {"third", "fourth"}
        assert seeder.metrics()["evicted"] == 2
        assert seeder.cache_bytes() <= 1_000_000
        wait_for(lambda: not paths["old"].exists())
    finally:
        www.stop()


def test_the_catalog_feed_seeds_a_new_video_and_drops_it_when_hidden_or_deleted(
        stack, media, tmp_path):
    from peerless_seeder.run import start_seeder

    config = SeederConfig(tmp_path / "cache", listen_interfaces="127.0.0.1:0",
                          allow_local_urls=True, cache_budget=2_000_000_000)
    # No full sync during the test but the first: the polls alone must do it.
    running = start_seeder(stack.url, tmp_path / "cache", config=config,
                           poll_seconds=0.5, resync_seconds=600)
    try:
        seeder, feed = running.seeder, running.feed
        # Whatever the catalog held before (other tests' videos) is seeded first.
        wait_for(lambda: feed.metrics()["syncs"] >= 1, timeout=120)

        uuid = stack.uploaded(media["clip"], "Seeded by the seeder")
        video = stack.wait_for_state(uuid, states=(1,))
        published = time.monotonic()
        urls = ([f["torrentUrl"] for f in video["files"]]
                + [f["torrentUrl"] for f in video["streamingPlaylists"][0]["files"]])
        assert len(urls) == 10 and all(urls)  # 5 web MP4s + 5 HLS files at 720p
        wait_for(lambda: set(urls) <= seeder.keys(), timeout=15)
        picked_up = time.monotonic() - published
        assert picked_up < 6, picked_up
        assert feed.videos()[uuid] == set(urls)
        # Each fetched through its web seed, the stack's /static/ (the front, with Range).
        wait_for(lambda: all(seeder.status(u)["state"] == "seeding" for u in urls),
                 timeout=60)
        assert running.section()["catalog"]["videos"] >= 1

        # Private: no longer seeded, within a poll or two (it left the newest page).
        response = stack.http.put(f"/api/v1/videos/{uuid}", headers=stack.auth(),
                                  json={"privacy": 3})
        assert response.status_code == 204, response.text
        wait_for(lambda: not (set(urls) & seeder.keys()), timeout=10)
        assert uuid not in feed.videos()

        # Public again: seeded again.
        stack.http.put(f"/api/v1/videos/{uuid}", headers=stack.auth(), json={"privacy": 1})
        wait_for(lambda: set(urls) <= seeder.keys(), timeout=10)

        # Deleted: dropped, and its cached files go, but for those of a torrent another
        # video has too (the session's videos are the same clip: their HLS files, named
        # after the resolution alone, are the same bytes, so the same torrent).
        statuses = [seeder.status(u) for u in urls]
        assert stack.http.delete(f"/api/v1/videos/{uuid}",
                                 headers=stack.auth()).status_code == 204
        wait_for(lambda: not (set(urls) & seeder.keys()), timeout=10)
        shared = {seeder.status(key)["info_hash"] for key in seeder.keys()}
        gone = [Path(s["path"]) for s in statuses if s["info_hash"] not in shared]
        assert len(gone) >= 5  # the web MP4s at least: their names hold the uuid
        wait_for(lambda: not any(p.exists() for p in gone), timeout=10)
    finally:
        running.stop()


def test_the_local_stacks_health_document_shows_the_seeder(stack, media):
    """The seeder runs as a child process of the local stack; its figures still show in
    the one health document, as in the container."""
    uuid = stack.uploaded(media["portrait"], "Seeded and counted")
    video = stack.wait_for_state(uuid)
    torrents = len(video["files"]) + sum(len(p["files"]) for p in video["streamingPlaylists"])
    deadline = time.monotonic() + 30
    while True:
        health = stack.http.get("/tracker/health").json()
        section = health.get("seeder", {})
        if section.get("catalog", {}).get("videos", 0) >= 1 and \
                section.get("seeding", 0) >= torrents:
            break
        assert time.monotonic() < deadline, health
        time.sleep(0.5)
    assert health["status"] == "ok" and "tracker" in health
    assert section["listen_port"] > 0 and section["errors"] == 0
