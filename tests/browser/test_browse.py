"""Browsing in Debian's Chromium: the home page and its lists, search with filters,
channel and account pages, subscribing and the feed, playlists, and the NSFW policies."""
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.integration]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
ANIMALS = 16
OWNER = "browse_alice"
CHANNEL = f"{OWNER}_channel"
KITTENS = "Browsecat kittens dancing"
PUPPIES = "Browsecat puppies sleeping"  # NSFW


@pytest.fixture(scope="module")
def catalog(stack, media):
    """Two videos of one channel: a French one about animals, and an NSFW one."""
    headers = stack.create_user(OWNER)
    channel = stack.http.get(f"/api/v1/video-channels/{CHANNEL}")
    assert channel.status_code == 200, channel.text
    stack.http.put(f"/api/v1/video-channels/{CHANNEL}", headers=headers, json={
        "displayName": "Alice's animals", "description": "Cats, dogs and more."}
                   ).raise_for_status()
    kittens = stack.uploaded(media["clip"], KITTENS, headers, category=str(ANIMALS),
                             language="fr")
    puppies = stack.uploaded(media["clip"], PUPPIES, headers, nsfw="true")
    return {"headers": headers, "kittens": stack.wait_for_state(kittens),
            "puppies": stack.wait_for_state(puppies)}


def card(page, name):
    return page.locator('[data-testid="video-card"]', has_text=name)


def visitor_preferences(page, **prefs):
    """A visitor's settings, as the web app keeps them in this browser (set once per tab,
    so that the test may change them later)."""
    page.context.add_init_script(
        "if (!sessionStorage.getItem('test-preferences')) {"
        f" localStorage.setItem('peerless.preferences', {json.dumps(json.dumps(prefs))});"
        " sessionStorage.setItem('test-preferences', '1'); }")


def test_home_shows_sections_and_leads_to_the_lists(stack, catalog, page):
    visitor_preferences(page, nsfwPolicy="display")
    page.goto(stack.url + "/")
    for section in ("recent", "trending", "local"):
        expect(page.locator(f'[data-testid="home-section-{section}"] h2')).to_be_visible()
    recent = page.locator('[data-testid="home-section-recent"]')
    expect(recent.locator('[data-testid="video-card"]', has_text=KITTENS)).to_be_visible()
    kitten = card(page, KITTENS).first
    # The card shows the duration, the channel (a link to it), the views and the date.
    expect(kitten.locator(".duration-badge")).to_have_text("0:04")
    expect(kitten.locator('[data-testid="card-channel"]')).to_have_attribute(
        "href", f"/c/{CHANNEL}")
    expect(kitten.locator(".card-meta")).to_contain_text("views")
    expect(kitten.locator(".card-meta time")).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "browse-home.png"), full_page=True)

    page.locator('[data-testid="more-recent"]').click()
    page.wait_for_url("**/videos/recently-added")
    expect(page.locator("h1")).to_have_text("Recently added")
    expect(card(page, KITTENS)).to_be_visible()
    # Local only: the toggle is kept in the address.
    page.locator('[data-testid="scope-local"]').click()
    page.wait_for_url("**/videos/recently-added?scope=local")
    expect(card(page, KITTENS)).to_be_visible()

    page.goto(stack.url + "/")
    page.locator(f'[data-testid="category-{ANIMALS}"]').click()
    page.wait_for_url(f"**/videos/browse?categoryOneOf={ANIMALS}")
    expect(page.locator("h1")).to_have_text("Animals")
    expect(card(page, KITTENS)).to_be_visible()
    expect(card(page, PUPPIES)).to_have_count(0)


def test_search_filters_change_results_and_the_address(stack, catalog, page):
    visitor_preferences(page, nsfwPolicy="display")
    page.goto(stack.url + "/")
    page.locator('[data-testid="search-input"]').fill("browsecat")
    page.locator('[data-testid="search-input"]').press("Enter")
    page.wait_for_url("**/search?search=browsecat")
    expect(card(page, KITTENS)).to_be_visible()
    expect(card(page, PUPPIES)).to_be_visible()

    page.locator('[data-testid="filters-toggle"]').click()
    page.locator('[data-testid="search-filter-languageOneOf"]').select_option("fr")
    page.locator('[data-testid="apply-filters"]').click()
    page.wait_for_url(re.compile(r"languageOneOf=fr"))
    assert parse_qs(urlsplit(page.url).query) == {"search": ["browsecat"],
                                                  "languageOneOf": ["fr"]}
    expect(card(page, KITTENS)).to_be_visible()
    expect(card(page, PUPPIES)).to_have_count(0)
    expect(page.locator('[data-testid="search-filter-languageOneOf"]')).to_have_value("fr")

    # Long videos (more than 10 minutes): none of these 4-second clips.
    page.locator('[data-testid="search-filter-durationRange"]').select_option("long")
    page.locator('[data-testid="apply-filters"]').click()
    page.wait_for_url(re.compile(r"durationRange=long"))
    expect(page.locator('[data-testid="empty-state"]')).to_be_visible()

    # Back shows the previous filters and results again.
    page.go_back()
    page.wait_for_url(re.compile(r"languageOneOf=fr$"))
    expect(card(page, KITTENS)).to_be_visible()
    # Short ones, published this week, newest first.
    page.locator('[data-testid="search-filter-durationRange"]').select_option("short")
    page.locator('[data-testid="search-filter-publishedDateRange"]').select_option("last_7days")
    page.locator('[data-testid="search-filter-sort"]').select_option("-publishedAt")
    page.locator('[data-testid="apply-filters"]').click()
    page.wait_for_url(re.compile(r"sort=-publishedAt"))
    expect(card(page, KITTENS)).to_be_visible()

    # Channels are found too.
    page.goto(stack.url + "/search?search=browse_alice")
    result = page.locator('[data-testid="channel-result"]', has_text="Alice's animals")
    expect(result).to_be_visible()
    page.goto(stack.url + "/search?search=browsecat&isLive=false")
    expect(card(page, KITTENS)).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)


def test_channel_page_subscribe_and_the_feed(stack, catalog, page):
    stack.create_user("browse_bob")
    sign_in(page, stack, "browse_bob")
    page.goto(f"{stack.url}/video-channels/{CHANNEL}")
    page.wait_for_url(f"**/c/{CHANNEL}")
    header = page.locator('[data-testid="channel-header"]')
    expect(header.locator("h1")).to_have_text("Alice's animals")
    expect(header.locator('[data-testid="actor-description"]')).to_have_text(
        "Cats, dogs and more.")
    expect(page.locator('[data-testid="followers-count"]')).to_have_text("0 followers")
    expect(card(page, KITTENS)).to_be_visible()
    expect(page.locator('[data-testid="tab-videos"]')).to_have_attribute("aria-current", "page")

    button = page.locator('[data-testid="subscribe-button"]')
    expect(button).to_have_text("Subscribe")
    button.click()
    expect(button).to_have_text("Unsubscribe")
    expect(page.locator('[data-testid="followers-count"]')).to_have_text("1 follower")
    page.screenshot(path=str(SCREENSHOTS / "channel.png"), full_page=True)
    bob = stack.auth("browse_bob", "user-password")
    exist = stack.http.get("/api/v1/users/me/subscriptions/exist",
                           params={"uris": CHANNEL}, headers=bob).json()
    assert exist == {CHANNEL: True}

    page.locator('[data-testid="nav-subscriptions"]').click()
    page.wait_for_url("**/videos/subscriptions")
    expect(card(page, KITTENS)).to_be_visible()

    # The owner's account page lists the channel and the videos.
    page.goto(f"{stack.url}/accounts/{OWNER}")
    page.wait_for_url(f"**/a/{OWNER}")
    expect(page.locator('[data-testid="channel-card"]', has_text="Alice's animals")).to_be_visible()
    page.locator('[data-testid="tab-videos"]').click()
    page.wait_for_url(f"**/a/{OWNER}/videos")
    expect(card(page, KITTENS)).to_be_visible()

    page.goto(f"{stack.url}/c/{CHANNEL}")
    page.locator('[data-testid="subscribe-button"]').click()
    expect(page.locator('[data-testid="subscribe-button"]')).to_have_text("Subscribe")
    exist = stack.http.get("/api/v1/users/me/subscriptions/exist",
                           params={"uris": CHANNEL}, headers=bob).json()
    assert exist == {CHANNEL: False}
    page.locator('[data-testid="tab-playlists"]').click()
    page.wait_for_url(f"**/c/{CHANNEL}/video-playlists")
    expect(page.locator('[data-testid="empty-state"]')).to_have_text(
        "This channel has no playlists.")
    page.goto(f"{stack.url}/c/nobody_here_channel")
    expect(page.locator('[data-testid="not-found"]')).to_be_visible()


def test_the_owner_manages_their_channel_instead_of_following_it(stack, catalog, page):
    sign_in(page, stack, OWNER)
    page.goto(f"{stack.url}/c/{CHANNEL}")
    expect(page.locator('[data-testid="manage-channel"]')).to_have_attribute(
        "href", f"/manage/update/{CHANNEL}")
    expect(page.locator('[data-testid="subscribe-button"]')).to_have_count(0)


@pytest.mark.parametrize("path", ["/", f"/c/{CHANNEL}", "/search?search=browsecat&sort=-views"])
def test_pages_fit_a_phone(stack, catalog, page, path):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(stack.url + path)
    expect(card(page, KITTENS).first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_playlists_create_view_reorder_remove_and_delete(stack, catalog, page):
    carol = stack.create_user("browse_carol")
    sign_in(page, stack, "browse_carol")
    page.goto(stack.url + "/my-library/video-playlists")
    page.locator('[data-testid="new-playlist"]').click()
    form = page.locator('[data-testid="create-playlist-form"]')
    form.locator('[data-testid="playlist-save"]').click()
    expect(form.locator('[data-testid="error-displayName"]')).to_have_text(
        "Give the playlist a name.")
    form.locator('[data-testid="playlist-displayName"]').fill("Browse favourites")
    form.locator('[data-testid="playlist-description"]').fill("The best animals")
    form.locator('[data-testid="playlist-save"]').click()
    created = page.locator('[data-testid="playlist-card"]', has_text="Browse favourites")
    expect(created).to_be_visible()
    expect(created).to_contain_text("Private")

    mine = stack.http.get("/api/v1/accounts/browse_carol/video-playlists",
                          headers=carol).json()["data"]
    playlist = next(p for p in mine if p["displayName"] == "Browse favourites")
    for video in (catalog["kittens"], catalog["puppies"]):
        stack.http.post(f"/api/v1/video-playlists/{playlist['uuid']}/videos", headers=carol,
                        json={"videoId": video["id"]}).raise_for_status()

    created.locator('[data-testid="playlist-link"]').click()
    page.wait_for_url(f"**/w/p/{playlist['shortUUID']}")
    elements = page.locator('[data-testid="playlist-element"]')
    expect(elements).to_have_count(2)
    expect(elements.nth(0)).to_contain_text(KITTENS)
    expect(elements.nth(1).locator('[data-testid="video-link"]')).to_have_attribute(
        "href", f"/w/p/{playlist['shortUUID']}?playlistPosition=2")
    page.screenshot(path=str(SCREENSHOTS / "playlist.png"), full_page=True)

    elements.nth(0).locator('[data-testid="move-down"]').click()
    expect(elements.nth(0)).to_contain_text(PUPPIES)
    expect(page.locator('[data-testid="playlist-status"]')).to_contain_text("now number 2")
    order = [e["video"]["name"] for e in stack.http.get(
        f"/api/v1/video-playlists/{playlist['uuid']}/videos", headers=carol).json()["data"]]
    assert order == [PUPPIES, KITTENS]

    elements.nth(0).locator('[data-testid="remove-element"]').click()
    expect(elements).to_have_count(1)
    expect(elements.nth(0)).to_contain_text(KITTENS)
    assert stack.http.get(f"/api/v1/video-playlists/{playlist['uuid']}/videos",
                          headers=carol).json()["total"] == 1

    # Edit, then delete, from the library.
    page.locator('[data-testid="manage-playlists"]').click()
    page.wait_for_url("**/my-library/video-playlists")
    row = page.locator('[data-testid="playlist-card"]', has_text="Browse favourites")
    row.locator('[data-testid="edit-playlist"]').click()
    row.locator('[data-testid="playlist-displayName"]').fill("Browse best of")
    row.locator('[data-testid="playlist-save"]').click()
    renamed = page.locator('[data-testid="playlist-card"]', has_text="Browse best of")
    expect(renamed).to_be_visible()
    expect(renamed.locator('[data-testid="edit-playlist"]')).to_be_focused()
    renamed.locator('[data-testid="delete-playlist"]').click()
    renamed.locator('[data-testid="confirm-delete"]').click()
    expect(renamed).to_have_count(0)
    assert stack.http.get(f"/api/v1/video-playlists/{playlist['uuid']}",
                          headers=carol).status_code == 404


def test_a_visitor_s_nsfw_policy_blurs_or_hides(stack, catalog, page):
    visitor_preferences(page, nsfwPolicy="blur")
    page.goto(stack.url + "/search?search=browsecat")
    puppies = card(page, PUPPIES)
    expect(puppies.locator('[data-testid="nsfw-label"]')).to_have_text("Sensitive content")
    expect(puppies.locator('[data-testid="video-link"]')).to_have_text(PUPPIES)
    assert "blur" in puppies.locator(".card-thumb img").evaluate(
        "img => getComputedStyle(img).filter")
    expect(card(page, KITTENS).locator('[data-testid="nsfw-label"]')).to_have_count(0)

    page.evaluate("localStorage.setItem('peerless.preferences', "
                  "JSON.stringify({nsfwPolicy: 'display'}))")
    page.reload()
    expect(card(page, PUPPIES)).to_be_visible()
    expect(card(page, PUPPIES).locator('[data-testid="nsfw-label"]')).to_have_count(0)


def test_a_user_s_do_not_list_policy_hides_nsfw_videos(stack, catalog, page):
    headers = stack.create_user("browse_dave")
    stack.http.put("/api/v1/users/me", headers=headers,
                   json={"nsfwPolicy": "do_not_list"}).raise_for_status()
    sign_in(page, stack, "browse_dave")
    page.goto(f"{stack.url}/c/{CHANNEL}/videos")
    expect(card(page, KITTENS)).to_be_visible()
    expect(card(page, PUPPIES)).to_have_count(0)
    page.goto(stack.url + "/search?search=browsecat")
    expect(card(page, KITTENS)).to_be_visible()
    expect(card(page, PUPPIES)).to_have_count(0)


def test_the_viewer_s_languages_filter_the_lists(stack, catalog, page):
    visitor_preferences(page, nsfwPolicy="display", videoLanguages=["fr"])
    page.goto(f"{stack.url}/c/{CHANNEL}/videos")
    expect(card(page, KITTENS)).to_be_visible()
    expect(card(page, PUPPIES)).to_have_count(0)  # in no language


def test_lists_load_the_next_pages(stack, page):
    """Paging through a long list, without publishing dozens of videos: the API's answers
    are made up here (30 videos, 24 a page)."""
    def fake(n):
        return {"id": 10_000 + n, "uuid": f"00000000-0000-4000-8000-{n:012d}",
                "name": f"Paged video {n}", "duration": 61, "views": n, "isLocal": True,
                "publishedAt": "2026-01-01T00:00:00.000Z", "nsfw": False,
                "thumbnailPath": None, "isLive": n == 29,
                "channel": {"name": "paged_channel", "displayName": "Paged", "host": "x"}}

    asked = []

    def answer(route):
        query = parse_qs(urlsplit(route.request.url).query)
        start, count = int(query["start"][0]), int(query["count"][0])
        asked.append(start)
        route.fulfill(json={"total": 30, "data": [fake(n) for n in range(start, min(30, start + count))]})

    page.route("**/api/v1/videos?*", answer)
    page.set_viewport_size({"width": 1280, "height": 3000})
    page.goto(stack.url + "/videos/trending")
    cards = page.locator('[data-testid="video-card"]')
    # The end of the first page is in view: the next one loads by itself.
    expect(cards).to_have_count(30)
    assert asked == [0, 24]
    expect(page.locator(".list-count")).to_have_text("Showing 30 of 30 videos")
    expect(page.locator('[data-testid="load-more"]')).to_be_hidden()
    live = cards.filter(has_text="Paged video 29")
    expect(live.locator('[data-testid="live-badge"]')).to_have_text("Live")
    expect(cards.first.locator(".duration-badge")).to_have_text("1:01")

    asked.clear()
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(stack.url + "/videos/recently-added")
    expect(cards).to_have_count(24)
    # Tabbing to "load more" brings the end of the list into view, which loads the next
    # page; keyboard focus moves on to the first new video.
    page.locator('[data-testid="load-more"]').focus()
    expect(cards).to_have_count(30)
    expect(cards.nth(24).locator('[data-testid="video-link"]')).to_be_focused()
    assert asked == [0, 24]
