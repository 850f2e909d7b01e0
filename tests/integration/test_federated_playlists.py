"""A playlist flowing from one running stack to another over real signed HTTP: B follows
A; a user of A makes a public playlist of a video, which B then lists with that video;
A's rename and change of its videos reach B; A's deletion takes it off B. Marked
federation: two more stacks."""
import pytest

from tests.integration.test_federated_videos import follow, host, unfollow
from tests.integration.test_follows_api import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.federation]
PLAYLISTS = "/api/v1/video-playlists"
STEP = 20      # seconds at most per step; each is polled, and takes a second or two


def listed(stack, uuid: str) -> dict | None:
    """The playlist as `stack` lists it among the public playlists, if it does."""
    page = stack.http.get(PLAYLISTS, params={"count": 100}).json()
    return next((p for p in page["data"] if p["uuid"] == uuid), None)


def videos_of(stack, uuid: str) -> list[str]:
    page = stack.http.get(f"{PLAYLISTS}/{uuid}/videos").json()
    return [e["video"]["uuid"] for e in page["data"] if e["video"]]


def test_a_followed_instances_playlist_and_its_changes(two_stacks, media):
    a, b = two_stacks
    follow(b, a)

    maker = a.create_user("pl_far_maker")
    first = a.uploaded(media["clip"], "First far video", maker)
    second = a.uploaded(media["clip"], "Second far video", maker)
    for uuid in (first, second):
        assert a.wait_for_state(uuid)["state"]["id"] == 1
    made = a.http.post(PLAYLISTS, json={"displayName": "Far picks", "privacy": 1,
                                        "description": "Picked far away.",
                                        "videoChannelId": a.channel_id(maker)},
                       headers=maker)
    assert made.status_code == 200, made.text
    uuid = made.json()["videoPlaylist"]["uuid"]
    added = a.http.post(f"{PLAYLISTS}/{uuid}/videos", json={"videoId": first},
                        headers=maker)
    assert added.status_code == 200, added.text
    element = added.json()["videoPlaylistElement"]["id"]

    # B takes A's Create and Update: listed with its video, as A's.
    shown = wait_for(lambda: (p := listed(b, uuid)) and p["videosLength"] == 1 and p,
                     timeout=STEP)
    assert shown["isLocal"] is False and shown["displayName"] == "Far picks"
    assert shown["description"] == "Picked far away."
    assert shown["url"] == f"{a.url}/video-playlists/{uuid}"
    assert shown["ownerAccount"]["host"] == host(a)
    assert shown["ownerAccount"]["name"] == "pl_far_maker"
    assert videos_of(b, uuid) == [first]
    details = b.http.get(f"{PLAYLISTS}/{uuid}").json()
    assert details["videoChannel"]["host"] == host(a)
    account = f"pl_far_maker@{host(a)}"
    channel = f"{details['videoChannel']['name']}@{host(a)}"
    for path in (f"/api/v1/accounts/{account}/video-playlists",
                 f"/api/v1/video-channels/{channel}/video-playlists"):
        assert [p["uuid"] for p in b.http.get(path).json()["data"]] == [uuid]
    # Not B's to edit.
    assert b.http.put(f"{PLAYLISTS}/{uuid}", json={"displayName": "Mine now"},
                      headers=b.auth()).status_code == 403

    # A renames it and swaps its video: B follows.
    assert a.http.put(f"{PLAYLISTS}/{uuid}", json={"displayName": "Farther picks"},
                      headers=maker).status_code == 204
    assert a.http.delete(f"{PLAYLISTS}/{uuid}/videos/{element}",
                         headers=maker).status_code == 204
    assert a.http.post(f"{PLAYLISTS}/{uuid}/videos", json={"videoId": second},
                       headers=maker).status_code == 200
    wait_for(lambda: (p := listed(b, uuid)) and p["displayName"] == "Farther picks"
             and videos_of(b, uuid) == [second], timeout=STEP)

    # A deletes it: B lists it no more.
    assert a.http.delete(f"{PLAYLISTS}/{uuid}", headers=maker).status_code == 204
    wait_for(lambda: b.http.get(f"{PLAYLISTS}/{uuid}").status_code == 404, timeout=STEP)
    assert listed(b, uuid) is None

    # A's videos go too: the other tests of these stacks count what A seeds of the clip.
    for video in (first, second):
        assert a.http.delete(f"/api/v1/videos/{video}", headers=maker).status_code == 204
    unfollow(b, a)
