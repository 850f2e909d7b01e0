"""Views on moto's in-process mock: counted once per viewer and hour, after enough
watching, and nothing kept that says who watched."""
from types import SimpleNamespace

import pytest

from peerless import accounts, errors, ids, videos, views
from peerless.models import Item, Video

HOUR, DAY = views.WINDOW, views.DAY
NOON = 20_000 * DAY + 12 * HOUR


@pytest.fixture
def clip(aws):
    views._salts.clear()
    owner = accounts.create_user("alice", "alice@example.com", "a password")
    channel = accounts.channels_of("alice")[0]
    video = videos.create(owner, videos.parse_attributes(
        {"name": "Watched", "channelId": channel.id}, from_form=False),
        uuid=ids.new_uuid(), filename="x.mp4")
    video.update(actions=[Video.duration.set(30)])
    return video


def count(video) -> int:
    return int(Video.get(*Video.key(video.uuid)).views)


def watch(video, position=12, ip="192.0.2.7", agent="Firefox", at=NOON) -> bool:
    return views.record(video, position, ip=ip, user_agent=agent, at=at)


def test_once_per_viewer_and_hour(clip):
    assert watch(clip) and not watch(clip) and not watch(clip, at=NOON + HOUR - 1)
    assert watch(clip, agent="Chromium") and watch(clip, ip="192.0.2.8")
    assert watch(clip, at=NOON + HOUR)
    assert count(clip) == 4


@pytest.mark.parametrize("duration, position, counted", [
    (30, 9, False), (30, 10, True), (4, 2, False), (4, 3, True), (0, 0, False)])
def test_enough_watching(clip, duration, position, counted):
    clip.update(actions=[Video.duration.set(duration)])
    assert watch(clip, position) is counted
    assert count(clip) == int(counted)


def test_nothing_names_the_viewer(clip):
    watch(clip, ip="198.51.100.23", agent="Secret-Agent/1.0")
    stored = [item.attribute_values for item in Item.scan()]
    text = repr(stored)
    assert "198.51.100.23" not in text and "Secret-Agent" not in text
    marks = [i for i in stored if i["pk"].startswith("view#")]
    assert len(marks) == 1
    assert set(marks[0]) == {"pk", "sk", "kind", "expires_at"}
    assert marks[0]["expires_at"] == NOON + HOUR


def test_the_salt_changes_daily_and_the_old_one_goes(clip):
    watch(clip, at=NOON)
    watch(clip, at=NOON + DAY)
    salts = [i for i in Item.scan() if i.pk.startswith("view-salt#")]
    assert [s.pk for s in salts] == [f"view-salt#{int(NOON // DAY) + 1}"]
    marks = [i.pk for i in Item.scan() if i.pk.startswith("view#")]
    assert len(set(marks)) == 2     # the same viewer is not linkable across days
    assert count(clip) == 2


THIRTY_SECONDS = SimpleNamespace(uuid="v", duration=30)


@pytest.mark.parametrize("raw, parsed", [(5, 5), ("7", 7), (5.9, 5), (30, 30)])
def test_current_time_as_peertube_reads_it(raw, parsed):
    assert views.current_time({"currentTime": raw}, THIRTY_SECONDS) == parsed


@pytest.mark.parametrize("raw", [31, -1, "soon"])
def test_bad_current_time(raw):
    with pytest.raises(errors.ApiError) as refused:
        views.current_time({"currentTime": raw}, THIRTY_SECONDS)
    assert refused.value.status == 400
