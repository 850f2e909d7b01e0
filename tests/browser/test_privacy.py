"""No page of the web app asks anyone but the instance: no CDN, font, analytics, tracker
or STUN server elsewhere. Every request of a walk through the main pages is recorded."""
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture(scope="module")
def video(stack, media):
    uuid = stack.uploaded(media["clip"], "Watched in private")
    return stack.wait_for_state(uuid)


def test_every_request_stays_on_the_instance(stack, video, page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("websocket", lambda socket: requested.append(socket.url))
    sign_in(page, stack, "root")
    channel = video["channel"]["name"]
    paths = ["/", "/videos/trending", "/videos/local", "/search?search=private",
             f"/w/{video['shortUUID']}", f"/videos/embed/{video['uuid']}", f"/c/{channel}",
             "/videos/upload", "/videos/live", "/my-library/videos", "/my-account/settings",
             "/admin/settings", "/admin/users", "/about"]
    for path in paths:
        page.goto(stack.url + path)
        page.locator("main h1, main video").first.wait_for(timeout=20_000)
        page.wait_for_load_state("networkidle")
    hosts = {urlsplit(url).netloc for url in requested if not url.startswith(("data:", "blob:"))}
    assert hosts == {urlsplit(stack.url).netloc}, sorted(requested)
    assert len(requested) > len(paths) * 3  # the walk really loaded pages, scripts, media
