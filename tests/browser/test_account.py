"""The account pages in Chromium: signing up, logging in and out, the settings (profile,
avatar, theme, NSFW policy), channels, subscriptions and the about page."""
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
DARK_BACKGROUND = "rgb(17, 20, 24)"  # --bg of base.css's dark theme


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


@pytest.fixture
def custom_config(stack):
    """`change(document)` edits the instance's settings as its administrator; the settings
    touched are put back after the test (the stack serves the whole session)."""
    before = stack.http.get("/api/v1/config/custom", headers=stack.auth()).json()
    touched: dict = {}

    def change(document: dict) -> None:
        for section, values in document.items():
            touched.setdefault(section, {k: before[section][k] for k in values})
        response = stack.http.put("/api/v1/config/custom", headers=stack.auth(), json=document)
        assert response.status_code == 200, response.text

    yield change
    if touched:
        stack.http.put("/api/v1/config/custom", headers=stack.auth(),
                       json=touched).raise_for_status()


@pytest.fixture
def image(tmp_path):
    """`image(width, height)`: a PNG file of that size."""
    def make(width: int, height: int) -> Path:
        path = tmp_path / f"image-{width}x{height}.png"
        Image.new("RGB", (width, height), (40, 120, 200)).save(path)
        return path
    return make


def me(stack, username: str, password: str = "user-password") -> dict:
    return stack.http.get("/api/v1/users/me", headers=stack.auth(username, password)).json()


def screenshot(page, name: str) -> None:
    """The whole page, from its top (the header is sticky)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def header_name(page):
    """The name the header shows for the signed-in user."""
    return page.locator(f"{tid('account-chip')} .account-name")


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_sign_up_log_out_and_log_in(stack, page, custom_config):
    custom_config({"signup": {"enabled": True, "requiresApproval": False, "limit": -1}})
    page.goto(stack.url + "/signup")
    page.locator(tid("signup-form")).wait_for()

    # Mistakes are explained next to their fields before anything is sent.
    page.fill(tid("field-displayName"), "Ada Lovelace")
    page.fill(tid("field-username"), "Ada Account")
    page.fill(tid("field-email"), "ada@example.com")
    page.fill(tid("field-password"), "analytical-engine")
    page.fill(tid("field-passwordConfirmation"), "analytical-engin")
    page.click(tid("signup-submit"))
    expect(page.locator(tid("error-username"))).to_contain_text("lowercase")
    expect(page.locator(tid("error-passwordConfirmation"))).to_contain_text("differ")
    expect(page.locator(tid("error-terms"))).to_contain_text("terms")
    assert page.evaluate("document.activeElement.name") == "username"
    screenshot(page, "signup.png")

    # A name already taken: the server's answer is shown on the page.
    page.fill(tid("field-username"), "root")
    page.fill(tid("field-passwordConfirmation"), "analytical-engine")
    page.check(tid("field-terms"))
    page.fill(tid("field-channelName"), "ada_channel")
    page.click(tid("signup-submit"))
    expect(page.locator(tid("form-error"))).to_contain_text("already exists")

    # The API's per-field messages (PeerTube's invalid-params) go next to their fields.
    refusal = {"status": 400, "detail": "Incorrect request parameters: email, channel",
               "invalid-params": {"email": {"msg": "This email is refused here"},
                                  "channel": {"msg": "This channel name is refused"}}}
    page.route("**/api/v1/users/register", lambda route: route.fulfill(
        status=400, content_type="application/json", body=json.dumps(refusal)))
    page.click(tid("signup-submit"))
    expect(page.locator(tid("error-email"))).to_have_text("This email is refused here")
    expect(page.locator(tid("error-channelName"))).to_have_text("This channel name is refused")
    page.unroute("**/api/v1/users/register")

    # The channel's names follow the username and display name until edited.
    page.fill(tid("field-channelName"), "")
    page.fill(tid("field-username"), "ada_account")
    assert page.input_value(tid("field-channelName")) == "ada_account_channel"
    assert page.input_value(tid("field-channelDisplayName")) == "Main Ada Lovelace channel"
    page.click(tid("signup-submit"))
    page.wait_for_url(stack.url + "/")
    expect(header_name(page)).to_have_text("Ada Lovelace")
    channels = me(stack, "ada_account", "analytical-engine")["videoChannels"]
    assert [c["name"] for c in channels] == ["ada_account_channel"]

    page.click(tid("logout"))
    page.locator(tid("login-link")).wait_for()

    # A page for users only sends a visitor to log in, and back after it.
    page.goto(stack.url + "/my-library/video-channels")
    page.wait_for_url("**/login?next=%2Fmy-library%2Fvideo-channels")
    expect(page.locator(tid("login-signup-link"))).to_be_visible()
    page.fill(tid("field-username"), "ada_account")
    page.fill(tid("field-password"), "wrong-password")
    page.click(tid("login-submit"))
    expect(page.locator(tid("form-error"))).to_contain_text("Incorrect username or password")
    screenshot(page, "login.png")
    # The email address works as well as the username.
    page.fill(tid("field-username"), "ada@example.com")
    page.fill(tid("field-password"), "analytical-engine")
    page.click(tid("login-submit"))
    page.wait_for_url(stack.url + "/my-library/video-channels")
    expect(header_name(page)).to_have_text("Ada Lovelace")


def test_sign_up_awaiting_approval_and_closed(stack, page, custom_config):
    custom_config({"signup": {"enabled": True, "requiresApproval": True, "limit": -1}})
    page.goto(stack.url + "/signup")
    page.fill(tid("field-username"), "acct_pending")
    page.fill(tid("field-email"), "acct_pending@example.com")
    page.fill(tid("field-password"), "pending-password")
    page.fill(tid("field-passwordConfirmation"), "pending-password")
    page.fill(tid("field-registrationReason"), "I teach cooking and want to publish lessons.")
    page.check(tid("field-terms"))
    page.click(tid("signup-submit"))
    expect(page.locator(tid("signup-pending"))).to_contain_text("awaits a moderator")
    found = stack.http.get("/api/v1/users/registrations", headers=stack.auth(),
                           params={"search": "acct_pending"}).json()["data"]
    assert [r["username"] for r in found] == ["acct_pending"]
    assert found[0]["registrationReason"].startswith("I teach cooking")

    custom_config({"signup": {"enabled": False}})
    page.goto(stack.url + "/signup")
    expect(page.locator(tid("signup-closed"))).to_contain_text("does not accept new accounts")
    page.goto(stack.url + "/login")
    page.locator(tid("login-form")).wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator(tid("login-signup-link")).count() == 0
    # Nor in the header: "Log in" alone.
    assert page.locator(tid("signup-link")).count() == 0
    assert page.locator(".account-area").inner_text().strip() == "Log in"


def test_display_name_and_avatar_show_in_the_header(stack, page, image):
    stack.create_user("acct_profile")
    sign_in(page, stack, "acct_profile")
    page.goto(stack.url + "/my-account/settings")
    page.fill(tid("field-displayName"), "Grace Hopper")
    page.fill(tid("field-description"), "Compilers, and nanoseconds.")
    page.click(tid("profile-submit"))
    page.locator(tid("profile-status"), has_text="Profile saved").wait_for()
    expect(header_name(page)).to_have_text("Grace Hopper")
    assert me(stack, "acct_profile")["account"]["description"] == "Compilers, and nanoseconds."

    page.set_input_files(tid("avatar-input"), str(image(400, 400)))
    page.locator(tid("avatar-status"), has_text="Avatar updated").wait_for()
    header_avatar = page.locator(f'{tid("account-chip")} img')
    assert "/lazy-static/avatars/" in header_avatar.get_attribute("src")
    assert page.evaluate("document.querySelector('[data-testid=\"account-chip\"] img')"
                         ".naturalWidth") > 0
    assert me(stack, "acct_profile")["account"]["avatars"]
    screenshot(page, "settings.png")

    page.click(tid("avatar-remove"))
    page.locator(tid("avatar-status"), has_text="Avatar removed").wait_for()
    assert header_avatar.count() == 0
    assert me(stack, "acct_profile")["account"]["avatars"] == []

    # A new password needs the current one.
    page.fill(tid("field-currentPassword"), "not-my-password")
    page.fill(tid("field-newPassword"), "a-new-password")
    page.fill(tid("field-newPasswordConfirmation"), "a-new-password")
    page.click(tid("password-form-submit"))
    expect(page.locator(tid("error-currentPassword"))).to_contain_text("not this one")
    page.fill(tid("field-currentPassword"), "user-password")
    page.click(tid("password-form-submit"))
    expect(page.locator(tid("password-form-status"))).to_contain_text("Password changed")
    assert me(stack, "acct_profile", "a-new-password")["username"] == "acct_profile"
    # This tab stays signed in.
    page.reload()
    expect(header_name(page)).to_have_text("Grace Hopper")


def test_the_dark_theme_applies_at_once_and_stays(stack, page):
    stack.create_user("acct_theme")
    sign_in(page, stack, "acct_theme")
    page.goto(stack.url + "/my-account/settings")
    page.locator(tid("appearance-section")).wait_for()
    light = background(page)
    assert light != DARK_BACKGROUND

    page.check(tid("theme-peerless-dark"))
    page.wait_for_function(
        f"getComputedStyle(document.body).backgroundColor === {DARK_BACKGROUND!r}")
    page.locator(tid("theme-status"), has_text="Saved").wait_for()
    screenshot(page, "settings-dark.png")
    assert me(stack, "acct_theme")["theme"] == "peerless-dark"

    page.reload()
    page.locator(tid("appearance-section")).wait_for()
    assert background(page) == DARK_BACKGROUND
    assert page.is_checked(tid("theme-peerless-dark"))
    page.check(tid("theme-peerless-light"))
    page.wait_for_function(f"getComputedStyle(document.body).backgroundColor === {light!r}")


def test_nsfw_policy_as_a_visitor_then_as_a_user(stack, page):
    page.goto(stack.url + "/my-account/settings")
    page.locator(tid("visitor-note")).wait_for()
    assert page.locator(tid("profile-section")).count() == 0
    page.check(tid("nsfw-do_not_list"))
    page.locator(tid("videos-status"), has_text="Saved in this browser").wait_for()
    stored = json.loads(page.evaluate("localStorage.getItem('peerless.preferences')"))
    assert stored["nsfwPolicy"] == "do_not_list"
    page.uncheck(tid("p2p-toggle"))
    page.locator(tid("videos-status"), has_text="Saved in this browser").wait_for()
    page.reload()
    page.locator(tid("videos-section")).wait_for()
    assert page.is_checked(tid("nsfw-do_not_list"))
    assert not page.is_checked(tid("p2p-toggle"))

    stack.create_user("acct_nsfw")
    sign_in(page, stack, "acct_nsfw")
    page.goto(stack.url + "/my-account/settings")
    page.locator(tid("profile-section")).wait_for()
    # The account's policy, not this browser's, applies now.
    assert page.is_checked(tid(f"nsfw-{me(stack, 'acct_nsfw')['nsfwPolicy']}"))
    page.check(tid("nsfw-display"))
    expect(page.locator(tid("videos-status"))).to_have_text("Saved.")
    page.check(tid("language-fr"))
    page.check(tid("language-en"))
    page.locator(tid("languages-summary"), has_text="French").wait_for()
    # The list saves once the user stops clicking.
    for _ in range(50):
        user = me(stack, "acct_nsfw")
        if user["videoLanguages"]:
            break
        page.wait_for_timeout(100)
    assert user["nsfwPolicy"] == "display"
    assert sorted(user["videoLanguages"]) == ["en", "fr"]


def test_create_edit_and_delete_a_channel(stack, page, image):
    stack.create_user("acct_channels")
    sign_in(page, stack, "acct_channels")
    page.goto(stack.url + "/my-library/video-channels")
    page.locator(tid("channel-item")).first.wait_for()
    assert page.locator(tid("channel-item")).count() == 1

    page.click(tid("channel-create"))
    page.wait_for_url("**/manage/create")
    page.fill(tid("field-displayName"), "Cooking Lessons")
    assert page.input_value(tid("field-name")) == "cooking_lessons"
    page.fill(tid("field-description"), "ab")
    page.click(tid("channel-form-submit"))
    expect(page.locator(tid("error-description"))).to_contain_text("at least 3")
    page.fill(tid("field-description"), "Recipes, step by step.")
    page.click(tid("channel-form-submit"))
    page.wait_for_url("**/my-library/video-channels?created=*")
    item = page.locator('[data-channel="cooking_lessons"]')
    item.wait_for()
    expect(item).to_contain_text("Recipes, step by step.")
    expect(page.locator(tid("channels-status"))).to_contain_text("Cooking Lessons")
    host = urlsplit(stack.url).netloc
    stack.http.post("/api/v1/users/me/subscriptions", headers=stack.create_user("acct_fan"),
                    json={"uri": f"cooking_lessons@{host}"}).raise_for_status()
    page.reload()
    expect(item.locator(tid("channel-subscribers"))).to_have_text("1 subscriber")
    screenshot(page, "channels.png")

    item.locator(tid("channel-edit")).click()
    page.wait_for_url("**/manage/update/cooking_lessons")
    page.fill(tid("field-displayName"), "Cooking with Ada")
    page.fill(tid("field-support"), "Buy me flour.")
    page.click(tid("channel-form-submit"))
    page.locator(tid("channel-status"), has_text="Channel saved").wait_for()
    expect(page.locator(tid("channel-edit-title"))).to_contain_text("Cooking with Ada")
    page.set_input_files(tid("banner-input"), str(image(1920, 317)))
    page.locator(tid("banner-status"), has_text="Banner updated").wait_for()
    page.set_input_files(tid("avatar-input"), str(image(300, 300)))
    page.locator(tid("avatar-status"), has_text="Avatar updated").wait_for()
    channel = stack.http.get("/api/v1/video-channels/cooking_lessons").json()
    assert (channel["displayName"], channel["support"]) == ("Cooking with Ada", "Buy me flour.")
    assert channel["banners"] and channel["avatars"]
    page.click(tid("banner-remove"))
    page.locator(tid("banner-status"), has_text="Banner removed").wait_for()
    assert stack.http.get("/api/v1/video-channels/cooking_lessons").json()["banners"] == []

    page.goto(stack.url + "/my-library/video-channels")
    item = page.locator('[data-channel="cooking_lessons"]')
    item.locator(tid("channel-delete")).click()
    dialog = page.locator(tid("confirm-dialog"))
    assert dialog.is_visible()
    assert page.is_disabled(tid("confirm-button"))
    page.fill(tid("confirm-input"), "cooking_lessons")
    page.click(tid("confirm-button"))
    dialog.wait_for(state="detached")
    item.wait_for(state="detached")
    assert stack.http.get("/api/v1/video-channels/cooking_lessons").status_code == 404

    # The last channel stays: the server's refusal shows in the dialog.
    page.locator(tid("channel-delete")).click()
    page.fill(tid("confirm-input"), "acct_channels_channel")
    page.click(tid("confirm-button"))
    expect(page.locator(f'{tid("confirm-dialog")} {tid("form-error")}'
                                          )).to_contain_text("last channel")
    page.click(tid("confirm-cancel"))
    assert page.locator(tid("channel-item")).count() == 1


def test_unsubscribe_from_a_channel(stack, page):
    headers = stack.create_user("acct_follower")
    host = urlsplit(stack.url).netloc
    stack.http.post("/api/v1/users/me/subscriptions", headers=headers,
                    json={"uri": f"root_channel@{host}"}).raise_for_status()
    sign_in(page, stack, "acct_follower")
    page.goto(stack.url + "/my-library/subscriptions")
    item = page.locator('[data-channel="root_channel"]')
    item.wait_for()
    item.locator(tid("unsubscribe")).click()
    item.wait_for(state="detached")
    expect(page.locator(tid("subscriptions-status"))).to_contain_text("Unsubscribed")
    page.locator(tid("empty-state")).wait_for()
    assert stack.http.get("/api/v1/users/me/subscriptions", headers=headers).json()["total"] == 0


def test_about_page(stack, page, custom_config):
    custom_config({"instance": {"terms": "Be kind.\n\nNo spam.",
                                "moderationInformation": "Reports are read within a day."}})
    page.goto(stack.url + "/about")
    name = stack.http.get("/api/v1/config").json()["instance"]["name"]
    expect(page.locator(tid("about-title"))).to_contain_text(name)
    expect(page.locator(tid("about-terms")).locator("p")).to_have_text(["Be kind.", "No spam."])
    expect(page.locator(tid("about-moderation"))).to_contain_text("within a day")
    users = stack.http.get("/api/v1/server/stats").json()["totalUsers"]
    expect(page.locator(tid("about-statistics"))).to_contain_text(f"Users{users}")
    screenshot(page, "about.png")


def test_a_user_deletes_their_account(stack, page):
    stack.create_user("acct_leaver")
    sign_in(page, stack, "acct_leaver")
    page.goto(stack.url + "/my-account/settings")
    page.click(tid("delete-account"))
    page.fill(tid("confirm-input"), "acct_leave")
    assert page.is_disabled(tid("confirm-button"))
    page.fill(tid("confirm-input"), "acct_leaver")
    page.click(tid("confirm-button"))
    page.wait_for_url(stack.url + "/")
    page.locator(tid("login-link")).wait_for()
    assert stack.http.get("/api/v1/accounts/acct_leaver").status_code == 404


def test_the_pages_fit_a_phone(stack, page):
    stack.create_user("acct_phone")
    page.set_viewport_size({"width": 360, "height": 740})
    for path, ready in [("/login", "login-form"), ("/signup", "signup-form"),
                        ("/my-account/settings", "videos-section"), ("/about", "about-title")]:
        page.goto(stack.url + path)
        page.locator(tid(ready)).or_(page.locator(tid("signup-closed"))).wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    sign_in(page, stack, "acct_phone")
    for path, ready in [("/my-account/settings", "profile-section"),
                        ("/my-library/video-channels", "channel-item"),
                        ("/manage/update/acct_phone_channel", "channel-form")]:
        page.goto(stack.url + path)
        page.locator(tid(ready)).wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
