"""Moderation: abuse reports and the messages about them, mute lists (a user's own and the
instance's), and video blocks.

Who may do what, as in PeerTube: any user reports and mutes; moderators and administrators
see and handle every report, keep the instance's mute lists and block videos.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, TypeVar

from pynamodb.attributes import (BooleanAttribute, JSONAttribute, ListAttribute,
                                 NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute)
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import catalog, errors, videos
from .accounts import ROLE_MODERATOR, account_by_name, authors, next_id
from .comments import Comment, can_see
from .instance_config import counter_values
from .models import Counter, Item, User, Video, connection, get_or_none, now
from .settings import settings

PENDING, REJECTED, ACCEPTED = 1, 2, 3
ABUSE_STATES = {PENDING: "Pending", REJECTED: "Rejected", ACCEPTED: "Accepted"}
# PeerTube's server names them so (its OpenAPI's "violentOrAbusive" is a typo).
PREDEFINED_REASONS = ["violentOrRepulsive", "hatefulOrAbusive", "spamOrMisleading",
                      "privacy", "rights", "serverRules", "thumbnails", "captions"]
TEXT = {"type": "string", "minLength": 2, "maxLength": 3000}
_SECONDS = {"type": "integer", "minimum": 0}

NEW_ABUSE_SCHEMA = {
    "type": "object",
    "required": ["reason"],
    "properties": {
        "reason": TEXT,
        "predefinedReasons": {"type": "array", "uniqueItems": True,
                              "items": {"enum": PREDEFINED_REASONS}},
        "video": {"type": "object", "required": ["id"], "properties": {
            "id": {"type": ["integer", "string"]}, "startAt": _SECONDS, "endAt": _SECONDS}},
        "comment": {"type": "object", "required": ["id"],
                    "properties": {"id": {"type": "integer", "minimum": 1}}},
        "account": {"type": "object", "required": ["id"],
                    "properties": {"id": {"type": "integer", "minimum": 1}}},
    },
}
ABUSE_UPDATE_SCHEMA = {
    "type": "object",
    "properties": {"state": {"enum": list(ABUSE_STATES)}, "moderationComment": TEXT},
}
MESSAGE_SCHEMA = {"type": "object", "required": ["message"], "properties": {"message": TEXT}}
ACCOUNT_BLOCK_SCHEMA = {"type": "object", "required": ["accountName"], "properties": {
    "accountName": {"type": "string", "minLength": 1, "maxLength": 300}}}
SERVER_BLOCK_SCHEMA = {"type": "object", "required": ["host"], "properties": {
    "host": {"type": "string",
             "pattern": r"^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,251}[a-zA-Z0-9])?(:[0-9]{1,5})?$"}}}
VIDEO_BLOCK_SCHEMA = {"type": "object", "properties": {
    "reason": {"type": "string", "minLength": 2, "maxLength": 300},
    "unfederate": {"type": "boolean"}}}


def is_moderator(user: User | None) -> bool:
    return user is not None and user.role <= ROLE_MODERATOR


def require_moderator(user: User) -> None:
    if not is_moderator(user):
        raise errors.forbidden(f"User {user.username} does not have the right to moderate.")


def _sort_key(created: datetime, unique: str) -> str:
    return f"{created.isoformat()}#{unique}"


def _merged(queries: Iterable[Iterable[Item]], newest_first: bool) -> Iterable[Item]:
    """Items of several list partitions, each read in list order, as one list."""
    return heapq.merge(*queries, key=lambda item: item.list_sk, reverse=newest_first)


def _slice(items: Iterable[Item], start: int, count: int) -> list:
    return [item for _, item in zip(range(start + count), items)][start:]


T = TypeVar("T")
_CONDITION_FAILED = "ConditionalCheckFailedException"


def _retried(attempt: Callable[[], T]) -> T:
    """Runs `attempt` (a read, then a write conditional on what it read) again while
    another writer changes the item in between."""
    for _ in range(5):
        try:
            return attempt()
        except TransactWriteError:
            continue
    raise errors.ApiError(409, "This was changed by someone else meanwhile; try again.")


# --- abuse reports ----------------------------------------------------------------------------

class Abuse(Item, discriminator="abuse"):
    """A report. In the list of its state (`by_list`, newest first) and in its reporter's
    list (`by_owner`); what it points at is copied, as the video or comment may go."""
    id = NumberAttribute()
    reason = UnicodeAttribute()
    predefined_reasons = ListAttribute(of=UnicodeAttribute, default=list)
    reporter = UnicodeAttribute()               # usernames
    flagged = UnicodeAttribute()
    target = UnicodeAttribute()                 # "video", "comment" or "account"
    video_uuid = UnicodeAttribute(null=True)
    video_id = NumberAttribute(null=True)
    video_name = UnicodeAttribute(null=True)
    start_at = NumberAttribute(null=True)
    end_at = NumberAttribute(null=True)
    nth_report = NumberAttribute(null=True)     # of the reports on its video
    comment = JSONAttribute(null=True)          # {id, threadId, text, video: {id, name, uuid}}
    state = NumberAttribute(default=PENDING)
    moderation_comment = UnicodeAttribute(null=True)
    messages = NumberAttribute(default=0)
    search_text = UnicodeAttribute(default="")  # lower case, for moderators' `search`
    created_at = UTCDateTimeAttribute(default=now)
    updated_at = UTCDateTimeAttribute(default=now)
    processed_at = UTCDateTimeAttribute(null=True)

    @staticmethod
    def key(abuse_id: int) -> tuple[str, str]:
        return f"abuse#{abuse_id}", "abuse"


class AbuseMessage(Item, discriminator="abuse-message"):
    """A message between a reporter and the moderators, under its report's partition."""
    id = NumberAttribute()
    abuse_id = NumberAttribute()
    author = UnicodeAttribute()
    message = UnicodeAttribute()
    by_moderator = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute(default=now)

    @staticmethod
    def key(abuse_id: int, message_id: int) -> tuple[str, str]:
        return f"abuse#{abuse_id}", f"message#{message_id:012d}"


def _state_list(state: int) -> str:
    return f"abuses#state#{state}"


def _by_reporter(username: str) -> str:
    return f"abuses-by#{username.lower()}"


def _against(username: str) -> str:
    return f"abuses-against#{username.lower()}"


def _on_video(uuid: str) -> str:
    return f"abuses-of-video#{uuid}"


_PROCESSED, _RESPONSE_MS = "abuses#processed", "abuses#response-ms"


def _counter(name: str, delta: int):
    return Counter(*Counter.key(name)), [Counter.value.add(delta)]


def _user_by_account_id(account_id: int) -> User | None:
    # A local user's account id follows its user id (create_user draws both sequences
    # together); checked, so a mismatch is "not found", never the wrong account.
    user = next(iter(User.by_nid.query(f"user#{account_id}")), None)
    return user if user is not None and user.account_id == account_id else None


def _visible_comment(comment_id: int, viewer: User | None) -> tuple[Comment, Video]:
    try:
        comment = Comment.get(*Comment.key(comment_id))
    except DoesNotExist:
        raise errors.not_found("Video comment thread not found") from None
    video = videos.get_visible(comment.video_uuid, viewer)
    if comment.deleted or not can_see(comment, video, viewer):
        raise errors.not_found("Video comment thread not found")
    return comment, video


def report(reporter: User, body: dict) -> Abuse:
    """A new report (validated against NEW_ABUSE_SCHEMA by the caller) on a video the
    reporter can see, a comment, or an account."""
    return file_report(reporter.username, reporter, body)


def file_report(reporter_name: str, reporter: User | None, body: dict) -> Abuse:
    """A report by `reporter_name`: a local user (`reporter`), or an actor of another
    server (`name@host`, reporter None: it sees what anyone may)."""
    targets = [t for t in ("video", "comment", "account") if t in body]
    if len(targets) != 1:
        raise errors.bad_request("Video id or account id or comment id is required.")
    target = targets[0]
    abuse = Abuse(reason=body["reason"], reporter=reporter_name, target=target,
                  predefined_reasons=body.get("predefinedReasons", []))
    described = [body["reason"], reporter_name]
    if target == "video":
        spec = body["video"]
        video = videos.get_visible(str(spec["id"]), reporter)
        start, end = spec.get("startAt"), spec.get("endAt")
        if start is not None and end is not None and end <= start:
            raise errors.invalid_params({"video.endAt": "Should be after startAt."})
        abuse.flagged = video.owner
        abuse.video_uuid, abuse.video_id, abuse.video_name = video.uuid, video.id, video.name
        abuse.start_at, abuse.end_at = start, end
        described.append(video.name)
    elif target == "comment":
        comment, video = _visible_comment(body["comment"]["id"], reporter)
        abuse.flagged = comment.author
        abuse.comment = {"id": comment.id, "threadId": comment.thread_id,
                         "text": comment.text,
                         "video": {"id": video.id, "uuid": video.uuid, "name": video.name}}
        described.append(comment.text)
    else:
        flagged = _user_by_account_id(body["account"]["id"])
        if flagged is None:
            raise errors.not_found("Account not found")
        if flagged.username == reporter_name:
            raise errors.bad_request("You cannot report yourself.")
        abuse.flagged = flagged.username
    described.append(abuse.flagged)
    abuse.search_text = " ".join(described).lower()
    abuse.id = next_id("abuse")
    abuse.pk, abuse.sk = Abuse.key(abuse.id)
    if abuse.video_uuid:
        abuse.nth_report = next_id(_on_video(abuse.video_uuid))
    abuse.list_pk = _state_list(PENDING)
    abuse.list_sk = abuse.owner_sk = _sort_key(abuse.created_at, f"{abuse.id:012d}")
    abuse.owner_pk = _by_reporter(reporter_name)
    with TransactWrite(connection=connection()) as transaction:
        transaction.save(abuse, condition=Abuse.pk.does_not_exist())
        for name in (_state_list(PENDING), _by_reporter(abuse.reporter),
                     _against(abuse.flagged)):
            transaction.update(*_counter(name, 1))
    return abuse


def _found(abuse_id: int) -> Abuse | None:
    return get_or_none(Abuse, Abuse.key(abuse_id))


def get_abuse(abuse_id: int) -> Abuse:
    abuse = _found(abuse_id)
    if abuse is None:
        raise errors.not_found("Abuse not found")
    return abuse


@dataclass(frozen=True)
class AbuseFilter:
    """What moderators narrow the list of reports to; all optional. Besides the id and the
    state, a filter on the lists' items."""
    abuse_id: int | None = None
    state: int | None = None
    predefined_reason: str | None = None
    search: str | None = None
    target: str | None = None           # video, comment or account
    reporter: str | None = None
    reportee: str | None = None

    def condition(self):
        conditions = []
        if self.predefined_reason:
            conditions.append(Abuse.predefined_reasons.contains(self.predefined_reason))
        if self.search:
            conditions.append(Abuse.search_text.contains(self.search.lower()))
        if self.target:
            conditions.append(Abuse.target == self.target)
        if self.reporter:
            conditions.append(Abuse.reporter == self.reporter.lower())
        if self.reportee:
            conditions.append(Abuse.flagged == self.reportee.lower())
        condition = None
        for c in conditions:
            condition = c if condition is None else condition & c
        return condition


def list_abuses(moderator: User, flt: AbuseFilter, start: int, count: int,
                newest_first: bool = True) -> tuple[int, list[Abuse]]:
    """Every report, newest first, read from the lists of each state: unfiltered, as far
    as the page asked for, with the total from the states' counters; filtered, the lists
    the filter can match (one entry of one list for an id)."""
    require_moderator(moderator)
    condition = flt.condition()
    if flt.abuse_id is not None:
        abuse = _found(flt.abuse_id)
        if abuse is None or flt.state not in (None, abuse.state):
            return 0, []
        found = list(Abuse.by_list.query(abuse.list_pk, Abuse.list_sk == abuse.list_sk,
                                         filter_condition=condition))
        return len(found), found[start:start + count]
    states = [flt.state] if flt.state else list(ABUSE_STATES)
    limit = None if condition is not None else start + count
    merged = _merged((Abuse.by_list.query(_state_list(state), filter_condition=condition,
                                          scan_index_forward=not newest_first, limit=limit)
                      for state in states), newest_first)
    if condition is None:
        total = sum(counter_values([_state_list(s) for s in states]).values())
        return total, _slice(merged, start, count)
    found = list(merged)
    return len(found), found[start:start + count]


def list_my_abuses(reporter: User, start: int, count: int, *, abuse_id: int | None = None,
                   state: int | None = None,
                   newest_first: bool = True) -> tuple[int, list[Abuse]]:
    """The reports `reporter` made, newest first."""
    if abuse_id is not None:
        abuse = _found(abuse_id)
        mine = (abuse is not None and abuse.reporter == reporter.username
                and state in (None, abuse.state))
        return (1, [abuse][start:start + count]) if mine else (0, [])
    condition = (Abuse.state == state) if state else None
    owner = _by_reporter(reporter.username)
    total = Abuse.by_owner.count(owner, filter_condition=condition)
    items = Abuse.by_owner.query(owner, filter_condition=condition,
                                 scan_index_forward=not newest_first, limit=start + count)
    return total, _slice(items, start, count)


def update_abuse(moderator: User, abuse_id: int, body: dict) -> Abuse:
    """A new state or moderation comment. Leaving "pending" the first time counts the
    report as processed, with how long it waited."""
    require_moderator(moderator)

    def attempt() -> Abuse:
        abuse = get_abuse(abuse_id)
        state = body.get("state", abuse.state)
        at = now()
        actions = [Abuse.updated_at.set(at), Abuse.state.set(state)]
        if "moderationComment" in body:
            actions.append(Abuse.moderation_comment.set(body["moderationComment"]))
        counters = []
        if state != abuse.state:
            actions.append(Abuse.list_pk.set(_state_list(state)))
            counters += [_counter(_state_list(abuse.state), -1),
                         _counter(_state_list(state), 1)]
        if state != PENDING and abuse.processed_at is None:
            actions.append(Abuse.processed_at.set(at))
            waited = int((at - abuse.created_at).total_seconds() * 1000)
            counters += [_counter(_PROCESSED, 1), _counter(_RESPONSE_MS, waited)]
        with TransactWrite(connection=connection()) as transaction:
            # Conditional on what was read, so racing moderators each move the counters
            # from the state they really left.
            transaction.update(abuse, actions=actions, condition=(
                Abuse.state == abuse.state) & (Abuse.updated_at == abuse.updated_at))
            for counter, counter_actions in counters:
                transaction.update(counter, actions=counter_actions)
        return get_abuse(abuse_id)
    return _retried(attempt)


def delete_abuse(moderator: User, abuse_id: int) -> None:
    require_moderator(moderator)

    def attempt() -> None:
        abuse = get_abuse(abuse_id)
        with TransactWrite(connection=connection()) as transaction:
            transaction.delete(abuse, condition=Abuse.state == abuse.state)
            for name in (_state_list(abuse.state), _by_reporter(abuse.reporter),
                         _against(abuse.flagged)):
                transaction.update(*_counter(name, -1))
            if abuse.video_uuid:
                transaction.update(*_counter(_on_video(abuse.video_uuid), -1))
    _retried(attempt)
    with AbuseMessage.batch_write() as batch:
        for message in _messages(abuse_id):
            batch.delete(message)


def abuse_stats() -> dict[str, int | None]:
    counts = counter_values([*(_state_list(s) for s in ABUSE_STATES), _PROCESSED,
                             _RESPONSE_MS])
    processed = counts[_PROCESSED]
    return {"totalAbuses": sum(counts[_state_list(s)] for s in ABUSE_STATES),
            "totalAbusesProcessed": processed,
            "averageAbuseResponseTimeMs": (round(counts[_RESPONSE_MS] / processed)
                                           if processed else None)}


@dataclass(frozen=True)
class AbuseView:
    """A report with what its representation shows, read in batches for a page."""
    abuse: Abuse
    reporter: User | None
    flagged: User | None
    video: Video | None
    comment_deleted: bool
    reports_by_reporter: int
    reports_against_flagged: int
    reports_on_video: int


def abuse_views(abuses: list[Abuse]) -> list[AbuseView]:
    users = authors([a.reporter for a in abuses] + [a.flagged for a in abuses])
    found = {v.uuid: v for v in Video.batch_get(
        {Video.key(a.video_uuid) for a in abuses if a.video_uuid})}
    comments = {c.id: c for c in Comment.batch_get(
        {Comment.key(a.comment["id"]) for a in abuses if a.comment})}
    counts = counter_values([*(_by_reporter(a.reporter) for a in abuses),
                             *(_against(a.flagged) for a in abuses),
                             *(_on_video(a.video_uuid) for a in abuses if a.video_uuid)])
    views = []
    for a in abuses:
        video = found.get(a.video_uuid) if a.video_uuid else None
        views.append(AbuseView(
            abuse=a, reporter=users.get(a.reporter), flagged=users.get(a.flagged),
            video=video, comment_deleted=bool(a.comment) and (
                a.comment["id"] not in comments or comments[a.comment["id"]].deleted),
            reports_by_reporter=counts[_by_reporter(a.reporter)],
            reports_against_flagged=counts[_against(a.flagged)],
            reports_on_video=counts[_on_video(a.video_uuid)] if a.video_uuid else 0))
    return views


# --- messages about a report --------------------------------------------------------------

def _readable_abuse(user: User, abuse_id: int) -> Abuse:
    abuse = get_abuse(abuse_id)
    if abuse.reporter != user.username and not is_moderator(user):
        raise errors.forbidden("You cannot access the messages of this abuse.")
    return abuse


def _messages(abuse_id: int) -> list[AbuseMessage]:
    return list(AbuseMessage.query(f"abuse#{abuse_id}", AbuseMessage.sk.startswith("message#")))


def list_messages(user: User, abuse_id: int) -> list[AbuseMessage]:
    _readable_abuse(user, abuse_id)
    return _messages(abuse_id)


def add_message(user: User, abuse_id: int, text: str) -> AbuseMessage:
    abuse = _readable_abuse(user, abuse_id)
    message_id = next_id("abuse-message")
    message = AbuseMessage(*AbuseMessage.key(abuse_id, message_id), id=message_id,
                           abuse_id=abuse_id, author=user.username, message=text,
                           by_moderator=is_moderator(user))
    with TransactWrite(connection=connection()) as transaction:
        transaction.save(message, condition=AbuseMessage.pk.does_not_exist())
        transaction.update(abuse, actions=[Abuse.messages.add(1)],
                           condition=Abuse.pk.exists())
    return message


def delete_message(user: User, abuse_id: int, message_id: int) -> None:
    abuse = _readable_abuse(user, abuse_id)
    try:
        message = AbuseMessage.get(*AbuseMessage.key(abuse_id, message_id))
    except DoesNotExist:
        raise errors.not_found("Abuse message not found") from None
    if message.author != user.username and not is_moderator(user):
        raise errors.forbidden("Cannot delete this abuse message")
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.delete(message, condition=AbuseMessage.pk.exists())
            transaction.update(abuse, actions=[Abuse.messages.add(-1)])
    except TransactWriteError:
        raise errors.not_found("Abuse message not found") from None


# --- mute lists -------------------------------------------------------------------------------

INSTANCE = "instance"          # the instance's own lists; never a username's scope


class Mute(Item, discriminator="mute"):
    """An account or a server muted by a user, or by the instance for everyone. Keyed for
    the whole list at once (filtering others' lists); `by_list` holds it by date."""
    target = UnicodeAttribute()     # a local username, or "name@host"; or a host
    by = UnicodeAttribute()         # who muted it (for the instance: which moderator)
    created_at = UTCDateTimeAttribute(default=now)

    @staticmethod
    def key(scope: str, kind: str, target: str) -> tuple[str, str]:
        return f"mutes#{scope}", f"{kind}#{target.lower()}"


def _scope(user: User | None) -> str:
    return INSTANCE if user is None else f"user#{user.username.lower()}"


def _list(scope: str, kind: str) -> str:
    return f"mutes#{scope}#{kind}"


def _muted(scope: str, kind: str) -> set[str]:
    return {m.target for m in Mute.query(f"mutes#{scope}", Mute.sk.startswith(f"{kind}#"))}


def muted_accounts(user: User | None) -> set[str]:
    """The accounts whose content `user` (None: an anonymous visitor) must not be shown:
    the instance's mutes and the user's own. Local accounts by lower-case username, remote
    ones as "name@host"."""
    found = _muted(INSTANCE, "account")
    return found | _muted(_scope(user), "account") if user is not None else found


def muted_servers(user: User | None) -> set[str]:
    """The hosts whose content `user` must not be shown, lower case."""
    found = _muted(INSTANCE, "server")
    return found | _muted(_scope(user), "server") if user is not None else found


def local_handle(account_name: str) -> str:
    """An account name as the mute lists keep it: a local one without its host."""
    name, _, host = account_name.lstrip("@").partition("@")
    if not host or host.lower() == settings().host.lower():
        return name.lower()
    return f"{name}@{host}".lower()


def is_account_muted(viewer: User | None, account_name: str) -> bool:
    return local_handle(account_name) in muted_accounts(viewer)


def _save_mute(scope: str, kind: str, target: str, by: User) -> None:
    mute = Mute(*Mute.key(scope, kind, target), target=target.lower(), by=by.username)
    mute.list_pk = _list(scope, kind)
    mute.list_sk = _sort_key(mute.created_at, mute.target)
    try:
        mute.save(condition=Mute.pk.does_not_exist())
    except PutError as error:  # muted already: muting again changes nothing
        if error.cause_response_code != _CONDITION_FAILED:
            raise


def _delete_mute(scope: str, kind: str, target: str, missing: str) -> None:
    try:
        Mute(*Mute.key(scope, kind, target)).delete(condition=Mute.pk.exists())
    except DeleteError as error:
        if error.cause_response_code == _CONDITION_FAILED:
            raise errors.not_found(missing) from None
        raise


def _muted_name(account_name: str) -> str:
    """The name a mute of `account_name` is kept under: a local account's username, or a
    known remote account's `name@host`; a 404 for an unknown one."""
    handle = local_handle(account_name)
    if "@" not in handle:
        return account_by_name(handle).username
    from .federation import remote_actors  # federation builds on moderation
    actor = remote_actors.by_handle(handle)
    if actor is None or actor.type == "Group":
        raise errors.not_found("Account not found")
    return remote_actors.handle(actor)


def mute_account(user: User, account_name: str, *, for_instance: bool = False) -> None:
    if for_instance:
        require_moderator(user)
    name = _muted_name(account_name)
    if name == user.username:
        raise errors.ApiError(409, "You cannot block yourself.")
    _save_mute(INSTANCE if for_instance else _scope(user), "account", name, user)


def unmute_account(user: User, account_name: str, *, for_instance: bool = False) -> None:
    if for_instance:
        require_moderator(user)
    _delete_mute(INSTANCE if for_instance else _scope(user), "account",
                 _muted_name(account_name), "Account block entry not found.")


def mute_server(user: User, host: str, *, for_instance: bool = False) -> None:
    if for_instance:
        require_moderator(user)
    if host.lower() == settings().host.lower():
        raise errors.ApiError(409, "You cannot block your own server.")
    _save_mute(INSTANCE if for_instance else _scope(user), "server", host, user)


def unmute_server(user: User, host: str, *, for_instance: bool = False) -> None:
    if for_instance:
        require_moderator(user)
    _delete_mute(INSTANCE if for_instance else _scope(user), "server", host,
                 "Server block entry not found.")


def list_mutes(user: User, kind: str, start: int, count: int, *, for_instance: bool = False,
               search: str | None = None,
               newest_first: bool = True) -> tuple[int, list[Mute]]:
    """A mute list ("account" or "server"), newest first."""
    if for_instance:
        require_moderator(user)
    key = _list(INSTANCE if for_instance else _scope(user), kind)
    condition = Mute.target.contains(search.lower()) if search else None
    total = Mute.by_list.count(key, filter_condition=condition)
    items = Mute.by_list.query(key, filter_condition=condition,
                               scan_index_forward=not newest_first, limit=start + count)
    return total, _slice(items, start, count)


def block_status(user: User | None, accounts: list[str],
                 hosts: list[str]) -> tuple[dict[str, dict], dict[str, dict]]:
    """For each account and host: muted by the instance, by `user`."""
    by_server = _muted(INSTANCE, "account"), _muted(INSTANCE, "server")
    by_user = ((_muted(_scope(user), "account"), _muted(_scope(user), "server"))
               if user is not None else (set(), set()))

    def status(value: str, index: int) -> dict:
        return {"blockedByServer": value in by_server[index],
                "blockedByUser": value in by_user[index]}
    return ({name: status(local_handle(name), 0) for name in accounts},
            {host: status(host.lower(), 1) for host in hosts})


# --- video blocks -----------------------------------------------------------------------------

BLOCKS = "video-blocks"
MANUAL = 1


class VideoBlock(Item, discriminator="video-block"):
    """A video a moderator took out of view. The video's own `blocked` flag mirrors it,
    written in the same transaction, so reading a video tells it without this item."""
    id = NumberAttribute()
    video_uuid = UnicodeAttribute()
    video_id = NumberAttribute()
    video_name = UnicodeAttribute(default="")   # lower case, for `search`
    reason = UnicodeAttribute(null=True)
    unfederated = BooleanAttribute(default=False)
    type = NumberAttribute(default=MANUAL)
    created_at = UTCDateTimeAttribute(default=now)
    updated_at = UTCDateTimeAttribute(default=now)

    @staticmethod
    def key(uuid: str) -> tuple[str, str]:
        return f"video-block#{uuid}", "video-block"


def _video(ref: str) -> Video:
    video = videos.find(ref)
    if video is None:
        raise errors.not_found("Video not found")
    return video


def block_of(uuid: str) -> VideoBlock | None:
    """A video's block record, if it is blocked."""
    return _block_of(uuid)


def _block_of(uuid: str) -> VideoBlock | None:
    return get_or_none(VideoBlock, VideoBlock.key(uuid))


def is_video_blocked(uuid: str) -> tuple[bool, str | None]:
    block = _block_of(uuid)
    return (True, block.reason) if block is not None else (False, None)


def _blocked(flag: bool):
    def mutate(video: Video) -> list:
        video.blocked = flag
        return [Video.blocked.set(flag)]
    return mutate


def block_video(moderator: User, ref: str, body: dict) -> VideoBlock:
    """Takes a video out of view: the block's record, then the video's flag with the
    catalog (peerless.catalog.change). Blocking a blocked video again only updates the
    reason and the federation flag given, and completes a block a crash interrupted."""
    require_moderator(moderator)
    video = _video(ref)
    block = _block_of(video.uuid)
    if block is None:
        block = VideoBlock(*VideoBlock.key(video.uuid), id=next_id("video-block"),
                           video_uuid=video.uuid, video_id=video.id,
                           video_name=video.name.lower(), reason=body.get("reason"),
                           unfederated=body.get("unfederate", False))
        block.list_pk, block.list_sk = BLOCKS, _sort_key(block.created_at, video.uuid)
        try:
            with TransactWrite(connection=connection()) as transaction:
                transaction.save(block, condition=VideoBlock.pk.does_not_exist())
                transaction.update(*_counter(BLOCKS, 1))
        except TransactWriteError:  # a racing request blocked it first
            block = update_video_block(moderator, ref, body)
    else:
        block = update_video_block(moderator, ref, body)
    if not video.blocked:
        catalog.change(video, _blocked(True))
    return block


def update_video_block(moderator: User, ref: str, body: dict) -> VideoBlock:
    require_moderator(moderator)
    video = _video(ref)
    block = _block_of(video.uuid)
    if block is None:
        raise errors.not_found("Blocked video not found")
    actions = [VideoBlock.updated_at.set(now())]
    if "reason" in body:
        actions.append(VideoBlock.reason.set(body["reason"]))
    if "unfederate" in body:
        actions.append(VideoBlock.unfederated.set(body["unfederate"]))
    block.update(actions=actions)
    return block


def unblock_video(moderator: User, ref: str) -> None:
    """Puts a video back: its flag first, so that a crash in between leaves a record a
    repeated request finds and removes, never a video hidden without one."""
    require_moderator(moderator)
    video = _video(ref)
    block = _block_of(video.uuid)
    if block is None:
        raise errors.not_found("Blocked video not found")
    if video.blocked:
        catalog.change(video, _blocked(False))
    forget_video(video.uuid)


def forget_video(uuid: str) -> None:
    """Drops a video's block record: when it is unblocked, and when it is deleted (for
    peerless.videos' delete)."""
    block = _block_of(uuid)
    if block is None:
        return
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.delete(block, condition=VideoBlock.pk.exists())
            transaction.update(*_counter(BLOCKS, -1))
    except TransactWriteError:  # forgotten meanwhile
        pass


def list_video_blocks(moderator: User, start: int, count: int, *, search: str | None = None,
                      block_type: int | None = None,
                      newest_first: bool = True) -> tuple[int, list[tuple[VideoBlock, Video]]]:
    """Blocked videos, newest block first, with the videos themselves."""
    require_moderator(moderator)
    if block_type is not None and block_type != MANUAL:
        return 0, []  # only moderators block here: no automatic blocks
    condition = VideoBlock.video_name.contains(search.lower()) if search else None
    if condition is None:
        total = counter_values([BLOCKS])[BLOCKS]
    else:
        total = VideoBlock.by_list.count(BLOCKS, filter_condition=condition)
    blocks = _slice(VideoBlock.by_list.query(BLOCKS, filter_condition=condition,
                                             scan_index_forward=not newest_first,
                                             limit=start + count), start, count)
    found = {v.uuid: v for v in Video.batch_get([Video.key(b.video_uuid) for b in blocks])}
    return total, [(b, found[b.video_uuid]) for b in blocks if b.video_uuid in found]

