"""The inbox worker: an activity, its signature checked by the inbox, applied to our data.

`apply(activity, actor_url)` dispatches on the activity's type through HANDLERS (and on
the undone object's type through UNDO_HANDLERS); each handler is idempotent, as the
fediverse and SQS both deliver twice. An activity that cannot apply (unknown local actor,
not its sender's to send) is ignored with a log line; an error that may pass (a remote
actor that cannot be fetched now) is raised, and the queue tries again.

Handled now: Follow, Undo of a Follow, Accept and Reject of our Follows. Types without a
handler are ignored with a log line; Create, Update and Delete of Video and Note, Like,
Dislike, Announce, View and Flag slot in as entries of HANDLERS and UNDO_HANDLERS.
"""
from __future__ import annotations

import logging
from typing import Callable

from .. import moderation
from ..models import User, get_or_none
from ..settings import settings
from . import actors, follows, remote_actors

log = logging.getLogger(__name__)

Handler = Callable[[dict, str], None]


def _id(value) -> str | None:
    """The id of an object given inline or by its id."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def _type(value) -> str | None:
    return value.get("type") if isinstance(value, dict) else None


def local_actor(url: str | None) -> actors.Actor | None:
    """The local actor whose ActivityPub id is `url`: an account (or the instance actor)
    at /accounts/<name>, a channel at /video-channels/<name>."""
    base = settings().public_url
    for path, types in (("/accounts/", (actors.PERSON, actors.APPLICATION)),
                        ("/video-channels/", (actors.GROUP,))):
        if url and url.startswith(base + path):
            name = url[len(base + path):]
            if name and "/" not in name:
                found = actors.find(name)
                return found if found is not None and found.type in types else None
    return None


def _owner(actor: actors.Actor) -> User | None:
    """The user whose own block lists apply to follows of `actor` (none for the instance)."""
    if actor.type == actors.PERSON:
        return actor.item
    if actor.type == actors.GROUP:
        return get_or_none(User, User.key(actor.owner))
    return None


def is_blocked(remote, local: actors.Actor) -> bool:
    """PeerTube's isBlockedByServerOrAccount: the remote actor's server or account is muted
    by the instance or by the followed actor's user."""
    user = _owner(local)
    return (remote.host.lower() in moderation.muted_servers(user)
            or remote_actors.handle(remote).lower() in moderation.muted_accounts(user))


def _needs_approval(local: actors.Actor) -> bool:
    """PeerTube's `followers.instance.manualApproval` (followers of accounts and channels
    never wait). Our instance config has no such rule yet, so followers of the instance are
    accepted at once: PeerTube's default."""
    return False


# --- handlers -------------------------------------------------------------------------------

def _follow(activity: dict, actor_url: str) -> None:
    follow_id = _id(activity)
    local = local_actor(_id(activity.get("object")))
    if local is None or follow_id is None:
        log.info("ignored Follow %s of %s: no such local actor", follow_id,
                 _id(activity.get("object")))
        return
    try:
        remote = remote_actors.get_actor(actor_url)
    except remote_actors.RemoteActorError as error:
        if error.reason == "fetch":
            raise                    # its server may answer later: the queue retries
        log.info("ignored Follow %s: %s", follow_id, error)
        return
    if is_blocked(remote, local):
        log.info("rejected Follow %s of %s: %s is blocked", follow_id, local.name,
                 remote_actors.handle(remote))
        follows.reject_follow(local, remote.url, remote.inbox, follow_id)
        return
    follows.accept_follow(local, remote, follow_id, approve=not _needs_approval(local))


def _undo_follow(follow: dict, actor_url: str) -> None:
    local = local_actor(_id(follow.get("object")))
    if local is None:
        # An Undo naming its Follow by id alone: the follower that Follow made, if its own.
        for item in follows.of_follow_id(_id(follow) or ""):
            if isinstance(item, follows.Follower) and item.remote_url == actor_url:
                follows.undo_follow(item.local, actor_url)
        return
    follows.undo_follow(local.name, actor_url)


def _answer(state: str) -> Handler:
    """Accept or Reject of a Follow that a local actor sent to the remote `actor_url`."""
    def handler(activity: dict, actor_url: str) -> None:
        follow = activity.get("object")
        follow_id = _id(follow)
        local = local_actor(_id(follow.get("actor"))) if isinstance(follow, dict) else None
        if local is not None:
            found = follows.answered(local.name, actor_url, follow_id, state)
        else:
            found = any(follows.answered(item.local, actor_url, follow_id, state)
                        for item in follows.of_follow_id(follow_id or "")
                        if isinstance(item, follows.Following))
        if not found:
            log.info("ignored %s of %s from %s: no such follow", activity.get("type"),
                     follow_id, actor_url)
    return handler


UNDO_HANDLERS: dict[str, Handler] = {"Follow": _undo_follow}


def _undo(activity: dict, actor_url: str) -> None:
    undone = activity.get("object")
    handler = UNDO_HANDLERS.get(_type(undone))
    if handler is None:
        # An object by id alone is a Follow if a follow has that id; else not handled yet.
        if isinstance(undone, str) and follows.of_follow_id(undone):
            handler, undone = _undo_follow, {"id": undone}
        else:
            log.info("ignored Undo %s of a %s: not handled yet", _id(activity),
                     _type(undone) or "object given by id")
            return
    handler(undone, actor_url)


HANDLERS: dict[str, Handler] = {
    "Follow": _follow,
    "Undo": _undo,
    "Accept": _answer(follows.ACCEPTED),
    "Reject": _answer(follows.REJECTED),
}


def apply(activity: dict, actor_url: str) -> None:
    """Applies an activity sent by `actor_url` (the actor whose signature the inbox
    checked). Idempotent; raises when it may succeed later (the queue retries)."""
    kind = activity.get("type")
    if _id(activity.get("actor")) != actor_url:
        # The inbox hands over the actor whose signature it checked: an activity is applied
        # only as that actor's own.
        log.info("ignored %s %s: its actor %s is not its sender %s", kind,
                 _id(activity), _id(activity.get("actor")), actor_url)
        return
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        log.info("ignored %s %s from %s: not handled yet", kind, _id(activity), actor_url)
        return
    handler(activity, actor_url)
