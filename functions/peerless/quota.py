"""Video quotas: the bytes of video a user has uploaded, in all and today, against
PeerTube's `videoQuota` and `videoQuotaDaily` (bytes; -1 is unlimited).

A video counts once: an item per video holds its size and is written in the same
transaction as the atomic ADDs on the user's two totals, on the condition that it does
not exist yet, so a repeated `record` (or `release`) changes nothing. "Today" is the UTC
day; its total expires through the table's TTL once the day is over.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import errors
from .models import Item, User, connection

UNLIMITED = -1


class VideoUsage(Item, discriminator="quota-usage"):
    """The bytes one video counts for, and the day they were counted on."""
    username = UnicodeAttribute()
    size = NumberAttribute()
    day = UnicodeAttribute()

    @staticmethod
    def key(uuid: str) -> tuple[str, str]:
        return f"quota-usage#{uuid}", "quota-usage"


class UsageTotal(Item, discriminator="quota-total"):
    """A user's bytes in all (sk `total`) or on one day (sk the date, with a TTL)."""
    value = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)

    @staticmethod
    def key(username: str, day: str = "total") -> tuple[str, str]:
        return f"quota#{username.lower()}", day


def _today() -> datetime:
    return datetime.now(timezone.utc)


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def used(user: User) -> tuple[int, int]:
    """(bytes in all, bytes today) that `user`'s videos count for."""
    keys = [UsageTotal.key(user.username), UsageTotal.key(user.username, _day(_today()))]
    found = {item.sk: int(item.value) for item in UsageTotal.batch_get(keys)}
    return found.get(keys[0][1], 0), found.get(keys[1][1], 0)


def check(user: User, size: int) -> None:
    """A 413 `quota_reached` if `size` more bytes would exceed either of `user`'s quotas."""
    total, daily = used(user)
    for quota, current in ((user.video_quota, total), (user.video_quota_daily, daily)):
        if quota != UNLIMITED and current + size > quota:
            raise errors.ApiError(413, "The user video quota is exceeded with this video.",
                                  code="quota_reached")


def _already_done(error: TransactWriteError) -> bool:
    """Whether the transaction failed only on its first item's condition: the per-video
    item was (or was not) there already, so the work was done before."""
    reasons = error.cancellation_reasons
    return bool(reasons) and reasons[0] is not None \
        and reasons[0].code == "ConditionalCheckFailed"


def record(user: User, uuid: str, size: int) -> None:
    """Counts video `uuid` of `size` bytes against `user`, once however often called."""
    today = _today()
    day = _day(today)
    end_of_day = datetime(today.year, today.month, today.day, tzinfo=timezone.utc) \
        + timedelta(days=1)
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.save(VideoUsage(*VideoUsage.key(uuid), username=user.username,
                                        size=size, day=day),
                             condition=VideoUsage.pk.does_not_exist())
            transaction.update(UsageTotal(*UsageTotal.key(user.username)),
                               actions=[UsageTotal.value.add(size)])
            transaction.update(UsageTotal(*UsageTotal.key(user.username, day)),
                               actions=[UsageTotal.value.add(size),
                                        UsageTotal.expires_at.set(
                                            int(end_of_day.timestamp()) + 3600)])
    except TransactWriteError as error:
        if not _already_done(error):
            raise


def release(user: User, uuid: str) -> None:
    """Stops counting video `uuid` against `user` (deleted, or its upload refused); a
    no-op when it was never counted for them or is released already."""
    try:
        usage = VideoUsage.get(*VideoUsage.key(uuid))
    except DoesNotExist:
        return
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.delete(usage, condition=VideoUsage.username == user.username)
            transaction.update(UsageTotal(*UsageTotal.key(user.username)),
                               actions=[UsageTotal.value.add(-usage.size)])
            # A past day's total is gone or soon will be: only today's still matters.
            if usage.day == _day(_today()):
                transaction.update(UsageTotal(*UsageTotal.key(user.username, usage.day)),
                                   actions=[UsageTotal.value.add(-usage.size)])
    except TransactWriteError as error:
        if not _already_done(error):
            raise
