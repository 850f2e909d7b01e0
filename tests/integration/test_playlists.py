"""Playlists as PeerTube's clients use them: who sees and edits what, the lists, the
elements and their order under concurrent edits, and "Watch later"."""
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.integration
PLAYLISTS = "/api/v1/video-playlists"


@pytest.fixture(scope="module")
def people(stack):
    return {"alice": stack.create_user("pl_alice"), "bob": stack.create_user("pl_bob"),
            "moderator": stack.create_user("pl_moderator", role=1), "admin": stack.auth(),
            "anonymous": {}}


@pytest.fixture(scope="module")
def clips(stack, media):
    """Three published public videos of the admin: their uuids and numeric ids."""
    uuids = [stack.upload(media["portrait"], name=f"Playlist clip {i}").json()["video"]["uuid"]
             for i in range(3)]
    return [(uuid, stack.wait_for_state(uuid)["id"]) for uuid in uuids]


def create(stack, headers, **fields) -> dict:
    response = stack.http.post(PLAYLISTS, headers=headers, json=fields)
    assert response.status_code == 200, response.text
    return response.json()["videoPlaylist"]


def get(stack, ref, headers=None):
    return stack.http.get(f"{PLAYLISTS}/{ref}", headers=headers or {})


def add(stack, headers, playlist, video, **fields) -> int:
    response = stack.http.post(f"{PLAYLISTS}/{playlist}/videos", headers=headers,
                               json={"videoId": video, **fields})
    assert response.status_code == 200, response.text
    return response.json()["videoPlaylistElement"]["id"]


def listed_elements(stack, playlist, headers=None, **params) -> dict:
    response = stack.http.get(f"{PLAYLISTS}/{playlist}/videos", headers=headers or {},
                              params={"count": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()


def order(stack, headers, playlist) -> list[int]:
    data = listed_elements(stack, playlist, headers)["data"]
    assert [e["position"] for e in data] == list(range(1, len(data) + 1))
    return [e["id"] for e in data]


def channel_id(stack, headers) -> int:
    return stack.channel_id(headers)


def test_a_private_playlist_and_who_may_touch_it(stack, people):
    made = create(stack, people["alice"], displayName="Secret stash", description="Mine only")
    assert set(made) == {"id", "uuid", "shortUUID"}
    for ref in (made["id"], made["uuid"], made["shortUUID"]):
        body = get(stack, ref, people["alice"]).json()
        assert body["id"] == made["id"] and body["displayName"] == "Secret stash"
    assert body["privacy"] == {"id": 3, "label": "Private"}
    assert body["type"] == {"id": 1, "label": "Regular"}
    assert body["videosLength"] == 0 and body["videoChannel"] is None
    assert body["ownerAccount"]["name"] == "pl_alice" and body["isLocal"] is True
    assert body["url"].endswith(f"/video-playlists/{made['uuid']}")
    assert body["embedPath"] == f"/video-playlists/embed/{made['shortUUID']}"

    for who, status in (("anonymous", 403), ("bob", 403), ("moderator", 200),
                        ("admin", 200)):
        assert get(stack, made["uuid"], people[who]).status_code == status, who
    path = f"{PLAYLISTS}/{made['uuid']}"
    for who, status in (("anonymous", 401), ("bob", 403), ("alice", 204),
                        ("moderator", 204)):
        response = stack.http.put(path, headers=people[who], json={"displayName": who})
        assert response.status_code == status, who
    assert get(stack, made["id"], people["alice"]).json()["displayName"] == "moderator"
    for who, status in (("anonymous", 401), ("bob", 403), ("alice", 204), ("alice", 404)):
        assert stack.http.delete(path, headers=people[who]).status_code == status, who
    assert get(stack, made["uuid"], people["alice"]).status_code == 404


def test_public_and_unlisted_playlists_need_a_channel(stack, people):
    alice = people["alice"]
    for privacy in (1, 2):
        refused = stack.http.post(PLAYLISTS, headers=alice,
                                  json={"displayName": "Loose", "privacy": privacy})
        assert refused.status_code == 400
    made = create(stack, alice, displayName="Unlisted", privacy=2,
                  videoChannelId=channel_id(stack, alice))
    assert get(stack, made["uuid"]).status_code == 200
    assert get(stack, made["shortUUID"]).status_code == 200
    assert get(stack, made["id"]).status_code == 404  # unlisted: only by its uuid
    path = f"{PLAYLISTS}/{made['uuid']}"
    assert stack.http.put(path, headers=alice, json={"videoChannelId": None,
                                                     "privacy": 1}).status_code == 400
    other_channel = stack.http.post(PLAYLISTS, headers=alice, json={
        "displayName": "Borrowed", "videoChannelId": channel_id(stack, people["bob"])})
    assert other_channel.status_code == 403
    assert stack.http.post(PLAYLISTS, headers=alice, json={
        "displayName": "Nowhere", "videoChannelId": 999999}).status_code == 404


@pytest.mark.parametrize("fields, field", [
    ({"displayName": ""}, "displayName"), ({}, "displayName"),
    ({"displayName": "x" * 121}, "displayName"),
    ({"displayName": "ok", "privacy": 7}, "privacy"),
    ({"displayName": "ok", "description": "ab"}, "description")])
def test_bad_playlist_fields(stack, people, fields, field):
    response = stack.http.post(PLAYLISTS, headers=people["alice"], json=fields)
    assert response.status_code == 400
    assert field in response.json()["invalid-params"]


def test_multipart_form_as_the_web_client_sends(stack, people):
    alice = people["alice"]
    response = stack.http.post(PLAYLISTS, headers=alice, data={
        "displayName": "From a form", "privacy": "1",
        "videoChannelId": str(channel_id(stack, alice)), "description": "Sent as multipart"},
        files={"thumbnailfile": ("t.jpg", b"\xff\xd8\xff", "image/jpeg")})
    assert response.status_code == 200, response.text
    body = get(stack, response.json()["videoPlaylist"]["uuid"]).json()
    assert body["privacy"]["id"] == 1 and body["description"] == "Sent as multipart"
    assert body["videoChannel"]["name"] == "pl_alice_channel"
    update = stack.http.put(f"{PLAYLISTS}/{body['uuid']}", headers=alice,
                            data={"displayName": "Renamed by form"},
                            files={"thumbnailfile": ("t.jpg", b"\xff\xd8\xff", "image/jpeg")})
    assert update.status_code == 204, update.text
    assert get(stack, body["uuid"]).json()["displayName"] == "Renamed by form"


def test_the_lists_show_what_each_may_see(stack, people):
    bob = people["bob"]
    public_before = stack.http.get(PLAYLISTS, params={"count": 100}).json()
    shown = create(stack, bob, displayName="Bob shows", privacy=1,
                   videoChannelId=channel_id(stack, bob))
    hidden = create(stack, bob, displayName="Bob hides")
    public = stack.http.get(PLAYLISTS, params={"count": 100}).json()
    assert public["total"] == public_before["total"] + 1
    assert public["data"][0]["uuid"] == shown["uuid"]
    assert hidden["uuid"] not in {p["uuid"] for p in public["data"]}

    mine = stack.http.get("/api/v1/accounts/pl_bob/video-playlists", headers=bob).json()
    assert {"Bob shows", "Bob hides", "Watch later"} <= {p["displayName"] for p in mine["data"]}
    seen = stack.http.get("/api/v1/accounts/pl_bob/video-playlists", headers=people["alice"])
    assert [p["displayName"] for p in seen.json()["data"]] == ["Bob shows"]
    channel = stack.http.get("/api/v1/video-channels/pl_bob_channel/video-playlists").json()
    assert channel["total"] == 1 and channel["data"][0]["uuid"] == shown["uuid"]
    assert stack.http.get("/api/v1/video-channels/nobody_channel/video-playlists"
                          ).status_code == 404
    watch_later = stack.http.get("/api/v1/accounts/pl_bob/video-playlists", headers=bob,
                                 params={"playlistType": 2}).json()
    assert [p["type"]["id"] for p in watch_later["data"]] == [2]
    by_name = stack.http.get("/api/v1/accounts/pl_bob/video-playlists", headers=bob,
                             params={"sort": "displayName"}).json()["data"]
    assert [p["displayName"] for p in by_name] == sorted(p["displayName"] for p in by_name)

    assert stack.http.put(f"{PLAYLISTS}/{shown['uuid']}", headers=bob,
                          json={"privacy": 3}).status_code == 204
    after = stack.http.get(PLAYLISTS, params={"count": 100}).json()
    assert after["total"] == public_before["total"]
    assert shown["uuid"] not in {p["uuid"] for p in after["data"]}
    assert stack.http.get(PLAYLISTS, params={"sort": "-nonsense"}).status_code == 400


def test_elements_their_order_and_timestamps(stack, people, clips):
    alice = people["alice"]
    made = create(stack, alice, displayName="Ordered", privacy=1,
                  videoChannelId=channel_id(stack, alice))
    ref = made["uuid"]
    (first_uuid, first_id), (second_uuid, _), (third_uuid, third_id) = clips
    ids = [add(stack, alice, ref, first_id, startTimestamp=3),
           add(stack, alice, ref, second_uuid), add(stack, alice, ref, third_uuid),
           add(stack, alice, ref, first_uuid, stopTimestamp=1)]  # twice, as PeerTube allows
    body = listed_elements(stack, ref)
    assert body["total"] == 4 and [e["id"] for e in body["data"]] == ids
    head = body["data"][0]
    assert head["type"] == 0 and head["video"]["uuid"] == first_uuid
    assert (head["startTimestamp"], head["stopTimestamp"]) == (3, None)
    assert get(stack, ref).json()["videosLength"] == 4
    assert get(stack, ref).json()["thumbnailPath"].startswith("/")
    paged = listed_elements(stack, ref, start=1, count=2)
    assert [e["position"] for e in paged["data"]] == [2, 3] and paged["total"] == 4

    def reorder(**body):
        return stack.http.post(f"{PLAYLISTS}/{ref}/videos/reorder", headers=alice, json=body)
    a, b, c, d = ids
    assert reorder(startPosition=1, insertAfterPosition=3).status_code == 204
    assert order(stack, alice, ref) == [b, c, a, d]
    assert reorder(startPosition=3, insertAfterPosition=0, reorderLength=2).status_code == 204
    assert order(stack, alice, ref) == [a, d, b, c]
    assert reorder(startPosition=2, insertAfterPosition=2).status_code == 204
    assert order(stack, alice, ref) == [a, d, b, c]
    assert reorder(startPosition=5, insertAfterPosition=1).status_code == 400
    assert reorder(startPosition=3, insertAfterPosition=0, reorderLength=3).status_code == 400
    assert reorder(startPosition=0, insertAfterPosition=1).status_code == 400

    element = f"{PLAYLISTS}/{ref}/videos/{d}"
    assert stack.http.put(element, headers=alice, json={"startTimestamp": 2,
                                                        "stopTimestamp": None}).status_code == 204
    moved = listed_elements(stack, ref)["data"][1]
    assert (moved["id"], moved["startTimestamp"], moved["stopTimestamp"]) == (d, 2, None)
    assert stack.http.put(element, headers=people["bob"], json={}).status_code == 403
    assert stack.http.delete(element, headers=alice).status_code == 204
    assert stack.http.delete(element, headers=alice).status_code == 404
    assert order(stack, alice, ref) == [a, b, c]

    exist = stack.http.get("/api/v1/users/me/video-playlists/videos-exist", headers=alice,
                           params={"videoIds": [first_id, third_id, 999999]}).json()
    assert [e["playlistElementId"] for e in exist[str(first_id)]] == [a]
    assert exist[str(first_id)][0]["playlistId"] == made["id"]
    assert exist[str(first_id)][0]["startTimestamp"] == 3
    assert [e["playlistElementId"] for e in exist[str(third_id)]] == [c]
    assert exist["999999"] == []
    assert stack.http.get("/api/v1/users/me/video-playlists/videos-exist", headers=alice,
                          params={"videoIds": "x"}).status_code == 400


def test_element_errors(stack, people, clips, media):
    alice, bob = people["alice"], people["bob"]
    ref = create(stack, alice, displayName="Guarded")["uuid"]
    path = f"{PLAYLISTS}/{ref}/videos"
    assert stack.http.post(path, json={"videoId": clips[0][1]}).status_code == 401
    assert stack.http.post(path, headers=bob, json={"videoId": clips[0][1]}).status_code == 403
    assert stack.http.post(path, headers=alice, json={"videoId": "nope"}).status_code == 400
    assert stack.http.post(path, headers=alice, json={}).status_code == 400
    assert stack.http.post(path, headers=alice, json={
        "videoId": clips[0][1], "startTimestamp": -1}).status_code == 400
    assert stack.http.post(path, headers=alice, json={"videoId": 999999}).status_code == 404
    private = stack.upload(media["text"], name="Not for playlists",
                           privacy="3").json()["video"]["uuid"]
    assert stack.http.post(path, headers=alice, json={"videoId": private}).status_code == 404
    assert stack.http.get(path).status_code == 403  # a private playlist's elements
    other = create(stack, alice, displayName="Other")["uuid"]
    element = add(stack, alice, other, clips[0][1])
    assert stack.http.delete(f"{path}/{element}", headers=alice).status_code == 404
    assert stack.http.delete(f"{path}/abc", headers=alice).status_code == 400


def test_a_video_made_private_or_deleted_shows_as_such(stack, people, media):
    bob, admin = people["bob"], people["admin"]
    uuids = [stack.upload(media["portrait"], name=f"Soon gone {i}").json()["video"]["uuid"]
             for i in range(2)]
    for uuid in uuids:
        stack.wait_for_state(uuid)
    ref = create(stack, bob, displayName="Changing videos")["uuid"]
    for uuid in uuids:
        add(stack, bob, ref, uuid)
    assert stack.http.put(f"/api/v1/videos/{uuids[0]}", headers=admin,
                          json={"privacy": 3}).status_code == 204
    assert stack.http.delete(f"/api/v1/videos/{uuids[1]}", headers=admin).status_code == 204
    data = listed_elements(stack, ref, bob)["data"]
    assert [(e["type"], e["video"]) for e in data] == [(2, None), (1, None)]
    # Its owner still sees the private video (the admin may read Bob's private playlist).
    assert listed_elements(stack, ref, admin)["data"][0]["type"] == 0


def test_concurrent_edits_keep_positions_dense(stack, people, clips):
    alice = people["alice"]
    ref = create(stack, alice, displayName="Busy")["uuid"]
    with ThreadPoolExecutor(max_workers=10) as pool:
        added = list(pool.map(lambda i: add(stack, alice, ref, clips[i % 3][1]), range(20)))
    assert sorted(order(stack, alice, ref)) == sorted(added) and len(set(added)) == 20

    def edit(i):
        if i % 3 == 0:
            return stack.http.delete(f"{PLAYLISTS}/{ref}/videos/{added[i]}",
                                     headers=alice).status_code
        return stack.http.post(f"{PLAYLISTS}/{ref}/videos/reorder", headers=alice,
                               json={"startPosition": 1, "insertAfterPosition": 5}).status_code
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(edit, range(20)))
    assert set(statuses) == {204}
    removed = {added[i] for i in range(0, 20, 3)}
    final = order(stack, alice, ref)
    assert sorted(final) == sorted(set(added) - removed)
    assert get(stack, ref, alice).json()["videosLength"] == len(final)


def test_watch_later_is_made_once_and_kept(stack, people, clips):
    newcomer = stack.create_user("pl_newcomer")
    with ThreadPoolExecutor(max_workers=6) as pool:
        lists = list(pool.map(lambda _: stack.http.get(
            "/api/v1/accounts/pl_newcomer/video-playlists", headers=newcomer,
            params={"playlistType": 2}).json(), range(6)))
    assert {tuple(p["id"] for p in body["data"]) for body in lists} == {
        (lists[0]["data"][0]["id"],)}
    watch_later = lists[0]["data"][0]
    assert watch_later["displayName"] == "Watch later"
    assert watch_later["privacy"]["id"] == 3 and watch_later["type"]["id"] == 2
    add(stack, newcomer, watch_later["id"], clips[0][1])
    path = f"{PLAYLISTS}/{watch_later['id']}"
    assert stack.http.put(path, headers=newcomer, json={"displayName": "x"}).status_code == 400
    assert stack.http.delete(path, headers=newcomer).status_code == 400
    assert get(stack, watch_later["id"], people["bob"]).status_code == 403
    exist = stack.http.get("/api/v1/users/me/video-playlists/videos-exist", headers=newcomer,
                           params={"videoIds": clips[0][1]}).json()
    assert exist[str(clips[0][1])][0]["playlistId"] == watch_later["id"]
