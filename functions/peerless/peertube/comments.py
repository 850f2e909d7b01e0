"""Comments: `VideoComment`, the thread tree, and `VideoCommentForAdminOrUser` of the
review list."""
from __future__ import annotations

from typing import Iterable

from ..comments import Comment, Thread
from ..federation.remote_actors import RemoteActor
from ..models import Item, User, Video
from ..settings import Settings
from .accounts import account, remote_account
from .common import timestamp


class Writers:
    """The authors of some comments, local users and remote actors, fetched in one batch."""

    def __init__(self, comments: Iterable[Comment]):
        comments = list(comments)
        keys = {User.key(c.author) for c in comments if c.author and not c.author_url}
        keys |= {RemoteActor.key(c.author_url) for c in comments if c.author and c.author_url}
        found = list(Item.batch_get(keys)) if keys else []
        self._users = {i.username: i for i in found if isinstance(i, User)}
        self._remote = {i.url: i for i in found if isinstance(i, RemoteActor)}

    def account(self, c: Comment, s: Settings) -> dict | None:
        if not c.author:
            return None
        if c.author_url:
            return remote_account(self._remote.get(c.author_url), c.author, s)
        user = self._users.get(c.author)
        return account(user, s) if user else None


def _common(c: Comment, s: Settings, writers: Writers) -> dict:
    return {
        "id": c.id,
        "url": c.origin_url or f"{s.public_url}/videos/watch/{c.video_uuid}/comments/{c.id}",
        "text": c.text or "", "threadId": c.thread_id, "inReplyToCommentId": c.in_reply_to,
        "videoId": c.video_id, "createdAt": timestamp(c.created_at),
        "updatedAt": timestamp(c.updated_at), "heldForReview": bool(c.held),
        "account": writers.account(c, s),
    }


def comment(c: Comment, s: Settings, writers: Writers,
            counts: tuple[int, int] | None = None) -> dict:
    """A `VideoComment`; `counts` (replies, replies by the video's owner) default to the
    thread root's own counters."""
    replies, from_author = counts if counts is not None else (
        int(c.total_replies), int(c.total_replies_from_video_author))
    return {**_common(c, s, writers), "deletedAt": timestamp(c.deleted_at),
            "isDeleted": c.deleted, "totalRepliesFromVideoAuthor": from_author,
            "totalReplies": replies}


def thread_tree(thread: Thread, s: Settings) -> dict:
    """`{comment, children: [{comment, children}]}`; a reply whose parent the viewer may
    not see is left out with its own replies, as PeerTube does."""
    writers = Writers([thread.root, *thread.replies])

    def node(c: Comment) -> dict:
        return {"comment": comment(c, s, writers, thread.counts[c.id]), "children": []}

    tree = node(thread.root)
    nodes = {thread.root.id: tree}
    for reply in thread.replies:
        parent = nodes.get(reply.in_reply_to)
        if parent is not None:
            nodes[reply.id] = node(reply)
            parent["children"].append(nodes[reply.id])
    return tree


def comments_for_owner(found: list[Comment], s: Settings) -> list[dict]:
    """The list of comments on one's videos, each naming its video."""
    writers = Writers(found)
    on = {v.uuid: v for v in Video.batch_get([Video.key(u)
                                                for u in {c.video_uuid for c in found}])}
    return [{**_common(c, s, writers), "automaticTags": [],
             "video": {"id": on[c.video_uuid].id, "uuid": c.video_uuid,
                       "name": on[c.video_uuid].name}}
            for c in found if c.video_uuid in on]
