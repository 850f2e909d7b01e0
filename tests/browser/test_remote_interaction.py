"""Acting on another instance's channel from one's own, in Chromium against two stacks: a
visitor of B's channel page sends themselves to their instance A's remote-interaction
page, which (once signed in) finds the channel on B and opens it on A, where Subscribe
follows it over ActivityPub."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.integration.test_follows_api import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.federation]


def test_subscribing_from_ones_own_instance(page, two_stacks):
    a, b = two_stacks
    host_a, host_b = (s.url.split("://")[1] for s in two_stacks)
    b.create_user("remote_maker")
    a.create_user("remote_viewer")
    handle = f"remote_maker_channel@{host_b}"

    # On B, as a visitor: "Subscribe from your instance", A's address, Go.
    page.goto(f"{b.url}/c/remote_maker_channel")
    page.get_by_text("Subscribe from your instance").click()
    page.get_by_test_id("remote-subscribe-host").fill("not an address")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_test_id("remote-subscribe")).to_contain_text("videos.example.org")
    page.get_by_test_id("remote-subscribe-host").fill(f"http://{host_a}/")
    sign_in(page, a, "remote_viewer")
    page.get_by_role("button", name="Go").click()

    # On A: the page looks the handle up on B and opens the channel here.
    expect(page).to_have_url(re.compile(re.escape(f"{a.url}/c/{handle}")))
    expect(page.get_by_role("heading", level=1)).to_contain_text("remote_maker")
    page.get_by_test_id("subscribe-button").click()
    expect(page.get_by_test_id("subscribe-button")).to_have_text("Unsubscribe")
    wait_for(lambda: b.http.get("/video-channels/remote_maker_channel/followers",
                                headers={"Accept": "application/activity+json"}
                                ).json()["totalItems"] == 1)

    # An address that leads nowhere says so.
    page.goto(f"{a.url}/remote-interaction?uri=nobody_at_all@{host_b}")
    expect(page.get_by_test_id("remote-interaction-not-found")).to_contain_text(
        f"nobody_at_all@{host_b}")

    assert a.http.delete(f"/api/v1/users/me/subscriptions/{handle}",
                         headers=a.auth("remote_viewer", "user-password")).status_code == 204
