"""The watch page in Debian's Chromium: HLS playback through the player, ratings,
comments with replies, sharing and the embed page, P2P off, keyboard shortcuts, the
sensitive content overlay, and reports."""
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
PLAYING = "document.getElementById('player')?.currentTime > 1"


@pytest.fixture(scope="module")
def video(stack, media):
    uuid = stack.upload(media["clip"], name="Watched in Chromium",
                        tags=["chromium", "test"], description="A clip for the browser tests.",
                        ).json()["video"]["uuid"]
    return stack.wait_for_state(uuid)


@pytest.fixture(scope="module")
def viewer(stack):
    """A user (not the video's owner) who watches with P2P on."""
    stack.create_user("watch_viewer")
    return "watch_viewer"


def test_home_lists_the_video_and_the_watch_page_plays_hls(stack, video, page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("websocket", lambda ws: requested.append(ws.url))
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
    page.wait_for_function(PLAYING, timeout=20_000)
    # The details: channel link, tags, and P2P statistics of hls.js with p2p-media-loader.
    assert page.locator('[data-testid="channel-link"]').get_attribute("href") == "/c/root_channel"
    assert page.locator('[data-testid="video-tags"]').inner_text().split() == ["chromium", "test"]
    stats = page.locator('[data-testid="p2p-stats"]')
    assert stats.get_attribute("data-mode") == "hls-p2p"
    page.wait_for_function("Number(document.querySelector('[data-testid=\"p2p-from-server\"]')"
                           ".dataset.bytes) > 0", timeout=5_000)
    page.screenshot(path=str(SCREENSHOTS / "watch.png"))
    # hls.js read the HLS stream (not the MP4), peers were looked for through our tracker,
    # and the page asked no one but the instance.
    assert any(url.endswith(".m3u8") for url in requested)
    assert any(url.endswith("/tracker/socket") for url in requested)
    assert not any("/chunks/webtorrent-" in url for url in requested)
    assert {urlsplit(url).netloc for url in requested} == {urlsplit(stack.url).netloc}
    # A few seconds of playback count a view.
    page.wait_for_function("document.getElementById('player').ended", timeout=10_000)
    for _ in range(50):
        if stack.http.get(f"/api/v1/videos/{video['uuid']}").json()["views"] >= 1:
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the view was not counted")


def test_a_failed_video_shows_its_state(stack, media, page):
    uuid = stack.upload(media["text"], name="Broken upload").json()["video"]["uuid"]
    stack.wait_for_state(uuid)
    page.goto(f"{stack.url}/videos/watch/{uuid}")
    state = page.locator('[data-testid="video-state"]')
    state.wait_for()
    assert "Transcoding failed" in state.inner_text()


def test_like_and_dislike_change_the_counts_and_persist(stack, video, viewer, page):
    sign_in(page, stack, viewer)
    page.goto(f"{stack.url}/w/{video['shortUUID']}")
    like, dislike = (page.locator(f'[data-testid="{kind}-button"]') for kind in ("like", "dislike"))
    like_count, dislike_count = (page.locator(f'[data-testid="{kind}-count"]')
                                 for kind in ("like", "dislike"))
    like.wait_for()
    likes = int(like_count.inner_text())
    with page.expect_response(lambda response: response.url.endswith("/rate")):
        like.click()
    # The page updates once the answer is read, a moment after it arrives.
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like_count).to_have_text(str(likes + 1))
    page.reload()
    page.wait_for_function("document.querySelector('[data-testid=\"like-button\"]')"
                           "?.getAttribute('aria-pressed') === 'true'")
    assert int(like_count.inner_text()) == likes + 1

    with page.expect_response(lambda response: response.url.endswith("/rate")):
        dislike.click()
    expect(dislike).to_have_attribute("aria-pressed", "true")
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like_count).to_have_text(str(likes))
    assert int(dislike_count.inner_text()) >= 1
    headers = stack.auth(viewer, "user-password")
    rating = stack.http.get(f"/api/v1/users/me/videos/{video['uuid']}/rating", headers=headers)
    assert rating.json()["rating"] == "dislike"


def test_a_comment_and_its_reply_appear_and_persist(stack, video, viewer, page):
    sign_in(page, stack, viewer)
    page.goto(f"{stack.url}/w/{video['shortUUID']}")
    form = page.locator('[data-testid="comment-form"]')
    form.locator("textarea").fill("Lovely colours in this clip")
    form.locator('[data-testid="comment-form-submit"]').click()
    thread = page.locator('[data-testid="comment-threads"] > li',
                          has_text="Lovely colours in this clip")
    thread.wait_for()
    thread.locator('[data-testid="comment-reply"]').first.click()
    reply = page.locator('[data-testid="reply-form"]')
    reply.locator("textarea").fill("Agreed, the test card is art")
    reply.locator('[data-testid="reply-form-submit"]').click()
    thread.locator('[data-testid="comment-replies"]',
                   has_text="Agreed, the test card is art").wait_for()

    page.reload()
    thread.wait_for()
    thread.locator('[data-testid="comment-show-replies"]').click()
    replies = thread.locator('[data-testid="comment-replies"]').first
    replies.get_by_text("Agreed, the test card is art").wait_for()
    # The reply is the viewer's own: they may delete it.
    page.once("dialog", lambda dialog: dialog.accept())
    replies.locator('[data-testid="comment-delete"]').click()
    replies.get_by_text("This comment has been deleted.").wait_for()
    SCREENSHOTS.mkdir(exist_ok=True)
    thread.screenshot(path=str(SCREENSHOTS / "watch-comments.png"))


def test_share_shows_the_embed_code_and_the_embed_page_plays(stack, video, page):
    page.goto(f"{stack.url}/w/{video['shortUUID']}")
    page.locator('[data-testid="share-button"]').click()
    dialog = page.locator('[data-testid="share-dialog"]')
    dialog.wait_for()
    assert dialog.locator('[data-testid="share-link"]').input_value() == \
        f"{stack.url}/w/{video['shortUUID']}"
    code = dialog.locator('[data-testid="share-embed"]').input_value()
    embed_url = f"{stack.url}/videos/embed/{video['uuid']}"
    assert code.startswith("<iframe") and f'src="{embed_url}"' in code
    page.keyboard.press("Escape")

    # The embed code in a page of the test's own (on the instance's origin: Chromium keeps
    # sites it takes for public from framing a loopback address).
    host_page = f"{stack.url}/_embed-host.html"
    page.route(host_page, lambda route: route.fulfill(
        content_type="text/html", body=f"<!doctype html><body style='margin:0'>{code}</body>"))
    page.goto(host_page)
    frame = page.frame_locator("iframe")
    frame.locator('[data-testid="player-play"]').click()
    embedded = page.frames[1]
    embedded.wait_for_function(PLAYING, timeout=20_000)

    page.set_viewport_size({"width": 960, "height": 540})
    page.goto(embed_url + "?autoplay=1")
    page.wait_for_function(PLAYING, timeout=20_000)
    assert page.locator(".site-header").is_hidden()
    assert page.locator('[data-testid="embed-title"]').inner_text() == "Watched in Chromium"
    page.screenshot(path=str(SCREENSHOTS / "embed.png"))


def test_with_p2p_off_the_video_plays_over_http_only(stack, video, page):
    headers = stack.create_user("watch_no_p2p")
    stack.http.put("/api/v1/users/me", headers=headers,
                   json={"p2pEnabled": False}).raise_for_status()
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    sign_in(page, stack, "watch_no_p2p")
    page.goto(f"{stack.url}/w/{video['shortUUID']}")
    page.wait_for_function(PLAYING, timeout=20_000)
    stats = page.locator('[data-testid="p2p-stats"]')
    assert stats.get_attribute("data-mode") == "hls"
    assert "Peer-to-peer off" in stats.inner_text()
    assert page.locator('[data-testid="p2p-from-peers"]').is_hidden()
    assert int(page.locator('[data-testid="p2p-from-server"]').get_attribute("data-bytes")) > 0
    assert sockets == []


def test_a_web_video_plays_through_webtorrent_with_the_instance_as_web_seed(
        stack, video, page):
    """A video with MP4 files and no HLS (what an instance without HLS serves): the
    browser's WebTorrent streams it, the instance's file being the torrent's web seed."""
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("websocket", lambda ws: requested.append(ws.url))

    def without_hls(route):
        response = route.fetch()
        route.fulfill(response=response, json={**response.json(), "streamingPlaylists": []})

    page.route(f"{stack.url}/api/v1/videos/{video['shortUUID']}", without_hls)
    page.goto(f"{stack.url}/w/{video['shortUUID']}")
    page.wait_for_function(PLAYING, timeout=30_000)
    stats = page.locator('[data-testid="p2p-stats"]')
    assert stats.get_attribute("data-mode") == "webtorrent"
    assert "WebTorrent" in stats.inner_text()
    assert int(page.locator('[data-testid="p2p-from-server"]').get_attribute("data-bytes")) > 0
    assert any("/lazy-static/torrents/" in url for url in requested)
    assert any("/chunks/webtorrent-" in url for url in requested)
    assert any(url.endswith("/tracker/socket") for url in requested)
    # It streams (webtorrent's service worker serves the player's ranges as pieces
    # arrive: 127.0.0.1 is a secure context), and asked no one but the instance.
    assert "/webtorrent/" in page.evaluate("document.getElementById('player').currentSrc")
    assert {urlsplit(url).netloc for url in requested} == {urlsplit(stack.url).netloc}


def test_keyboard_shortcuts_drive_the_player(stack, video, page, tmp_path):
    captions = tmp_path / "en.vtt"
    captions.write_text("WEBVTT\n\n00:00.000 --> 00:04.000\nA test card, in colour\n")
    with captions.open("rb") as f:
        stack.http.put(f"/api/v1/videos/{video['uuid']}/captions/en", headers=stack.auth(),
                       files={"captionfile": ("en.vtt", f, "text/vtt")}).raise_for_status()
    page.goto(f"{stack.url}/w/{video['shortUUID']}")
    page.wait_for_function(PLAYING, timeout=20_000)
    # The video's captions are a <track>: "c" shows them.
    captions_button = page.locator('[data-testid="player-captions"]')
    captions_button.wait_for()
    page.keyboard.press("c")
    assert captions_button.get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.getElementById('player').textTracks[0].mode") == "showing"
    page.keyboard.press("c")
    assert captions_button.get_attribute("aria-pressed") == "false"
    page.keyboard.press("k")
    page.wait_for_function("document.getElementById('player').paused")
    page.keyboard.press("k")
    page.wait_for_function("!document.getElementById('player').paused")
    page.keyboard.press("m")
    assert page.evaluate("document.getElementById('player').muted")
    page.keyboard.press("t")
    assert page.locator("article.watch.theatre").count() == 1
    assert page.locator('[data-testid="player-theatre"]').get_attribute("aria-pressed") == "true"
    page.keyboard.press("t")
    assert page.locator("article.watch.theatre").count() == 0
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement?.dataset.testid === 'player-shell'")
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement === null")
    page.keyboard.press("?")
    help_dialog = page.locator('[data-testid="shortcuts-dialog"]')
    help_dialog.wait_for()
    assert "Play or pause" in help_dialog.inner_text()
    page.keyboard.press("Escape")
    help_dialog.wait_for(state="detached")
    # The settings menu: speed, by keyboard too.
    page.locator('[data-testid="player-settings-button"]').click()
    page.locator('[data-testid="player-speed"]').get_by_label("1.5×").check()
    assert page.evaluate("document.getElementById('player').playbackRate") == 1.5


def test_a_sensitive_video_is_blurred_until_the_viewer_chooses_to_watch(stack, media, page):
    uuid = stack.uploaded(media["clip"], "Sensitive clip", nsfw="true", commentsPolicy="2")
    video = stack.wait_for_state(uuid)
    headers = stack.create_user("watch_blur")
    stack.http.put("/api/v1/users/me", headers=headers,
                   json={"nsfwPolicy": "blur"}).raise_for_status()
    sign_in(page, stack, "watch_blur")
    page.goto(f"{stack.url}/w/{video['shortUUID']}")
    overlay = page.locator('[data-testid="nsfw-overlay"]')
    overlay.wait_for()
    assert "Sensitive content" in overlay.inner_text()
    # Nothing is loaded until the viewer asks.
    page.wait_for_timeout(500)
    assert page.evaluate("document.getElementById('player').currentSrc") == ""
    page.locator('[data-testid="comments-disabled"]').wait_for()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "watch-nsfw.png"))
    page.locator('[data-testid="nsfw-reveal"]').click()
    assert overlay.count() == 0
    page.wait_for_function(PLAYING, timeout=20_000)


def test_a_report_reaches_the_moderators(stack, video, page):
    stack.create_user("watch_reporter")
    sign_in(page, stack, "watch_reporter")
    page.goto(f"{stack.url}/w/{video['shortUUID']}")
    page.locator('[data-testid="report-button"]').click()
    dialog = page.locator('[data-testid="report-dialog"]')
    dialog.locator('[data-testid="report-submit"]').click()
    assert "at least 2 characters" in dialog.inner_text()
    dialog.locator('[data-testid="report-reason"]').fill("Flashing colours without a warning")
    dialog.locator('[data-testid="report-submit"]').click()
    dialog.locator('[data-testid="report-done"]').wait_for()
    abuses = stack.http.get("/api/v1/abuses", headers=stack.auth()).json()["data"]
    assert any(a["reason"] == "Flashing colours without a warning"
               and a["video"]["uuid"] == video["uuid"] for a in abuses)


def test_subscribe_save_to_a_playlist_and_download(stack, video, page):
    headers = stack.create_user("watch_saver")
    sign_in(page, stack, "watch_saver")
    page.goto(f"{stack.url}/w/{video['shortUUID']}")
    subscribe = page.locator('[data-testid="subscribe-button"]')
    subscribe.click()
    page.wait_for_function("document.querySelector('[data-testid=\"subscribe-button\"]')"
                           ".getAttribute('aria-pressed') === 'true'")
    host = urlsplit(stack.url).netloc
    exists = stack.http.get("/api/v1/users/me/subscriptions/exist", headers=headers,
                            params={"uris": f"root_channel@{host}"}).json()
    assert exists[f"root_channel@{host}"] is True

    page.locator('[data-testid="playlist-button"]').click()
    dialog = page.locator('[data-testid="playlist-dialog"]')
    dialog.get_by_label("Watch later").check()
    dialog.get_by_text("Added to Watch later.").wait_for()
    assert stack.http.get("/api/v1/users/me/video-playlists/videos-exist", headers=headers,
                          params={"videoIds": video["id"]}).json()[str(video["id"])]
    page.keyboard.press("Escape")

    page.locator('[data-testid="download-button"]').click()
    links = page.locator('[data-testid="download-dialog"] [data-testid="download-link"]')
    links.first.wait_for()
    assert links.count() == len(video["files"])
    assert links.first.get_attribute("href") == max(
        video["files"], key=lambda f: f["resolution"]["id"])["fileDownloadUrl"]
    assert "720p" in links.first.inner_text()


def test_a_playlist_plays_its_videos_in_turn(stack, video, media, page):
    second = stack.wait_for_state(stack.uploaded(media["portrait"], "Second in the playlist"))
    admin = stack.auth()
    channel = stack.channel_id(admin)
    playlist = stack.http.post("/api/v1/video-playlists", headers=admin, data={
        "displayName": "Watched in turn", "privacy": "1", "videoChannelId": str(channel),
    }).json()["videoPlaylist"]
    for item in (video, second):
        stack.http.post(f"/api/v1/video-playlists/{playlist['uuid']}/videos", headers=admin,
                        json={"videoId": item["uuid"]}).raise_for_status()
    page.goto(f"{stack.url}/w/p/{playlist['uuid']}")
    page.locator('[data-testid="play-all"]').click()
    page.wait_for_url("**playlistPosition=1")
    panel = page.locator('[data-testid="playlist-panel"]')
    expect(panel.locator('[data-testid="playlist-item"]')).to_have_count(2)
    expect(panel.locator('[aria-current="true"]')).to_have_text(re.compile("Watched in Chromium"))
    expect(page.locator('[data-testid="video-title"]')).to_have_text("Watched in Chromium")
    page.wait_for_function(PLAYING, timeout=20_000)
    page.screenshot(path=str(SCREENSHOTS / "watch-playlist.png"))
    # At its end, the next one.
    page.evaluate("document.getElementById('player').dispatchEvent(new Event('ended'))")
    page.wait_for_url("**playlistPosition=2")
    expect(page.locator('[data-testid="video-title"]')).to_have_text("Second in the playlist")
    expect(panel.locator('[aria-current="true"]')).to_have_text(re.compile("Second"))
