"""The first pages in Debian's Chromium: the list of videos and HLS playback."""
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


@pytest.fixture(scope="module")
def video(stack, media):
    uuid = stack.upload(media["clip"], name="Watched in Chromium").json()["video"]["uuid"]
    return stack.wait_for_state(uuid)


def test_home_lists_the_video_and_the_watch_page_plays_hls(stack, video, page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(stack.url + "/")
    card = page.locator('[data-testid="video-card"]', has_text="Watched in Chromium")
    card.first.wait_for()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "home.png"))

    card.first.locator("a").first.click()
    page.wait_for_url(f"**/w/{video['shortUUID']}")
    page.locator('[data-testid="video-title"]').wait_for()
    assert page.locator('[data-testid="video-title"]').inner_text() == "Watched in Chromium"
    page.wait_for_function("document.getElementById('player').readyState === 4",
                           timeout=20_000)
    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function("document.getElementById('player').currentTime > 1",
                           timeout=20_000)
    page.screenshot(path=str(SCREENSHOTS / "watch.png"))
    # hls.js read the HLS stream (not the MP4), and the page asked no one but the instance.
    assert any(url.endswith(".m3u8") for url in requested)
    assert {urlsplit(url).netloc for url in requested} == {urlsplit(stack.url).netloc}


def test_a_failed_video_shows_its_state(stack, media, page):
    uuid = stack.upload(media["text"], name="Broken upload").json()["video"]["uuid"]
    stack.wait_for_state(uuid)
    page.goto(f"{stack.url}/videos/watch/{uuid}")
    state = page.locator('[data-testid="video-state"]')
    state.wait_for()
    assert "Transcoding failed" in state.inner_text()
