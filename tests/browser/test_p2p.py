"""Peer-to-peer delivery in real browsers (issue 5), inside a network namespace the tests
create (tests/netns.py, DESIGN section 6): a local stack whose front and public URL are the
namespace's 198.18 address, Debian's Chromium inside the same namespace (WebRTC ignores
loopback), no ICE server, only our tracker, and every request of every page checked to go
to the instance alone.

- Browser WebTorrent downloads a web MP4 from the libtorrent seeder (functions/seeder's
  `start_seeder`, fed by the catalog) alone: no other peer, no web seed.
- Two browsers share HLS segments through p2p-media-loader v2 with hls.js (PeerTube's
  single-file byte-range HLS), the segments from the peer checked against the video's
  segments-sha256 JSON in p2p-media-loader's validation hook.
"""
from __future__ import annotations

import hashlib
import subprocess
import time

import httpx
import pytest

from tests.netns import Namespace, NamespaceUnavailable, skip_reason, stack_in
from tests.p2p_support import (RecordedPage, SeederProcess, build_pages, launch_chromium,
                               torrent_without_web_seed)

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture(scope="module")
def netns():
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    try:
        ns = Namespace()
    except NamespaceUnavailable as error:
        pytest.skip(str(error))
    yield ns
    ns.close()


@pytest.fixture(scope="module")
def p2p_stack(netns, tmp_path_factory):
    build_pages()
    stack = stack_in(netns, tmp_path_factory.mktemp("p2p-stack") / "data",
                     PEERLESS_MAX_RESOLUTION="360", PEERLESS_TRANSCODE_WORKERS="2").start()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def p2p_video(p2p_stack, tmp_path_factory):
    """A 24-second 360p clip: six 4-second HLS segments per rendition."""
    clip = tmp_path_factory.mktemp("p2p-media") / "clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
                    "sine=frequency=440", "-t", "24", "-c:v", "libx264", "-preset",
                    "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    str(clip)], check=True)
    uuid = p2p_stack.uploaded(clip, "Shared between peers")
    return p2p_stack.wait_for_state(uuid)


@pytest.fixture
def chromium_type(browser):
    """Playwright's Chromium type, from the session's (one Playwright per session)."""
    return browser.browser_type


def tracker_url(stack) -> str:
    return stack.url.replace("http://", "ws://") + "/tracker/socket"


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out: {what}")


def test_browser_webtorrent_downloads_from_the_libtorrent_seeder_alone(
        netns, p2p_stack, p2p_video, chromium_type, tmp_path):
    file = max(p2p_video["files"], key=lambda f: f["resolution"]["id"])
    expected = hashlib.sha256(httpx.get(file["fileUrl"]).content).hexdigest()
    torrent = httpx.get(file["torrentUrl"]).content
    seeder = SeederProcess(netns, p2p_stack.url, tmp_path / "seeder")
    browser = None
    try:
        # The catalog feed finds the video and libtorrent fetches it from the web seed.
        seeder.wait_seeding(file["torrentUrl"], timeout=30)
        browser = launch_chromium(chromium_type, netns, p2p_stack.url)
        origin = p2p_stack.url
        # Only the seeder can give the bytes: no url-list in the torrent, and any media
        # request the page might still make is refused (and would be recorded).
        viewer = RecordedPage(browser, origin, "webtorrent-seed.js",
                              blocked=(f"{origin}/static/**", f"{origin}/lazy-static/**"))
        result = viewer.page.evaluate("(a) => window.downloadTorrent(a)", {
            "torrent": torrent_without_web_seed(torrent),
            "announce": [tracker_url(p2p_stack)], "timeoutMs": 25_000})

        assert result["bytes"] == file["size"]
        assert result["sha256"] == expected
        assert viewer.blocked == []
        assert viewer.foreign_hosts() == set(), viewer.requests
        assert any(url.startswith("ws://") for url in viewer.requests)
        # The seeder sent every byte (its libtorrent counters, a second behind).
        wait_for(lambda: seeder.status()["keys"][file["torrentUrl"]]["uploaded"]
                 >= file["size"], 10, "the seeder's upload count")
        relayed = p2p_stack.http.get("/tracker/health").json()["tracker"]["relayed"]
        assert relayed["offers"] > 0 and relayed["answers"] > 0
        viewer.close()
    finally:
        if browser is not None:
            browser.close()
        seeder.stop()


def test_two_browsers_share_hls_segments_checked_against_segments_sha256(
        netns, p2p_stack, p2p_video, chromium_type):
    playlist = p2p_video["streamingPlaylists"][0]
    start = {"manifest": playlist["playlistUrl"], "sha256Url": playlist["segmentsSha256Url"],
             "announce": [tracker_url(p2p_stack)], "height": 240,
             # The first segments wait up to 2 s for peers before HTTP (as in bench/p2p.py).
             "core": {"httpDownloadInitialTimeoutMs": 2000}}
    browsers = [launch_chromium(chromium_type, netns, p2p_stack.url) for _ in range(2)]
    try:
        first = RecordedPage(browsers[0], p2p_stack.url, "hls-p2p.js")
        first.page.evaluate("(a) => window.startP2P(a)", start)
        first.page.wait_for_function("window.stats.playing", timeout=15_000)
        # The first viewer has fetched ahead over HTTP by now; the second asks its peer.
        first.page.wait_for_function("window.stats.httpSegments >= 4", timeout=15_000)
        second = RecordedPage(browsers[1], p2p_stack.url, "hls-p2p.js")
        second.page.evaluate("(a) => window.startP2P(a)", start)
        second.page.wait_for_function("window.stats.playing", timeout=15_000)
        second.page.wait_for_function(
            "window.stats.p2pSegments >= 1 && window.stats.p2pSegments + "
            "window.stats.httpSegments >= 6", timeout=20_000)

        one, two = (page.page.evaluate("window.stats") for page in (first, second))
        assert two["level"] == 240 and one["level"] == 240
        assert two["p2pBytes"] > 0 and two["peersConnected"] >= 1
        assert one["uploadedBytes"] >= two["p2pBytes"] > 0
        # Every segment a peer gave was checked against segments-sha256, and all matched.
        assert two["validated"] == two["p2pSegments"] >= 1
        assert two["invalid"] == 0 and two["unknownSegments"] == 0
        assert not two["hlsErrors"] and not one["hlsErrors"]
        for page in (first, second):
            assert page.foreign_hosts() == set(), page.requests
        first.close()
        second.close()
    finally:
        for browser in browsers:
            browser.close()
