"""Videos flowing between two running stacks over real signed HTTP: until A follows B,
nothing of B's reaches A; once it does, B's earlier videos come from its outbox; a video
published on B then reaches A's catalog (its lists, search, B's channel page on A),
playable from B's files; B's edits and its deletion follow. Marked federation: two more
stacks."""
import hashlib
import time
from pathlib import Path

import pytest

from tests.conftest import make_clip
from tests.integration.test_follows_api import FOLLOWERS, FOLLOWING, only, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.federation]


def host(stack) -> str:
    return stack.url.split("://")[1]


def follow(one, other) -> None:
    """`one` follows the instance `other`, which accepts (one follows no one else)."""
    assert one.http.post(FOLLOWING, json={"hosts": [host(other)]},
                         headers=one.auth()).status_code == 204
    wait_for(lambda: (f := only(one, FOLLOWING)) and f["state"] == "accepted")


def unfollow(one, other) -> None:
    """`one` follows `other` no more, as the other tests of these stacks expect them."""
    assert one.http.delete(f"{FOLLOWING}/{host(other)}", headers=one.auth()).status_code == 204
    wait_for(lambda: other.http.get(FOLLOWERS).json()["total"] == 0)


def remote_copy(stack, uuid: str, **query) -> dict | None:
    """The video as `stack` lists it among other servers' videos, if it does."""
    page = stack.http.get("/api/v1/videos", params={"isLocal": "false", "count": 100,
                                                    **query}).json()
    return next((v for v in page["data"] if v["uuid"] == uuid), None)


def followed_and_published(a, b, media, maker: str, name: str) -> tuple[dict, str]:
    """A follows B, and B's new user `maker` publishes `name`, which A then holds: the
    maker's headers and the video's uuid."""
    follow(a, b)
    headers = b.create_user(maker)
    uuid = b.uploaded(media["clip"], name, headers)
    assert b.wait_for_state(uuid)["state"]["id"] == 1
    wait_for(lambda: remote_copy(a, uuid))
    return headers, uuid


def test_videos_published_before_the_follow_come_with_it(two_stacks, media):
    a, b = two_stacks
    uuid = b.uploaded(media["clip"], "Published before A came", b.auth())
    assert b.wait_for_state(uuid)["state"]["id"] == 1
    time.sleep(2)   # what B would send (nothing: A follows nobody there) has had its time
    assert remote_copy(a, uuid) is None
    assert a.http.get(f"/api/v1/videos/{uuid}").status_code == 404

    # Once B accepts A, A reads B's outbox: the instance shared every local video there.
    assert a.http.post(FOLLOWING, json={"hosts": [host(b)]},
                       headers=a.auth()).status_code == 204
    assert wait_for(lambda: remote_copy(a, uuid))["name"] == "Published before A came"


def test_a_followed_instances_videos_join_the_catalog(two_stacks, media):
    a, b = two_stacks
    follow(a, b)

    publisher = b.create_user("far_away")
    uuid = b.uploaded(media["clip"], "Kittens from far away", publisher, tags=["kittens"])
    assert b.wait_for_state(uuid)["state"]["id"] == 1

    # B's instance announces it; A fetches it from B and lists it as B's.
    shown = wait_for(lambda: remote_copy(a, uuid))
    assert shown["isLocal"] is False and shown["name"] == "Kittens from far away"
    assert shown["channel"]["host"] == host(b) and shown["account"]["name"] == "far_away"
    assert shown["url"] == f"{b.url}/videos/watch/{uuid}"
    local_only = a.http.get("/api/v1/videos", params={"isLocal": "true", "count": 100}).json()
    assert uuid not in [v["uuid"] for v in local_only["data"]]
    found = a.http.get("/api/v1/search/videos", params={"search": "kittens far"}).json()
    assert uuid in [v["uuid"] for v in found["data"]]
    channel = f"{shown['channel']['name']}@{host(b)}"
    on_channel = a.http.get(f"/api/v1/video-channels/{channel}/videos").json()
    assert [v["uuid"] for v in on_channel["data"]] == [uuid]
    assert a.http.get(f"/api/v1/video-channels/{channel}").json()["isLocal"] is False

    # Played from B: A's details point at B's files, and B serves them.
    details = a.http.get(f"/api/v1/videos/{uuid}").json()
    playlist = details["streamingPlaylists"][0]["playlistUrl"]
    assert playlist.startswith(b.url) and all(
        f["fileUrl"].startswith(b.url) for f in details["files"])
    assert a.http.get(playlist).status_code == 200
    thumbnail = a.http.get(shown["thumbnailPath"])
    assert thumbnail.status_code == 302 and thumbnail.headers["location"].startswith(b.url)

    # B's edit reaches A as an Update.
    assert b.http.put(f"/api/v1/videos/{uuid}", json={"name": "Puppies from far away"},
                      headers=publisher).status_code == 204
    wait_for(lambda: (v := remote_copy(a, uuid)) and v["name"] == "Puppies from far away")

    # B's deletion reaches A as a Delete.
    assert b.http.delete(f"/api/v1/videos/{uuid}", headers=publisher).status_code == 204
    wait_for(lambda: a.http.get(f"/api/v1/videos/{uuid}").status_code == 404)
    assert remote_copy(a, uuid) is None

    # Unfollowed, as the other tests of these stacks expect them.
    unfollow(a, b)




def test_a_user_follows_a_channel_of_another_instance(two_stacks, media):
    a, b = two_stacks
    maker = b.create_user("far_maker")
    channel = f"far_maker_channel@{host(b)}"
    early = b.uploaded(media["clip"], "Before the subscription", maker)
    assert b.wait_for_state(early)["state"]["id"] == 1
    fan = a.create_user("near_fan")

    def feed() -> list[str]:
        page = a.http.get("/api/v1/users/me/subscriptions/videos", headers=fan).json()
        return [v["uuid"] for v in page["data"]]

    def followers_on_b() -> int:
        return b.http.get("/video-channels/far_maker_channel/followers",
                          headers={"Accept": "application/activity+json"}).json()["totalItems"]

    answer = a.http.post("/api/v1/users/me/subscriptions", json={"uri": channel},
                         headers=fan)
    assert answer.status_code == 204, answer.text
    # The fan's account follows the channel on B; B accepts; the channel's earlier video
    # comes from its outbox into the fan's feed.
    wait_for(lambda: early in feed())
    assert followers_on_b() == 1
    listed = a.http.get("/api/v1/users/me/subscriptions", headers=fan).json()
    assert listed["total"] == 1
    assert (listed["data"][0]["name"], listed["data"][0]["host"]) == ("far_maker_channel",
                                                                      host(b))
    assert listed["data"][0]["followersCount"] == 1
    assert a.http.get("/api/v1/users/me/subscriptions/exist", params={"uris": channel},
                      headers=fan).json() == {channel: True}
    assert a.http.get(f"/api/v1/users/me/subscriptions/{channel}",
                      headers=fan).json()["isLocal"] is False

    # A new video of the channel arrives by the channel's Announce.
    later = b.uploaded(media["clip"], "After the subscription", maker)
    assert b.wait_for_state(later)["state"]["id"] == 1
    wait_for(lambda: later in feed())

    # Unsubscribing reaches B as an Undo of the Follow.
    assert a.http.delete(f"/api/v1/users/me/subscriptions/{channel}",
                         headers=fan).status_code == 204
    wait_for(lambda: followers_on_b() == 0)
    assert a.http.get("/api/v1/users/me/subscriptions", headers=fan).json()["total"] == 0


def test_a_channel_that_cannot_be_found_is_refused_clearly(two_stacks):
    a, b = two_stacks
    fan = a.create_user("lost_fan")
    for uri, why in ((f"nobody_here@{host(b)}", "Cannot find the channel"),
                     (f"far_maker@{host(b)}", "is not a video channel")):
        answer = a.http.post("/api/v1/users/me/subscriptions", json={"uri": uri}, headers=fan)
        assert answer.status_code == 400, uri
        assert why in answer.json()["invalid-params"]["uri"]["msg"]
    assert a.http.get("/api/v1/users/me/subscriptions", headers=fan).json()["total"] == 0


def test_comments_and_likes_flow_both_ways(two_stacks, media):
    a, b = two_stacks
    maker, uuid = followed_and_published(a, b, media, "chatty_maker", "Talk about this")
    fan = a.create_user("chatty_fan")

    def threads(stack) -> list[dict]:
        return stack.http.get(f"/api/v1/videos/{uuid}/comment-threads").json()["data"]

    # A's user comments on A's copy: B's video gets the comment, by A's user.
    answer = a.http.post(f"/api/v1/videos/{uuid}/comment-threads",
                         json={"text": "Hello from A"}, headers=fan)
    assert answer.status_code == 200, answer.text
    on_b = wait_for(lambda: threads(b))[0]
    assert on_b["text"] == "Hello from A"
    assert (on_b["account"]["name"], on_b["account"]["host"]) == ("chatty_fan", host(a))

    # B's maker answers it on B: A's copy gets the reply in that thread.
    assert b.http.post(f"/api/v1/videos/{uuid}/comments/{on_b['id']}",
                       json={"text": "Hello back from B"}, headers=maker).status_code == 200
    thread_on_a = threads(a)[0]

    def replies_on_a() -> list[dict]:
        tree = a.http.get(f"/api/v1/videos/{uuid}/comment-threads/{thread_on_a['id']}").json()
        return tree["children"]
    reply = wait_for(replies_on_a)[0]["comment"]
    assert reply["text"] == "Hello back from B"
    assert (reply["account"]["name"], reply["account"]["host"]) == ("chatty_maker", host(b))

    # A's user likes the video, then takes it back: B counts both.
    def likes_on_b() -> int:
        return b.http.get(f"/api/v1/videos/{uuid}").json()["likes"]
    assert a.http.put(f"/api/v1/videos/{uuid}/rate", json={"rating": "like"},
                      headers=fan).status_code == 204
    wait_for(lambda: likes_on_b() == 1)
    assert a.http.put(f"/api/v1/videos/{uuid}/rate", json={"rating": "none"},
                      headers=fan).status_code == 204
    wait_for(lambda: likes_on_b() == 0)

    # A's user deletes the comment: B keeps a tombstone in its place.
    assert a.http.delete(f"/api/v1/videos/{uuid}/comments/{thread_on_a['id']}",
                         headers=fan).status_code == 204
    wait_for(lambda: threads(b)[0]["isDeleted"])

    unfollow(a, b)


def test_a_video_taken_out_of_federation_and_back(two_stacks, media):
    """Blocked with "unfederate", then unblocked; made private, then public again: each
    time the follower drops it and takes it back (the second time by an Update, as its
    inbox takes each activity id once)."""
    a, b = two_stacks
    maker, uuid = followed_and_published(a, b, media, "hiding_maker", "Now you see it")

    admin = b.auth()
    assert b.http.post(f"/api/v1/videos/{uuid}/blacklist", json={"unfederate": True},
                       headers=admin).status_code == 204
    wait_for(lambda: remote_copy(a, uuid) is None)
    assert b.http.delete(f"/api/v1/videos/{uuid}/blacklist", headers=admin).status_code == 204
    wait_for(lambda: remote_copy(a, uuid))

    assert b.http.put(f"/api/v1/videos/{uuid}", json={"privacy": 3},
                      headers=maker).status_code == 204
    wait_for(lambda: remote_copy(a, uuid) is None)
    assert b.http.put(f"/api/v1/videos/{uuid}", json={"privacy": 1},
                      headers=maker).status_code == 204
    wait_for(lambda: remote_copy(a, uuid))

    unfollow(a, b)


def test_an_instance_mirrors_another_instances_video(two_stacks, media):
    """PeerTube's redundancy: A copies B's HLS files and tells B with a CacheFile; B lists
    A's copy among the video's redundancies; the copy plays from A, segment for segment
    what B's hashes say; A stops mirroring and B forgets the copy."""
    a, b = two_stacks
    # B accepts copies from the servers it follows: each follows the other.
    for one, other in ((a, b), (b, a)):
        assert one.http.post(FOLLOWING, json={"hosts": [host(other)]},
                             headers=one.auth()).status_code == 204
        wait_for(lambda one=one: any(f["state"] == "accepted" for f in
                                     one.http.get(FOLLOWING).json()["data"]))
    uuid = b.uploaded(media["clip"], "Worth a copy", b.create_user("mirrored_maker"))
    assert b.wait_for_state(uuid)["state"]["id"] == 1
    wait_for(lambda: remote_copy(a, uuid))

    refused = a.http.post("/api/v1/server/redundancy/videos", json={"videoId": uuid})
    assert refused.status_code == 401
    answer = a.http.post("/api/v1/server/redundancy/videos", json={"videoId": uuid},
                         headers=a.auth())
    assert answer.status_code == 204, answer.text
    # Only this video's mirror: others may have mirrored on these stacks before.
    [mirror] = [m for m in a.http.get("/api/v1/server/redundancy/videos",
                                      headers=a.auth()).json()["data"] if m["uuid"] == uuid]
    assert mirror["uuid"] == uuid
    copy_url = mirror["redundancies"]["streamingPlaylists"][0]["fileUrl"]
    assert copy_url.startswith(f"{a.url}/static/redundancy/hls/{uuid}/")

    # B hears of it and lists it; A's own details name its copy too.
    def redundancies_on_b() -> list:
        return b.http.get(f"/api/v1/videos/{uuid}").json()["streamingPlaylists"][0][
            "redundancies"]
    assert wait_for(redundancies_on_b) == [{"baseUrl": copy_url}]
    assert a.http.get(f"/api/v1/videos/{uuid}").json()["streamingPlaylists"][0][
        "redundancies"] == [{"baseUrl": copy_url}]

    # The copy plays from A: its playlists name files that A serves, identical to B's.
    master = a.http.get(copy_url)
    assert master.status_code == 200 and "#EXTM3U" in master.text
    original = b.http.get(f"/api/v1/videos/{uuid}").json()["streamingPlaylists"][0]
    rendition = next(line for line in master.text.splitlines() if line.endswith(".m3u8"))
    base_a = copy_url.rsplit("/", 1)[0]
    base_b = original["playlistUrl"].rsplit("/", 1)[0]
    playlist = a.http.get(f"{base_a}/{rendition}").text
    fragmented = next(line.split('URI="')[1].split('"')[0]
                      for line in playlist.splitlines() if line.startswith("#EXT-X-MAP"))
    assert a.http.get(f"{base_a}/{fragmented}").content == \
        b.http.get(f"{base_b}/{fragmented}").content

    # A stops: the copy goes, and B forgets it.
    assert a.http.delete(f"/api/v1/server/redundancy/videos/{mirror['id']}",
                         headers=a.auth()).status_code == 204
    wait_for(lambda: redundancies_on_b() == [])
    assert a.http.get(copy_url).status_code == 404

    for one, other in ((a, b), (b, a)):
        assert one.http.delete(f"{FOLLOWING}/{host(other)}",
                               headers=one.auth()).status_code == 204
    wait_for(lambda: b.http.get(FOLLOWERS).json()["total"] == 0
             and a.http.get(FOLLOWERS).json()["total"] == 0)


def test_the_seeder_seeds_a_mirrored_video_from_the_copy(two_stacks, tmp_path):
    """A's seeder (started here: the two stacks run none) finds B's video among A's mirrors
    at its next full sync and seeds its HLS files under B's torrents, fetched from A's copy
    alone (their one web seed): a desktop client then gets each byte from the seeder; when
    A stops mirroring, the seeder drops them."""
    import httpx
    from peerless_seeder.run import start_seeder
    from peerless_seeder.seeder import SeederConfig
    from tests.integration.test_seeder import desktop_client, download, sha256, \
        without_web_seed
    a, b = two_stacks
    # A clip of its own: the seeder keys torrents by info hash, and videos of one clip
    # left on the stacks by other tests would add their copies as web seeds too.
    own = make_clip(tmp_path / "seeded.mp4", "-f", "lavfi", "-i",
                    "testsrc2=size=640x360:rate=24", "-f", "lavfi", "-i",
                    "sine=frequency=523", "-t", "3", "-c:v", "libx264", "-preset",
                    "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest")
    _, uuid = followed_and_published(a, b, {"clip": own}, "mirror_seeded_maker",
                                     "Seeded from a copy")
    config = SeederConfig(tmp_path / "cache", listen_interfaces="127.0.0.1:0",
                          allow_local_urls=True, cache_budget=2_000_000_000)
    running = start_seeder(a.url, config.cache_dir, config=config, poll_seconds=0.5,
                           resync_seconds=2, media_url=a.url)
    mirror = None
    try:
        seeder, feed = running.seeder, running.feed
        wait_for(lambda: feed.metrics()["syncs"] >= 1, timeout=120)
        assert uuid not in feed.mirrors()  # not mirrored yet: not seeded

        answer = a.http.post("/api/v1/server/redundancy/videos", json={"videoId": uuid},
                             headers=a.auth())
        assert answer.status_code == 204, answer.text
        mirrored = time.monotonic()
        [mirror] = [m for m in a.http.get("/api/v1/server/redundancy/videos",
                                          headers=a.auth()).json()["data"]
                    if m["uuid"] == uuid]
        playlist = a.http.get(f"/api/v1/videos/{uuid}").json()["streamingPlaylists"][0]
        files = {f["torrentUrl"]: f["fileUrl"] for f in playlist["files"]}
        assert files and all(url.startswith(b.url) for url in files)
        wait_for(lambda: feed.mirrors().get(uuid) == set(files), timeout=15)
        assert time.monotonic() - mirrored < 10
        assert running.section()["catalog"]["mirrors"] >= 1

        origin_dir = playlist["playlistUrl"].rsplit("/", 1)[0]
        copy_dir = f"{a.url}/static/redundancy/hls/{uuid}"
        wait_for(lambda: all(seeder.status(u)["state"] == "seeding" for u in files),
                 timeout=60)
        for url, file_url in files.items():
            status = seeder.status(url)
            # Fetched from A's copy, nowhere else (B runs no seeder: no peer either).
            assert status["web_seeds"] == [file_url.replace(origin_dir, copy_dir)]
            assert sha256(Path(status["path"])) == \
                hashlib.sha256(httpx.get(file_url).content).hexdigest()

        # A desktop client with nothing but the seeder to ask gets the smallest file.
        url = min(files, key=lambda u: Path(seeder.status(u)["path"]).stat().st_size)
        started = time.monotonic()
        download(desktop_client(), without_web_seed(httpx.get(url).content),
                 tmp_path / "desktop", ("127.0.0.1", seeder.listen_port), timeout=30)
        assert time.monotonic() - started < 30
        cached = Path(seeder.status(url)["path"])
        assert sha256(tmp_path / "desktop" / cached.name) == sha256(cached)

        # A stops mirroring: the seeder drops B's torrents at its next full sync.
        assert a.http.delete(f"/api/v1/server/redundancy/videos/{mirror['id']}",
                             headers=a.auth()).status_code == 204
        mirror = None
        wait_for(lambda: uuid not in feed.mirrors(), timeout=15)
        assert not set(files) & seeder.keys()
    finally:
        running.stop()
        if mirror is not None:
            a.http.delete(f"/api/v1/server/redundancy/videos/{mirror['id']}",
                          headers=a.auth())
        unfollow(a, b)


def test_a_live_federates_waiting_live_and_ended(two_stacks):
    """A follows B; B's new live reaches A waiting, is listed live there while B streams
    (played from B's playlist), and ends there when B's stream stops."""
    from tests.integration.test_live import create_live, live_settings, publish
    a, b = two_stacks
    follow(a, b)
    streamer = b.create_user("far_streamer")
    uuid = create_live(b, streamer)["uuid"]

    def on_a() -> dict | None:
        response = a.http.get(f"/api/v1/videos/{uuid}")
        return response.json() if response.status_code == 200 else None
    waiting = wait_for(lambda: (v := on_a()) and v)
    assert waiting["isLive"] is True and waiting["state"]["id"] == 4

    encoder = publish(b, live_settings(b, uuid, streamer)["streamKey"], 8)
    try:
        live = wait_for(lambda: (v := on_a()) and v["state"]["id"] == 1 and v, timeout=30)
        assert live["isLive"] is True and live["isLocal"] is False
        assert live["streamingPlaylists"][0]["playlistUrl"].startswith(b.url)
        lives = a.http.get("/api/v1/videos", params={"isLive": "true", "count": 100}).json()
        assert uuid in [v["uuid"] for v in lives["data"]]
    finally:
        encoder.communicate(timeout=30)
    ended = wait_for(lambda: (v := on_a()) and v["state"]["id"] == 5 and v, timeout=30)
    assert ended["isLive"] is True
    lives = a.http.get("/api/v1/videos", params={"isLive": "true", "count": 100}).json()
    assert uuid not in [v["uuid"] for v in lives["data"]]
    a.http.delete(f"{FOLLOWING}/{host(b)}", headers=a.auth())
