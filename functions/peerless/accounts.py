"""Users and their channels."""
from __future__ import annotations

from typing import Callable

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import errors
from .auth import hash_password
from .models import Channel, Claim, Counter, Item, User, connection

ROLE_ADMIN, ROLE_MODERATOR, ROLE_USER = 0, 1, 2
ROLE_LABELS = {ROLE_ADMIN: "Administrator", ROLE_MODERATOR: "Moderator", ROLE_USER: "User"}
ADMIN_USERNAME = "root"


def next_id(sequence: str) -> int:
    """The next number of a sequence: an atomic ADD, so racing writers never share one."""
    counter = Counter(*Counter.key(sequence))
    counter.update(actions=[Counter.value.add(1)])
    return int(counter.value)


USERNAME_SCHEMA = {"type": "string", "pattern": "^[a-z0-9._]+$", "minLength": 1,
                   "maxLength": 50}
CHANNEL_NAME_SCHEMA = {"type": "string", "pattern": "^[a-zA-Z0-9\\-_.:]+$", "minLength": 1,
                       "maxLength": 50}
NEW_USER_SCHEMA = {
    "type": "object",
    "required": ["username", "password", "email"],
    "properties": {
        "username": USERNAME_SCHEMA,
        "password": {"type": "string", "minLength": 6, "maxLength": 255},
        "email": {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$", "maxLength": 400},
        "role": {"enum": [ROLE_ADMIN, ROLE_MODERATOR, ROLE_USER]},
        "videoQuota": {"type": "integer", "minimum": -1},
        "videoQuotaDaily": {"type": "integer", "minimum": -1},
        "channelName": CHANNEL_NAME_SCHEMA,
        "displayName": {"type": "string", "minLength": 1, "maxLength": 120},
        "adminFlags": {"type": "integer"},
    },
}


def create_user(username: str, email: str, password: str, *, role: int = ROLE_USER,
                display_name: str | None = None, channel_name: str | None = None,
                video_quota: int = -1, video_quota_daily: int = -1) -> User:
    """A user with its default channel (`<username>_channel` unless named), both or
    neither. A username, channel name or email already taken is a 409."""
    channel_name = channel_name or f"{username}_channel"
    if channel_name.lower() == username.lower():
        raise errors.ApiError(409, "Channel name cannot be the same as user username.")
    user = User(*User.key(username), id=next_id("user"), account_id=next_id("account"),
                username=username, email=email, password_hash=hash_password(password),
                role=role, display_name=display_name or username,
                channel_name=channel_name, video_quota=video_quota,
                video_quota_daily=video_quota_daily)
    user.nid = f"user#{user.id}"
    channel = Channel(*Channel.key(channel_name), id=next_id("channel"), name=channel_name,
                      display_name=f"Main {username} channel", owner=username)
    channel.nid = f"channel#{channel.id}"
    channel.list_pk, channel.list_sk = f"channels-of#{username.lower()}", channel_name
    claims = [Claim(*Claim.key("actor", username), owner=username),
              Claim(*Claim.key("actor", channel_name), owner=username),
              Claim(*Claim.key("email", email), owner=username)]
    try:
        with TransactWrite(connection=connection()) as transaction:
            for item in (user, channel, *claims):
                transaction.save(item, condition=Item.pk.does_not_exist())
    except TransactWriteError:
        raise errors.ApiError(
            409, "User with this username, channel name or email already exists.") from None
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
