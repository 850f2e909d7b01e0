"""Video quotas: counted once per video, released once, checked against both quotas."""
from datetime import datetime, timedelta, timezone

import pytest

from peerless import errors, quota

MB = 1_000_000


@pytest.fixture
def alice(aws):
    from peerless import accounts
    return accounts.create_user("alice", "alice@example.com", "secret password",
                                video_quota=10 * MB, video_quota_daily=4 * MB)


@pytest.fixture
def bob(aws):
    from peerless import accounts
    return accounts.create_user("bob", "bob@example.com", "secret password")


def test_a_new_user_has_used_nothing(alice):
    assert quota.used(alice) == (0, 0)


def test_record_counts_a_video_once_however_often_it_is_called(alice, bob):
    quota.record(alice, "video-1", 3 * MB)
    quota.record(alice, "video-1", 3 * MB)
    quota.record(alice, "video-2", 1 * MB)
    assert quota.used(alice) == (4 * MB, 4 * MB)
    assert quota.used(bob) == (0, 0)


def test_release_gives_the_bytes_back_once(alice):
    quota.record(alice, "video-1", 3 * MB)
    quota.record(alice, "video-2", 1 * MB)
    quota.release(alice, "video-1")
    quota.release(alice, "video-1")
    quota.release(alice, "never-counted")
    assert quota.used(alice) == (1 * MB, 1 * MB)


def test_release_by_someone_else_changes_nothing(alice, bob):
    quota.record(alice, "video-1", 3 * MB)
    quota.release(bob, "video-1")
    assert quota.used(alice) == (3 * MB, 3 * MB)
    assert quota.used(bob) == (0, 0)


def test_check_refuses_what_would_exceed_the_total_quota(alice, monkeypatch):
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    monkeypatch.setattr(quota, "_today", lambda: yesterday)
    quota.record(alice, "old", 8 * MB)
    monkeypatch.undo()
    quota.check(alice, 2 * MB)  # exactly the quota is allowed
    with pytest.raises(errors.ApiError) as raised:
        quota.check(alice, 2 * MB + 1)
    assert raised.value.status == 413 and raised.value.code == "quota_reached"
    assert raised.value.message == "The user video quota is exceeded with this video."


def test_check_refuses_what_would_exceed_the_daily_quota(alice):
    quota.record(alice, "video-1", 3 * MB)
    quota.check(alice, 1 * MB)
    with pytest.raises(errors.ApiError) as raised:
        quota.check(alice, 1 * MB + 1)
    assert raised.value.code == "quota_reached"


def test_yesterdays_uploads_do_not_count_today(alice, monkeypatch):
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    monkeypatch.setattr(quota, "_today", lambda: yesterday)
    quota.record(alice, "old", 3 * MB)
    assert quota.used(alice) == (3 * MB, 3 * MB)
    monkeypatch.undo()
    assert quota.used(alice) == (3 * MB, 0)
    quota.release(alice, "old")  # its day is over: only the total goes down
    assert quota.used(alice) == (0, 0)


def test_the_daily_total_expires_after_its_day(alice):
    quota.record(alice, "video-1", 1 * MB)
    item = quota.UsageTotal.get(*quota.UsageTotal.key("alice", quota._day(quota._today())))
    tomorrow = datetime.now(timezone.utc).date() + timedelta(days=1)
    midnight = datetime.combine(tomorrow, datetime.min.time(), timezone.utc).timestamp()
    assert midnight < item.expires_at <= midnight + 3600


def test_unlimited_quotas_refuse_nothing(bob):
    quota.record(bob, "huge", 10 ** 12)
    quota.check(bob, 10 ** 12)
