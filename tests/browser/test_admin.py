"""The administration pages in Chromium: who may open them, the instance settings, users,
reports, blocklists and follows."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


def settled(page):
    """Waits until the page's lists are loaded (after an action reloaded it)."""
    page.wait_for_function("!document.querySelector('main .loading')")


def test_a_plain_user_is_refused_the_admin_pages(stack, page):
    page.goto(stack.url + "/admin/users")
    page.wait_for_url("**/login?next=%2Fadmin%2Fusers")

    stack.create_user("admin_plain_user")
    sign_in(page, stack, "admin_plain_user")
    for path in ("/admin/users", "/admin/settings", "/admin/moderation/abuses"):
        page.goto(stack.url + path)
        error = page.locator('[data-testid="error"]')
        error.wait_for()
        assert "not allowed" in error.inner_text()
    assert page.locator('[data-testid="nav-my-videos"]').is_visible()
    assert page.locator('[data-testid^="nav-admin-"]').count() == 0
    assert page.locator(".admin-sections").count() == 0


def test_a_moderator_sees_moderation_but_not_the_settings(stack, page):
    stack.create_user("admin_moderator", role=1)
    sign_in(page, stack, "admin_moderator")
    page.goto(stack.url + "/admin/moderation/abuses")
    page.locator(".admin-sections").wait_for()
    assert page.locator('[data-testid="nav-admin-abuses"]').is_visible()
    assert page.locator('[data-testid="nav-admin-settings"]').count() == 0
    page.goto(stack.url + "/admin/settings")
    assert "not allowed" in page.locator('[data-testid="error"]').inner_text()


def test_the_admin_changes_the_name_and_the_nsfw_policy(stack, page):
    before = stack.http.get("/api/v1/config/custom", headers=stack.auth()).json()
    policy = ("do_not_list" if before["instance"]["defaultNSFWPolicy"] != "do_not_list"
              else "display")
    sign_in(page, stack)
    try:
        page.goto(stack.url + "/admin/settings")
        name = page.locator('[data-testid="setting-instance.name"]')
        name.wait_for()
        assert name.input_value() == before["instance"]["name"]

        # A missing or refused setting is explained next to its field; nothing is saved.
        name.fill("")
        page.locator('[data-testid="settings-save"]').click()
        assert name.get_attribute("aria-invalid") == "true"
        assert page.locator(".field-error:visible").inner_text().endswith("required.")
        name.fill("Admin Test Tube")
        limit = page.locator('[data-testid="setting-signup.limit"]')
        limit.fill("-7")
        page.locator('[data-testid="settings-save"]').click()
        page.locator('[data-testid="admin-status"]', has_text="refused").wait_for()
        assert limit.get_attribute("aria-invalid") == "true"
        assert page.locator(".field-error:visible").count() == 1
        assert "-1" in page.locator(".field-error:visible").inner_text()
        assert stack.http.get("/api/v1/config").json()["instance"]["name"] != "Admin Test Tube"
        limit.fill(str(before["signup"]["limit"]))

        page.locator('[data-testid="setting-instance.defaultNSFWPolicy"]').select_option(policy)
        page.locator('[data-testid="settings-save"]').click()
        status = page.locator('[data-testid="admin-status"]')
        status.filter(has_text="Settings saved").wait_for()
        assert page.locator(".field-error:visible").count() == 0
        page.locator(".brand-name", has_text="Admin Test Tube").wait_for()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SCREENSHOTS / "admin-settings.png"))

        page.reload()
        page.locator(".brand-name", has_text="Admin Test Tube").wait_for()
        assert page.locator('[data-testid="setting-instance.defaultNSFWPolicy"]').input_value() \
            == policy
        config = stack.http.get("/api/v1/config").json()
        assert config["instance"]["name"] == "Admin Test Tube"
        assert config["instance"]["defaultNSFWPolicy"] == policy
    finally:
        restored = stack.http.put("/api/v1/config/custom", headers=stack.auth(), json=before)
        assert restored.status_code == 200, restored.text


def test_the_admin_creates_a_user_changes_its_role_and_blocks_it(stack, page):
    sign_in(page, stack)
    page.goto(stack.url + "/admin/users")
    page.locator('[data-testid="create-user-link"]').click()
    page.wait_for_url("**/admin/users/create")
    page.locator('[data-testid="field-username"]').fill("admin_made_user")
    page.locator('[data-testid="field-email"]').fill("admin_made_user@example.com")
    page.locator('[data-testid="field-password"]').fill("user-password")
    page.locator('[data-testid="field-videoQuota"]').select_option(str(1024 ** 3))
    page.locator('[data-testid="create-user-submit"]').click()
    page.wait_for_url(re.compile(r".*/admin/users\?search=admin_made_user$"))
    row = page.locator('[data-testid="user-row"]', has_text="admin_made_user")
    row.wait_for()
    page.locator('[data-testid="admin-status"]', has_text="User admin_made_user created").wait_for()
    assert "1 GB" in row.inner_text()

    row.locator('[data-testid="edit-user"]').click()
    page.locator("h1", has_text="Edit user admin_made_user").wait_for()
    page.locator('[data-testid="field-role"]').select_option("1")
    page.locator('[data-testid="save-user"]').click()
    page.locator('[data-testid="admin-status"]', has_text="saved").wait_for()
    users = stack.http.get("/api/v1/users", headers=stack.auth(),
                           params={"search": "admin_made_user"}).json()["data"]
    assert users[0]["role"]["id"] == 1

    page.goto(stack.url + "/admin/users?search=admin_made_user")
    assert row.locator('[data-testid="user-role"]').inner_text() == "Moderator"
    assert stack.token("admin_made_user", "user-password")
    row.locator('[data-testid="block-user"]').click()
    dialog = page.locator('[data-testid="admin-dialog"]')
    dialog.locator("textarea").fill("Spamming the comments")
    dialog.locator('[data-testid="dialog-confirm"]').click()
    row.locator('[data-testid="user-blocked"]').wait_for()
    page.locator('[data-testid="admin-status"]', has_text="blocked").wait_for()
    assert "Spamming the comments" in row.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "admin-users.png"))

    client = stack.http.get("/api/v1/oauth-clients/local").json()
    login = stack.http.post("/api/v1/users/token", data={
        **client, "grant_type": "password", "username": "admin_made_user",
        "password": "user-password"})
    assert login.status_code in (400, 401, 403)

    row.locator('[data-testid="unblock-user"]').click()
    row.locator('[data-testid="block-user"]').wait_for()
    assert stack.token("admin_made_user", "user-password")


def test_a_registration_request_is_accepted_with_a_message(stack, page):
    before = stack.http.get("/api/v1/config/custom", headers=stack.auth()).json()
    opened = stack.http.put("/api/v1/config/custom", headers=stack.auth(), json={
        "signup": {"enabled": True, "requiresApproval": True, "limit": -1}})
    assert opened.status_code == 200, opened.text
    try:
        request = stack.http.post("/api/v1/users/registrations/request", json={
            "username": "admin_applicant", "email": "admin_applicant@example.com",
            "password": "user-password", "registrationReason": "I make films about bees."})
        assert request.status_code == 200, request.text
    finally:
        stack.http.put("/api/v1/config/custom", headers=stack.auth(), json=before)

    sign_in(page, stack)
    page.goto(stack.url + "/admin/registrations")
    row = page.locator('[data-testid="registration-row"]', has_text="admin_applicant")
    assert "films about bees" in row.inner_text()
    row.locator('[data-testid="accept-registration"]').click()
    dialog = page.locator('[data-testid="admin-dialog"]')
    dialog.locator("textarea").fill("Welcome, bee person.")
    dialog.locator('[data-testid="dialog-confirm"]').click()
    page.locator('[data-testid="admin-status"]', has_text="accepted").wait_for()
    assert "Welcome, bee person." in row.inner_text()
    assert stack.token("admin_applicant", "user-password")


def test_a_report_shows_in_the_abuses_page_and_is_accepted(stack, media, page):
    owner = stack.create_user("admin_reported")
    reporter = stack.create_user("admin_reporter")
    uuid = stack.uploaded(media["clip"], "Reported in the admin test", owner)
    video = stack.wait_for_state(uuid)
    report = stack.http.post("/api/v1/abuses", headers=reporter, json={
        "reason": "This video shows things it should not.",
        "predefinedReasons": ["spamOrMisleading"], "video": {"id": video["id"]}})
    assert report.status_code == 200, report.text
    abuse_id = report.json()["abuse"]["id"]

    sign_in(page, stack)
    page.goto(stack.url + "/admin/moderation/abuses?state=1")
    card = page.locator(f'[data-testid="abuse-card"][data-abuse-id="{abuse_id}"]')
    card.wait_for()
    assert "Reported in the admin test" in card.inner_text()
    assert "Spam or misleading" in card.inner_text()
    assert card.locator('[data-testid="abuse-state"]').inner_text() == "Pending"

    card.locator('[data-testid="abuse-messages-toggle"]').click()
    card.locator('[data-testid="abuse-message-input"]').fill("Thanks, we are looking at it.")
    card.locator('[data-testid="abuse-message-send"]').click()
    card.locator('[data-testid="abuse-message"]', has_text="we are looking").wait_for()

    card.locator('[data-testid="accept-abuse"]').click()
    dialog = page.locator('[data-testid="admin-dialog"]')
    dialog.locator("textarea").fill("Removed the video's channel from the front page.")
    dialog.locator('[data-testid="dialog-confirm"]').click()
    page.locator('[data-testid="admin-status"]', has_text=f"Report #{abuse_id} accepted").wait_for()
    # Still filtered on pending reports: the accepted one left the list.
    settled(page)
    assert card.count() == 0
    page.goto(stack.url + "/admin/moderation/abuses")
    card.locator('[data-testid="abuse-state"]', has_text="Accepted").wait_for()
    assert "Removed the video" in card.locator('[data-testid="abuse-comment"]').inner_text()
    page.screenshot(path=str(SCREENSHOTS / "admin-abuses.png"))

    mine = stack.http.get("/api/v1/users/me/abuses", headers=reporter,
                          params={"id": abuse_id}).json()["data"][0]
    assert mine["state"]["id"] == 3 and mine["countMessages"] == 1

    # The video blocked since shows in the blocked videos, and is unblocked from there.
    blocked = stack.http.post(f"/api/v1/videos/{uuid}/blacklist", headers=stack.auth(),
                              json={"reason": "Reported and checked."})
    assert blocked.status_code == 204, blocked.text
    page.goto(stack.url + "/admin/moderation/blocklist")
    page.locator(".admin-tabs a", has_text="Videos").click()
    page.wait_for_url("**/admin/moderation/video-blocks")
    row = page.locator('[data-testid="blocked-video-row"]', has_text="Reported in the admin test")
    assert "Reported and checked." in row.inner_text()
    row.locator('[data-testid="unblock-video"]').click()
    page.locator('[data-testid="admin-dialog"] [data-testid="dialog-confirm"]').click()
    page.locator('[data-testid="admin-status"]', has_text="unblocked").wait_for()
    settled(page)
    assert row.count() == 0
    assert not stack.http.get(f"/api/v1/videos/{uuid}").json().get("blacklisted")


def test_blocking_and_unblocking_a_server(stack, page):
    host = "blocked-by-admin.example.org"
    sign_in(page, stack)
    page.goto(stack.url + "/admin/moderation/blocklist")
    page.locator(".admin-tabs a", has_text="Servers").click()
    page.wait_for_url("**/admin/moderation/blocklist/servers")
    page.locator('[data-testid="block-servers-input"]').fill("not a host!")
    page.locator('[data-testid="block-servers-submit"]').click()
    assert "such as videos.example.org" in page.locator(".field-error:visible").inner_text()

    page.locator('[data-testid="block-servers-input"]').fill(host)
    page.locator('[data-testid="block-servers-submit"]').click()
    row = page.locator('[data-testid="blocked-servers-row"]', has_text=host)
    row.wait_for()
    page.locator('[data-testid="admin-status"]', has_text="muted").wait_for()
    page.screenshot(path=str(SCREENSHOTS / "admin-blocklist.png"))
    blocked = stack.http.get("/api/v1/server/blocklist/servers", headers=stack.auth()).json()
    assert host in [b["blockedServer"]["host"] for b in blocked["data"]]

    row.locator('[data-testid="unmute"]').click()
    page.locator('[data-testid="admin-status"]', has_text="unmuted").wait_for()
    settled(page)
    assert row.count() == 0
    blocked = stack.http.get("/api/v1/server/blocklist/servers", headers=stack.auth()).json()
    assert host not in [b["blockedServer"]["host"] for b in blocked["data"]]


def test_the_follows_page_lists_follows_and_refuses_an_unreachable_host(stack, page):
    sign_in(page, stack)
    page.goto(stack.url + "/admin/follows")
    expect(page.locator('[data-testid="admin-empty"]')).to_contain_text("follows no one")
    page.locator('[data-testid="follow-hosts"]').fill("127.0.0.1:9")
    page.locator('[data-testid="follow-submit"]').click()
    # No instance answers there: the server says so next to the field, and nothing is kept.
    expect(page.locator(".field-error", has_text="127.0.0.1:9")).to_be_visible()
    assert stack.http.get("/api/v1/server/following").json()["total"] == 0
    page.locator(".admin-tabs a", has_text="Followers").click()
    page.wait_for_url("**/admin/follows/followers-list")
    expect(page.locator('[data-testid="admin-empty"]')).to_contain_text("No one follows")


def test_the_follows_page_reads_peertubes_follow_lists(stack, page):
    """A follow list as PeerTube's API shapes it (answers faked: a real remote instance is
    for the federation tests) renders, and Unfollow sends its DELETE."""
    peer = {"name": "peertube", "host": "videos.example.org",
            "url": "https://videos.example.org/accounts/peertube"}
    local = {"name": "peertube", "host": "127.0.0.1"}
    follow = {"id": 4, "follower": local, "following": peer, "score": 1000, "state": "accepted",
              "createdAt": "2026-01-02T10:00:00.000Z", "updatedAt": "2026-01-02T10:00:00.000Z"}
    deleted = []

    def following(route):
        if route.request.method == "DELETE":
            deleted.append(route.request.url)
            route.fulfill(status=204)
        else:
            route.fulfill(json={"total": 0 if deleted else 1, "data": [] if deleted else [follow]})

    page.route("**/api/v1/server/following**", following)
    sign_in(page, stack)
    page.goto(stack.url + "/admin/follows")
    row = page.locator('[data-testid="following-row"]', has_text="videos.example.org")
    assert "Accepted" in row.inner_text()
    row.locator("button", has_text="Unfollow").click()
    page.locator('[data-testid="admin-dialog"] [data-testid="dialog-confirm"]').click()
    page.locator('[data-testid="admin-empty"]').wait_for()
    assert deleted and deleted[0].endswith("/api/v1/server/following/videos.example.org")
