"""Federated videos in Chromium with two stacks: B's video watched on A plays from B's
files and joins B's swarm; a video A mirrors plays on B partly from A's copy (B's watch
page reads it among the video's redundancies, and its player takes segments from there,
each checked against B's segment hashes, as well as from B)."""
import re

import pytest

from tests.browser.test_watch import PLAYING
from tests.integration.test_federated_videos import host, remote_copy
from tests.integration.test_follows_api import FOLLOWERS, FOLLOWING, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.federation]


def follow_each_other(a, b) -> None:
    for one, other in ((a, b), (b, a)):
        assert one.http.post(FOLLOWING, json={"hosts": [host(other)]},
                             headers=one.auth()).status_code == 204
        wait_for(lambda one=one: any(f["state"] == "accepted" for f in
                                     one.http.get(FOLLOWING).json()["data"]))


def unfollow_each_other(a, b) -> None:
    for one, other in ((a, b), (b, a)):
        assert one.http.delete(f"{FOLLOWING}/{host(other)}",
                               headers=one.auth()).status_code == 204
    wait_for(lambda: b.http.get(FOLLOWERS).json()["total"] == 0
             and a.http.get(FOLLOWERS).json()["total"] == 0)


def test_a_remote_video_plays_from_its_origin(page, two_stacks, media):
    a, b = two_stacks
    follow_each_other(a, b)
    uuid = b.uploaded(media["clip"], "Played from afar", b.create_user("afar_player"))
    assert b.wait_for_state(uuid)["state"]["id"] == 1
    wait_for(lambda: remote_copy(a, uuid))
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("websocket", lambda ws: requested.append(ws.url))
    page.goto(f"{a.url}/w/{uuid}")
    page.wait_for_function("document.getElementById('player')?.readyState === 4",
                           timeout=20_000)
    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function(PLAYING, timeout=20_000)
    assert page.locator('[data-testid="video-title"]').inner_text() == "Played from afar"
    # The media came from B, and peers were looked for in B's swarm.
    assert any(url.startswith(f"{b.url}/static/streaming-playlists/hls/{uuid}/")
               for url in requested)
    assert not any(url.startswith(f"{a.url}/static/") for url in requested)
    ws_b = b.url.replace("http://", "ws://")
    assert any(url.startswith(f"{ws_b}/tracker/socket") for url in requested)
    # Its channel's link leads to the channel's page here.
    channel = page.locator('[data-testid="channel-link"]')
    assert channel.get_attribute("href") == f"/c/afar_player_channel@{host(b)}"
    channel.click()
    page.wait_for_url(f"**/c/afar_player_channel@{host(b)}")
    page.locator('[data-testid="video-card"]', has_text="Played from afar").first.wait_for()
    unfollow_each_other(a, b)


def test_segments_come_from_the_mirror_too(page, two_stacks, media):
    a, b = two_stacks
    follow_each_other(a, b)
    uuid = b.uploaded(media["clip"], "Played from a mirror", b.create_user("mirror_player"))
    assert b.wait_for_state(uuid)["state"]["id"] == 1
    wait_for(lambda: remote_copy(a, uuid))
    assert a.http.post("/api/v1/server/redundancy/videos", json={"videoId": uuid},
                       headers=a.auth()).status_code == 204
    wait_for(lambda: b.http.get(f"/api/v1/videos/{uuid}").json()["streamingPlaylists"][0][
        "redundancies"])

    from_mirror = []
    page.on("requestfinished", lambda request: from_mirror.append(request.url) if re.match(
        re.escape(f"{a.url}/static/redundancy/hls/{uuid}/"), request.url) else None)
    page.goto(f"{b.url}/w/{uuid}")
    page.wait_for_function("document.getElementById('player')?.readyState === 4",
                           timeout=20_000)
    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function(PLAYING, timeout=20_000)
    assert page.locator('[data-testid="p2p-stats"]').get_attribute("data-mode") == "hls-p2p"
    wait_for(lambda: from_mirror, timeout=20)
    assert all(url.endswith(".mp4") for url in from_mirror)
    [mirror] = [m for m in a.http.get("/api/v1/server/redundancy/videos",
                                      headers=a.auth()).json()["data"] if m["uuid"] == uuid]
    assert a.http.delete(f"/api/v1/server/redundancy/videos/{mirror['id']}",
                         headers=a.auth()).status_code == 204
    unfollow_each_other(a, b)
