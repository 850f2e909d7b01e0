"""Likes, dislikes and views, as a player and PeerTube's clients send them: counters that
follow each change exactly once, even when requests race."""
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def clip(stack, media):
    """A published public video (2 s long) of the admin."""
    response = stack.upload(media["portrait"], name="Rate and watch me")
    assert response.status_code == 200, response.text
    uuid = response.json()["video"]["uuid"]
    assert stack.wait_for_state(uuid)["state"]["id"] == 1
    return uuid


@pytest.fixture(scope="module")
def raters(stack):
    return [stack.create_user(f"rt_user{i}") for i in range(4)]


def counters(stack, uuid) -> dict:
    body = stack.http.get(f"/api/v1/videos/{uuid}", headers=stack.auth()).json()
    return {k: body[k] for k in ("likes", "dislikes", "views")}


def rate(stack, headers, uuid, rating):
    return stack.http.put(f"/api/v1/videos/{uuid}/rate", headers=headers,
                          json={"rating": rating})


def my_rating(stack, headers, uuid) -> str:
    response = stack.http.get(f"/api/v1/users/me/videos/{uuid}/rating", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["rating"]


def test_a_rating_moves_the_counters(stack, clip, raters):
    user = raters[0]
    start = counters(stack, clip)
    steps = [("like", 1, 0), ("like", 1, 0), ("dislike", 0, 1), ("none", 0, 0),
             ("none", 0, 0), ("dislike", 0, 1)]
    for rating, likes, dislikes in steps:
        assert rate(stack, user, clip, rating).status_code == 204
        now = counters(stack, clip)
        assert (now["likes"] - start["likes"], now["dislikes"] - start["dislikes"]) == (
            likes, dislikes), rating
    body = stack.http.get(f"/api/v1/users/me/videos/{clip}/rating", headers=user).json()
    video_id = stack.http.get(f"/api/v1/videos/{clip}").json()["id"]
    assert body == {"videoId": video_id, "rating": "dislike"}
    assert my_rating(stack, raters[1], clip) == "none"  # one's rating is one's own
    rate(stack, user, clip, "none")


def test_rating_errors(stack, clip, raters, media):
    assert rate(stack, {}, clip, "like").status_code == 401
    bad = rate(stack, raters[0], clip, "love")
    assert bad.status_code == 400 and "rating" in bad.json()["invalid-params"]
    assert rate(stack, raters[0], "00000000-0000-4000-8000-000000000000",
                "like").status_code == 404
    assert rate(stack, raters[0], "not-an-id", "like").status_code == 400
    private = stack.upload(media["text"], name="Private, not rateable",
                           privacy="3").json()["video"]["uuid"]
    assert rate(stack, raters[0], private, "like").status_code == 404
    assert stack.http.get(f"/api/v1/users/me/videos/{private}/rating",
                          headers=raters[0]).status_code == 404
    assert stack.http.get(f"/api/v1/users/me/videos/{clip}/rating").status_code == 401


def test_racing_ratings_count_once(stack, clip, raters):
    start = counters(stack, clip)
    requests = [(user, random.choice(["like", "dislike", "none"]))
                for user in raters for _ in range(6)]
    random.shuffle(requests)
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda r: rate(stack, r[0], clip, r[1]).status_code,
                                 requests))
    assert set(statuses) == {204}
    final = [my_rating(stack, user, clip) for user in raters]
    now = counters(stack, clip)
    # Every rater started from "none": the counters hold exactly their last ratings.
    assert now["likes"] - start["likes"] == final.count("like")
    assert now["dislikes"] - start["dislikes"] == final.count("dislike")
    for user in raters:
        rate(stack, user, clip, "none")


def test_an_account_lists_its_own_ratings(stack, clip, raters):
    user, other = raters[2], raters[3]
    assert rate(stack, user, clip, "like").status_code == 204
    listed = stack.http.get("/api/v1/accounts/rt_user2/ratings", headers=user).json()
    assert listed["total"] == 1
    assert listed["data"][0]["rating"] == "like"
    assert listed["data"][0]["video"]["uuid"] == clip
    assert stack.http.get("/api/v1/accounts/rt_user2/ratings", headers=user,
                          params={"rating": "dislike"}).json() == {"total": 0, "data": []}
    assert stack.http.get("/api/v1/accounts/rt_user2/ratings",
                          headers=other).status_code == 403
    assert stack.http.get("/api/v1/accounts/rt_user2/ratings").status_code == 401
    assert stack.http.get("/api/v1/accounts/rt_user2/ratings", headers=user,
                          params={"rating": "meh"}).status_code == 400
    rate(stack, user, clip, "none")
    assert stack.http.get("/api/v1/accounts/rt_user2/ratings",
                          headers=user).json()["total"] == 0


def view(stack, uuid, current_time, agent="player-a", path="views", method="POST",
         headers=None):
    return stack.http.request(method, f"/api/v1/videos/{uuid}/{path}",
                              json={"currentTime": current_time},
                              headers={"User-Agent": agent, **(headers or {})})


def test_a_view_counts_once_per_viewer_after_enough_watching(stack, clip, raters):
    start = counters(stack, clip)["views"]
    assert view(stack, clip, 0).status_code == 204
    assert view(stack, clip, 1).status_code == 204
    assert counters(stack, clip)["views"] == start  # half of the 2 s clip not watched yet
    assert view(stack, clip, 2).status_code == 204
    assert counters(stack, clip)["views"] == start + 1
    assert view(stack, clip, 2, path="watching", method="PUT").status_code == 204
    assert counters(stack, clip)["views"] == start + 1  # the same viewer, the same hour
    assert view(stack, clip, 2, agent="player-b", headers=raters[0]).status_code == 204
    assert counters(stack, clip)["views"] == start + 2


def test_racing_reports_of_one_viewer_count_once(stack, clip):
    start = counters(stack, clip)["views"]
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = set(pool.map(lambda _: view(stack, clip, 2, agent="racer").status_code,
                                range(20)))
    assert statuses == {204}
    assert counters(stack, clip)["views"] == start + 1


def test_bad_view_reports(stack, clip, media):
    assert view(stack, clip, 3).status_code == 400  # beyond the 2 s clip
    assert view(stack, clip, -1).status_code == 400
    missing = stack.http.post(f"/api/v1/videos/{clip}/views", json={})
    assert missing.status_code == 400 and "currentTime" in missing.json()["invalid-params"]
    assert stack.http.post(f"/api/v1/videos/{clip}/views",
                           json={"currentTime": 1, "viewEvent": "pause"}).status_code == 400
    assert view(stack, "00000000-0000-4000-8000-000000000000", 1).status_code == 404
    private = stack.upload(media["text"], name="Private, not viewable",
                           privacy="3").json()["video"]["uuid"]
    assert view(stack, private, 0).status_code == 404
