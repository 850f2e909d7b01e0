"""The inbox worker: an activity, its signature checked by the inbox, applied to our data.

`apply(activity, actor_url)` dispatches on the activity's type through HANDLERS (and on
the undone object's type through UNDO_HANDLERS); each handler is idempotent, as the
fediverse and SQS both deliver twice. An activity that cannot apply (unknown local actor,
not its sender's to send) is ignored with a log line; an error that may pass (a remote
actor that cannot be fetched now) is raised, and the queue tries again.

Handled now: Follow, Undo of a Follow, Accept and Reject of our Follows; Create, Update,
Announce and Delete of videos (peerless.federation.remote_videos); Create, Update and
Delete of playlists (peerless.federation.remote_playlists); Create and Delete of
Notes, Like, Dislike and their Undo, View, Flag, ApproveReply of our comments
(peerless.federation.interactions); Create, Update and Undo of CacheFiles
(peerless.federation.redundancy); Update and Delete of an actor
(peerless.federation.deleted_actors). Types without a handler are ignored with a log line.

Forwarding (ActivityPub's inbox forwarding, PeerTube's forwardVideoRelatedActivity): a
handler returns the local video an activity newly changed when those holding the video
should see the change too (a comment made or deleted, a rating given, changed or undone);
the activity, as received, is then
forwarded to them (peerless.federation.publishing.forward_to). Only an activity received
from its own actor, not one relayed by another server (no loops), and carrying its actor's
linked-data signature: the receivers, PeerTube's and ours, take an activity signed over
HTTP by someone else than its actor only with that signature.
"""
from __future__ import annotations

import logging
from typing import Callable

from .. import moderation, ratings
from ..models import User, Video, get_or_none
from ..settings import settings
from . import (actors, deleted_actors, delivery, follows, interactions, publishing, redundancy,
               remote_actors, remote_playlists, remote_videos)
from .fetch import FetchError
from .remote_actors import id_of

log = logging.getLogger(__name__)

# Returns the local video to forward the activity for, if any.
Handler = Callable[[dict, str], Video | None]


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
    follow_id = id_of(activity)
    local = local_actor(id_of(activity.get("object")))
    if local is None or follow_id is None:
        log.info("ignored Follow %s of %s: no such local actor", follow_id,
                 id_of(activity.get("object")))
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
    local = local_actor(id_of(follow.get("object")))
    if local is None:
        # An Undo naming its Follow by id alone: the follower that Follow made, if its own.
        for item in follows.of_follow_id(id_of(follow) or ""):
            if isinstance(item, follows.Follower) and item.remote_url == actor_url:
                follows.undo_follow(item.local, actor_url)
        return
    follows.undo_follow(local.name, actor_url)


def _answer(state: str) -> Handler:
    """Accept or Reject of a Follow that a local actor sent to the remote `actor_url`."""
    def handler(activity: dict, actor_url: str) -> None:
        follow = activity.get("object")
        follow_id = id_of(follow)
        local = local_actor(id_of(follow.get("actor"))) if isinstance(follow, dict) else None
        if local is not None:
            found = follows.answered(local.name, actor_url, follow_id, state)
        else:
            found = any(follows.answered(item.local, actor_url, follow_id, state)
                        for item in follows.of_follow_id(follow_id or "")
                        if isinstance(item, follows.Following))
        if not found:
            log.info("ignored %s of %s from %s: no such follow", activity.get("type"),
                     follow_id, actor_url)
        elif state == follows.ACCEPTED:
            # What the followed server or channel published before: from its outbox.
            remote_videos.backfill(remote_actors.get_actor(actor_url))
    return handler


# --- videos ---------------------------------------------------------------------------------

def _taking(what: str, take: Callable[[], object]) -> None:
    """Runs `take`, ignoring (with a log line) what no retry would mend; what may pass (a
    server not answering now) is raised for the queue to retry."""
    try:
        take()
    except remote_videos.InvalidObject as error:
        log.info("ignored %s: %s", what, error)
    except remote_actors.RemoteActorError as error:
        if error.reason == "fetch":
            raise
        log.info("ignored %s: %s", what, error)
    except FetchError as error:
        if error.reason in ("network", "resolve") or (error.status or 0) >= 500:
            raise
        log.info("ignored %s: %s", what, error)


def _save_video(activity: dict, actor_url: str) -> None:
    obj = activity.get("object")
    if isinstance(obj, dict):
        _taking(f"{activity.get('type')} {id_of(activity)}",
                      lambda: remote_videos.save(obj, sender=actor_url))
    elif isinstance(obj, str):
        _taking(f"{activity.get('type')} {id_of(activity)}",
                      lambda: remote_videos.fetch_and_save(obj, sender=actor_url))


def _save_playlist(activity: dict, actor_url: str) -> None:
    _taking(f"{activity.get('type')} {id_of(activity)}",
            lambda: remote_playlists.save(activity["object"], sender=actor_url))


def _announce(activity: dict, actor_url: str) -> None:
    """A share: PeerTube's instances announce their videos to the servers following them,
    channels to their followers. The video is fetched from its own server."""
    url = id_of(activity.get("object"))
    if url is None:
        return
    _taking(f"Announce {id_of(activity)}",
                  lambda: remote_videos.fetch_and_save(url, sender=actor_url))


def _delete(activity: dict, actor_url: str) -> Video | None:
    url = id_of(activity.get("object"))
    if url == actor_url:
        # An actor deletes itself only: `apply` took the activity as its verified actor's.
        if not deleted_actors.forget(actor_url):
            log.info("ignored Delete of the actor %s: not known here", actor_url)
        return None
    if url is None or remote_videos.delete(url, sender=actor_url) \
            or remote_playlists.delete(url, sender=actor_url):
        return None
    comment = interactions.delete_note(url, actor_url)
    if comment is None:
        log.info("ignored Delete %s: %s is no video or comment of its sender held here",
                 id_of(activity), url)
        return None
    return _video_of(comment)


# --- interactions --------------------------------------------------------------------------

def _video_of(comment) -> Video | None:
    return get_or_none(Video, Video.key(comment.video_uuid))


def _create_note(activity: dict, actor_url: str) -> Video | None:
    comment = interactions.create_note(activity["object"], actor_url)
    return _video_of(comment) if comment is not None else None


def _rate(rating: str) -> Handler:
    def handler(activity: dict, actor_url: str) -> Video | None:
        video = interactions.rate(activity, actor_url, rating)
        if video is None:
            log.info("ignored %s %s: no video held here, or no change", activity.get("type"),
                     id_of(activity))
        return video
    return handler


def _approve_reply(activity: dict, actor_url: str) -> None:
    approved = interactions.approve_reply(activity, actor_url)
    if approved is None:
        log.info("ignored ApproveReply %s: it approves no held comment of ours on a video "
                 "of its sender", id_of(activity))
        return
    # Its Note again, now with the approval, for those who hold the video to show it.
    publishing.comment_created(*approved)


def _flag(activity: dict, actor_url: str) -> None:
    if not interactions.flag(activity, actor_url):
        log.info("ignored Flag %s: it names nothing local to report", id_of(activity))


def _view(activity: dict, actor_url: str) -> None:
    if not interactions.view(activity, actor_url):
        log.info("ignored View %s: no local video", id_of(activity))


def _update_actor(activity: dict, actor_url: str) -> None:
    """A remote actor's new profile: fetched again from its own URL (never taken as sent),
    if it is known here."""
    if id_of(activity.get("object")) != actor_url:
        log.info("ignored Update %s: an actor updates itself only", id_of(activity))
        return
    if get_or_none(remote_actors.RemoteActor, remote_actors.RemoteActor.key(actor_url)):
        remote_actors.get_actor(actor_url, refresh=True)


def _cache_file(activity: dict, actor_url: str) -> None:
    if not redundancy.accept_cache_file(activity["object"], actor_url):
        log.info("ignored %s %s of a CacheFile", activity.get("type"), id_of(activity))


# Create and Update by the type of their object.
OBJECT_HANDLERS: dict[str, dict[str, Handler]] = {
    "Create": {"Video": _save_video, "Note": _create_note, "CacheFile": _cache_file,
               "Playlist": _save_playlist},
    "Update": {"Video": _save_video, "CacheFile": _cache_file, "Playlist": _save_playlist,
               **{t: _update_actor for t in remote_actors.ACTOR_TYPES}},
}


def _by_object_type(kind: str) -> Handler:
    def handler(activity: dict, actor_url: str) -> Video | None:
        handler = OBJECT_HANDLERS[kind].get(_type(activity.get("object")))
        if handler is None:
            log.info("ignored %s %s of a %s: not handled yet", kind, id_of(activity),
                     _type(activity.get("object")) or "object given by id")
            return None
        return handler(activity, actor_url)
    return handler


def _undo_cache_file(undone: dict, actor_url: str) -> None:
    # PeerTube undoes the Create of its CacheFile; the CacheFile itself is taken too.
    cache_file = undone.get("object") if undone.get("type") == "Create" else undone
    if not isinstance(cache_file, dict) or cache_file.get("type") != "CacheFile" or \
            not redundancy.forget_cache_file(cache_file, actor_url):
        log.info("ignored Undo of %s: no such CacheFile of its sender", id_of(undone))


UNDO_HANDLERS: dict[str, Handler] = {"Follow": _undo_follow,
                                     "Like": _rate(ratings.NONE),
                                     "Dislike": _rate(ratings.NONE),
                                     "Create": _undo_cache_file,
                                     "CacheFile": _undo_cache_file}


def _undo(activity: dict, actor_url: str) -> Video | None:
    undone = activity.get("object")
    handler = UNDO_HANDLERS.get(_type(undone))
    if handler is None:
        # An object by id alone is a Follow if a follow has that id; else not handled yet.
        if isinstance(undone, str) and follows.of_follow_id(undone):
            handler, undone = _undo_follow, {"id": undone}
        else:
            log.info("ignored Undo %s of a %s: not handled yet", id_of(activity),
                     _type(undone) or "object given by id")
            return None
    return handler(undone, actor_url)


HANDLERS: dict[str, Handler] = {
    "Follow": _follow,
    "Undo": _undo,
    "Accept": _answer(follows.ACCEPTED),
    "Reject": _answer(follows.REJECTED),
    "Create": _by_object_type("Create"),
    "Update": _by_object_type("Update"),
    "Announce": _announce,
    "Delete": _delete,
    "Like": _rate(ratings.LIKE),
    "Dislike": _rate(ratings.DISLIKE),
    "View": _view,
    "Flag": _flag,
    "ApproveReply": _approve_reply,
}


def apply(activity: dict, actor_url: str, *, text: str | None = None,
          relayed: bool = False) -> None:
    """Applies an activity sent by `actor_url` (the actor whose signature the inbox
    checked), and forwards it when it should be (`text`: the activity as received;
    `relayed`: signed over HTTP by another server than its actor's). Idempotent; raises
    when it may succeed later (the queue retries)."""
    kind = activity.get("type")
    if id_of(activity.get("actor")) != actor_url:
        # The inbox hands over the actor whose signature it checked: an activity is applied
        # only as that actor's own.
        log.info("ignored %s %s: its actor %s is not its sender %s", kind,
                 id_of(activity), id_of(activity.get("actor")), actor_url)
        return
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    if handler is None:
        log.info("ignored %s %s from %s: not handled yet", kind, id_of(activity), actor_url)
        return
    video = handler(activity, actor_url)
    if video is not None and not video.is_remote and text is not None:
        _forward(activity, actor_url, text, video, relayed)


def _forward(activity: dict, actor_url: str, text: str, video: Video, relayed: bool) -> None:
    if relayed:
        log.info("not forwarding %s: relayed to us already", id_of(activity))
    elif not isinstance(activity.get("signature"), dict):
        log.info("not forwarding %s: it has no linked-data signature", id_of(activity))
    elif not delivery.forward(text, inboxes=publishing.forward_to(video, actor_url)):
        log.warning("not forwarding %s: too large for the delivery queue", id_of(activity))
