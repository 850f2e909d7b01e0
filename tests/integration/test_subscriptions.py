"""Following channels: subscribe, check, list, unsubscribe, and the feed of their videos."""
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.integration
SUBS = "/api/v1/users/me/subscriptions"


@pytest.fixture(scope="module")
def fan(stack):
    return stack.create_user("sb_fan")


@pytest.fixture(scope="module")
def creators(stack, media):
    """Two creators' channels; the first publishes a public and a private video."""
    first, second = stack.create_user("sb_first"), stack.create_user("sb_second")
    uploaded = {}
    for name, privacy in (("Fresh from first", "1"), ("Hidden from fans", "3")):
        with media["portrait"].open("rb") as f:
            response = stack.http.post(
                "/api/v1/videos/upload", headers=first,
                data={"name": name, "channelId": str(stack.channel_id(first)),
                      "privacy": privacy},
                files={"videofile": ("portrait.mov", f, "video/quicktime")})
        assert response.status_code == 200, response.text
        uploaded[name] = response.json()["video"]["uuid"]
    for uuid in uploaded.values():
        assert stack.wait_for_state(uuid)["state"]["id"] == 1
    return {"first": first, "second": second}


def subscribe(stack, headers, uri):
    return stack.http.post(SUBS, headers=headers, json={"uri": uri})


def test_subscribe_list_and_unsubscribe(stack, fan, creators):
    host = stack.url.split("://")[1]
    assert subscribe(stack, fan, "sb_first_channel").status_code == 204
    assert subscribe(stack, fan, f"sb_second_channel@{host}").status_code == 204
    assert subscribe(stack, fan, "sb_first_channel").status_code == 204  # again: no change

    listed = stack.http.get(SUBS, headers=fan).json()
    assert listed["total"] == 2
    assert [c["name"] for c in listed["data"]] == ["sb_second_channel", "sb_first_channel"]
    assert listed["data"][1]["followersCount"] == 1
    assert listed["data"][1]["ownerAccount"]["name"] == "sb_first"
    # The account's list of channels counts the followers too.
    channels = stack.http.get("/api/v1/accounts/sb_first/video-channels").json()["data"]
    assert [c["followersCount"] for c in channels] == [1]
    oldest = stack.http.get(SUBS, headers=fan, params={"sort": "createdAt", "count": 1}).json()
    assert oldest["total"] == 2 and [c["name"] for c in oldest["data"]] == ["sb_first_channel"]
    assert [c["name"] for c in stack.http.get(SUBS, headers=fan, params={
        "search": "SECOND"}).json()["data"]] == ["sb_second_channel"]

    one = stack.http.get(f"{SUBS}/sb_first_channel", headers=fan)
    assert one.status_code == 200 and one.json()["displayName"] == "Main sb_first channel"
    exist = stack.http.get(f"{SUBS}/exist", headers=fan, params={"uris": [
        "sb_first_channel", f"sb_second_channel@{host}", "sb_fan_channel",
        "sb_first_channel@elsewhere.example"]}).json()
    assert exist == {"sb_first_channel": True, f"sb_second_channel@{host}": True,
                     "sb_fan_channel": False, "sb_first_channel@elsewhere.example": False}

    assert stack.http.delete(f"{SUBS}/sb_second_channel", headers=fan).status_code == 204
    assert stack.http.delete(f"{SUBS}/sb_second_channel", headers=fan).status_code == 404
    assert stack.http.get(f"{SUBS}/sb_second_channel", headers=fan).status_code == 404
    assert stack.http.get(SUBS, headers=fan).json()["total"] == 1


def test_feed_shows_public_videos_of_followed_channels(stack, fan, creators):
    subscribe(stack, fan, "sb_first_channel")
    feed = stack.http.get(f"{SUBS}/videos", headers=fan)
    assert feed.status_code == 200, feed.text
    names = [v["name"] for v in feed.json()["data"]]
    assert names == ["Fresh from first"] and feed.json()["total"] == 1
    loner = stack.create_user("sb_loner")
    assert stack.http.get(f"{SUBS}/videos", headers=loner).json() == {"total": 0, "data": []}
    assert stack.http.get(f"{SUBS}/videos", headers=fan,
                          params={"sort": "-nonsense"}).status_code == 400


@pytest.mark.parametrize("uri, status", [
    ("no_such_channel", 404), ("sb_first", 404), ("someone@elsewhere.example", 400),
    ("not a handle!", 400), ("", 400)])
def test_what_cannot_be_followed(stack, fan, creators, uri, status):
    response = subscribe(stack, fan, uri)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


def test_subscriptions_need_a_user(stack):
    for method, path in (("GET", SUBS), ("POST", SUBS), ("GET", f"{SUBS}/exist"),
                         ("GET", f"{SUBS}/videos"), ("GET", f"{SUBS}/x_channel"),
                         ("DELETE", f"{SUBS}/x_channel")):
        assert stack.http.request(method, path, json={"uri": "x"}).status_code == 401, path


def test_racing_follows_count_once(stack, creators):
    fans = [stack.create_user(f"sb_racer{i}") for i in range(3)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = set(pool.map(lambda h: subscribe(stack, h, "sb_second_channel").status_code,
                                fans * 4))
        statuses |= set(pool.map(
            lambda h: stack.http.delete(f"{SUBS}/sb_second_channel", headers=h).status_code,
            fans[:1] * 4))
    assert statuses <= {204, 404} and 204 in statuses
    follower = stack.http.get(f"{SUBS}/sb_second_channel", headers=fans[1]).json()
    assert follower["followersCount"] == 2
    for headers in fans:
        assert stack.http.get(SUBS, headers=headers).json()["total"] == (
            0 if headers is fans[0] else 1)
