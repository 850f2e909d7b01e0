"""The real watch page shares HLS segments between two viewers (issue 6): two Chromiums in
a network namespace (tests/netns.py, as tests/browser/test_p2p.py runs them, with its
namespace, stack and 24-second clip) open the video's page; the second one gets segments
from the first through our tracker, and its statistics under the player say so."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser import test_p2p
from tests.p2p_support import launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.integration]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"

# test_p2p.py's fixtures, for this module too: the namespace, the stack inside it (serving
# the site PEERLESS_SITE_DIR names, like any test stack) and its 24-second clip.
netns = test_p2p.netns
p2p_stack = test_p2p.p2p_stack
p2p_video = test_p2p.p2p_video
chromium_type = test_p2p.chromium_type

FROM_PEERS = "Number(document.querySelector('[data-testid=\"p2p-from-peers\"]')?.dataset.bytes)"
FROM_SERVER = "Number(document.querySelector('[data-testid=\"p2p-from-server\"]')?.dataset.bytes)"


class Viewer:
    """A fresh browser context on the watch page, every request and WebSocket recorded, and
    every console warning; `init_script` runs in the page before the app."""

    def __init__(self, browser, stack, video, init_script: str | None = None):
        self.origin = stack.url
        self.requests: list[str] = []
        self.warnings: list[str] = []
        self.context = browser.new_context()
        if init_script:
            self.context.add_init_script(init_script)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("websocket", lambda ws: self.requests.append(ws.url))
        self.page.on("console", lambda message: message.type == "warning"
                     and self.warnings.append(message.text))
        self.page.goto(f"{stack.url}/w/{video['shortUUID']}")
        self.page.wait_for_function("document.getElementById('player')?.currentTime > 0.5",
                                    timeout=20_000)

    def choose_quality(self, label: str) -> None:
        """Picks a rendition in the player's settings, as a viewer would: peers share
        the segments of one rendition."""
        self.page.locator('[data-testid="player-settings-button"]').click()
        self.page.locator('[data-testid="player-quality"]').get_by_label(label, exact=True).check()
        self.page.locator('[data-testid="player-settings-button"]').click()

    def foreign_hosts(self) -> set[str]:
        own = urlsplit(self.origin).netloc
        return {urlsplit(url).netloc for url in self.requests
                if urlsplit(url).scheme in ("http", "https", "ws", "wss")} - {own}


def test_the_second_viewer_of_the_watch_page_gets_segments_from_the_first(
        netns, p2p_stack, p2p_video, chromium_type):
    browsers = [launch_chromium(chromium_type, netns, p2p_stack.url) for _ in range(2)]
    try:
        first = Viewer(browsers[0], p2p_stack, p2p_video)
        first.choose_quality("240p")
        # The first viewer fetches ahead over HTTP; the second then asks its peer first.
        first.page.wait_for_function(f"{FROM_SERVER} > 0", timeout=15_000)
        first.page.wait_for_timeout(3_000)
        second = Viewer(browsers[1], p2p_stack, p2p_video)
        second.choose_quality("240p")
        second.page.wait_for_function(f"{FROM_PEERS} > 0", timeout=30_000)

        stats = second.page.locator('[data-testid="p2p-stats"]')
        assert stats.get_attribute("data-mode") == "hls-p2p"
        assert int(second.page.locator('[data-testid="p2p-peers"]').inner_text()) >= 1
        assert "From peers" in stats.inner_text()
        assert second.page.locator('[data-testid="p2p-from-peers"]').inner_text() != "0 B"
        first.page.wait_for_function(
            "Number(document.querySelector('[data-testid=\"p2p-uploaded\"]').dataset.bytes) > 0",
            timeout=5_000)
        for viewer in (first, second):
            assert any(url.endswith("/tracker/socket") for url in viewer.requests)
            assert viewer.foreign_hosts() == set(), viewer.requests
        second.page.screenshot(path=str(SCREENSHOTS / "watch-p2p.png"))
    finally:
        for browser in browsers:
            browser.close()
