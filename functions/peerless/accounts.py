"""Users, their accounts and channels, sign-ups, and what administrators do with them.

Names live in one namespace (PeerTube's actors: a user's name and every channel's name),
reserved by `Claim` items written in the same transaction as what they name; they stay
reserved when their owner goes, as PeerTube never gives an actor name out twice. Email
addresses are claimed the same way and freed with their user. Counters (users, channels,
a user's channels, registrations) change by atomic ADD in those transactions, with the
limits (the instance's sign-up limit, 20 channels a user, at least one channel) as their
conditions, so racing requests cannot overstep them.

Lists are read from indexes: users by name (`by_list`, which also serves prefix search)
and by creation (`by_owner`), channels by creation (`by_owner`) and per user (`by_list`),
registrations by creation (`by_list`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import channel_search, errors, images
from .auth import (REGISTRATION_ACCEPTED, REGISTRATION_PENDING, REGISTRATION_REJECTED,
                   Registration, check_password, hash_password, revoke_all)
from .models import (Channel, Claim, Counter, Item, User, Video, connection, counter_value,
                     now)
from .quota import UsageTotal
from .settings import settings

if TYPE_CHECKING:
    from .instance_config import InstanceConfig

ROLE_ADMIN, ROLE_MODERATOR, ROLE_USER = 0, 1, 2
ROLE_LABELS = {ROLE_ADMIN: "Administrator", ROLE_MODERATOR: "Moderator", ROLE_USER: "User"}
ADMIN_USERNAME = "root"
MAX_CHANNELS_PER_USER = 20

USERS = "users"                    # list and counter of every user
CHANNELS = "channels"              # list and counter of every channel
REGISTRATIONS = "registrations"    # list and counter of sign-ups
ACTOR_TAKEN = ("Another actor (account/channel) with this name on this instance already "
               "exists or has already existed.")


def next_id(sequence: str) -> int:
    """The next number of a sequence: an atomic ADD, so racing writers never share one."""
    counter = Counter(*Counter.key(sequence))
    counter.update(actions=[Counter.value.add(1)])
    return int(counter.value)


def _config() -> InstanceConfig:
    # peerless.instance_config builds on this module (its roles): imported when needed.
    from . import instance_config
    return instance_config.get()


def _channels_of_counter(username: str) -> str:
    return f"channels-of#{username.lower()}"


# --- what clients send, as PeerTube validates it --------------------------------------

USERNAME_SCHEMA = {"type": "string", "pattern": "^[a-z0-9._]+$", "minLength": 1,
                   "maxLength": 50}
CHANNEL_NAME_SCHEMA = {"type": "string", "pattern": "^[a-zA-Z0-9\\-_.:]+$", "minLength": 1,
                       "maxLength": 50}
PASSWORD_SCHEMA = {"type": "string", "minLength": 6, "maxLength": 255}
EMAIL_SCHEMA = {"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$",
                "maxLength": 400}
DISPLAY_NAME_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 120}
DESCRIPTION_SCHEMA = {"type": ["string", "null"], "minLength": 3, "maxLength": 1000}
QUOTA_SCHEMA = {"type": "integer", "minimum": -1}
ROLE_SCHEMA = {"enum": [ROLE_ADMIN, ROLE_MODERATOR, ROLE_USER]}
NEW_USER_SCHEMA = {
    "type": "object",
    "required": ["username", "password", "email"],
    "properties": {
        "username": USERNAME_SCHEMA, "password": PASSWORD_SCHEMA, "email": EMAIL_SCHEMA,
        "role": ROLE_SCHEMA, "videoQuota": QUOTA_SCHEMA, "videoQuotaDaily": QUOTA_SCHEMA,
        "channelName": CHANNEL_NAME_SCHEMA, "displayName": DISPLAY_NAME_SCHEMA,
        "adminFlags": {"type": "integer"},
    },
}
REGISTER_SCHEMA = {
    "type": "object",
    "required": ["username", "password", "email"],
    "properties": {
        "username": USERNAME_SCHEMA, "password": PASSWORD_SCHEMA, "email": EMAIL_SCHEMA,
        "displayName": DISPLAY_NAME_SCHEMA,
        "channel": {"type": "object", "required": ["name", "displayName"],
                    "properties": {"name": CHANNEL_NAME_SCHEMA,
                                   "displayName": DISPLAY_NAME_SCHEMA}},
        "registrationReason": {"type": "string", "minLength": 2, "maxLength": 3000},
    },
}
MODERATION_SCHEMA = {
    "type": "object",
    "required": ["moderationResponse"],
    "properties": {"moderationResponse": {"type": "string", "minLength": 2,
                                          "maxLength": 3000},
                   "preventEmailDelivery": {"type": "boolean"}},
}
UPDATE_ME_SCHEMA = {
    "type": "object",
    "properties": {
        "displayName": DISPLAY_NAME_SCHEMA, "description": DESCRIPTION_SCHEMA,
        "currentPassword": {"type": "string", "minLength": 1},
        "password": PASSWORD_SCHEMA, "email": EMAIL_SCHEMA,
        "nsfwPolicy": {"enum": ["display", "blur", "do_not_list"]},
        "autoPlayVideo": {"type": "boolean"}, "autoPlayNextVideo": {"type": "boolean"},
        "autoPlayNextVideoPlaylist": {"type": "boolean"},
        "videosHistoryEnabled": {"type": "boolean"}, "p2pEnabled": {"type": "boolean"},
        "videoLanguages": {"type": ["array", "null"], "maxItems": 20,
                           "items": {"type": "string", "minLength": 1, "maxLength": 10}},
        "theme": {"type": "string", "pattern": "^[a-z0-9-]+$", "maxLength": 100},
        "noInstanceConfigWarningModal": {"type": "boolean"},
        "noWelcomeModal": {"type": "boolean"},
        "noAccountSetupWarningModal": {"type": "boolean"},
    },
}
UPDATE_USER_SCHEMA = {
    "type": "object",
    "properties": {
        "email": EMAIL_SCHEMA, "emailVerified": {"type": "boolean"},
        "videoQuota": QUOTA_SCHEMA, "videoQuotaDaily": QUOTA_SCHEMA, "role": ROLE_SCHEMA,
        "password": PASSWORD_SCHEMA, "adminFlags": {"type": "integer"},
        "pluginAuth": {"type": ["string", "null"]},
    },
}
BLOCK_SCHEMA = {"type": "object",
                "properties": {"reason": {"type": "string", "minLength": 3,
                                          "maxLength": 250}}}
NEW_CHANNEL_SCHEMA = {
    "type": "object",
    "required": ["name", "displayName"],
    "properties": {"name": CHANNEL_NAME_SCHEMA, "displayName": DISPLAY_NAME_SCHEMA,
                   "description": DESCRIPTION_SCHEMA, "support": DESCRIPTION_SCHEMA},
}
UPDATE_CHANNEL_SCHEMA = {
    "type": "object",
    "properties": {"displayName": DISPLAY_NAME_SCHEMA, "description": DESCRIPTION_SCHEMA,
                   "support": DESCRIPTION_SCHEMA,
                   "bulkVideosSupportUpdate": {"type": "boolean"}},
}


# --- transactions ---------------------------------------------------------------------

Operation = Callable[[TransactWrite], None]


def _transact(operations: dict[str, Operation]) -> set[str]:
    """Runs the named operations as one transaction; the names of those whose condition
    failed (none when it committed)."""
    try:
        with TransactWrite(connection=connection()) as transaction:
            for operation in operations.values():
                operation(transaction)
    except TransactWriteError as error:
        failed = {name for name, reason in zip(operations, error.cancellation_reasons)
                  if reason is not None and reason.code == "ConditionalCheckFailed"}
        if not failed:
            raise
        return failed
    return set()


def _set(attribute, value):
    """An update action that sets `value`, or removes the attribute for None."""
    return attribute.remove() if value is None else attribute.set(value)


def _put_new(item: Item) -> Operation:
    return lambda t: t.save(item, condition=Item.pk.does_not_exist())


def _claim(kind: str, name: str, owner: str, replacing: str | None = None) -> Operation:
    """Reserves `name` for `owner`; `replacing` may hold it already (a sign-up becoming
    its user)."""
    condition = Claim.pk.does_not_exist()
    if replacing:
        condition = condition | (Claim.owner == replacing)
    return lambda t: t.save(Claim(*Claim.key(kind, name), owner=owner), condition=condition)


def _add(counter: str, n: int, condition=None) -> Operation:
    return lambda t: t.update(Counter(*Counter.key(counter)),
                              actions=[Counter.value.add(n)], condition=condition)


# --- users ----------------------------------------------------------------------------

def _new_channel(name: str, display_name: str, owner: str, description: str | None = None,
                 support: str | None = None) -> Channel:
    channel = Channel(*Channel.key(name), id=next_id("channel"), name=name,
                      display_name=display_name, description=description, support=support,
                      owner=owner)
    channel.nid = f"channel#{channel.id}"
    channel.list_pk, channel.list_sk = f"channels-of#{owner.lower()}", name
    channel.owner_pk = CHANNELS
    channel.owner_sk = f"{channel.created_at.isoformat()}#{name.lower()}"
    return channel


def create_user(username: str, email: str, password: str | None = None, *,
                role: int = ROLE_USER, display_name: str | None = None,
                channel_name: str | None = None, channel_display_name: str | None = None,
                video_quota: int | None = None, video_quota_daily: int | None = None,
                password_hash: str | None = None, signup_limit: int = -1,
                registration: Registration | None = None) -> User:
    """A user with its default channel (`<username>_channel` unless named), both or
    neither. Quotas default to the instance's. A username, channel name or email already
    taken is a 409; with a `signup_limit` (>= 0), reaching it is a 403. From a
    `registration` (its moderation response set), the sign-up's claims pass to the user
    and it becomes accepted in the same transaction."""
    config = _config()
    channel_name = channel_name or f"{username}_channel"
    if channel_name.lower() == username.lower():
        raise errors.bad_request("Channel name cannot be the same as user username.")
    user = User(*User.key(username), id=next_id("user"), account_id=next_id("account"),
                username=username, email=email,
                password_hash=password_hash or hash_password(password), role=role,
                display_name=display_name or username, channel_name=channel_name,
                video_quota=config.user_video_quota if video_quota is None else video_quota,
                video_quota_daily=(config.user_video_quota_daily if video_quota_daily is None
                                   else video_quota_daily),
                nsfw_policy=config.default_nsfw_policy)
    user.nid = f"user#{user.id}"
    user.list_pk, user.list_sk = USERS, username.lower()
    user.owner_pk, user.owner_sk = USERS, f"{user.created_at.isoformat()}#{username.lower()}"
    channel = _new_channel(channel_name, channel_display_name or f"Main {username} channel",
                           username)
    replacing = registration and Registration.claim_owner(registration.username)
    limited = None
    if signup_limit >= 0:
        limited = (Counter.value < signup_limit) | Counter.value.does_not_exist()
    operations = {
        "user": _put_new(user), "channel": _put_new(channel),
        "username": _claim("actor", username, username, replacing),
        "channel name": _claim("actor", channel_name, username, replacing),
        "email": _claim("email", email, username, replacing),
        "limit": _add(USERS, 1, limited), "channels": _add(CHANNELS, 1),
        "own channels": _add(_channels_of_counter(username), 1),
    }
    if registration is not None:
        operations["registration"] = lambda t: t.update(registration, actions=[
            Registration.state.set(REGISTRATION_ACCEPTED), Registration.user_id.set(user.id),
            _set(Registration.moderation_response, registration.moderation_response),
            Registration.updated_at.set(now())],
            condition=Registration.state == REGISTRATION_PENDING)
    failed = _transact(operations)
    if "registration" in failed:
        raise errors.ApiError(409, "This registration is already accepted or rejected.")
    if "limit" in failed:
        raise errors.forbidden("User limit is reached on this instance.")
    if failed:
        raise errors.ApiError(
            409, "User with this username, channel name or email already exists.")
    channel_search.index(channel)
    return user


def ensure_admin(password: Callable[[], str]) -> bool:
    """Makes the instance's administrator `root` with `password()` unless it exists: later
    starts keep whatever password it has become. True when it was made now."""
    try:
        User.get(*User.key(ADMIN_USERNAME))
        return False
    except DoesNotExist:
        create_user(ADMIN_USERNAME, "admin@localhost", password(), role=ROLE_ADMIN,
                    video_quota=-1, video_quota_daily=-1)
        return True


def user_by_name(username: str) -> User:
    try:
        return User.get(*User.key(username))
    except DoesNotExist:
        raise errors.not_found("User not found") from None


def _by_numeric_id(model, kind: str, number: int, missing: str):
    """A user or channel by PeerTube's numeric id, or a 404 saying `missing`."""
    for item in model.by_nid.query(f"{kind}#{number}"):
        return item
    raise errors.not_found(missing)


def _by_handle(model, handle: str, missing: str):
    """A local user or channel by `name` or `name@<our host>`, or a 404 saying `missing`."""
    name, _, host = handle.partition("@")
    if host and host != settings().host:
        raise errors.not_found(missing)
    try:
        return model.get(*model.key(name))
    except DoesNotExist:
        raise errors.not_found(missing) from None


def user_by_id(user_id: int) -> User:
    return _by_numeric_id(User, "user", user_id, "User not found")


def account_by_name(handle: str) -> User:
    """The local account a handle names: `name` or `name@<our host>`."""
    return _by_handle(User, handle, "Account not found")


def authors(usernames: Iterable[str]) -> dict[str, User]:
    """The users of some channels or videos, in one batch, by lowercased name."""
    keys = {User.key(name) for name in usernames}
    return {u.username.lower(): u for u in User.batch_get(keys)} if keys else {}


# --- the user's own settings ------------------------------------------------------------

_PREFERENCES = {
    "displayName": "display_name", "description": "description",
    "nsfwPolicy": "nsfw_policy", "autoPlayVideo": "auto_play_video",
    "autoPlayNextVideo": "auto_play_next_video",
    "autoPlayNextVideoPlaylist": "auto_play_next_video_playlist",
    "videosHistoryEnabled": "videos_history_enabled", "p2pEnabled": "p2p_enabled",
    "videoLanguages": "video_languages", "theme": "theme",
    "noInstanceConfigWarningModal": "no_instance_config_warning_modal",
    "noWelcomeModal": "no_welcome_modal",
    "noAccountSetupWarningModal": "no_account_setup_warning_modal",
}


def update_me(user: User, fields: dict, current_token: str) -> None:
    """A user's own changes (validated against UPDATE_ME_SCHEMA). A new email or password
    needs the current password; a new password ends the user's other sessions."""
    if "password" in fields or "email" in fields:
        if not fields.get("currentPassword"):
            raise errors.bad_request("currentPassword parameter is missing")
        if not check_password(fields["currentPassword"], user.password_hash):
            raise errors.ApiError(401, "currentPassword is invalid.",
                                  code="current_password_is_invalid")
    actions = [_set(getattr(User, attribute), fields[name])
               for name, attribute in _PREFERENCES.items() if name in fields]
    if "password" in fields:
        actions.append(User.password_hash.set(hash_password(fields["password"])))
    _change_user(user, actions, fields.get("email"))
    if "password" in fields:
        revoke_all(user.username, keep=current_token)


def _change_user(user: User, actions: list, email: str | None) -> None:
    """Applies `actions` to `user`; a new `email` moves its claim in the same transaction."""
    actions = [*actions, User.updated_at.set(now())]
    if email is None or email.lower() == user.email.lower():
        if email is not None:
            actions.append(User.email.set(email))
        user.update(actions=actions)
        return
    failed = _transact({
        "new email": _claim("email", email, user.username),
        "old email": lambda t: t.delete(Claim(*Claim.key("email", user.email))),
        "user": lambda t: t.update(user, actions=[*actions, User.email.set(email)],
                                   condition=User.pk.exists()),
    })
    if failed:
        raise errors.ApiError(409, "User with this email already exists.")
    user.refresh()


# --- what moderators and administrators do ---------------------------------------------

def require_user_manager(actor: User) -> None:
    """Administrators and moderators manage users (PeerTube's MANAGE_USERS right)."""
    if actor.role > ROLE_MODERATOR:
        raise errors.forbidden(f"User {actor.username} does not have the right to "
                               "manage users.")


def check_can_grant(actor: User, role: int) -> None:
    """Only administrators make administrators and moderators."""
    if actor.role != ROLE_ADMIN and role != ROLE_USER:
        raise errors.forbidden("You can only manage users (and not administrators or "
                               "moderators).")


def _check_can_moderate(actor: User, target: User) -> None:
    require_user_manager(actor)
    if actor.role != ROLE_ADMIN and target.role != ROLE_USER:
        raise errors.forbidden("Users can only be managed by moderators or admins.")


USER_SORTS = {"username": "by_list", "createdAt": "by_owner", "id": "by_owner"}


def list_users(start: int, count: int, sort: str = "-createdAt", search: str | None = None,
               blocked: bool | None = None) -> tuple[int, list[User]]:
    """A page of users. With a `search`, users whose name starts with it, by name."""
    if sort.lstrip("-") not in USER_SORTS:
        raise errors.invalid_params(
            {"sort": f"Should be one of {', '.join(sorted(USER_SORTS))}."}, "query")
    if search and sort.lstrip("-") != "username":
        sort = "username"
    index = USER_SORTS[sort.lstrip("-")]
    range_condition = User.list_sk.startswith(search.lower()) if search else None
    filter_condition = None if blocked is None else User.blocked == blocked
    if range_condition is None and filter_condition is None:
        total = counter_value(USERS)
    else:
        total = getattr(User, index).count(USERS, range_condition, filter_condition)
    if start >= total or count == 0:
        return total, []
    found = getattr(User, index).query(USERS, range_condition, filter_condition,
                                       scan_index_forward=not sort.startswith("-"),
                                       limit=start + count)
    return total, list(found)[start:start + count]


def update_user(target: User, actor: User, fields: dict) -> None:
    """An administrator's (or, for plain users, a moderator's) changes. A new role or
    password ends the user's sessions."""
    _check_can_moderate(actor, target)
    role = fields.get("role", target.role)
    if target.username == ADMIN_USERNAME and role != target.role:
        raise errors.bad_request("Cannot change root role.")
    check_can_grant(actor, role)
    actions = [User.role.set(role)]
    for name, attribute in (("videoQuota", User.video_quota),
                            ("videoQuotaDaily", User.video_quota_daily)):
        if name in fields:
            actions.append(attribute.set(fields[name]))
    if "password" in fields:
        actions.append(User.password_hash.set(hash_password(fields["password"])))
    sessions_end = role != target.role or "password" in fields
    _change_user(target, actions, fields.get("email"))
    if sessions_end:
        revoke_all(target.username)


def set_blocked(target: User, actor: User, blocked: bool, reason: str | None = None) -> None:
    """Blocks (or unblocks) a user: a blocked user can neither log in nor use a token."""
    if target.username == ADMIN_USERNAME:
        raise errors.bad_request("Cannot block the root user")
    _check_can_moderate(actor, target)
    target.update(actions=[User.blocked.set(blocked),
                           _set(User.blocked_reason, reason if blocked else None),
                           User.updated_at.set(now())])
    if blocked:
        revoke_all(target.username)


def delete_user(target: User, actor: User) -> None:
    """A moderator or an administrator removes a user."""
    if target.username == ADMIN_USERNAME:
        raise errors.bad_request("Cannot remove the root user")
    _check_can_moderate(actor, target)
    _remove_user(target)


def delete_me(user: User) -> None:
    """A user removes their own account, as PeerTube's DELETE /users/me: anyone but root."""
    if user.username == ADMIN_USERNAME:
        raise errors.bad_request("You cannot delete your root account.")
    _remove_user(user)


def _remove_user(target: User) -> None:
    """Removes a user: their videos, channels, avatar and sessions, then the user. Safe to
    repeat after a failure half way: the user item goes last."""
    _delete_videos(target.username)
    channels = channels_of(target.username)
    revoke_all(target.username)
    email = Claim(*Claim.key("email", target.email))
    operations = {f"channel {c.name}": lambda t, c=c: t.delete(c) for c in channels}
    operations.update({
        "user": lambda t: t.delete(target, condition=User.pk.exists()),
        "own channels": lambda t: t.delete(
            Counter(*Counter.key(_channels_of_counter(target.username)))),
        "email": lambda t: t.delete(email, condition=(Claim.owner == target.username)
                                    | Claim.pk.does_not_exist()),
        "quota": lambda t: t.delete(UsageTotal(*UsageTotal.key(target.username))),
        "users": _add(USERS, -1), "channels": _add(CHANNELS, -len(channels)),
    })
    if _transact(operations):
        raise errors.ApiError(409, "The user changed meanwhile. Please retry.")
    for channel in channels:
        _removal().forget_channel(channel)
    _removal().forget_account(target.username)
    # Files go last: a failure before leaves files unused rather than items pointing at
    # missing files.
    for item in (*channels, target):
        images.delete_all(item)


def _removal():
    """peerless.removal, which builds on this module: imported when needed, not at load."""
    from . import removal
    return removal


def _delete_videos(username: str, channel: str | None = None) -> None:
    """Deletes `username`'s videos (only those of `channel` when given)."""
    for video in Video.by_owner.query(f"videos-of#{username.lower()}"):
        if channel is None or video.channel.lower() == channel.lower():
            _removal().remove_video(video)


# --- sign-ups ---------------------------------------------------------------------------

def check_signup_allowed(config: InstanceConfig) -> None:
    if not config.signup_enabled:
        raise errors.forbidden("User registration is not enabled.")
    if 0 <= config.signup_limit <= counter_value(USERS):
        raise errors.forbidden("User limit is reached on this instance.")


def register(fields: dict) -> int:
    """A visitor's sign-up (validated against REGISTER_SCHEMA): a user at once, or a
    registration for a moderator when the instance wants approval, as PeerTube >= 6.1
    answers `/users/register`. Returns the registration state."""
    config = _config()
    if config.signup_requires_approval:
        return request_registration(fields).state
    check_signup_allowed(config)
    channel = fields.get("channel") or {}
    create_user(fields["username"], fields["email"], fields["password"],
                display_name=fields.get("displayName"), channel_name=channel.get("name"),
                channel_display_name=channel.get("displayName"),
                signup_limit=config.signup_limit)
    return REGISTRATION_ACCEPTED


def _registration_names(username: str, channel_name: str | None) -> list[str]:
    """The actor names a sign-up reserves: its user's and its channel's."""
    return [username, channel_name or f"{username}_channel"]


def request_registration(fields: dict) -> Registration:
    """A visitor's sign-up, kept for a moderator to accept or reject (validated against
    REGISTER_SCHEMA). Its names and email are reserved meanwhile."""
    config = _config()
    check_signup_allowed(config)
    if not config.signup_requires_approval:
        raise errors.bad_request("Signup approval is not enabled on this instance")
    if not fields.get("registrationReason"):
        raise errors.invalid_params({"registrationReason": "Should have a valid "
                                                           "registration reason"})
    username = fields["username"]
    channel = fields.get("channel") or {}
    if channel.get("name", "").lower() == username.lower():
        raise errors.bad_request("Channel name cannot be the same as user username.")
    registration = Registration(
        *Registration.key(username), id=next_id("registration"), username=username,
        email=fields["email"], password_hash=hash_password(fields["password"]),
        display_name=fields.get("displayName"), channel_name=channel.get("name"),
        channel_display_name=channel.get("displayName"),
        reason=fields["registrationReason"])
    registration.nid = f"registration#{registration.id}"
    registration.list_pk = REGISTRATIONS
    registration.list_sk = f"{registration.created_at.isoformat()}#{username.lower()}"
    owner = Registration.claim_owner(username)
    operations = {"registration": _put_new(registration),
                  "email": _claim("email", fields["email"], owner),
                  "count": _add(REGISTRATIONS, 1)}
    for name in _registration_names(username, channel.get("name")):
        operations[name] = _claim("actor", name, owner)
    if _transact(operations):
        raise errors.ApiError(409, "A user or registration with this username, channel "
                                   "name or email already exists.")
    return registration


def registration_by_id(registration_id: int) -> Registration:
    for registration in Registration.by_nid.query(f"registration#{registration_id}"):
        return registration
    raise errors.not_found("Registration not found")


def list_registrations(start: int, count: int, sort: str = "-createdAt",
                       search: str | None = None) -> tuple[int, list[Registration]]:
    """A page of sign-ups by date; a `search` keeps those whose name or email has it."""
    if sort not in ("createdAt", "-createdAt"):
        raise errors.invalid_params({"sort": "Should be createdAt or -createdAt."}, "query")
    condition = None
    if search:
        condition = Registration.username.contains(search.lower()) \
            | Registration.email.contains(search)
    total = (Registration.by_list.count(REGISTRATIONS, filter_condition=condition)
             if condition is not None else counter_value(REGISTRATIONS))
    if start >= total or count == 0:
        return total, []
    found = Registration.by_list.query(REGISTRATIONS, filter_condition=condition,
                                       scan_index_forward=sort == "createdAt",
                                       limit=start + count)
    return total, list(found)[start:start + count]


def accept_registration(registration: Registration, response: str) -> User:
    """Makes the user a sign-up asked for, with the instance's quotas."""
    _check_pending(registration)
    registration.moderation_response = response
    return create_user(registration.username, registration.email,
                       password_hash=registration.password_hash,
                       display_name=registration.display_name,
                       channel_name=registration.channel_name,
                       channel_display_name=registration.channel_display_name,
                       registration=registration)


def reject_registration(registration: Registration, response: str) -> None:
    _check_pending(registration)
    registration.update(actions=[Registration.state.set(REGISTRATION_REJECTED),
                                 Registration.moderation_response.set(response),
                                 Registration.updated_at.set(now())],
                        condition=Registration.state == REGISTRATION_PENDING)


def _check_pending(registration: Registration) -> None:
    if registration.state != REGISTRATION_PENDING:
        raise errors.ApiError(409, "This registration is already accepted or rejected.")


def delete_registration(registration: Registration) -> None:
    """Forgets a sign-up (not the user it became): what it still reserves is free again."""
    owner = Registration.claim_owner(registration.username)
    keys = [Claim.key("email", registration.email),
            *(Claim.key("actor", name) for name in _registration_names(
                registration.username, registration.channel_name))]
    # Those claims the user made from it holds are theirs now.
    reserved = [claim for claim in Claim.batch_get(keys) if claim.owner == owner]
    operations = {"registration": lambda t: t.delete(registration,
                                                     condition=Registration.pk.exists()),
                  "count": _add(REGISTRATIONS, -1)}
    for claim in reserved:
        operations[claim.pk] = lambda t, c=claim: t.delete(c, condition=Claim.owner == owner)
    if _transact(operations):
        raise errors.ApiError(409, "The registration changed meanwhile. Please retry.")


# --- channels ---------------------------------------------------------------------------

def channels_of(username: str) -> list[Channel]:
    return list(Channel.by_list.query(f"channels-of#{username.lower()}"))


def channel_by_id(channel_id: int) -> Channel:
    return _by_numeric_id(Channel, "channel", channel_id, "Video channel not found")


def channel_by_handle(handle: str) -> Channel:
    """The local channel a handle names: `name` or `name@<our host>`."""
    return _by_handle(Channel, handle, "Video channel not found")


def list_channels(start: int, count: int,
                  sort: str = "-createdAt") -> tuple[int, list[Channel]]:
    """A page of every channel of the instance, by creation."""
    if sort not in ("createdAt", "-createdAt"):
        raise errors.invalid_params({"sort": "Should be createdAt or -createdAt."}, "query")
    total = counter_value(CHANNELS)
    if start >= total or count == 0:
        return total, []
    found = Channel.by_owner.query(CHANNELS, scan_index_forward=sort == "createdAt",
                                   limit=start + count)
    return total, list(found)[start:start + count]


CHANNEL_SORTS = {"createdAt": lambda c: c.created_at, "updatedAt": lambda c: c.updated_at,
                 "name": lambda c: c.name.lower(),
                 "displayName": lambda c: c.display_name.lower()}


def page_of_channels(channels: list[Channel], start: int, count: int,
                     sort: str = "-createdAt") -> list[Channel]:
    """A page of one user's channels (at most 20: sorted in memory)."""
    key = CHANNEL_SORTS.get(sort.lstrip("-"))
    if key is None:
        raise errors.invalid_params(
            {"sort": f"Should be one of {', '.join(sorted(CHANNEL_SORTS))}."}, "query")
    ordered = sorted(channels, key=key, reverse=sort.startswith("-"))
    return ordered[start:start + count]


def _ensure_channel_counter(username: str) -> None:
    """Users made before channels were counted get their count once."""
    name = _channels_of_counter(username)
    try:
        Counter.get(*Counter.key(name))
    except DoesNotExist:
        try:
            Counter(*Counter.key(name), value=len(channels_of(username))).save(
                condition=Counter.pk.does_not_exist())
        except PutError:
            pass  # counted meanwhile


def create_channel(owner: User, fields: dict) -> Channel:
    """A new channel of `owner` (validated against NEW_CHANNEL_SCHEMA)."""
    _ensure_channel_counter(owner.username)
    channel = _new_channel(fields["name"], fields["displayName"], owner.username,
                           fields.get("description"), fields.get("support"))
    failed = _transact({
        "channel": _put_new(channel),
        "name": _claim("actor", channel.name, owner.username),
        "limit": _add(_channels_of_counter(owner.username), 1,
                      Counter.value < MAX_CHANNELS_PER_USER),
        "channels": _add(CHANNELS, 1),
    })
    if "limit" in failed:
        raise errors.bad_request(
            f"You cannot create more than {MAX_CHANNELS_PER_USER} channels")
    if failed:
        raise errors.ApiError(409, ACTOR_TAKEN)
    channel_search.index(channel)
    return channel


def check_can_edit_channel(channel: Channel, actor: User) -> None:
    """The owner edits a channel, and administrators."""
    if channel.owner.lower() != actor.username.lower() and actor.role != ROLE_ADMIN:
        raise errors.forbidden(
            "Only a user with sufficient right can access this account resource.")


def update_channel(channel: Channel, actor: User, fields: dict) -> None:
    """Changes a channel (validated against UPDATE_CHANNEL_SCHEMA)."""
    check_can_edit_channel(channel, actor)
    actions = [Channel.updated_at.set(now())]
    for name, attribute in (("displayName", Channel.display_name),
                            ("description", Channel.description),
                            ("support", Channel.support)):
        if name in fields:
            actions.append(_set(attribute, fields[name]))
    before = (channel.name, channel.display_name)
    channel.update(actions=actions)
    channel_search.index(channel, before)


def delete_channel(channel: Channel, actor: User) -> None:
    """Removes a channel and its videos; a user keeps at least one channel. Its owner,
    administrators, and moderators for plain users' channels may."""
    if channel.owner.lower() != actor.username.lower():
        _check_can_moderate(actor, user_by_name(channel.owner))
    _ensure_channel_counter(channel.owner)
    last = errors.ApiError(409, "Cannot remove the last channel of this user")
    if counter_value(_channels_of_counter(channel.owner)) <= 1:
        raise last
    _delete_videos(channel.owner, channel.name)
    failed = _transact({
        "channel": lambda t: t.delete(channel, condition=Channel.pk.exists()),
        "last": _add(_channels_of_counter(channel.owner), -1, Counter.value > 1),
        "channels": _add(CHANNELS, -1),
    })
    if "last" in failed:
        raise last
    if failed:
        raise errors.not_found("Video channel not found")
    _removal().forget_channel(channel)
    images.delete_all(channel)
