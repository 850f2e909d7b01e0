"""A video another instance mirrors plays partly from the mirror, in Chromium: B's watch
page reads A's copy among the video's redundancies, and its player takes segments from
there (each checked against B's segment hashes) as well as from B."""
import re

import pytest

from tests.browser.test_watch import PLAYING
from tests.integration.test_federated_videos import host, remote_copy
from tests.integration.test_follows_api import FOLLOWERS, FOLLOWING, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.federation]


def test_segments_come_from_the_mirror_too(page, two_stacks, media):
    a, b = two_stacks
    for one, other in ((a, b), (b, a)):
        assert one.http.post(FOLLOWING, json={"hosts": [host(other)]},
                             headers=one.auth()).status_code == 204
        wait_for(lambda one=one: any(f["state"] == "accepted" for f in
                                     one.http.get(FOLLOWING).json()["data"]))
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

    for one, other in ((a, b), (b, a)):
        assert one.http.delete(f"{FOLLOWING}/{host(other)}",
                               headers=one.auth()).status_code == 204
    wait_for(lambda: b.http.get(FOLLOWERS).json()["total"] == 0
             and a.http.get(FOLLOWERS).json()["total"] == 0)
