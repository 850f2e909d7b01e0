"""Links to a video or a channel, pasted into Mastodon or a chat, show a card: the pages
carry OpenGraph and Twitter-card tags and point to an oEmbed answer, as PeerTube's do."""
import html
import re

import pytest

pytestmark = pytest.mark.integration


def meta(page: str) -> dict[str, str]:
    """The page's <meta property|name="..." content="..."> tags."""
    return {k: html.unescape(v) for k, v in re.findall(
        r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', page)}


@pytest.fixture(scope="module")
def shared(stack, media):
    headers = stack.create_user("card_maker", channelName="card_corner")
    uuid = stack.uploaded(media["clip"], "Cats & <dogs>", headers,
                          description="A short film.\n\nAbout cats & dogs, " + "x" * 300)
    return headers, stack.wait_for_state(uuid)


def test_a_watch_page_carries_its_card(stack, shared):
    _, video = shared
    response = stack.http.get(f"/w/{video['shortUUID']}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    tags = meta(page)
    assert tags["og:title"] == "Cats & <dogs>" and "<dogs>" not in page
    assert tags["og:type"] == "video.other"
    assert tags["og:description"].startswith("A short film. About cats & dogs")
    assert len(tags["og:description"]) <= 200
    assert tags["twitter:card"] == "player"
    assert tags["og:video:url"].endswith(f"/videos/embed/{video['uuid']}")
    assert stack.http.get(tags["og:image"]).headers["content-type"] == "image/jpeg"
    assert "<title>Cats &amp; &lt;dogs&gt; - " in page
    # Still the web app: it boots in a browser as on any other address.
    assert '<script type="module" src="/app.js"></script>' in page
    assert stack.http.get(f"/videos/watch/{video['uuid']}").text == page


def test_oembed_is_discovered_and_answers(stack, shared):
    _, video = shared
    page = stack.http.get(f"/videos/watch/{video['uuid']}").text
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"',
                     page)
    answer = stack.http.get(html.unescape(link[1]))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["type"] == "video" and body["version"] == "1.0"
    assert body["title"] == "Cats & <dogs>" and body["author_name"]
    assert f'src="{stack.url}/videos/embed/{video["uuid"]}"' in body["html"]
    assert (body["width"], body["height"]) == (560, 315)
    small = stack.http.get("/services/oembed", params={
        "url": f"{stack.url}/w/{video['uuid']}", "maxwidth": 280}).json()
    assert (small["width"], small["height"]) == (280, 157)


def test_oembed_refuses_what_it_cannot_embed(stack, shared):
    _, video = shared
    assert stack.http.get("/services/oembed").status_code == 400
    assert stack.http.get("/services/oembed", params={
        "url": f"https://elsewhere.example/w/{video['uuid']}"}).status_code == 400
    assert stack.http.get("/services/oembed", params={
        "url": f"{stack.url}/w/{video['uuid']}", "format": "xml"}).status_code == 501
    assert stack.http.get("/services/oembed", params={
        "url": f"{stack.url}/w/{video['uuid']}", "format": "yaml"}).status_code == 400
    assert stack.http.get("/services/oembed", params={
        "url": f"{stack.url}/w/00000000-0000-0000-0000-000000000000"}).status_code == 404


def test_private_videos_and_unknown_pages_show_no_card(stack, shared):
    headers, video = shared
    stack.http.put(f"/api/v1/videos/{video['uuid']}", headers=headers,
                   json={"privacy": 3}).raise_for_status()
    try:
        page = stack.http.get(f"/w/{video['uuid']}")
        assert page.status_code == 200 and "og:title" not in page.text
        assert stack.http.get("/services/oembed", params={
            "url": f"{stack.url}/w/{video['uuid']}"}).status_code == 404
    finally:
        stack.http.put(f"/api/v1/videos/{video['uuid']}", headers=headers,
                       json={"privacy": 1}).raise_for_status()
    assert "og:title" not in stack.http.get("/c/no_such_channel_here").text
    # A playlist's page is the app's alone.
    assert stack.http.get("/w/p/whatever").status_code == 200


def test_unlisted_videos_keep_out_of_search_engines(stack, shared):
    headers, video = shared
    stack.http.put(f"/api/v1/videos/{video['uuid']}", headers=headers,
                   json={"privacy": 2}).raise_for_status()
    try:
        assert meta(stack.http.get(f"/w/{video['uuid']}").text)["robots"] == "noindex"
    finally:
        stack.http.put(f"/api/v1/videos/{video['uuid']}", headers=headers,
                       json={"privacy": 1}).raise_for_status()
    assert "robots" not in meta(stack.http.get(f"/w/{video['uuid']}").text)


def test_channel_and_account_pages_carry_cards(stack, shared):
    tags = meta(stack.http.get("/c/card_corner/videos").text)
    assert tags["og:type"] == "profile" and tags["twitter:card"] == "summary"
    assert tags["og:url"] == f"{stack.url}/c/card_corner"
    assert meta(stack.http.get("/a/card_maker").text)["og:url"] == f"{stack.url}/a/card_maker"
