"""Subscriptions: users following channels, whose new videos make their feed.

Local channels only for now: a handle naming another host is refused clearly until
federation arrives (a follow of a remote channel is an ActivityPub Follow).

The items:
- `Subscription` (pk `subscriptions#<user>`, sk `channel#<channel>`): read by key for one
  handle or a batch of them; listed newest first in the `by_list` partition
  `subscriptions-of#<user>`, and per channel in the `by_owner` partition
  `followers-of#<channel>` (the followers a new video will be announced to).
- Counters `followers#<channel>` (the channel's followersCount) and
  `subscriptions#<user>` (the list's total), changed by ADD in the transaction that adds
  or removes the subscription, conditional on it being new or present.
"""
from __future__ import annotations

import re

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError

from . import errors
from .models import (Channel, Counter, Item, User, busy, counter_value, get_or_none, now,
                     transact)
from .settings import settings

_HANDLE = re.compile(r"^@?([\w\-.:]+)(?:@([\w\-.:\[\]]+))?$")


class Subscription(Item, discriminator="subscription"):
    username = UnicodeAttribute()
    channel = UnicodeAttribute()        # the channel's name as it is spelt
    created_at = UTCDateTimeAttribute(default=now)

    @staticmethod
    def key(username: str, channel: str) -> tuple[str, str]:
        return f"subscriptions#{username.lower()}", f"channel#{channel.lower()}"


def _followers(channel: str) -> str:
    return f"followers#{channel.lower()}"


def _count_of(username: str) -> str:
    return f"subscriptions#{username.lower()}"


def _add(transaction, counter: str, delta: int) -> None:
    transaction.update(Counter(*Counter.key(counter)), actions=[Counter.value.add(delta)])


def local_name(handle: str, location: str = "body", field: str = "uri") -> str | None:
    """The channel name of `name` or `name@our-host`; None for another host; a 400 for
    what is no handle at all."""
    match = _HANDLE.match(handle.strip())
    if not match:
        raise errors.invalid_params({field: "Should have a valid uri handle"}, location)
    name, host = match.groups()
    if host and host.lower() != settings().host.lower():
        return None
    return name


def channel_named(name: str) -> Channel | None:
    return get_or_none(Channel, Channel.key(name))


def subscribe(user: User, handle: str) -> Channel:
    """Follows a local channel; following it again changes nothing."""
    name = local_name(handle)
    if name is None:
        raise errors.bad_request(
            f"Cannot subscribe to {handle}: channels of other instances can be followed "
            "once this instance federates.")
    channel = channel_named(name)
    if channel is None:
        raise errors.not_found(f"Video channel {name} not found")
    item = Subscription(*Subscription.key(user.username, channel.name),
                        username=user.username, channel=channel.name)
    item.list_pk = f"subscriptions-of#{user.username.lower()}"
    item.owner_pk = f"followers-of#{channel.name.lower()}"
    item.list_sk = f"{item.created_at.isoformat()}#{channel.name.lower()}"
    item.owner_sk = f"{item.created_at.isoformat()}#{user.username.lower()}"

    def write(transaction) -> None:
        transaction.save(item, condition=Subscription.pk.does_not_exist())
        _add(transaction, _followers(channel.name), 1)
        _add(transaction, _count_of(user.username), 1)
    try:
        transact(write)
    except TransactWriteError:
        if not _follows(user, channel.name):
            raise busy() from None
        # Subscribed already: what was asked is so.
    return channel


def _follows(user: User, name: str) -> bool:
    try:
        Subscription.get(*Subscription.key(user.username, name), consistent_read=True)
        return True
    except DoesNotExist:
        return False


def _not_found(handle: str) -> errors.ApiError:
    return errors.not_found(f"Subscription {handle} not found.")


def get(user: User, handle: str) -> Channel:
    """The channel `handle` names, if `user` follows it."""
    name = local_name(handle, "params", "uri")
    if name is None:
        raise _not_found(handle)
    channel = channel_named(name) if _follows(user, name) else None
    if channel is None:
        raise _not_found(handle)
    return channel


def unsubscribe(user: User, handle: str) -> None:
    name = local_name(handle, "params", "uri")
    if name is None:
        raise _not_found(handle)

    def write(transaction) -> None:
        transaction.delete(Subscription(*Subscription.key(user.username, name)),
                           condition=Subscription.pk.exists())
        _add(transaction, _followers(name), -1)
        _add(transaction, _count_of(user.username), -1)
    try:
        transact(write)
    except TransactWriteError:
        raise (busy() if _follows(user, name) else _not_found(handle)) from None


def exist(user: User, handles: list[str]) -> dict[str, bool]:
    """For each handle as given, whether `user` follows it."""
    names = {h: local_name(h, "query", "uris") for h in handles}
    keys = {Subscription.key(user.username, n) for n in names.values() if n}
    followed = {s.channel.lower() for s in Subscription.batch_get(keys)}
    return {h: bool(n) and n.lower() in followed for h, n in names.items()}


def list_of(user: User, start: int, count: int, *, descending: bool = True,
            search: str | None = None) -> tuple[int, list[Channel]]:
    """The channels `user` follows, newest subscription first; `search` keeps those
    whose name or display name holds it (then the whole list is read)."""
    key = f"subscriptions-of#{user.username.lower()}"
    if search:
        channels = _channels([s.channel for s in Subscription.by_list.query(
            key, scan_index_forward=not descending)])
        needle = search.lower()
        found = [c for c in channels if needle in c.name.lower()
                 or needle in c.display_name.lower()]
        return len(found), found[start:start + count]
    total = counter_value(_count_of(user.username))
    page = list(Subscription.by_list.query(key, scan_index_forward=not descending,
                                           limit=start + count))[start:start + count]
    return total, _channels([s.channel for s in page])


def _channels(names: list[str]) -> list[Channel]:
    """The channels named, in that order; those since removed are left out."""
    found = {c.name.lower(): c for c in Channel.batch_get([Channel.key(n) for n in names])}
    return [found[n.lower()] for n in names if n.lower() in found]


def followed_channels(user: User) -> list[str]:
    """The names of every channel `user` follows, for their feed."""
    return [s.channel for s in Subscription.query(f"subscriptions#{user.username.lower()}")]


def has_local_subscribers(channel: str) -> bool:
    """Whether any user here follows the channel (a local name or a remote `name@host`)."""
    return any(True for _ in Subscription.by_owner.query(f"followers-of#{channel.lower()}",
                                                          limit=1))


def followers_counts(channels: list[str]) -> dict[str, int]:
    """How many users follow each channel (its followersCount), by lower-case name; one
    batch read."""
    keys = {Counter.key(_followers(c)): c.lower() for c in channels}
    counted = {keys[(c.pk, c.sk)]: int(c.value) for c in Counter.batch_get(list(keys))}
    return {c.lower(): counted.get(c.lower(), 0) for c in channels}


def forget_channel(name: str) -> None:
    """Removes the subscriptions to a channel being deleted, each with its follower's
    count; then the channel's followers counter."""
    for subscription in Subscription.by_owner.query(f"followers-of#{name.lower()}"):
        def write(transaction, s=subscription) -> None:
            transaction.delete(s, condition=Subscription.pk.exists())
            _add(transaction, _count_of(s.username), -1)
        try:
            transact(write)
        except TransactWriteError:
            pass    # unsubscribed meanwhile
    Counter(*Counter.key(_followers(name))).delete()
