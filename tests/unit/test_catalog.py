"""The catalog's lists, filters, sorts and exact totals, on moto's in-process mock.
(Races are tested on the real local stack: the in-process mock is not atomic.)"""
from datetime import timedelta

import pytest

from peerless import accounts, ids, videos
from peerless.catalog import VideoQuery, list_videos
from peerless.models import Video


@pytest.fixture
def alice(aws):
    return accounts.create_user("alice", "alice@example.com", "a password")


def publish(user, name, duration=10, **attrs):
    channel = accounts.channels_of(user.username)[0]
    fields = {"name": name, "channelId": channel.id, **attrs}
    video = videos.create(user, videos.parse_attributes(fields, from_form=False),
                          uuid=ids.new_uuid(), filename="x.mp4")
    videos.publish(video, {"renditions": []}, duration)
    return video


def names(result):
    return [v.name for v in result[1]]


def test_newest_first_with_exact_total(alice):
    for n in range(5):
        publish(alice, f"Video {n}")
    assert list_videos(VideoQuery(count=2)) [0] == 5
    assert names(list_videos(VideoQuery(count=2))) == ["Video 4", "Video 3"]
    assert names(list_videos(VideoQuery(start=4, count=2))) == ["Video 0"]
    assert names(list_videos(VideoQuery(sort="publishedAt", count=1))) == ["Video 0"]


def test_filters_use_their_lists_and_count_exactly(alice):
    publish(alice, "Cats", category=1, language="en", tags=["cats", "cute"])
    publish(alice, "Dogs", category=2, language="fr", tags=["dogs", "cute"], nsfw=True)
    publish(alice, "Birds", category=1, licence=3)
    assert list_videos(VideoQuery(category_one_of=[1])) [0] == 2
    assert set(names(list_videos(VideoQuery(category_one_of=[1, 2])))) == {"Cats", "Dogs",
                                                                          "Birds"}
    assert names(list_videos(VideoQuery(language_one_of=["fr"]))) == ["Dogs"]
    assert names(list_videos(VideoQuery(licence_one_of=[3]))) == ["Birds"]
    assert set(names(list_videos(VideoQuery(tags_one_of=["cute"])))) == {"Cats", "Dogs"}
    assert names(list_videos(VideoQuery(tags_all_of=["cute", "cats"]))) == ["Cats"]
    assert names(list_videos(VideoQuery(nsfw=True))) == ["Dogs"]
    hidden = list_videos(VideoQuery(nsfw=False))
    assert hidden[0] == 2 and set(names(hidden)) == {"Cats", "Birds"}
    both = list_videos(VideoQuery(category_one_of=[1], language_one_of=["en"]))
    assert both[0] == 1 and names(both) == ["Cats"]
    assert list_videos(VideoQuery(channel="alice_channel"))[0] == 3
    assert list_videos(VideoQuery(account="alice"))[0] == 3
    assert list_videos(VideoQuery(channels=["alice_channel", "nobody"]))[0] == 3
    assert list_videos(VideoQuery(is_live=True))[0] == 0


def test_other_sorts(alice):
    a = publish(alice, "Beta")
    b = publish(alice, "alpha")
    Video.get(*Video.key(a.uuid)).update(actions=[Video.views.add(7)])
    assert names(list_videos(VideoQuery(sort="-views"))) == ["Beta", "alpha"]
    assert names(list_videos(VideoQuery(sort="name"))) == ["alpha", "Beta"]
    assert names(list_videos(VideoQuery(sort="-views", channel="alice_channel"))) == [
        "Beta", "alpha"]
    assert b.uuid


def test_duration_and_publication_date_filters(alice):
    """Search's durationMin/durationMax (PeerTube's short, medium and long buckets) and
    startDate/endDate, on the whole catalog and within a filter list."""
    publish(alice, "Short clip", duration=30, category=1)
    publish(alice, "Medium clip", duration=300, category=1)
    long_one = publish(alice, "Long clip", duration=1200)
    assert names(list_videos(VideoQuery(duration_max=240))) == ["Short clip"]
    assert names(list_videos(VideoQuery(duration_min=240, duration_max=600))) == [
        "Medium clip"]
    assert names(list_videos(VideoQuery(duration_min=600))) == ["Long clip"]
    in_category = list_videos(VideoQuery(duration_min=240, category_one_of=[1]))
    assert in_category[0] == 1 and names(in_category) == ["Medium clip"]
    published = Video.get(*Video.key(long_one.uuid)).published_at
    assert list_videos(VideoQuery(published_after=published))[0] == 1
    assert names(list_videos(VideoQuery(published_after=published))) == ["Long clip"]
    assert names(list_videos(VideoQuery(published_before=published - timedelta(
        microseconds=1), duration_min=240))) == ["Medium clip"]
    assert list_videos(VideoQuery(published_after=published + timedelta(days=1)))[0] == 0


def test_search_matches_word_starts_and_accents(alice):
    publish(alice, "Le café de Peerless", tags=["coffee"])
    publish(alice, "Another thing")
    assert names(list_videos(VideoQuery(search="cafe"))) == ["Le café de Peerless"]
    assert names(list_videos(VideoQuery(search="peer caf"))) == ["Le café de Peerless"]
    assert names(list_videos(VideoQuery(search="coff"))) == ["Le café de Peerless"]
    assert names(list_videos(VideoQuery(search="zebra"))) == []


def test_privacy_and_updates_move_videos_between_lists(alice):
    video = publish(alice, "Moving", category=1, tags=["one"])
    videos.update(video, {"privacy": 3}, from_form=False)
    assert list_videos(VideoQuery())[0] == 0
    assert list_videos(VideoQuery(category_one_of=[1]))[0] == 0
    videos.update(video, {"privacy": 1, "category": 2, "tags": ["two"]}, from_form=False)
    assert list_videos(VideoQuery(category_one_of=[1]))[0] == 0
    assert names(list_videos(VideoQuery(category_one_of=[2]))) == ["Moving"]
    assert names(list_videos(VideoQuery(tags_one_of=["two"]))) == ["Moving"]
    assert list_videos(VideoQuery(tags_one_of=["one"]))[0] == 0
    stored = Video.get(*Video.key(video.uuid))
    assert all("one" not in key for key in stored.catalog_keys)


def test_unpublished_videos_are_never_listed(alice):
    channel = accounts.channels_of("alice")[0]
    videos.create(alice, videos.parse_attributes({"name": "Waiting", "channelId": channel.id},
                                                 from_form=False),
                  uuid=ids.new_uuid(), filename="x.mp4")
    assert list_videos(VideoQuery())[0] == 0


def test_delete_leaves_no_trace(alice, monkeypatch):
    video = publish(alice, "Gone", tags=["xy"])

    class NoMedia:
        def delete(self, keys):
            self.keys = keys

        def delete_video(self, uuid):
            pass

        def delete_upload(self, uuid):
            pass
    videos.delete(video, NoMedia())
    assert list_videos(VideoQuery())[0] == 0
    assert list_videos(VideoQuery(tags_one_of=["xy"]))[0] == 0
    assert videos.find(video.uuid) is None
