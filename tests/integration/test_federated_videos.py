"""Videos flowing between two running stacks over real signed HTTP: until A follows B,
nothing of B's reaches A; once it does, B's earlier videos come from its outbox; a video
published on B then reaches A's catalog (its lists, search, B's channel page on A),
playable from B's files; B's edits and its deletion follow. Marked federation: two more
stacks."""
import time

import pytest

from tests.integration.test_follows_api import FOLLOWERS, FOLLOWING, only, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.federation]


def host(stack) -> str:
    return stack.url.split("://")[1]


def remote_copy(stack, uuid: str, **query) -> dict | None:
    """The video as `stack` lists it among other servers' videos, if it does."""
    page = stack.http.get("/api/v1/videos", params={"isLocal": "false", "count": 100,
                                                    **query}).json()
    return next((v for v in page["data"] if v["uuid"] == uuid), None)


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
    assert a.http.post(FOLLOWING, json={"hosts": [host(b)]},
                       headers=a.auth()).status_code == 204
    wait_for(lambda: (f := only(a, FOLLOWING)) and f["state"] == "accepted")

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
    assert a.http.delete(f"{FOLLOWING}/{host(b)}", headers=a.auth()).status_code == 204
    wait_for(lambda: b.http.get(FOLLOWERS).json()["total"] == 0)


