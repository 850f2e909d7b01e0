"""The seeder's session settings and bookkeeping (keys, budget, cache) with real libtorrent
sessions but nothing to fetch (web seeds that refuse), and the catalog feed against a fake
PeerTube API (httpx's MockTransport) and a fake seeder."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from peerless.media.torrents import make_torrent
from peerless_seeder.catalog_feed import CatalogFeed, torrent_urls
from peerless_seeder.run import is_local_url
from peerless_seeder.seeder import Seeder, SeederConfig, session_settings

lt = pytest.importorskip("libtorrent")

DEAD = "http://127.0.0.1:9"  # refuses at once: nothing is ever fetched


def torrent(tmp_path: Path, name: str, size: int = 50_000) -> bytes:
    path = tmp_path / "files" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(name.encode().ljust(size, b"."))
    return make_torrent(path, name=name, webseed=f"{DEAD}/{name}",
                        trackers=[f"{DEAD}/announce"]).data


@pytest.fixture
def seeder(tmp_path):
    running = Seeder(SeederConfig(tmp_path / "cache", cache_budget=120_000,
                                  listen_interfaces="127.0.0.1:0"))
    yield running
    running.close()


# --- settings -------------------------------------------------------------------------------

def test_the_settings_exist_in_libtorrent_and_reach_no_public_host(tmp_path):
    config = SeederConfig(tmp_path, listen_interfaces="127.0.0.1:0")
    settings = session_settings(config)
    assert set(settings) <= set(lt.default_settings())  # a renamed setting would be ignored
    assert settings["enable_dht"] is settings["enable_lsd"] is False
    assert settings["enable_upnp"] is settings["enable_natpmp"] is False
    assert settings["webtorrent_stun_server"] == "" and settings["dht_bootstrap_nodes"] == ""
    assert settings["ssrf_mitigation"] is True
    own = session_settings(SeederConfig(tmp_path, stun_server="stun.example.org:3478",
                                        allow_local_urls=True))
    assert own["webtorrent_stun_server"] == "stun.example.org:3478"
    assert own["ssrf_mitigation"] is False


def test_the_session_runs_with_those_settings(seeder):
    applied = seeder._session.get_settings()
    assert applied["enable_dht"] is False and applied["webtorrent_stun_server"] == ""
    assert applied["listen_interfaces"] == "127.0.0.1:0"
    assert applied["active_seeds"] == -1 and applied["max_webtorrent_offers"] >= 1
    assert seeder.listen_port > 0


def test_the_config_from_the_environment(tmp_path):
    config = SeederConfig.from_env({
        "PEERLESS_SEEDER_CACHE_DIR": str(tmp_path), "PEERLESS_SEEDER_CACHE_BYTES": "1000",
        "PEERLESS_SEEDER_LISTEN": "127.0.0.1:7000", "PEERLESS_SEEDER_STUN": "stun.own:3478"},
        allow_local_urls=True)
    assert config == SeederConfig(tmp_path, cache_budget=1000, listen_interfaces="127.0.0.1:7000",
                                  stun_server="stun.own:3478", allow_local_urls=True)
    assert SeederConfig.from_env({}).listen_interfaces == "0.0.0.0:6881,[::]:6881"


def test_local_urls():
    assert is_local_url("http://127.0.0.1:9000") and is_local_url("http://localhost:9000")
    assert is_local_url("http://192.168.1.5") and is_local_url("http://[::1]:80")
    assert not is_local_url("https://video.example.org") and not is_local_url("http://8.8.8.8")


# --- keys, budget, cache --------------------------------------------------------------------

def test_seed_is_idempotent_and_drop_forgets(seeder, tmp_path):
    data = torrent(tmp_path, "a.mp4")
    assert seeder.seed(data, "a") and seeder.seed(data, "a")
    assert seeder.keys() == {"a"} and seeder.has("a")
    status = seeder.status("a")
    assert status["state"] in ("queued", "checking", "fetching")
    assert status["path"].endswith(f"{status['info_hash']}/a.mp4")
    assert seeder.metrics()["torrents"] == 1 and seeder.cache_bytes() == 50_000
    assert seeder.drop("a") and not seeder.drop("a") and not seeder.drop("never")
    assert seeder.keys() == set() and seeder.status("a") is None
    assert seeder.metrics()["torrents"] == 0


def test_not_a_torrent(seeder):
    with pytest.raises(ValueError):
        seeder.seed(b"<html>not found</html>", "x")
    assert seeder.keys() == set()


def test_web_seeds_given_replace_the_torrents_own(seeder, tmp_path):
    assert seeder.seed(torrent(tmp_path, "a"), "own")
    assert seeder.status("own")["web_seeds"] == [f"{DEAD}/a"]
    copy = f"{DEAD}/copy/b"
    assert seeder.seed(torrent(tmp_path, "b"), "mirrored", [copy])
    assert seeder.status("mirrored")["web_seeds"] == [copy]


def test_two_keys_share_one_torrent(seeder, tmp_path):
    data = torrent(tmp_path, "a.mp4")
    seeder.seed(data, "first")
    seeder.seed(data, "second")
    assert seeder.metrics()["torrents"] == 1
    seeder.drop("first")
    assert seeder.has("second") and seeder.metrics()["torrents"] == 1
    seeder.drop("second")
    assert seeder.metrics()["torrents"] == 0


def test_a_new_torrent_under_a_known_key_replaces_the_old(seeder, tmp_path):
    seeder.seed(torrent(tmp_path, "a.mp4"), "k")
    seeder.seed(torrent(tmp_path, "b.mp4"), "k")
    assert seeder.metrics()["torrents"] == 1
    assert seeder.status("k")["path"].endswith("b.mp4")


def test_the_budget_evicts_the_oldest_and_refuses_what_cannot_fit(seeder, tmp_path):
    for name in ("a", "b"):
        assert seeder.seed(torrent(tmp_path, f"{name}.mp4"), name)
    assert seeder.seed(torrent(tmp_path, "c.mp4"), "c")  # 150 KB > 120 KB: "a" goes
    assert seeder.keys() == {"b", "c"} and seeder.metrics()["evicted"] == 1
    assert not seeder.seed(torrent(tmp_path, "huge.mp4", 200_000), "huge")
    assert seeder.keys() == {"b", "c"} and seeder.cache_bytes() == 100_000


def test_a_file_already_in_the_cache_seeds_without_a_fetch(seeder, tmp_path):
    data = torrent(tmp_path, "kept.mp4")
    info_hash = str(lt.load_torrent_buffer(data).ti.info_hashes().v1)
    (tmp_path / "cache" / info_hash).mkdir(parents=True)
    (tmp_path / "files" / "kept.mp4").rename(tmp_path / "cache" / info_hash / "kept.mp4")
    seeder.seed(data, "kept")  # its web seed refuses: only the cache can make it a seed
    deadline = time.monotonic() + 5
    while seeder.status("kept")["state"] != "seeding" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert seeder.status("kept")["state"] == "seeding"
    seeder.seed(torrent(tmp_path, "partial.mp4"), "partial")
    time.sleep(0.3)
    assert seeder.status("partial")["state"] != "seeding"


def test_prune_cache_removes_what_is_no_longer_seeded(seeder, tmp_path):
    cache = tmp_path / "cache"
    (cache / ("0" * 40)).mkdir()
    (cache / ("0" * 40) / "old.mp4").write_bytes(b"from a previous run")
    (cache / "stray.part").write_bytes(b"")
    seeder.seed(torrent(tmp_path, "a.mp4"), "a")
    kept = Path(seeder.status("a")["path"]).parent
    kept.mkdir(exist_ok=True)
    assert seeder.prune_cache() == 2
    assert [p.name for p in cache.iterdir()] == [kept.name]


def test_closed(tmp_path):
    seeder = Seeder(SeederConfig(tmp_path / "cache", listen_interfaces="127.0.0.1:0"))
    seeder.close()
    seeder.close()
    with pytest.raises(RuntimeError):
        seeder.seed(torrent(tmp_path, "a.mp4"), "a")


# --- the catalog feed -----------------------------------------------------------------------

MEDIA = "https://media.example.org"
ORIGIN = "https://origin.example.net"  # another server, whose videos the instance lists


class FakeAPI:
    """The part of PeerTube's API the feed reads: the list (public, published, newest
    first), a video's details, the .torrent files."""

    def __init__(self):
        self.videos: dict[str, dict] = {}
        self.requests: list[str] = []
        self.failing: set[str] = set()  # paths answering 500 ("*": all)
        self.tamper = None  # (request, response) -> the response sent instead
        self.now = 1_700_000_000

    def publish(self, uuid: str, resolutions=(720, 360), *, age: float = 0, privacy: int = 1,
                remote: bool = False, redundancies=()):
        """`remote`: a video of ORIGIN, its playlist's copies at `redundancies`."""
        self.videos[uuid] = {"uuid": uuid, "privacy": privacy, "state": 1, "nsfw": False,
                             "resolutions": list(resolutions), "published": self.now - age,
                             "remote": remote, "redundancies": list(redundancies)}

    def handler(self, request: httpx.Request) -> httpx.Response:
        response = self.answer(request)
        return self.tamper(request, response) if self.tamper else response

    def answer(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append(path)
        if path in self.failing or "*" in self.failing:
            return httpx.Response(500, json={"error": "down"})
        if path == "/api/v1/videos":
            q = request.url.params
            assert q["sort"] == "-publishedAt" and q["nsfw"] == "both"
            remote = {"true": False, "false": True}[q["isLocal"]]
            listed = sorted((v for v in self.videos.values()
                             if v["privacy"] == 1 and v["state"] == 1
                             and v["remote"] == remote),
                            key=lambda v: -v["published"])
            start, count = int(q["start"]), int(q["count"])
            return httpx.Response(200, json={"data": [
                {"uuid": v["uuid"], "publishedAt": _iso(v["published"])}
                for v in listed[start:start + count]]})
        if path.startswith("/api/v1/videos/"):
            v = self.videos.get(path.rsplit("/", 1)[1])
            if v is None or v["privacy"] in (3, 4):
                return httpx.Response(404, json={"error": "Video not found"})
            host = ORIGIN if v["remote"] else MEDIA
            hls_dir = f"{host}/static/streaming-playlists/hls/{v['uuid']}"

            def files(hls):
                return [{"torrentUrl": f"{host}/lazy-static/torrents/{v['uuid']}-{r}"
                                       f"{'-hls' if hls else ''}.torrent",
                         "fileUrl": (f"{hls_dir}/{v['uuid']}-{r}-fragmented.mp4" if hls
                                     else f"{host}/static/web-videos/{v['uuid']}-{r}.mp4")}
                        for r in v["resolutions"]]
            return httpx.Response(200, json={
                "uuid": v["uuid"], "privacy": {"id": v["privacy"]}, "state": {"id": v["state"]},
                "blacklisted": False, "files": files(False),
                "streamingPlaylists": [{
                    "playlistUrl": f"{hls_dir}/master.m3u8", "files": files(True),
                    "redundancies": [{"baseUrl": url} for url in v["redundancies"]]}]})
        if path.startswith("/lazy-static/torrents/"):
            return httpx.Response(200, content=b"torrent " + path.encode())
        return httpx.Response(404)

    def details_fetched(self, uuid: str) -> int:
        return self.requests.count(f"/api/v1/videos/{uuid}")


def _iso(timestamp: float) -> str:
    from datetime import datetime, timezone
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat().replace("+00:00", "Z")


class FakeSeeder:
    def __init__(self):
        self.seeded: dict[str, bytes] = {}
        self.web_seeds: dict[str, list[str] | None] = {}  # None: the torrent's own
        self.pruned = 0

    def seed(self, data: bytes, key: str, web_seeds=None) -> bool:
        if data == b"bad":
            raise ValueError("not a torrent")
        self.seeded[key], self.web_seeds[key] = data, web_seeds
        return True

    def drop(self, key: str) -> bool:
        self.web_seeds.pop(key, None)
        return self.seeded.pop(key, None) is not None

    def prune_cache(self) -> int:
        self.pruned += 1
        return 0


@pytest.fixture
def api():
    return FakeAPI()


@pytest.fixture
def feed(api):
    client = httpx.Client(base_url="https://video.example.org",
                          transport=httpx.MockTransport(api.handler))
    return CatalogFeed(client, FakeSeeder(), page_size=3, settle_seconds=3600,
                       refresh_per_resync=1, media_url=MEDIA, mirror_checks_per_resync=2,
                       clock=lambda: api.now)


def urls(uuid: str, resolutions=(720, 360)) -> set[str]:
    return {f"{MEDIA}/lazy-static/torrents/{uuid}-{r}{s}.torrent"
            for r in resolutions for s in ("", "-hls")}


def test_torrent_urls_of_a_video():
    details = {"files": [{"torrentUrl": "a"}, {"torrentUrl": ""}],
               "streamingPlaylists": [{"files": [{"torrentUrl": "b"}, {"torrentUrl": "a"}]}]}
    assert torrent_urls(details) == ["a", "b"]
    assert torrent_urls({"files": [], "streamingPlaylists": []}) == []


def test_a_full_sync_seeds_every_torrent_of_every_public_video(feed, api):
    for i in range(7):
        api.publish(f"v{i}", age=100_000 + i)
    api.publish("private", privacy=3)
    api.publish("unlisted", privacy=2)
    feed.sync_once()
    assert set(feed.seeder.seeded) == set().union(*(urls(f"v{i}") for i in range(7)))
    assert feed.seeder.seeded[f"{MEDIA}/lazy-static/torrents/v0-720.torrent"] == \
        b"torrent /lazy-static/torrents/v0-720.torrent"
    assert feed.seeder.pruned == 1 and feed.metrics()["videos"] == 7


def test_a_poll_picks_up_a_new_video_and_fetches_known_ones_no_more(feed, api):
    api.publish("old", age=100_000)
    feed.sync_once()
    api.publish("new")
    feed.poll_newest()
    assert urls("new") <= set(feed.seeder.seeded)
    feed.poll_newest()
    feed.poll_newest()
    assert api.details_fetched("new") == 1 and api.details_fetched("old") == 1


def test_a_burst_larger_than_a_page_is_followed(feed, api):
    feed.sync_once()
    for i in range(8):
        api.publish(f"burst{i}", age=-i)
    feed.poll_newest()
    assert all(urls(f"burst{i}") <= set(feed.seeder.seeded) for i in range(8))


@pytest.mark.parametrize("hide", ["delete", "private"])
def test_a_recent_video_deleted_or_hidden_is_dropped_at_the_next_poll(feed, api, hide):
    for i in range(5):
        api.publish(f"v{i}", age=100 + i)
    feed.sync_once()
    feed.poll_newest()
    if hide == "delete":
        del api.videos["v1"]
    else:
        api.videos["v1"]["privacy"] = 3
    feed.poll_newest()
    assert not urls("v1") & set(feed.seeder.seeded)
    assert urls("v0") | urls("v2") <= set(feed.seeder.seeded)
    assert "v1" not in feed.videos()


def test_a_deletion_in_progress_is_asked_again_until_it_is_done(feed, api):
    """A deletion unlists the video first and removes it last: in between, the list
    lacks it and its details still answer."""
    for i in range(2):
        api.publish(f"v{i}", age=100 + i)
    feed.sync_once()
    feed.poll_newest()
    api.videos["v0"]["state"] = 9  # unlisted ...

    def still_there(request, response):
        if request.url.path == "/api/v1/videos/v0":
            return httpx.Response(200, json={**response.json(), "state": {"id": 1}})
        return response
    api.tamper = still_there  # ... yet its details answer
    feed.poll_newest()
    feed.poll_newest()
    assert urls("v0") <= set(feed.seeder.seeded)
    del api.videos["v0"]  # the deletion is done
    api.tamper = None
    feed.poll_newest()
    assert not urls("v0") & set(feed.seeder.seeded) and "v0" not in feed.videos()
    fetched = len(api.requests)
    feed.poll_newest()
    assert len(api.requests) == fetched + 1  # the list only: nothing left to ask about


def test_an_unlisted_but_visible_video_is_asked_about_for_a_while_only(feed, api):
    api.publish("v0", age=100)
    feed.sync_once()
    api.videos["v0"]["state"] = 9

    def still_there(request, response):
        if request.url.path == "/api/v1/videos/v0":
            return httpx.Response(200, json={**response.json(), "state": {"id": 1}})
        return response
    api.tamper = still_there
    feed.poll_newest()
    api.now += feed.resync_seconds + 1
    feed.poll_newest()
    asked = api.details_fetched("v0")
    feed.poll_newest()
    assert api.details_fetched("v0") == asked  # left to the full syncs
    assert urls("v0") <= set(feed.seeder.seeded)


def test_an_old_video_deleted_is_dropped_at_the_next_full_sync(feed, api):
    for i in range(6):
        api.publish(f"v{i}", age=100_000 + i)
    feed.sync_once()
    del api.videos["v5"]  # the oldest: not on the newest page
    feed.poll_newest()
    assert urls("v5") <= set(feed.seeder.seeded)
    feed.sync_once()
    assert not urls("v5") & set(feed.seeder.seeded) and len(feed.videos()) == 5


def test_errors_drop_nothing(feed, api):
    for i in range(3):
        api.publish(f"v{i}", age=100_000 + i)
    feed.sync_once()
    before = dict(feed.seeder.seeded)
    api.failing.add("*")
    with pytest.raises(httpx.HTTPStatusError):
        feed.sync_once()
    with pytest.raises(httpx.HTTPStatusError):
        feed.poll_newest()
    # The list answers but the details fail: a video missing from the list is kept.
    api.failing = {"/api/v1/videos/v2"}
    api.videos["v2"]["state"] = 2  # out of the list, yet not known to be gone
    feed.sync_once()
    assert feed.seeder.seeded == before


def test_a_video_missing_from_a_listing_but_still_public_is_kept(feed, api):
    api.publish("v0", age=100_000)
    feed.sync_once()
    api.videos["v0"]["state"] = 9  # not listed (a listing taken mid-change), yet:

    def details_say_published(request, response):
        if request.url.path == "/api/v1/videos/v0":
            return httpx.Response(200, json={**response.json(), "state": {"id": 1}})
        return response
    api.tamper = details_say_published
    feed.sync_once()
    assert urls("v0") <= set(feed.seeder.seeded)


def test_a_torrent_that_failed_to_download_is_tried_again(feed, api):
    api.publish("v0")
    api.failing = {"/lazy-static/torrents/v0-360-hls.torrent"}
    feed.poll_newest()
    missing = f"{MEDIA}/lazy-static/torrents/v0-360-hls.torrent"
    assert set(feed.seeder.seeded) == urls("v0") - {missing}
    api.failing = set()
    feed.poll_newest()
    assert set(feed.seeder.seeded) == urls("v0")


def test_renditions_joining_a_young_video_are_seeded_and_vanished_ones_dropped(feed, api):
    api.publish("young", resolutions=(480,), age=10)
    api.publish("settled", resolutions=(480,), age=100_000)
    feed.sync_once()
    assert urls("young", (480,)) <= set(feed.seeder.seeded)
    # Fast publish: the other rungs join; the listing says nothing of it.
    api.videos["young"]["resolutions"] = [720, 480, 360]
    api.videos["settled"]["resolutions"] = [720]  # an admin's re-transcode, say
    api.now += 60
    feed.sync_once()
    assert urls("young", (720, 480, 360)) <= set(feed.seeder.seeded)
    # The settled video: among the least recently fetched (refresh_per_resync = 1).
    assert urls("settled", (720,)) <= set(feed.seeder.seeded)
    assert not urls("settled", (480,)) & set(feed.seeder.seeded)
    # A young video is not fetched at every sync: again once its age has doubled.
    fetched = api.details_fetched("young")
    api.now += 30
    feed.sync_once()
    assert api.details_fetched("young") == fetched


def test_a_broken_torrent_is_not_fetched_again_and_again(feed, api):
    api.publish("v0", resolutions=(360,))

    def broken(request, response):
        if request.url.path.endswith("v0-360.torrent"):
            return httpx.Response(200, content=b"bad")
        return response
    api.tamper = broken
    feed.poll_newest()
    feed.poll_newest()
    assert api.requests.count("/lazy-static/torrents/v0-360.torrent") == 1
    assert set(feed.seeder.seeded) == {f"{MEDIA}/lazy-static/torrents/v0-360-hls.torrent"}
    assert feed.videos()["v0"] == urls("v0", (360,))


def test_run_syncs_then_polls_until_stopped(feed, api):
    api.publish("v0")
    feed.poll_seconds = 0.01
    stop = threading.Event()
    thread = threading.Thread(target=feed.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while feed.metrics()["polls"] < 3 and time.monotonic() < deadline:
            stop.wait(0.01)
        api.failing.add("*")  # errors are counted, the loop goes on
        while feed.metrics()["errors"] < 2 and time.monotonic() < deadline:
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    metrics = feed.metrics()
    assert metrics["syncs"] == 1 and metrics["polls"] >= 3 and metrics["errors"] >= 2
    assert urls("v0") <= set(feed.seeder.seeded)


# --- mirrored remote videos -----------------------------------------------------------------

COPY = f"{MEDIA}/static/redundancy/hls"


def mirror_torrents(uuid: str, resolutions=(720, 360)) -> dict[str, list[str]]:
    """What the feed should seed of a remote video we mirror: the origin's torrent of each
    HLS file -> our copy of the file, its one web seed."""
    return {f"{ORIGIN}/lazy-static/torrents/{uuid}-{r}-hls.torrent":
            [f"{COPY}/{uuid}/{uuid}-{r}-fragmented.mp4"] for r in resolutions}


def test_a_mirrored_remote_video_is_seeded_from_our_copy(feed, api):
    api.publish("local", age=100_000)
    api.publish("mirrored", remote=True, redundancies=[f"{COPY}/mirrored/master.m3u8"])
    api.publish("elsewhere", remote=True)
    api.publish("their_copy", remote=True,  # another server's copy is not ours to seed
                redundancies=[f"{ORIGIN}/static/redundancy/hls/their_copy/master.m3u8"])
    feed.sync_once()
    wanted = mirror_torrents("mirrored")
    assert {k: feed.seeder.web_seeds[k] for k in feed.seeder.seeded if ORIGIN in k} == wanted
    assert feed.seeder.web_seeds[f"{MEDIA}/lazy-static/torrents/local-720.torrent"] is None
    assert set(feed.mirrors()) == {"mirrored"} and set(feed.videos()) == {"local"}
    metrics = feed.metrics()
    assert metrics["mirrors"] == 1 and metrics["mirror_torrents"] == 2
    # PeerTube names the copy's directory rather than its master playlist.
    api.videos["elsewhere"]["redundancies"] = [f"{COPY}/elsewhere"]
    api.now += 60
    feed.sync_once()
    assert set(feed.mirrors()) == {"mirrored", "elsewhere"}
    assert feed.seeder.web_seeds[f"{ORIGIN}/lazy-static/torrents/elsewhere-360-hls.torrent"] \
        == [f"{COPY}/elsewhere/elsewhere-360-fragmented.mp4"]


def test_a_mirror_removed_or_its_video_gone_is_dropped(feed, api):
    api.publish("m1", remote=True, redundancies=[f"{COPY}/m1/master.m3u8"])
    api.publish("m2", remote=True, redundancies=[f"{COPY}/m2/master.m3u8"])
    feed.sync_once()
    assert set(feed.seeder.seeded) == set(mirror_torrents("m1")) | set(mirror_torrents("m2"))
    api.videos["m1"]["redundancies"] = []  # the admin stopped mirroring it
    del api.videos["m2"]  # deleted at its origin, then here
    api.now += 60
    feed.sync_once()
    assert feed.seeder.seeded == {} and feed.mirrors() == {}
    assert feed.metrics()["mirrors"] == 0


def test_remote_videos_are_asked_about_a_few_per_full_sync_and_never_at_polls(feed, api):
    for i in range(5):
        api.publish(f"r{i}", remote=True, age=i)
    api.publish("mirrored", remote=True, age=100, redundancies=[f"{COPY}/mirrored/m.m3u8"])
    for _ in range(3):  # 6 remote videos, 2 asked about per sync: every one in 3 syncs
        feed.sync_once()
        api.now += 60
    assert all(api.details_fetched(f"r{i}") == 1 for i in range(5))
    assert set(feed.mirrors()) == {"mirrored"}
    asked = len(api.requests)
    feed.poll_newest()
    assert [r for r in api.requests[asked:] if r.startswith("/api/v1/videos/")] == []
    # Mirrored ones are asked about at every sync besides the 2 others.
    fetched = api.details_fetched("mirrored")
    feed.sync_once()
    assert api.details_fetched("mirrored") == fetched + 1
    assert sum(api.details_fetched(f"r{i}") for i in range(5)) == 5 + 2


def test_a_mirrors_torrent_that_failed_is_tried_again_at_the_next_poll(feed, api):
    api.publish("m", remote=True, redundancies=[f"{COPY}/m/master.m3u8"])
    api.failing = {"/lazy-static/torrents/m-360-hls.torrent"}
    feed.sync_once()
    assert set(feed.seeder.seeded) == set(mirror_torrents("m", (720,)))
    api.failing = set()
    feed.poll_newest()
    assert set(feed.seeder.seeded) == set(mirror_torrents("m"))
