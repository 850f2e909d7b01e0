"""Users and their channels."""
from __future__ import annotations

from typing import Callable

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from . import errors
from .auth import hash_password
from .models import Channel, Counter, User, connection

ROLE_ADMIN, ROLE_MODERATOR, ROLE_USER = 0, 1, 2
ROLE_LABELS = {ROLE_ADMIN: "Administrator", ROLE_MODERATOR: "Moderator", ROLE_USER: "User"}
ADMIN_USERNAME = "root"


def next_id(sequence: str) -> int:
    """The next number of a sequence: an atomic ADD, so racing writers never share one."""
    counter = Counter(*Counter.key(sequence))
    counter.update(actions=[Counter.value.add(1)])
    return int(counter.value)


def create_user(username: str, email: str, password: str, *, role: int = ROLE_USER,
                display_name: str | None = None) -> User:
    """A user with its default channel `<username>_channel`, both or neither."""
    user = User(*User.key(username), id=next_id("user"), account_id=next_id("account"),
                username=username, email=email, password_hash=hash_password(password),
                role=role, display_name=display_name or username)
    user.nid = f"user#{user.id}"
    channel_name = f"{username}_channel"
    channel = Channel(*Channel.key(channel_name), id=next_id("channel"), name=channel_name,
                      display_name=f"Main {username} channel", owner=username)
    channel.nid = f"channel#{channel.id}"
    channel.list_pk, channel.list_sk = f"channels-of#{username.lower()}", channel_name
    with TransactWrite(connection=connection()) as transaction:
        transaction.save(user, condition=User.pk.does_not_exist())
        transaction.save(channel, condition=Channel.pk.does_not_exist())
    return user


def ensure_admin(password: Callable[[], str]) -> bool:
    """Makes the instance's administrator `root` with `password()` unless it exists: later
    starts keep whatever password it has become. True when it was made now."""
    try:
        User.get(*User.key(ADMIN_USERNAME))
        return False
    except DoesNotExist:
        create_user(ADMIN_USERNAME, "admin@localhost", password(), role=ROLE_ADMIN)
        return True


def channels_of(username: str) -> list[Channel]:
    return list(Channel.by_list.query(f"channels-of#{username.lower()}"))


def channel_by_id(channel_id: int) -> Channel:
    for channel in Channel.by_nid.query(f"channel#{channel_id}"):
        return channel
    raise errors.not_found("Video channel not found")


def user_by_name(username: str) -> User:
    try:
        return User.get(*User.key(username))
    except DoesNotExist:
        raise errors.not_found("User not found") from None
