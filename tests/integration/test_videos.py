"""The catalog through the API: filters, sorts, totals, updates and deletion."""
import io
import threading

import pytest
from PIL import Image

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def catalog_user(stack, media):
    """A user with three published videos of their own."""
    headers = stack.create_user("catalina")
    channel = stack.channel_id(headers)
    uuids = {name: stack.uploaded(media["clip"], name, headers, channel_id=channel, **fields)
             for name, fields in [
                 ("Kittens at play", {"category": "1", "tags[]": ["cats", "cute"],
                                      "language": "en"}),
                 ("Puppies at rest", {"category": "2", "tags[]": ["dogs", "cute"],
                                      "nsfw": "true"}),
                 ("Garden birds", {"category": "1", "language": "fr"})]}
    for uuid in uuids.values():
        assert stack.wait_for_state(uuid)["state"]["id"] == 1
    return headers, uuids


def listed(stack, path="/api/v1/videos", **params):
    response = stack.http.get(path, params={"count": 100, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    return body["total"], [v["name"] for v in body["data"]]


def every(stack, **params) -> tuple[int, list[str]]:
    """The total and every name of a list, page after page (the shared stack holds more
    than a page of videos by the time this module runs)."""
    names, total = [], None
    while total is None or len(names) < total:
        body = stack.http.get("/api/v1/videos", params={
            "count": 100, "start": len(names), **params}).json()
        total = body["total"]
        if not body["data"]:
            break
        names += [v["name"] for v in body["data"]]
    return total, names


CATALOG = ("Kittens at play", "Puppies at rest", "Garden birds")


def ours(stack, path="/api/v1/videos", **params):
    """The names `listed` finds among this module's catalog: other tests share the stack
    and publish kittens too."""
    return [name for name in listed(stack, path, **params)[1] if name in CATALOG]


def test_filters(stack, catalog_user):
    assert ours(stack, categoryOneOf=1, search="at") == ["Kittens at play"]
    assert set(ours(stack, tagsOneOf="cute")) == {"Kittens at play", "Puppies at rest"}
    assert ours(stack, tagsAllOf=["cute", "dogs"]) == ["Puppies at rest"]
    assert ours(stack, languageOneOf="fr") == ["Garden birds"]
    assert "Puppies at rest" not in ours(stack, nsfw="false")
    assert ours(stack, nsfw="true") == ["Puppies at rest"]


def test_search(stack, catalog_user):
    assert ours(stack, "/api/v1/search/videos", search="kitt") == ["Kittens at play"]
    assert ours(stack, "/api/v1/search/videos", search="garden BIRD") == ["Garden birds"]
    assert stack.http.get("/api/v1/search/videos").status_code == 400


def test_search_by_duration_and_publication_date(stack, catalog_user):
    """PeerTube's durationMin/durationMax (seconds) and startDate/endDate (ISO 8601)."""
    search = "/api/v1/search/videos"
    assert ours(stack, search, search="kitt", durationMax=240) == ["Kittens at play"]
    assert ours(stack, search, search="kitt", durationMin=600) == []
    assert ours(stack, search, search="kitt", startDate="2000-01-01") == ["Kittens at play"]
    assert ours(stack, search, search="kitt", startDate="2999-01-01T00:00:00Z") == []
    assert ours(stack, search, search="kitt", endDate="2000-01-01T00:00:00.000Z") == []
    for params in ({"startDate": "last week"}, {"durationMin": "short"},
                   {"durationMax": -1}):
        response = stack.http.get(search, params={"search": "kitt", **params})
        assert response.status_code == 400, params
        assert set(response.json()["invalid-params"]) == set(params)


def test_bad_list_parameters(stack):
    for params in ({"sort": "-nonsense"}, {"count": 101}, {"categoryOneOf": "x"},
                   {"nsfw": "maybe"}, {"isLive": "perhaps"}, {"filter": "local"}):
        response = stack.http.get("/api/v1/videos", params=params)
        assert response.status_code == 400, params
    assert stack.http.get("/api/v1/videos", params={"privacyOneOf": 3}).status_code == 401


def test_skip_count_leaves_total_out(stack, catalog_user):
    body = stack.http.get("/api/v1/videos", params={"skipCount": "true"}).json()
    assert "total" not in body and body["data"]


def test_update_authorisation_and_effect(stack, media, catalog_user):
    headers, uuids = catalog_user
    uuid = uuids["Garden birds"]
    stranger = stack.create_user("stranger_videos")
    assert stack.http.put(f"/api/v1/videos/{uuid}", headers=stranger,
                          json={"name": "Mine now"}).status_code == 403
    assert stack.http.put(f"/api/v1/videos/{uuid}",
                          json={"name": "Anonymous"}).status_code == 401
    bad = stack.http.put(f"/api/v1/videos/{uuid}", headers=headers, json={"name": "x"})
    assert bad.status_code == 400 and "name" in bad.json()["invalid-params"]
    response = stack.http.put(f"/api/v1/videos/{uuid}", headers=headers,
                              files={"name": (None, "Garden birds in spring"),
                                     "privacy": (None, "3")})
    assert response.status_code == 204, response.text
    assert "Garden birds in spring" not in every(stack)[1]
    assert stack.http.get(f"/api/v1/videos/{uuid}").status_code == 404
    mine = stack.http.get(f"/api/v1/videos/{uuid}", headers=headers).json()
    assert mine["name"] == "Garden birds in spring" and mine["privacy"]["id"] == 3
    assert stack.http.put(f"/api/v1/videos/{uuid}", headers=stack.auth(),
                          json={"privacy": 1}).status_code == 204  # an admin may
    assert "Garden birds in spring" in every(stack)[1]


def test_an_update_clears_optional_fields_with_null(stack, media):
    headers = stack.create_user("clearer")
    uuid = stack.uploaded(media["clip"], "Fully described", headers, category="2",
                          language="fr", description="Long enough to keep.")
    stack.wait_for_state(uuid)
    response = stack.http.put(f"/api/v1/videos/{uuid}", headers=headers, json={
        "description": None, "category": None, "language": None, "name": None})
    assert response.status_code == 400 and list(response.json()["invalid-params"]) == ["name"]
    response = stack.http.put(f"/api/v1/videos/{uuid}", headers=headers, json={
        "description": None, "category": None, "language": None})
    assert response.status_code == 204, response.text
    video = stack.http.get(f"/api/v1/videos/{uuid}").json()
    assert (video["description"], video["category"]["id"], video["language"]["id"]) == (
        "", 0, "")
    # The catalog follows: the video left its category's and language's lists.
    assert "Fully described" not in every(stack, categoryOneOf=2)[1]
    assert "Fully described" not in every(stack, languageOneOf="fr")[1]


def test_racing_updates_keep_totals_exact(stack, catalog_user):
    headers, uuids = catalog_user
    uuid = uuids["Kittens at play"]
    before = every(stack, categoryOneOf=1)[0]

    statuses = []

    def flip(privacy):
        statuses.append(stack.http.put(f"/api/v1/videos/{uuid}", headers=headers,
                                       json={"privacy": privacy}).status_code)

    threads = [threading.Thread(target=flip, args=(p,)) for p in (3, 1, 2, 1, 3, 1, 3, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flip(1)
    assert statuses == [204] * 9
    total, found = every(stack, categoryOneOf=1)
    assert total == len(found) == before
    total, found = every(stack)
    assert total == len(found)


def test_delete_removes_video_and_media(stack, media):
    headers = stack.create_user("deleter")
    uuid = stack.uploaded(media["clip"], "Short lived", headers)
    video = stack.wait_for_state(uuid)
    before = listed(stack)[0]
    other = stack.create_user("not_the_deleter")
    assert stack.http.delete(f"/api/v1/videos/{uuid}", headers=other).status_code == 403
    assert stack.http.delete(f"/api/v1/videos/{uuid}", headers=headers).status_code == 204
    assert stack.http.get(f"/api/v1/videos/{uuid}", headers=headers).status_code == 404
    assert listed(stack)[0] == before - 1
    assert stack.http.get(video["files"][0]["fileUrl"]).status_code == 404
    assert stack.http.get(video["streamingPlaylists"][0]["playlistUrl"]).status_code == 404
    assert stack.http.delete(f"/api/v1/videos/{uuid}", headers=headers).status_code == 404


def test_description(stack, catalog_user):
    uuid = catalog_user[1]["Kittens at play"]
    assert stack.http.get(f"/api/v1/videos/{uuid}/description").json() == {
        "description": None}


def test_chosen_thumbnail_replaces_the_frame(stack, catalog_user, tmp_path):
    headers, uuids = catalog_user
    uuid = uuids["Puppies at rest"]
    picture = tmp_path / "cover.png"
    Image.new("RGB", (640, 480), (200, 30, 30)).save(picture)
    before = stack.http.get(f"/api/v1/videos/{uuid}", headers=headers).json()
    with picture.open("rb") as f:
        response = stack.http.put(f"/api/v1/videos/{uuid}", headers=headers,
                                  files={"thumbnailfile": ("cover.png", f, "image/png")})
    assert response.status_code == 204, response.text
    after = stack.http.get(f"/api/v1/videos/{uuid}", headers=headers).json()
    assert after["thumbnailPath"] != before["thumbnailPath"]
    served = stack.http.get(stack.url + after["thumbnailPath"])
    assert served.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(served.content))
    assert image.size == (280, 157) and image.getpixel((140, 78))[0] > 150
    bad = stack.http.put(f"/api/v1/videos/{uuid}", headers=headers,
                         files={"thumbnailfile": ("x.png", b"not an image", "image/png")})
    assert bad.status_code == 400 and "thumbnailfile" in bad.json()["invalid-params"]


def test_channel_search(stack):
    headers = stack.create_user("searchable_sam", channelName="sams_cooking_corner")
    found = stack.http.get("/api/v1/search/video-channels", params={"search": "cook"}).json()
    assert "sams_cooking_corner" in [c["name"] for c in found["data"]]
    channel = found["data"][0]
    assert channel["ownerAccount"]["name"] == "searchable_sam"
    stack.http.put("/api/v1/video-channels/sams_cooking_corner", headers=headers,
                   json={"displayName": "Sam bakes bread"})
    assert [c["name"] for c in stack.http.get("/api/v1/search/video-channels", params={
        "search": "bakes"}).json()["data"]] == ["sams_cooking_corner"]
    assert stack.http.get("/api/v1/search/video-channels", params={
        "search": "zzzz"}).json() == {"total": 0, "data": []}
    assert stack.http.get("/api/v1/search/video-channels").status_code == 400
