"""Accounts and channels through the API: who may see, create, change and delete them,
their images, and the public videos listed under them."""
import io
import uuid as uuidlib

import pytest
from PIL import Image

pytestmark = pytest.mark.integration


def unique(prefix: str) -> str:
    return f"{prefix}{uuidlib.uuid4().hex[:8]}"


def image(size=(800, 400), fmt="JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (250, 180, 20)).save(out, fmt)
    return out.getvalue()


def new_channel(stack, headers, name=None, **fields):
    name = name or unique("chan")
    response = stack.http.post("/api/v1/video-channels", headers=headers, json={
        "name": name, "displayName": f"The {name}", **fields})
    assert response.status_code == 200, response.text
    return name, response.json()["videoChannel"]["id"]


@pytest.fixture
def owner(stack):
    name = unique("own")
    return name, stack.create_user(name)


# --- accounts -------------------------------------------------------------------------

def test_an_account_is_public(stack, owner):
    name, _ = owner
    response = stack.http.get(f"/api/v1/accounts/{name}")
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["displayName"], body["host"]) == (name, name,
                                                                 stack.url.split("//")[1])
    assert body["url"] == f"{stack.url}/accounts/{name}"
    assert (body["followersCount"], body["avatars"], body["banners"]) == (0, [], [])
    assert isinstance(body["id"], int) and isinstance(body["userId"], int)
    with_host = stack.http.get(f"/api/v1/accounts/{name}@{body['host']}")
    assert with_host.json() == body
    assert stack.http.get(f"/api/v1/accounts/{name}@elsewhere.example").status_code == 404
    assert stack.http.get(f"/api/v1/accounts/{unique('nobody')}").status_code == 404
    # A channel is an actor, not an account.
    assert stack.http.get(f"/api/v1/accounts/{name}_channel").status_code == 404


def test_an_accounts_channels_are_listed(stack, owner):
    name, headers = owner
    first, _ = new_channel(stack, headers, unique("b"))
    second, _ = new_channel(stack, headers, unique("a"))
    response = stack.http.get(f"/api/v1/accounts/{name}/video-channels")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    assert [c["name"] for c in body["data"]] == [second, first, f"{name}_channel"]
    assert body["data"][0]["ownerAccount"]["name"] == name
    page = stack.http.get(f"/api/v1/accounts/{name}/video-channels",
                          params={"sort": "name", "start": 1, "count": 1}).json()
    assert page["total"] == 3 and [c["name"] for c in page["data"]] == [first]
    assert stack.http.get(f"/api/v1/accounts/{name}/video-channels",
                          params={"sort": "bogus"}).status_code == 400


# --- channels -------------------------------------------------------------------------

def test_a_user_creates_a_channel(stack, owner):
    name, headers = owner
    channel, channel_id = new_channel(stack, headers, description="All about trains",
                                      support="Buy me a ticket")
    body = stack.http.get(f"/api/v1/video-channels/{channel}").json()
    assert (body["id"], body["name"], body["displayName"], body["description"],
            body["support"], body["isLocal"]) == (
        channel_id, channel, f"The {channel}", "All about trains", "Buy me a ticket", True)
    assert body["ownerAccount"]["name"] == name
    host = stack.url.split("//")[1]
    assert stack.http.get(f"/api/v1/video-channels/{channel}@{host}").json() == body
    assert stack.http.get(f"/api/v1/video-channels/{channel}@other.example"
                          ).status_code == 404
    mine = stack.http.get("/api/v1/users/me", headers=headers).json()["videoChannels"]
    assert [c["name"] for c in mine] == [f"{name}_channel", channel]


def test_channel_names_are_unique_among_actors(stack, owner):
    name, headers = owner
    other = unique("oth")
    stack.create_user(other)
    for taken in (other, f"{other}_channel", name):
        response = stack.http.post("/api/v1/video-channels", headers=headers, json={
            "name": taken, "displayName": "Mine now"})
        assert response.status_code == 409, taken
    channel, _ = new_channel(stack, headers)
    # Names are told apart without regard to case.
    assert stack.http.post("/api/v1/video-channels", headers=headers, json={
        "name": channel.upper(), "displayName": "Shouting"}).status_code == 409
    user_named_like_it = stack.http.post("/api/v1/users", headers=stack.auth(), json={
        "username": channel, "password": "whatever1", "email": f"{channel}@example.com"})
    assert user_named_like_it.status_code == 409


def test_bad_channels_are_refused(stack, owner):
    _, headers = owner
    bad = stack.http.post("/api/v1/video-channels", headers=headers, json={
        "name": "no spaces allowed", "displayName": "", "description": "x"})
    assert bad.status_code == 400
    assert set(bad.json()["invalid-params"]) == {"name", "displayName", "description"}
    assert stack.http.post("/api/v1/video-channels", json={
        "name": unique("anon"), "displayName": "Anonymous"}).status_code == 401


def test_a_user_has_at_most_twenty_channels(stack, owner):
    _, headers = owner
    for _ in range(19):
        new_channel(stack, headers)
    response = stack.http.post("/api/v1/video-channels", headers=headers, json={
        "name": unique("more"), "displayName": "One too many"})
    assert response.status_code == 400
    assert "20" in response.json()["detail"]


def test_only_the_owner_or_an_admin_changes_a_channel(stack, owner):
    _, headers = owner
    channel, _ = new_channel(stack, headers)
    path = f"/api/v1/video-channels/{channel}"
    stranger = stack.create_user(unique("str"))
    moderator = stack.create_user(unique("mod"), role=1)
    assert stack.http.put(path, json={"displayName": "Anon"}).status_code == 401
    for someone in (stranger, moderator):
        assert stack.http.put(path, headers=someone,
                              json={"displayName": "Taken over"}).status_code == 403
    assert stack.http.put(path, headers=headers, json={
        "displayName": "Renamed", "description": "New words", "support": None}
    ).status_code == 204
    assert stack.http.put(path, headers=stack.auth(),
                          json={"support": "Admin says hi"}).status_code == 204
    body = stack.http.get(path).json()
    assert (body["displayName"], body["description"], body["support"]) == (
        "Renamed", "New words", "Admin says hi")
    assert body["updatedAt"] >= body["createdAt"]
    assert stack.http.put(path, headers=headers,
                          json={"displayName": ""}).status_code == 400


def test_deleting_channels(stack, owner):
    name, headers = owner
    default = f"{name}_channel"
    second, _ = new_channel(stack, headers)
    third, _ = new_channel(stack, headers)
    stranger = stack.create_user(unique("str"))
    moderator = stack.create_user(unique("mod"), role=1)
    assert stack.http.delete(f"/api/v1/video-channels/{second}",
                             headers=stranger).status_code == 403
    assert stack.http.delete(f"/api/v1/video-channels/{second}").status_code == 401
    assert stack.http.delete(f"/api/v1/video-channels/{second}",
                             headers=headers).status_code == 204
    assert stack.http.get(f"/api/v1/video-channels/{second}").status_code == 404
    assert stack.http.delete(f"/api/v1/video-channels/{second}",
                             headers=headers).status_code == 404
    # Moderators may remove a plain user's channel, not an administrator's.
    assert stack.http.delete(f"/api/v1/video-channels/{third}",
                             headers=moderator).status_code == 204
    assert stack.http.delete("/api/v1/video-channels/root_channel",
                             headers=moderator).status_code == 403
    last = stack.http.delete(f"/api/v1/video-channels/{default}", headers=headers)
    assert last.status_code == 409
    channels = stack.http.get(f"/api/v1/accounts/{name}/video-channels").json()
    assert [c["name"] for c in channels["data"]] == [default]
    # A removed channel's name is not given out again.
    assert stack.http.post("/api/v1/video-channels", headers=headers, json={
        "name": second, "displayName": "Back"}).status_code == 409


def test_every_channel_is_listed(stack, owner):
    _, headers = owner
    before = stack.http.get("/api/v1/video-channels").json()["total"]
    channel, _ = new_channel(stack, headers)
    body = stack.http.get("/api/v1/video-channels", params={"count": 1}).json()
    assert body["total"] == before + 1
    assert [c["name"] for c in body["data"]] == [channel]
    oldest = stack.http.get("/api/v1/video-channels",
                            params={"sort": "createdAt", "count": 1}).json()
    assert oldest["data"][0]["name"] == "root_channel"


def test_channel_avatar_and_banner(stack, owner):
    _, headers = owner
    channel, _ = new_channel(stack, headers)
    path = f"/api/v1/video-channels/{channel}"
    avatar = stack.http.post(path + "/avatar/pick", headers=headers,
                             files={"avatarfile": ("a.jpg", image(), "image/jpeg")})
    assert avatar.status_code == 200, avatar.text
    assert [a["width"] for a in avatar.json()["avatars"]] == [1500, 600, 120, 48]
    banner = stack.http.post(path + "/banner/pick", headers=headers,
                             files={"bannerfile": ("b.webp", image(fmt="WEBP"),
                                                   "image/webp")})
    assert banner.status_code == 200, banner.text
    banners = banner.json()["banners"]
    assert [(b["width"], b["height"]) for b in banners] == [(1920, 317), (600, 100)]
    assert banners[0]["path"].startswith("/lazy-static/banners/")
    assert banners[0]["path"].endswith(".webp")
    served = stack.http.get(banners[0]["path"])
    assert Image.open(io.BytesIO(served.content)).size == (1920, 317)
    body = stack.http.get(path).json()
    assert body["avatars"] == avatar.json()["avatars"] and body["banners"] == banners
    listed = stack.http.get("/api/v1/video-channels", params={"count": 5}).json()["data"]
    assert next(c for c in listed if c["name"] == channel)["avatars"] == body["avatars"]

    stranger = stack.create_user(unique("str"))
    assert stack.http.post(path + "/avatar/pick", headers=stranger,
                           files={"avatarfile": ("a.jpg", image(), "image/jpeg")}
                           ).status_code == 403
    assert stack.http.delete(path + "/banner", headers=stranger).status_code == 403
    wrong_field = stack.http.post(path + "/banner/pick", headers=headers,
                                  files={"avatarfile": ("a.jpg", image(), "image/jpeg")})
    assert wrong_field.status_code == 400
    assert stack.http.delete(path + "/banner", headers=headers).status_code == 204
    assert stack.http.delete(path + "/avatar", headers=headers).status_code == 204
    assert stack.http.get(banners[0]["path"]).status_code in (403, 404)
    body = stack.http.get(path).json()
    assert (body["avatars"], body["banners"]) == ([], [])


# --- their videos ---------------------------------------------------------------------

def test_public_videos_are_listed_under_their_account_and_channel(stack, owner, media):
    name, headers = owner
    default_id = stack.channel_id(headers)
    other, other_id = new_channel(stack, headers)
    public = stack.uploaded(media["clip"], "Out in the open", headers,
                            channel_id=default_id)
    private = stack.uploaded(media["clip"], "Just for me", headers, channel_id=default_id,
                             privacy="3")
    elsewhere = stack.uploaded(media["clip"], "In the other channel", headers,
                               channel_id=other_id)
    for uuid in (public, private, elsewhere):
        stack.wait_for_state(uuid)

    def listed(path, **params):
        response = stack.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()["total"], [v["uuid"] for v in response.json()["data"]]

    assert listed(f"/api/v1/accounts/{name}/videos") == (2, [elsewhere, public])
    assert listed(f"/api/v1/video-channels/{name}_channel/videos") == (1, [public])
    assert listed(f"/api/v1/video-channels/{other}/videos") == (1, [elsewhere])
    assert listed(f"/api/v1/accounts/{name}/videos", sort="name", count=1) == (
        2, [elsewhere])
    # The owner sees no more there than anyone: private videos are in "my videos".
    assert private not in stack.http.get(f"/api/v1/accounts/{name}/videos",
                                         headers=headers).text
    assert stack.http.get(f"/api/v1/video-channels/{unique('none')}/videos"
                          ).status_code == 404
    assert stack.http.get(f"/api/v1/accounts/{unique('none')}/videos").status_code == 404


def test_a_percent_encoded_handle_names_the_same_channel(stack):
    stack.create_user("encoded_eve", channelName="eves_corner")
    host = stack.url.split("://", 1)[1]
    plain = stack.http.get(f"/api/v1/video-channels/eves_corner@{host}")
    encoded = stack.http.get(f"/api/v1/video-channels/eves_corner%40{host.replace(':', '%3A')}")
    assert plain.status_code == encoded.status_code == 200, encoded.text
    assert encoded.json()["name"] == "eves_corner"
