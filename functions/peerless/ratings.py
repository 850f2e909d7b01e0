"""Likes and dislikes.

One `Rating` item per user and video (pk `rating#<user>`, sk `video#<uuid>`), and the
video's `likes` and `dislikes` counters. A change of rating is one transaction: the rating
item, conditional on the rating it replaces, and ADDs on both counters; so two tabs or a
retried request racing each other never count twice. A user's ratings are listed, newest
first, in the `by_owner` partition `ratings-of#<user>`; a video's, in the `by_list`
partition `ratings-on#<video uuid>` (for its removal, and the likes collections of
federation).
"""
from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import errors, videos
from .models import Item, User, Video, busy, get_or_none, now, transact

LIKE, DISLIKE, NONE = "like", "dislike", "none"
RATE_SCHEMA = {"type": "object", "required": ["rating"],
               "properties": {"rating": {"enum": [LIKE, DISLIKE, NONE]}}}
_COUNTERS = {LIKE: Video.likes, DISLIKE: Video.dislikes}
TRIES = 8


class Rating(Item, discriminator="rating"):
    username = UnicodeAttribute()
    video_uuid = UnicodeAttribute()
    rating = UnicodeAttribute()         # like or dislike; "none" is no item
    created_at = UTCDateTimeAttribute(default=now)
    # A rating from another server: `username` is its actor's `name@host`, this the id of
    # its Like or Dislike.
    origin_url = UnicodeAttribute(null=True)

    @staticmethod
    def key(username: str, video_uuid: str) -> tuple[str, str]:
        return f"rating#{username.lower()}", f"video#{video_uuid}"


def _owned_list(username: str) -> str:
    return f"ratings-of#{username.lower()}"


def _video_list(video_uuid: str) -> str:
    return f"ratings-on#{video_uuid}"


def _get(rater: str, video: Video) -> Rating | None:
    return get_or_none(Rating, Rating.key(rater, video.uuid), consistent_read=True)


def current(user: User, video: Video) -> str:
    found = _get(user.username, video)
    return found.rating if found else NONE


def rate(user: User, video: Video, rating: str) -> None:
    """Sets `user`'s rating of `video` (like, dislike or none); the same rating again
    changes nothing."""
    rate_as(user.username, video, rating)


def rate_as(rater: str, video: Video, rating: str, origin_url: str | None = None) -> bool:
    """Sets the rating of `rater` (a username, or a remote actor's `name@host` whose Like
    or Dislike is `origin_url`). False when it was that already."""
    for _ in range(TRIES):
        existing = _get(rater, video)
        old = existing.rating if existing else NONE
        if old == rating:
            return False
        try:
            transact(lambda transaction: _write(transaction, rater, video, old, rating,
                                                origin_url))
            return True
        except TransactWriteError:
            # Someone changed the rating, or removed the video, since it was read.
            try:
                Video.get(*Video.key(video.uuid))
            except DoesNotExist:
                raise errors.not_found("Video not found") from None
    raise busy()


def _write(transaction: TransactWrite, rater: str, video: Video, old: str, new: str,
           origin_url: str | None) -> None:
    key = Rating.key(rater, video.uuid)
    if new == NONE:
        transaction.delete(Rating(*key), condition=Rating.rating == old)
    else:
        item = Rating(*key, username=rater, video_uuid=video.uuid, rating=new,
                      origin_url=origin_url)
        item.owner_pk = _owned_list(rater)
        item.owner_sk = f"{item.created_at.isoformat()}#{video.uuid}"
        item.list_pk = _video_list(video.uuid)
        item.list_sk = f"{item.created_at.isoformat()}#{rater.lower()}"
        transaction.save(item, condition=Rating.pk.does_not_exist() if old == NONE
                         else Rating.rating == old)
    actions = ([_COUNTERS[old].add(-1)] if old != NONE else []) + (
        [_COUNTERS[new].add(1)] if new != NONE else [])
    transaction.update(Video(*Video.key(video.uuid)), actions=actions,
                       condition=Video.pk.exists())


def list_of(user: User, start: int, count: int, rating: str | None = None,
            descending: bool = True) -> tuple[int, list[tuple[Rating, Video]]]:
    """`user`'s ratings with their videos, newest first, optionally only likes or
    dislikes. A video since removed, or made private by its owner, is left out of the
    page (the total, a count of the ratings, still has it)."""
    condition = (Rating.rating == rating) if rating else None
    total = Rating.by_owner.count(_owned_list(user.username), filter_condition=condition)
    found = list(Rating.by_owner.query(_owned_list(user.username), filter_condition=condition,
                                       scan_index_forward=not descending,
                                       limit=start + count))[start:start + count]
    rated = {v.uuid: v for v in Video.batch_get([Video.key(r.video_uuid) for r in found])}
    return total, [(r, rated[r.video_uuid]) for r in found if r.video_uuid in rated
                   and videos.visible(rated[r.video_uuid], user)]


def forget_video(video: Video) -> None:
    """Removes the ratings of a video being deleted from their users' lists."""
    with Rating.batch_write() as batch:
        for rating in Rating.by_list.query(_video_list(video.uuid)):
            batch.delete(rating)


def forget_rater(rater: str) -> None:
    """Takes back every rating of `rater` (a deleted remote actor's `name@host`), the
    videos' counters with them."""
    for rating in Rating.by_owner.query(_owned_list(rater)):
        video = get_or_none(Video, Video.key(rating.video_uuid))
        if video is None:
            rating.delete()
        else:
            rate_as(rater, video, NONE)
