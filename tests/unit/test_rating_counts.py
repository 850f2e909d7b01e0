"""Ratings and their counters, on moto's in-process mock."""
import pytest

from peerless import accounts, ids, ratings, videos
from peerless.models import Video


@pytest.fixture
def scene(aws):
    owner = accounts.create_user("olga", "olga@example.com", "a password")
    fan = accounts.create_user("fan", "fan@example.com", "a password")
    channel = accounts.channels_of("olga")[0]

    def make(name, privacy=1):
        return videos.create(owner, videos.parse_attributes(
            {"name": name, "channelId": channel.id, "privacy": privacy}, from_form=False),
            uuid=ids.new_uuid(), filename="x.mp4")
    return owner, fan, make


def counters(video) -> tuple[int, int]:
    stored = Video.get(*Video.key(video.uuid))
    return int(stored.likes), int(stored.dislikes)


@pytest.mark.parametrize("steps", [
    [("like", (1, 0)), ("dislike", (0, 1)), ("none", (0, 0))],
    [("dislike", (0, 1)), ("dislike", (0, 1)), ("like", (1, 0)), ("like", (1, 0))],
    [("none", (0, 0)), ("like", (1, 0)), ("none", (0, 0)), ("none", (0, 0))]])
def test_each_change_moves_the_counters_once(scene, steps):
    _, fan, make = scene
    video = make("Rated")
    for rating, expected in steps:
        ratings.rate(fan, video, rating)
        assert counters(video) == expected, rating
        assert ratings.current(fan, video) == rating


def test_the_list_leaves_out_videos_made_private(scene):
    owner, fan, make = scene
    shown, hidden = make("Shown"), make("Hidden")
    ratings.rate(fan, shown, "like")
    ratings.rate(fan, hidden, "dislike")
    hidden.update(actions=[Video.privacy.set(3)])
    total, found = ratings.list_of(fan, 0, 10)
    assert total == 2 and [v.name for _, v in found] == ["Shown"]
    assert ratings.list_of(fan, 0, 10, "dislike")[0] == 1
    ratings.rate(owner, hidden, "like")
    assert [v.name for _, v in ratings.list_of(owner, 0, 10)[1]] == ["Hidden"]


def test_a_deleted_video_leaves_no_rating(scene):
    owner, fan, make = scene
    gone, kept = make("Gone"), make("Kept")
    for user in (owner, fan):
        ratings.rate(user, gone, "like")
    ratings.rate(fan, kept, "dislike")
    ratings.forget_video(gone)
    assert ratings.list_of(owner, 0, 10) == (0, [])
    total, found = ratings.list_of(fan, 0, 10)
    assert total == 1 and [v.name for _, v in found] == ["Kept"]
