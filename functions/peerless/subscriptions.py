"""Subscriptions: users following channels, whose new videos make their feed.

A channel is local (`name`, or `name@our-host`) or of another server (`name@host`). A
subscription to a remote channel is also an ActivityPub Follow by the user's account
(peerless.federation.follows), whose Accept brings the channel's earlier videos and
makes its new ones welcome here (peerless.federation.remote_videos); its `channel` is the
remote channel's handle, `name@host`.

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


def _parse(handle: str, location: str, field: str) -> tuple[str, str | None]:
    """(name, host) of a handle; host None for this instance's own; a 400 for what is no
    handle at all."""
    match = _HANDLE.match(handle.strip())
    if not match:
        raise errors.invalid_params({field: "Should have a valid uri handle"}, location)
    name, host = match.groups()
    if host and host.lower() != settings().host.lower():
        return name, host.lower()
    return name, None


def local_name(handle: str, location: str = "body", field: str = "uri") -> str | None:
    """The channel name of `name` or `name@our-host`; None for another host; a 400 for
    what is no handle at all."""
    name, host = _parse(handle, location, field)
    return name if host is None else None


def _key_name(handle: str, location: str, field: str) -> str:
    """What a subscription to `handle` is kept under: a local channel's name, a remote
    channel's `name@host`."""
    name, host = _parse(handle, location, field)
    return name if host is None else f"{name}@{host}"


def channel_named(name: str) -> Channel | None:
    return get_or_none(Channel, Channel.key(name))


def _remote_channel(name: str, host: str):
    """The remote channel `name@host`, found and fetched; a 400 saying why not."""
    from .federation import fetch, follows, remote_actors
    handle = f"{name}@{host}"
    try:
        actor = follows.resolve(name, host)
    except (fetch.FetchError, remote_actors.RemoteActorError) as error:
        raise errors.invalid_params(
            {"uri": f"Cannot find the channel {handle}: {error}"}) from None
    if actor.type != "Group":
        raise errors.invalid_params({"uri": f"{handle} is not a video channel"})
    return actor


def subscribe(user: User, handle: str):
    """Follows a channel: a local Channel, or a remote one (the RemoteActor, followed by
    the user's account). Following it again changes nothing (a remote channel that has not
    answered yet is asked again)."""
    name, host = _parse(handle, "body", "uri")
    if host is not None:
        from .federation import actors, follows, remote_actors
        remote = _remote_channel(name, host)
        _save(user, remote_actors.handle(remote))
        follows.follow(actors.account_actor(user), remote)
        return remote
    channel = channel_named(name)
    if channel is None:
        raise errors.not_found(f"Video channel {name} not found")
    _save(user, channel.name)
    return channel


def _save(user: User, channel: str) -> None:
    item = Subscription(*Subscription.key(user.username, channel),
                        username=user.username, channel=channel)
    item.list_pk = f"subscriptions-of#{user.username.lower()}"
    item.owner_pk = f"followers-of#{channel.lower()}"
    item.list_sk = f"{item.created_at.isoformat()}#{channel.lower()}"
    item.owner_sk = f"{item.created_at.isoformat()}#{user.username.lower()}"

    def write(transaction) -> None:
        transaction.save(item, condition=Subscription.pk.does_not_exist())
        _add(transaction, _followers(channel), 1)
        _add(transaction, _count_of(user.username), 1)
    try:
        transact(write)
    except TransactWriteError:
        if not _follows(user, channel):
            raise busy() from None
        # Subscribed already: what was asked is so.


def _follows(user: User, name: str) -> bool:
    try:
        Subscription.get(*Subscription.key(user.username, name), consistent_read=True)
        return True
    except DoesNotExist:
        return False


def _not_found(handle: str) -> errors.ApiError:
    return errors.not_found(f"Subscription {handle} not found.")


def get(user: User, handle: str):
    """The channel `handle` names (a Channel, or a remote channel's RemoteActor), if
    `user` follows it."""
    name = _key_name(handle, "params", "uri")
    found = _channels([name]) if _follows(user, name) else []
    if not found:
        raise _not_found(handle)
    return found[0]


def unsubscribe(user: User, handle: str) -> None:
    name = _key_name(handle, "params", "uri")

    def write(transaction) -> None:
        transaction.delete(Subscription(*Subscription.key(user.username, name)),
                           condition=Subscription.pk.exists())
        _add(transaction, _followers(name), -1)
        _add(transaction, _count_of(user.username), -1)
    try:
        transact(write)
    except TransactWriteError:
        raise (busy() if _follows(user, name) else _not_found(handle)) from None
    if "@" in name:
        from .federation import actors, follows, remote_actors
        remote = remote_actors.by_handle(name)
        item = follows.following(user.username, remote.url) if remote else None
        if item is not None:
            follows.unfollow(actors.account_actor(user), item)


def exist(user: User, handles: list[str]) -> dict[str, bool]:
    """For each handle as given, whether `user` follows it."""
    names = {h: _key_name(h, "query", "uris") for h in handles}
    keys = {Subscription.key(user.username, n) for n in names.values()}
    followed = {s.channel.lower() for s in Subscription.batch_get(keys)}
    return {h: n.lower() in followed for h, n in names.items()}


def list_of(user: User, start: int, count: int, *, descending: bool = True,
            search: str | None = None) -> tuple[int, list]:
    """The channels `user` follows (Channels, and RemoteActors for remote ones), newest
    subscription first; `search` keeps those whose name or display name holds it (then
    the whole list is read)."""
    key = f"subscriptions-of#{user.username.lower()}"
    if search:
        channels = _channels([s.channel for s in Subscription.by_list.query(
            key, scan_index_forward=not descending)])
        needle = search.lower()
        found = [c for c in channels if needle in _name(c).lower()
                 or needle in (_display_name(c) or "").lower()]
        return len(found), found[start:start + count]
    total = count_of(user)
    page = list(Subscription.by_list.query(key, scan_index_forward=not descending,
                                           limit=start + count))[start:start + count]
    return total, _channels([s.channel for s in page])


def count_of(user: User) -> int:
    """How many channels `user` follows."""
    return counter_value(_count_of(user.username))


def _name(channel) -> str:
    return channel.name if isinstance(channel, Channel) else channel.preferred_username


def _display_name(channel) -> str | None:
    return channel.display_name if isinstance(channel, Channel) else channel.name


def _channels(names: list[str]) -> list:
    """The channels named, in that order (remote ones as RemoteActors); those since
    removed are left out."""
    from .federation.remote_actors import RemoteActor, by_handle
    local = [n for n in names if "@" not in n]
    found: dict[str, Channel | RemoteActor] = {
        c.name.lower(): c for c in Channel.batch_get([Channel.key(n) for n in local])}
    for name in names:
        if "@" in name:
            actor = by_handle(name)
            if actor is not None:
                found[name.lower()] = actor
    return [found[n.lower()] for n in names if n.lower() in found]


def followed_channels(user: User) -> list[str]:
    """The names of every channel `user` follows (`name@host` for remote ones), for
    their feed."""
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
