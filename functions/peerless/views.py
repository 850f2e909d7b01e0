"""Views: a video's `views` counter, each viewer counted at most once an hour, without
keeping who watched what.

A view counts, as in PeerTube, once the viewer has watched 10 seconds (half of a shorter
video), which we read from the position the player reports. The first such report in an
hour-long window writes a short-lived `ViewMark` and ADDs 1 to `views`, in one transaction
conditional on the mark being new: a second report in the same window, or a retry, finds
the mark and counts nothing.

Privacy. The mark is keyed by HMAC-SHA256(salt, client IP, user agent, video, window)
and holds nothing else: no IP, no user agent, no account, no time beyond its expiry. The
salt is 32 random bytes made on demand for each UTC day, kept in the table only for that
day: the next day's first view replaces it and deletes it (and the table's TTL removes
what is left). Marks expire with their window. So the table can tell whether "this
digest" viewed in the current hour, and nothing else: the digest cannot be reversed
into an IP; with the day's salt, someone able to read the table that day could test a
guessed (IP, user agent, video, hour), which is no more than an ordinary access log
holds; once the day is over the salt is gone and even that test is impossible. Logged-in
viewers are treated the same as anonymous ones: their account is never part of it.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError

from . import errors
from .models import transact
from .models import Item, Video

WINDOW = 3600           # seconds: a viewer counts once per video in each window
COUNT_AFTER = 10        # seconds watched before a view counts (PeerTube's default)
DAY = 86400
VIEW_SCHEMA = {
    "type": "object",
    "required": ["currentTime"],
    "properties": {
        "currentTime": {"type": ["integer", "number", "string"]},
        "viewEvent": {"enum": ["seek"]},
        "sessionId": {"type": "string", "pattern": "^[A-Za-z0-9-]+$"},
    },
}


class ViewSalt(Item, discriminator="view-salt"):
    value = UnicodeAttribute()
    expires_at = NumberAttribute()      # the table's TTL attribute

    @staticmethod
    def key(day: int) -> tuple[str, str]:
        return f"view-salt#{day}", "view-salt"


class ViewMark(Item, discriminator="view-mark"):
    expires_at = NumberAttribute()

    @staticmethod
    def key(digest: str) -> tuple[str, str]:
        return f"view#{digest}", "view"


_salts: dict[int, bytes] = {}       # the day's salt, kept while a warm function lives


def current_time(body: dict, video: Video) -> int:
    """The position the player reports, as PeerTube reads it (an integer, from a number
    or a numeric string), checked against the video's duration."""
    raw = body["currentTime"]
    try:
        position = int(float(raw))
    except (TypeError, ValueError):
        raise errors.invalid_params({"currentTime": "Invalid value"}) from None
    duration = int(video.duration or 0)
    if position < 0 or (duration and position > duration):
        raise errors.bad_request(
            f"Current time {position} is invalid (video {video.uuid} duration: {duration})")
    return position


def _watched_enough(video: Video, position: int) -> bool:
    duration = int(video.duration or 0)
    if duration >= COUNT_AFTER:
        return position >= COUNT_AFTER
    return position * 2 > duration


def _salt(day: int) -> bytes:
    if day in _salts:
        return _salts[day]
    try:
        salt = ViewSalt.get(*ViewSalt.key(day), consistent_read=True).value
    except DoesNotExist:
        candidate = ViewSalt(*ViewSalt.key(day), value=secrets.token_hex(32),
                             expires_at=(day + 1) * DAY + WINDOW)
        try:
            candidate.save(condition=ViewSalt.pk.does_not_exist())
            salt = candidate.value
            # The day before is over: its salt goes now rather than when the TTL runs.
            ViewSalt(*ViewSalt.key(day - 1)).delete()
        except PutError:    # another request made today's salt first: theirs it is
            salt = ViewSalt.get(*ViewSalt.key(day), consistent_read=True).value
    _salts.clear()
    _salts[day] = bytes.fromhex(salt)
    return _salts[day]


def _digest(video: Video, window: int, at: float, ip: str, user_agent: str) -> str:
    viewer = "\n".join((ip, user_agent, video.uuid, str(window))).encode()
    return hmac.new(_salt(int(at // DAY)), viewer, hashlib.sha256).hexdigest()


def record(video: Video, position: int, *, ip: str, user_agent: str,
           at: float | None = None) -> bool:
    """Counts a view of `video` if the viewer watched enough and was not counted in this
    window; True when it did. A live video's reports also say who watches it now."""
    at = time.time() if at is None else at
    if video.is_live:
        _watching_live(video, at, ip, user_agent)
    if not _watched_enough(video, position):
        return False
    window = int(at // WINDOW)
    digest = _digest(video, window, at, ip, user_agent)
    mark = ViewMark(*ViewMark.key(digest), expires_at=(window + 1) * WINDOW)

    def write(transaction) -> None:
        transaction.save(mark, condition=ViewMark.pk.does_not_exist())
        transaction.update(Video(*Video.key(video.uuid)), actions=[Video.views.add(1)],
                           condition=Video.pk.exists())
    try:
        transact(write)
    except TransactWriteError:
        return False    # counted already in this window (or the video is gone)
    return True


# --- who watches a live now -----------------------------------------------------------------

# A live's viewer counts while their player reported within this many seconds (the web
# app reports every 5 s while playing).
WATCHING_WINDOW = 30


class LiveViewerMark(Item, discriminator="live-viewer"):
    """A viewer of a live, by the same kind of digest as ViewMark (the hour's window in
    it, so nothing links one hour's viewers to the next), and when they last reported."""
    seen_at = NumberAttribute()
    expires_at = NumberAttribute()

    @staticmethod
    def key(uuid: str, digest: str) -> tuple[str, str]:
        return f"live-viewers#{uuid}", digest


def _watching_live(video: Video, at: float, ip: str, user_agent: str) -> None:
    window = int(at // WINDOW)
    digest = _digest(video, window, at, ip, user_agent)
    LiveViewerMark(*LiveViewerMark.key(video.uuid, digest), seen_at=int(at),
                   expires_at=int(at) + WINDOW).save()


def live_viewers(uuid: str, at: float | None = None) -> int:
    """How many watched the live `uuid` within WATCHING_WINDOW seconds."""
    at = time.time() if at is None else at
    return LiveViewerMark.count(f"live-viewers#{uuid}",
                                filter_condition=LiveViewerMark.seen_at >= int(at) - WATCHING_WINDOW)
