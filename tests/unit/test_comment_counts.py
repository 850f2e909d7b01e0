"""Comment counters through every change, on moto's in-process mock. (Races are tested
on the real local stack.)"""
from types import SimpleNamespace

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError

from peerless import accounts, comments, errors, ids, models, videos
from peerless.models import counter_value
from peerless.models import Counter, Item, Video


@pytest.fixture
def scene(aws):
    owner = accounts.create_user("olga", "olga@example.com", "a password")
    bob = accounts.create_user("bob", "bob@example.com", "a password")
    channel = accounts.channels_of("olga")[0]
    video = videos.create(owner, videos.parse_attributes(
        {"name": "Reviewed", "channelId": channel.id, "commentsPolicy": 3}, from_form=False),
        uuid=ids.new_uuid(), filename="x.mp4")
    return owner, bob, video


def state(video) -> dict:
    return {"readable": int(Video.get(*Video.key(video.uuid)).comments_count),
            "held": counter_value(f"comments-held#{video.uuid}"),
            "threads": counter_value(f"threads#{video.uuid}"),
            "held threads": counter_value(f"threads-held#{video.uuid}")}


def test_counters_follow_every_change(scene):
    owner, bob, video = scene
    root = comments.create(video, bob, "held root")
    answer = comments.create(video, owner, "owner's answer", parent=root)
    second = comments.create(video, bob, "held reply", parent=answer)
    assert (root.held, answer.held, second.held) == (True, False, True)
    assert state(video) == {"readable": 1, "held": 2, "threads": 0, "held threads": 1}
    root.refresh()
    assert (root.total_replies, root.total_replies_from_video_author) == (2, 1)

    comments.approve(video, root, owner)
    assert state(video) == {"readable": 2, "held": 1, "threads": 1, "held threads": 0}
    comments.delete(video, second, bob)
    comments.delete(video, answer, owner)
    assert state(video) == {"readable": 1, "held": 0, "threads": 1, "held threads": 0}
    root.refresh()
    assert (root.total_replies, root.total_replies_from_video_author) == (0, 0)

    for act in (lambda: comments.delete(video, comments.get(video, answer.id), owner),
                lambda: comments.approve(video, comments.get(video, second.id), owner)):
        with pytest.raises(errors.ApiError) as refused:
            act()
        assert refused.value.status == 409
    assert state(video)["readable"] == 1


def test_a_thread_counts_what_the_viewer_cannot_see(scene):
    owner, bob, video = scene
    root = comments.create(video, owner, "open root")
    comments.create(video, bob, "held reply", parent=root)
    shown = comments.create(video, owner, "owner reply", parent=root)
    anonymous = comments.get_thread(video, root.id, None)
    assert [c.id for c in anonymous.replies] == [shown.id]
    assert anonymous.counts[root.id] == (2, 1)
    assert len(comments.get_thread(video, root.id, bob).replies) == 2
    video.refresh()     # as each request reads it
    listed = comments.list_threads(video, None, 0, 10)
    assert (listed.total, listed.total_not_deleted) == (1, 2)
    assert comments.list_threads(video, owner, 0, 10).total_not_deleted == 3


def test_only_the_owner_or_a_moderator_approves(scene):
    owner, bob, video = scene
    held = comments.create(video, bob, "let me in")
    with pytest.raises(errors.ApiError) as refused:
        comments.approve(video, held, bob)
    assert refused.value.status == 403
    moderator = accounts.create_user("mod", "mod@example.com", "a password",
                                     role=accounts.ROLE_MODERATOR)
    comments.approve(video, held, moderator)
    assert not comments.get(video, held.id).held


def _cancelled(*codes: str) -> TransactWriteError:
    return TransactWriteError("cancelled", cause=SimpleNamespace(
        cancellation_reasons=[CancellationReason(code=c) if c else None for c in codes]))


@pytest.mark.parametrize("codes, runs", [
    (("TransactionConflict", None), 3),              # retried until it goes through
    (("ConditionalCheckFailed", "TransactionConflict"), 1),  # a condition: raised at once
    ((), 1)])                                        # no reasons given: raised at once
def test_transact_retries_only_contention(aws, monkeypatch, codes, runs):
    monkeypatch.setattr(models.time, "sleep", lambda _: None)
    calls = []

    def build(transaction):
        calls.append(1)
        if len(calls) < 3:
            raise _cancelled(*codes)
        transaction.update(Counter(*Counter.key("tries")), actions=[Counter.value.add(1)])
    if runs == 3:
        models.transact(build)
        assert counter_value("tries") == 1
    else:
        with pytest.raises(TransactWriteError):
            models.transact(build)
    assert len(calls) == runs


def test_a_deleted_video_leaves_no_comment(scene):
    owner, bob, video = scene
    root = comments.create(video, owner, "root")
    comments.create(video, bob, "held reply", parent=root)
    comments.create(video, bob, "held root")
    comments.forget_video(video)
    assert [i for i in Item.scan() if i.pk.startswith("comment#")] == []
    assert [i.pk for i in Item.scan() if video.uuid in i.pk] == [f"video#{video.uuid}"]
    assert comments.list_on_videos_of(owner, 0, 10) == (0, [])
