"""Telling other servers what happens here, as PeerTube does.

Local videos:
- a video becomes visible (published, or made public or unlisted): a Create by its account
  to the account's followers, and Announces by its channel (to the channel's followers,
  Mastodon users among them) and by the instance (to the servers following this one);
- a visible video changes (its attributes, a rendition added): an Update by its account;
- it goes (deleted, made private, blocked): a Delete by its account.
Updates and Deletes go to everyone who was told of the video: the followers of the
account, the channel and the instance, once per shared inbox.

Local regular playlists, public or unlisted, likewise (`playlist_changed`, called by
peerless.playlists on every change): a Create, Updates (its name, description, privacy,
channel, elements), a Delete when deleted or made private, by its account to the
followers of the account, its channel and the instance. "Watch later" never goes.

What local people do to a video (comment, delete a comment, like, dislike, take it back)
goes to those who hold the video: its own server for another server's video (which
forwards to its followers), everyone told of it for a local one; a comment also to the
commenter's followers and to the remote authors it answers.

What remote people do to a local video (comment, delete their comment) is forwarded to
those who hold it (`forward_to`): PeerTube's forwardVideoRelatedActivity, ActivityPub's
inbox forwarding.

A local account or channel deleted: a Delete of the actor to its followers and to the
actors it followed (`actor_deleted`), who forget it.

`sync(video, was_visible)` is what the places that change a video call, after the change,
with whether the video was visible before it. Receivers apply each activity once and
order Updates by the video's `updated` date, so a repeat costs nothing.
"""
from __future__ import annotations

import logging

from .. import playlists
from ..comments import Comment
from ..models import Video, now
from ..playlists import Playlist
from ..settings import settings
from . import actors, delivery, follows, objects, remote_actors
from .remote_actors import host_of

log = logging.getLogger(__name__)


def visible(video: Video | None) -> bool:
    """Whether other servers may know the video: a local, public or unlisted video that
    is not blocked, published (or a live, from its creation)."""
    from .. import videos   # builds on federation's objects
    return (video is not None and not video.is_remote and not video.blocked
            and videos.announced_state(video)
            and video.privacy in (videos.PUBLIC, videos.UNLISTED))


def _followers_of(*local: str | None) -> list[str]:
    """The inboxes of the followers of the local actors named, once each."""
    inboxes: dict[str, None] = {}
    for name in filter(None, local):
        for inbox in follows.follower_inboxes(name):
            inboxes.setdefault(inbox)
    return list(inboxes)


def _everyone_told(video: Video) -> list[str]:
    """The inboxes of the followers of the video's account, channel and the instance."""
    return _followers_of(video.owner, video.channel, actors.SERVER_ACTOR_NAME)


def sync(video: Video, was_visible: bool) -> None:
    """Sends what a change of `video` means to the followers (nothing if it means
    nothing to them)."""
    now_visible = visible(video)
    if not now_visible and not was_visible:
        return
    s = settings()
    account = actors.account_url(video.owner, s)
    if now_visible and not was_visible and video.announced_at is None:
        delivery.to_followers(objects.create_activity(objects.video_object(video, s), account),
                              sender=video.owner)
        channel = objects.video_channel(video)
        delivery.to_followers(objects.announce_activity(video, channel, s),
                              sender=channel.name)
        delivery.to_followers(objects.announce_activity(video, None, s),
                              sender=actors.SERVER_ACTOR_NAME)
        video.update(actions=[Video.announced_at.set(now())], condition=Video.pk.exists())
    elif now_visible:
        if not was_visible:
            # Back in view (made public again, unblocked): the Create and Announces were
            # applied once by their receivers, who take each activity id once; an Update
            # of a new date brings it back to those who dropped it.
            video.update(actions=[Video.updated_at.set(now())], condition=Video.pk.exists())
        delivery.deliver(objects.update_activity(objects.video_object(video, s), account),
                         sender=video.owner, inboxes=_everyone_told(video))
    else:
        deleted(video, hidden=True)


def deleted(video: Video, *, hidden: bool = False) -> None:
    """The video is gone for other servers: a Delete by its account. One `hidden` (made
    private, blocked) may come back and go again: each such Delete has an id of its own,
    as receivers take each activity id once."""
    _delete(actors.video_url(video.uuid), video.owner, _everyone_told(video), hidden)


def _delete(url: str, owner: str, inboxes: list[str], hidden: bool) -> None:
    delivery.deliver(objects.delete_activity(
        url, actors.account_url(owner),
        activity_id=f"{url}/delete/{int(now().timestamp() * 1000)}" if hidden else None),
        sender=owner, inboxes=inboxes)


# --- local playlists ------------------------------------------------------------------------

def playlist_state(playlist: Playlist) -> tuple | None:
    """What other servers know of a playlist: its federated fields (equal states: nothing
    to tell), or None when it is none of theirs (private, a "Watch later", another
    server's)."""
    if (playlist.origin_url or playlist.type != playlists.REGULAR
            or playlist.privacy not in (playlists.PUBLIC, playlists.UNLISTED)):
        return None
    return (playlist.display_name, playlist.description, playlist.privacy, playlist.channel,
            tuple(map(tuple, playlist.elements or [])))


def playlist_changed(playlist: Playlist, before: tuple | None, *, created: bool = False,
                     deleted: bool = False) -> None:
    """Tells the followers of a local playlist's account, its channel and the instance
    (PeerTube's audience) what a change from the state `before` means to them: a Create
    of a new playlist; an Update of a changed one, or of one back in view (receivers take
    each activity id once, and create from an Update what they lack); a Delete of one
    deleted or made private. Nothing when nothing they know of changed."""
    after = None if deleted else playlist_state(playlist)
    if after == before:
        return
    inboxes = _followers_of(playlist.owner, playlist.channel, actors.SERVER_ACTOR_NAME)
    if after is None:
        _delete(actors.playlist_url(playlist.uuid), playlist.owner, inboxes,
                hidden=not deleted)
        return
    s = settings()
    build = objects.create_activity if created else objects.update_activity
    delivery.deliver(build(objects.playlist_object(playlist, s=s),
                           actors.account_url(playlist.owner, s)),
                     sender=playlist.owner, inboxes=inboxes)


# --- what local people do to videos ---------------------------------------------------------

def holders(video: Video) -> list[str]:
    """The inboxes that hold the video: its server's for a remote one, else everyone
    told of it."""
    if not video.is_remote:
        return _everyone_told(video)
    inboxes: dict[str, None] = {}
    for url in (video.remote["channel_url"], video.remote["account_url"]):
        actor = remote_actors.known(url)
        if actor is not None:
            inboxes.setdefault(remote_actors.delivery_inbox(actor))
    return list(inboxes)


def _comment_audience(comment: Comment, video: Video, author: str) -> list[str]:
    inboxes = dict.fromkeys(holders(video))
    inboxes.update(dict.fromkeys(follows.follower_inboxes(author)))
    for parent in objects.ancestors(comment):
        actor = remote_actors.known(parent.author_url) if parent.author_url else None
        if actor is not None:
            inboxes.setdefault(remote_actors.delivery_inbox(actor))
    return list(inboxes)


def _federates(video: Video) -> bool:
    return video.is_remote or visible(video)


def comment_created(comment: Comment, video: Video) -> None:
    """A local user's comment: its Note, created. Held for review on a local video, it
    waits for the owner's approval here; on another server's video it goes at once (that
    server holds it until its owner approves it, then sends us an ApproveReply), and again
    once approved, with the approval (PeerTube's sendCreateVideoCommentIfNeeded)."""
    if (comment.held and not video.is_remote) or comment.author_url \
            or not _federates(video):
        return
    note = objects.comment_object(comment, video)
    create = objects.create_activity(note, note["attributedTo"])
    if comment.reply_approval:
        # Receivers that take an activity id once (ours) would drop the same Create
        # again as a redelivery: the approved one is an activity of its own.
        create["id"] += "/approved"
    delivery.deliver(create, sender=comment.author,
                     inboxes=_comment_audience(comment, video, comment.author))


def comment_approved(comment: Comment, video: Video) -> None:
    """A held comment, approved by the video's owner or a moderator. A local user's is
    published now (its Note, created). Another server's goes back to its author as an
    ApproveReply by the video's account (PeerTube's sendReplyApproval): that server holds
    its copy until then, and then sends the Note, with its approval, to everyone else."""
    if not comment.author_url:
        comment_created(comment, video)
        return
    author = remote_actors.known(comment.author_url)
    if author is None or not _federates(video):
        return
    delivery.deliver(objects.approve_reply_activity(comment, video), sender=video.owner,
                     inboxes=[remote_actors.delivery_inbox(author)])


def comment_deleted(comment: Comment, video: Video, author: str | None,
                    by: str) -> None:
    """A comment deleted here (read before its deletion: `author` its author then) by the
    local user `by`: a Delete of its Note, by its author if local, else by `by` (a
    remote one's copies elsewhere are its own server's to delete, but the holders of a
    local video are told it is gone from it)."""
    if comment.held or not _federates(video) or (comment.author_url and video.is_remote):
        return
    s = settings()
    sender = author if author and not comment.author_url else by
    url = comment.origin_url or objects.comment_url(video.uuid, comment.id, s)
    delivery.deliver(objects.delete_activity(url, actors.account_url(sender, s)),
                     sender=sender, inboxes=_comment_audience(comment, video, sender))


def rated(username: str, video: Video, old: str, new: str) -> None:
    """A local user's rating changed from `old` to `new`: the Undo of the old Like or
    Dislike, then the new one."""
    from .. import ratings   # ratings build on videos, which federation builds on
    if old == new or not _federates(video):
        return
    s = settings()
    actor = actors.account_url(username, s)
    inboxes = holders(video)
    if old != ratings.NONE:
        delivery.deliver(objects.undo_activity(
            objects.rating_object(username, video, old, s), actor),
            sender=username, inboxes=inboxes)
    if new != ratings.NONE:
        delivery.deliver(objects.rating_object(username, video, new, s), sender=username,
                         inboxes=inboxes)


# --- what remote people do to local videos --------------------------------------------------

def forward_to(video: Video, sender: str) -> list[str]:
    """The inboxes a remote actor's activity about a local video is forwarded to: those
    who hold the video but the sender's server (which has the activity). None for a video
    that is not federated (others hold no copy)."""
    if not visible(video):
        return []
    return [inbox for inbox in _everyone_told(video) if host_of(inbox) != host_of(sender)]


# --- local actors deleted -------------------------------------------------------------------

def actor_deleted(name: str, url: str) -> None:
    """The local account or channel `name` (its actor at `url`) is deleted: its follows both
    ways forgotten, and a Delete of the actor, signed with the key it had, sent to the
    remote actors in them."""
    inboxes = follows.forget_local(name)
    delivery.deliver(objects.delete_activity(url, url), sender=name, inboxes=inboxes,
                     key_id=actors.key_id(url))
