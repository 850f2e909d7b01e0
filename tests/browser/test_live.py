"""Lives in Chromium: going live from the web app (the form, the RTMP URL and the stream
key, regenerating it), ffmpeg streaming to what the page shows, the live listed on the home
page and played by the watch page with its badge and viewers, its end, and a waiting live
that starts playing by itself."""
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.integration.test_live import create_live, live_settings, publish, unique

pytestmark = [pytest.mark.browser, pytest.mark.integration]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
STREAM_S = 60      # longer than any test needs: each stops its encoder when done
GOES_LIVE = 30_000  # ms: the encoder connects, the first segments reach the media store
PLAYS = """(before) => {
  const video = document.getElementById('player');
  return video && video.readyState >= 3 && video.currentTime > before + 1;
}"""


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


def stop(encoder) -> None:
    encoder.terminate()
    encoder.wait(timeout=20)


def expect_ended(page) -> None:
    """The stream stopped: the ended panel replaces the player."""
    ended = page.locator(tid("video-state"))
    expect(ended).to_have_attribute("data-state", "5", timeout=30_000)
    expect(ended).to_contain_text("This live has ended")
    assert page.locator("#player").count() == 0


def test_a_live_created_in_the_web_app_is_streamed_watched_and_ends(stack, page):
    username = unique("golive_")
    stack.create_user(username)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("websocket", lambda socket: requested.append(socket.url))
    sign_in(page, stack, username)
    page.goto(stack.url + "/videos/live")
    page.get_by_role("heading", name="Go live").wait_for()
    page.get_by_label("Title").fill("Evening concert")
    page.get_by_label("Description").fill("Streamed from the web app.")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "go-live-form.png"), full_page=True)
    page.get_by_role("button", name="Create the live").click()

    page.get_by_role("heading", name="Stream settings: Evening concert").wait_for()
    key_input = page.locator(tid("live-stream-key"))
    assert key_input.get_attribute("type") == "password"    # hidden until asked for
    expect(page.locator(tid("live-state"))).to_have_text("Waiting for your stream.")
    page.screenshot(path=str(SCREENSHOTS / "go-live.png"), full_page=True)
    page.locator(tid("live-stream-key-show")).click()
    assert key_input.get_attribute("type") == "text"
    rtmp_url = page.locator(tid("live-rtmp-url")).input_value()
    key = key_input.input_value()
    # What the page shows is where ffmpeg sends, as OBS would be told.
    assert rtmp_url == f"rtmp://127.0.0.1:{stack.info['rtmp']}/live"
    uuid = page.url.rstrip("/").rsplit("/", 1)[-1]
    assert key == live_settings(stack, uuid, stack.auth(username, "user-password"))["streamKey"]

    encoder = publish(stack, key, STREAM_S)
    try:
        state = page.locator(tid("live-state"))
        expect(state).to_have_attribute("data-state", "1", timeout=GOES_LIVE)
        expect(state).to_contain_text("Live now")
        expect(page.locator(tid("live-session"))).to_have_count(1)

        # The home page lists it under "Live now", with its badge.
        page.goto(stack.url + "/")
        section = page.locator(tid("home-section-live"))
        card = section.locator(tid("video-card"), has_text="Evening concert")
        expect(card.locator(tid("live-badge"))).to_have_attribute("data-kind", "now")
        card.locator(tid("video-link")).click()

        page.locator(tid("watch-live-badge")).wait_for()
        assert page.locator(tid("player-seek")).is_hidden()     # a live has no end to seek to
        expect(page.locator(tid("player-live-edge"))).to_be_visible()
        page.wait_for_function("document.getElementById('player')?.readyState >= 3",
                               timeout=20_000)
        started = page.evaluate("document.getElementById('player').currentTime")
        page.wait_for_function(PLAYS, arg=started, timeout=15_000)
        # The player reports its viewer; the page shows the count the server makes of them.
        page.wait_for_function(
            "Number(document.querySelector('[data-testid=\"live-viewers\"]')?.dataset.viewers) >= 1",
            timeout=30_000)
        expect(page.locator(tid("live-viewers"))).to_contain_text("watching")
        page.screenshot(path=str(SCREENSHOTS / "live-watch.png"))
    finally:
        stop(encoder)

    expect_ended(page)
    assert page.locator(tid("watch-live-badge")).count() == 0
    # Playlists, segments, hashes, tracker: all from the instance.
    assert {urlsplit(url).netloc for url in requested} == {urlsplit(stack.url).netloc}
    assert any(url.endswith("/tracker/socket") for url in requested)


def test_a_waiting_live_starts_playing_by_itself(stack, page):
    streamer = stack.create_user(unique("waiting_"))
    created = create_live(stack, streamer, name="Starting soon")
    page.goto(f"{stack.url}/w/{created['shortUUID']}")
    waiting = page.locator(tid("video-state"))
    expect(waiting).to_have_attribute("data-state", "4")
    expect(waiting).to_contain_text("This live has not started yet")
    assert page.locator("#player").count() == 0

    encoder = publish(stack, live_settings(stack, created["uuid"], streamer)["streamKey"],
                      STREAM_S)
    try:
        page.wait_for_function(PLAYS, arg=0, timeout=GOES_LIVE + 15_000)
        assert waiting.count() == 0
        page.locator(tid("watch-live-badge")).wait_for()
    finally:
        stop(encoder)


def test_the_stream_key_is_regenerated_from_my_videos(stack, page):
    username = unique("rekey_")
    streamer = stack.create_user(username)
    created = create_live(stack, streamer, name="Weekly show")
    old = live_settings(stack, created["uuid"], streamer)["streamKey"]
    sign_in(page, stack, username)
    page.set_viewport_size({"width": 360, "height": 740})   # a phone
    page.goto(stack.url + "/my-library/videos")
    row = page.locator(tid("my-video"), has_text="Weekly show")
    row.locator(tid("my-video-stream")).click()
    key = page.locator(tid("live-stream-key"))
    expect(key).to_have_value(old)
    # Nothing wider than the phone: the key and its buttons wrap.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(tid("live-regenerate")).click()
    expect(page.locator(tid("live-key-note"))).to_contain_text("A new key was made")
    new = key.input_value()
    assert new != old
    assert live_settings(stack, created["uuid"], streamer)["streamKey"] == new


def test_the_embed_of_a_live_plays_it_and_shows_its_end(stack, page):
    streamer = stack.create_user(unique("embedded_"))
    created = create_live(stack, streamer, name="Embedded live")
    encoder = publish(stack, live_settings(stack, created["uuid"], streamer)["streamKey"],
                      STREAM_S)
    try:
        page.goto(f"{stack.url}/videos/embed/{created['uuid']}?autoplay=1")
        page.wait_for_function(PLAYS, arg=0, timeout=GOES_LIVE + 15_000)
    finally:
        stop(encoder)
    expect_ended(page)
