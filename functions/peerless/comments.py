"""Comments on videos, in threads as PeerTube has them: a comment on the video starts a
thread, a reply joins the thread of the comment it answers.

The items:
- `Comment` (pk `comment#<id>`), one per comment. Thread roots are listed in the `by_list`
  partition `threads#<video uuid>`, or `threads-held#<video uuid>` while held for review;
  replies in `replies#<thread id>`; all sorted by creation. Live comments on a user's
  videos are in the `by_owner` partition `comments-on#<owner>` (`comments-held-on#<owner>`
  while held): the owner's moderation list.
- Counters, each changed by ADD in the transaction that writes the comment it counts, with
  a condition on the comment's previous state, so racing requests and retries never count
  twice: the thread totals of a video (`threads#<uuid>`, `threads-held#<uuid>`), the held
  comments of a video (`comments-held#<uuid>`), `total_replies` and
  `total_replies_from_video_author` on thread roots, and the video's `comments_count`
  (comments anyone may read: neither deleted nor held).

A deleted comment stays as a tombstone (no text, no author, `isDeleted`), as PeerTube keeps
it, so the replies under it keep their place in the tree.

Held comments (commentsPolicy 3, "requires approval") are shown to their author, the
video's owner and moderators only, until the owner or a moderator approves them.
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Iterator

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, \
    UTCDateTimeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from . import errors
from .accounts import next_id
from .models import Counter, Item, User, Video, busy, counter_value, now, transact
from .videos import can_manage

ENABLED, DISABLED, REQUIRES_APPROVAL = 1, 2, 3
TEXT_SCHEMA = {"type": "object", "required": ["text"],
               "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 10000}}}
THREAD_SORTS = ("createdAt", "totalReplies")
PAGE = 100  # items read per query page


class Comment(Item, discriminator="comment"):
    id = NumberAttribute()
    video_uuid = UnicodeAttribute()
    video_id = NumberAttribute()
    video_owner = UnicodeAttribute()    # the username owning the video, when commented
    thread_id = NumberAttribute()
    in_reply_to = NumberAttribute(null=True)
    author = UnicodeAttribute(null=True)    # forgotten when deleted; `name@host` if remote
    text = UnicodeAttribute(null=True)      # idem
    # A comment from another server (peerless.federation.interactions): its author's
    # actor URL and its Note's id.
    author_url = UnicodeAttribute(null=True)
    origin_url = UnicodeAttribute(null=True)
    held = BooleanAttribute(default=False)
    # A local comment on another server's video that needs approval: the ApproveReply by
    # which the video's owner let it be seen (PeerTube's `replyApproval`).
    reply_approval = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=now)
    updated_at = UTCDateTimeAttribute(default=now)
    deleted_at = UTCDateTimeAttribute(null=True)
    # On thread roots: the live replies in the thread, and those by the video's owner.
    total_replies = NumberAttribute(default=0)
    total_replies_from_video_author = NumberAttribute(default=0)

    @staticmethod
    def key(comment_id: int) -> tuple[str, str]:
        return f"comment#{comment_id}", "comment"

    @property
    def is_root(self) -> bool:
        return self.in_reply_to is None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None


def _threads(video: Video, held: bool) -> str:
    return f"threads-held#{video.uuid}" if held else f"threads#{video.uuid}"


def _comments_on(owner: str, held: bool) -> str:
    return f"comments-held-on#{owner.lower()}" if held else f"comments-on#{owner.lower()}"


def _held_counter(video: Video) -> Counter:
    return Counter(*Counter.key(f"comments-held#{video.uuid}"))


def _sort_key(c: Comment) -> str:
    return f"{c.created_at.isoformat()}#{c.id:012d}"


# --- who sees what ----------------------------------------------------------------------

def can_see(comment: Comment, video: Video, viewer: User | None) -> bool:
    """A held comment is for its author, the video's owner and moderators only."""
    return (not comment.held or can_manage(video, viewer)
            or (viewer is not None and comment.author == viewer.username))


def get(video: Video, comment_id: int) -> Comment:
    """The comment, if it belongs to `video`: PeerTube's 404 and 400 otherwise."""
    try:
        comment = Comment.get(*Comment.key(comment_id))
    except DoesNotExist:
        raise errors.not_found("Video comment thread not found") from None
    if comment.video_uuid != video.uuid:
        raise errors.bad_request("Video comment is not associated to this video.",
                                 code="comment_not_associated_to_video")
    return comment


def _ensure_open(video: Video) -> None:
    if video.comments_policy == DISABLED:
        raise errors.ApiError(409, "Video comments are disabled for this video.")


# --- writing ----------------------------------------------------------------------------

def create(video: Video, author: User, text: str, parent: Comment | None = None) -> Comment:
    """A new thread on `video`, or a reply to `parent`. Held for review when the video
    requires approval, unless its owner or a moderator writes."""
    _ensure_open(video)
    if parent is not None and not can_see(parent, video, author):
        raise errors.not_found("Video comment thread not found")
    held = video.comments_policy == REQUIRES_APPROVAL and not can_manage(video, author)
    return _write_new(video, Comment(author=author.username, text=text, held=held), parent)


def create_remote(video: Video, author: str, author_url: str, text: str,
                  parent: Comment | None, origin_url: str,
                  created_at: datetime | None = None) -> Comment:
    """A comment written on another server (by `author`, `name@host`), held when the
    video requires approval. Raises ApiError when comments are closed."""
    _ensure_open(video)
    comment = Comment(author=author, author_url=author_url, text=text, origin_url=origin_url,
                      held=video.comments_policy == REQUIRES_APPROVAL)
    if created_at is not None:
        comment.created_at = created_at
    return _write_new(video, comment, parent)


def _write_new(video: Video, comment: Comment, parent: Comment | None) -> Comment:
    """Saves a new comment (author, text, held and dates set) on `video` under `parent`,
    with its counters."""
    held = comment.held
    comment_id = next_id("comment")
    comment.pk, comment.sk = Comment.key(comment_id)
    comment.id, comment.video_uuid, comment.video_id = comment_id, video.uuid, video.id
    comment.video_owner = video.owner
    comment.thread_id = parent.thread_id if parent else comment_id
    comment.in_reply_to = parent.id if parent else None
    comment.updated_at = comment.created_at
    if parent is None:
        comment.list_pk = _threads(video, held)
    else:
        comment.list_pk = f"replies#{comment.thread_id}"
    comment.list_sk = comment.owner_sk = _sort_key(comment)
    comment.owner_pk = _comments_on(video.owner, held)

    def write(transaction: TransactWrite) -> None:
        transaction.save(comment, condition=Comment.pk.does_not_exist())
        if parent is None:
            transaction.update(Counter(*Counter.key(comment.list_pk)),
                               actions=[Counter.value.add(1)])
        else:
            transaction.update(_root_of(comment), actions=_reply_counts(comment, video, 1),
                               condition=Comment.pk.exists())
        _count_live(transaction, video, comment, 1)
    try:
        transact(write)
    except TransactWriteError:
        raise _failure(video) from None
    return comment


def _failure(video: Video) -> errors.ApiError:
    """Why a write on a comment of `video` could not be made, its own state aside."""
    try:
        Video.get(*Video.key(video.uuid))
    except DoesNotExist:
        return errors.not_found("Video not found")
    return busy()


def _root_of(comment: Comment) -> Comment:
    return Comment(*Comment.key(comment.thread_id))


def _reply_counts(reply: Comment, video: Video, delta: int) -> list:
    actions = [Comment.total_replies.add(delta)]
    if reply.author == video.owner:
        actions.append(Comment.total_replies_from_video_author.add(delta))
    return actions


def _count_live(transaction: TransactWrite, video: Video, comment: Comment,
                delta: int) -> None:
    """The video's count of readable comments, or of held ones, follows `comment`."""
    if comment.held:
        transaction.update(_held_counter(video), actions=[Counter.value.add(delta)])
    else:
        transaction.update(Video(*Video.key(video.uuid)),
                           actions=[Video.comments_count.add(delta)],
                           condition=Video.pk.exists())


def delete(video: Video, comment: Comment, user: User) -> None:
    """Leaves a tombstone. The author, the video's owner and moderators may."""
    if comment.deleted:
        raise errors.ApiError(409, "This comment is already deleted")
    if comment.author != user.username and not can_manage(video, user):
        raise errors.forbidden("Cannot remove video comment of another user")
    tombstone(video, comment)


def tombstone(video: Video, comment: Comment) -> None:
    """Leaves a tombstone of the comment, whoever asks (its server's Delete of a remote
    one comes here, checked by federation)."""
    if comment.deleted:
        raise errors.ApiError(409, "This comment is already deleted")
    deleted_at = now()

    def write(transaction: TransactWrite) -> None:
        transaction.update(comment, actions=[
            Comment.deleted_at.set(deleted_at), Comment.updated_at.set(deleted_at),
            Comment.text.remove(), Comment.author.remove(),
            Comment.owner_pk.remove(), Comment.owner_sk.remove()],
            condition=Comment.deleted_at.does_not_exist())
        if not comment.is_root:
            transaction.update(_root_of(comment), actions=_reply_counts(comment, video, -1),
                               condition=Comment.pk.exists())
        _count_live(transaction, video, comment, -1)
    try:
        transact(write)
    except TransactWriteError:
        comment.refresh()
        if comment.deleted:
            raise errors.ApiError(409, "This comment is already deleted") from None
        raise _failure(video) from None


def approve(video: Video, comment: Comment, user: User) -> None:
    """Publishes a held comment. Unlike PeerTube, its author cannot approve it: only the
    video's owner and moderators, whom the hold is for."""
    if comment.deleted:
        raise errors.ApiError(409, "This comment is deleted")
    if not comment.held:
        raise errors.bad_request("This comment is not held for review")
    if not can_manage(video, user):
        raise errors.forbidden("Cannot approve video comment of another user")
    if not _release(video, comment):
        # Approved or deleted meanwhile: a retry finds it so, as PeerTube would.
        raise errors.bad_request("This comment is not held for review")


def approved_by_origin(video: Video, comment: Comment, approval: str) -> bool:
    """A local user's comment on another server's video, held until that server's video
    owner approved it with the ApproveReply `approval`: published. False when it was not
    held (approved already, or deleted)."""
    return comment.held and not comment.deleted and _release(
        video, comment, [Comment.reply_approval.set(approval)])


def _release(video: Video, comment: Comment, also: list | None = None) -> bool:
    """Takes a held comment out of review into its thread, its counts moved with it.
    False when it was no longer held (approved or deleted meanwhile)."""
    actions = [Comment.held.set(False), Comment.owner_pk.set(_comments_on(video.owner, False)),
               *(also or [])]
    if comment.is_root:
        actions.append(Comment.list_pk.set(_threads(video, False)))

    def write(transaction: TransactWrite) -> None:
        transaction.update(comment, actions=actions,
                           condition=(Comment.held == True)  # noqa: E712
                           & Comment.deleted_at.does_not_exist())
        if comment.is_root:
            for held, delta in ((True, -1), (False, 1)):
                transaction.update(Counter(*Counter.key(_threads(video, held))),
                                   actions=[Counter.value.add(delta)])
        transaction.update(_held_counter(video), actions=[Counter.value.add(-1)])
        transaction.update(Video(*Video.key(video.uuid)), actions=[Video.comments_count.add(1)],
                           condition=Video.pk.exists())
    try:
        transact(write)
    except TransactWriteError:
        comment.refresh()
        if comment.held and not comment.deleted:
            raise _failure(video) from None
        return False
    return True


# --- reading ----------------------------------------------------------------------------

def _partition(index, key: str, descending: bool, **kwargs) -> Iterator[Comment]:
    return index.query(key, scan_index_forward=not descending, page_size=PAGE, **kwargs)


def _own_held(video: Video, viewer: User | None) -> list[Comment]:
    """The live held comments `viewer` wrote on `video`: from the owner's moderation
    list, which holds only what waits for review."""
    if viewer is None:
        return []
    return list(Comment.by_owner.query(
        _comments_on(video.owner, True),
        filter_condition=(Comment.video_uuid == video.uuid)
        & (Comment.author == viewer.username)))


@dataclass(frozen=True)
class Threads:
    total: int
    total_not_deleted: int
    data: list[Comment]


def list_threads(video: Video, viewer: User | None, start: int, count: int,
                 sort: str = "-createdAt") -> Threads:
    """A page of the video's threads as `viewer` may see them."""
    if video.comments_policy == DISABLED:
        return Threads(0, 0, [])
    descending = sort.startswith("-")
    moderator = can_manage(video, viewer)
    streams: list[Iterable[Comment]] = [
        _partition(Comment.by_list, _threads(video, False), descending)]
    total = counter_value(_threads(video, False))
    readable = int(video.comments_count)
    if moderator:
        streams.append(_partition(Comment.by_list, _threads(video, True), descending))
        total += counter_value(_threads(video, True))
        readable += counter_value(f"comments-held#{video.uuid}")
    else:
        own = _own_held(video, viewer)
        roots = sorted((c for c in own if c.is_root), key=_sort_key, reverse=descending)
        streams.append(roots)
        total += len(roots)
        readable += len(own)
    if sort.lstrip("-") == "totalReplies":
        # No index orders threads by replies: the video's threads are read and sorted.
        everything = sorted(itertools.chain(*streams),
                            key=lambda c: (int(c.total_replies), _sort_key(c)),
                            reverse=descending)
        return Threads(total, readable, everything[start:start + count])
    merged = heapq.merge(*streams, key=_sort_key, reverse=descending)
    return Threads(total, readable, list(itertools.islice(merged, start, start + count)))


@dataclass(frozen=True)
class Thread:
    root: Comment
    replies: list[Comment]      # those the viewer may see, oldest first
    # Live replies under each comment (all of the thread's under the root), and how many
    # of those the video's owner wrote; counted over every reply, seen or not, as PeerTube.
    counts: dict[int, tuple[int, int]]


def get_thread(video: Video, thread_id: int, viewer: User | None) -> Thread:
    """A thread with the replies `viewer` may see."""
    root = get(video, thread_id)
    if not root.is_root:
        raise errors.bad_request("Video comment is not a thread.")
    if video.comments_policy == DISABLED or not can_see(root, video, viewer):
        raise errors.not_found("No comments were found")
    replies = list(_partition(Comment.by_list, f"replies#{thread_id}", False))
    counts = {c.id: [0, 0] for c in [root, *replies]}
    for reply in replies:
        if reply.deleted:
            continue
        by_owner = int(reply.author == video.owner)
        for parent in {reply.in_reply_to, root.id}:
            counts[parent][0] += 1
            counts[parent][1] += by_owner
    return Thread(root, [c for c in replies if can_see(c, video, viewer)],
                  {k: (v[0], v[1]) for k, v in counts.items()})


def list_on_videos_of(owner: User, start: int, count: int, *, held: bool | None = None,
                      video: Video | None = None, descending: bool = True
                      ) -> tuple[int, list[Comment]]:
    """Live comments on `owner`'s videos, newest first: PeerTube's list for reviewing
    them. `held` keeps only those held (True) or published (False)."""
    condition = (Comment.video_uuid == video.uuid) if video else None
    keys = [_comments_on(owner.username, h) for h in ((held,) if held is not None
                                                      else (False, True))]
    total = sum(Comment.by_owner.count(k, filter_condition=condition) for k in keys)
    streams = [_partition(Comment.by_owner, k, descending, filter_condition=condition)
               for k in keys]
    merged = heapq.merge(*streams, key=_sort_key, reverse=descending)
    return total, list(itertools.islice(merged, start, start + count))


def forget_video(video: Video) -> None:
    """Removes the comments of a video being deleted, and its counters. Replies go before
    their thread, so a repeat after a failure half way finds what is left."""
    with Comment.batch_write() as batch:
        for held in (False, True):
            for root in Comment.by_list.query(_threads(video, held)):
                for reply in Comment.by_list.query(f"replies#{root.id}"):
                    batch.delete(reply)
                batch.delete(root)
        for name in (_threads(video, False), _threads(video, True),
                     f"comments-held#{video.uuid}"):
            batch.delete(Counter(*Counter.key(name)))
