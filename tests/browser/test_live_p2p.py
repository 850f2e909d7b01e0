"""A live's viewers share its segments (issue 6, for lives): in test_p2p.py's namespace and
stack, ffmpeg streams a live over RTMP, and two Chromiums open its real watch page a few
seconds apart. Both play; the second gets segment bytes from the first through our
tracker; every segment a peer gave passed the live's segments-sha256 check, although that
file changes with every segment (the app reads it again for a name it does not know yet);
nothing went to another host."""
from __future__ import annotations

import time

import pytest

from tests.browser import test_p2p
from tests.browser.test_watch_p2p import FROM_PEERS, FROM_SERVER, Viewer
from tests.integration.test_live import create_live, live_settings, publish, unique
from tests.p2p_support import launch_chromium

pytestmark = [pytest.mark.browser, pytest.mark.integration]

netns = test_p2p.netns
p2p_stack = test_p2p.p2p_stack
chromium_type = test_p2p.chromium_type

STREAM_S = 90  # longer than the test: it stops its encoder when done
# In order: each read of the segment hashes, and each SHA-256 the page computes (the segment
# checks: nothing else in the app hashes) with the bytes it hashed.
RECORD_CHECKS = """
window.checks = [];
const digest = crypto.subtle.digest.bind(crypto.subtle);
crypto.subtle.digest = async (algorithm, data) => {
  const result = await digest(algorithm, data);
  const hex = [...new Uint8Array(result)].map((b) => b.toString(16).padStart(2, '0')).join('');
  window.checks.push({ hex, bytes: data.byteLength });
  return result;
};
const fetchOnce = window.fetch;
window.fetch = (input, init) => {
  if (String(input.url || input).endsWith('/segments-sha256.json')) window.checks.push({ read: true });
  return fetchOnce(input, init);
};
"""
# A segment from a peer checked after the hashes were read again: the app reads them again
# only for a name its table lacks, a segment newer than its first read.
FRESH_CHECKED = """() => {
  const reads = window.checks.flatMap((check, i) => (check.read ? [i] : []));
  return reads.length >= 2 && window.checks.slice(reads[1]).some((check) => check.hex);
}"""
POSITION = "document.getElementById('player').currentTime"


@pytest.fixture
def live(netns, p2p_stack):
    """A live (default latency) that ffmpeg streams 240p to; its video once published."""
    streamer = p2p_stack.create_user(unique("p2plive_"))
    created = create_live(p2p_stack, streamer, name="Shared live")
    key = live_settings(p2p_stack, created["uuid"], streamer)["streamKey"]
    # publish() streams to 127.0.0.1 (the RTMP URL a local stack gives); this ingest
    # listens at the namespace's address.
    netns.relay_loopback(p2p_stack.info["rtmp"])
    encoder = publish(p2p_stack, key, STREAM_S)
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            video = p2p_stack.http.get(f"/api/v1/videos/{created['uuid']}").json()
            if video["state"]["id"] == 1:
                break
            assert encoder.poll() is None, encoder.stderr.read().decode()
            time.sleep(0.5)
        else:
            raise AssertionError(f"the live never started: {video['state']}")
        yield video
    finally:
        encoder.terminate()
        encoder.wait(timeout=20)


def test_two_viewers_of_a_live_share_its_fresh_segments_checked_against_its_hashes(
        netns, p2p_stack, live, chromium_type):
    hashes_url = live["streamingPlaylists"][0]["segmentsSha256Url"]
    published: set[str] = set()

    def read_hashes() -> None:
        published.update(p2p_stack.http.get(hashes_url).json().values())

    browsers = [launch_chromium(chromium_type, netns, p2p_stack.url) for _ in range(2)]
    try:
        first = Viewer(browsers[0], p2p_stack, live, RECORD_CHECKS)
        started = {"first": first.page.evaluate(POSITION)}
        read_hashes()
        first.page.wait_for_timeout(4_000)
        second = Viewer(browsers[1], p2p_stack, live, RECORD_CHECKS)
        started["second"] = second.page.evaluate(POSITION)
        # Segments come every 2 s: the second viewer's peer has fetched some of the fresh
        # ones over HTTP before it, and it asks that peer first.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            read_hashes()
            if second.page.evaluate(f"({FRESH_CHECKED})() && {POSITION} > "
                                    f"{started['second'] + 8}"):
                break
            time.sleep(1)
        read_hashes()

        for viewer, name in ((first, "first"), (second, "second")):
            assert viewer.page.evaluate(POSITION) > started[name] + 5, name
            stats = viewer.page.locator('[data-testid="p2p-stats"]')
            assert stats.get_attribute("data-mode") == "hls-p2p"
            # No segment from a peer was refused, for a name unknown yet or bad bytes.
            assert not [w for w in viewer.warnings if "refused" in w], viewer.warnings
            assert any(url.endswith("/tracker/socket") for url in viewer.requests)
            assert viewer.foreign_hosts() == set(), viewer.requests
        # Most of it: with p2p-media-loader's defaults everything a live's player needs is in
        # demand at once, and went over HTTP (3 early segments from the peer, then none).
        assert second.page.evaluate(FROM_PEERS) > second.page.evaluate(FROM_SERVER)
        # Each segment from a peer was hashed and matched a hash the live published, one
        # of them a segment newer than the page's first read of the hashes.
        digests = [c for c in second.page.evaluate("window.checks") if "hex" in c]
        assert digests and all(d["hex"] in published for d in digests), digests
        assert sum(d["bytes"] for d in digests) > 0
        assert second.page.evaluate(FRESH_CHECKED)
        uploaded = first.page.locator('[data-testid="p2p-uploaded"]').get_attribute("data-bytes")
        assert int(uploaded) > 0
    finally:
        for browser in browsers:
            browser.close()
