"""What people on other servers do to the videos held here: comment (a Note replying to a
video or a comment, Mastodon's replies included), delete their comment, like, dislike and
take it back, watch (View), and report (Flag) a local video, comment or account. Each is taken from its author alone (the inbox checked
the signature; the object must be the sender's own), once, and ignored when its server or
account is muted by the instance or by the video's owner.

Comment text: a Note's `content` is HTML (Mastodon) or markdown (PeerTube, with
`mediaType` text/markdown). HTML is reduced to its text, paragraphs and line breaks kept,
links as their text: so `@alice@example.org` mentions stay as written, and no markup of
another server reaches a page here.
"""
from __future__ import annotations

import html
import logging
import re
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

from pynamodb.attributes import NumberAttribute

from .. import comments, errors, moderation, ratings, videos
from ..comments import Comment
from ..models import Item, User, Video, get_or_none
from ..settings import settings
from . import remote_actors
from .fetch import FetchError, fetch_json
from .remote_actors import RemoteActor, host_of, id_of, is_url
from .remote_videos import RemoteVideoRef

log = logging.getLogger(__name__)

MAX_TEXT = 10_000
_VIDEO = re.compile(r"^/(?:w|videos/watch)/([^/]+)/?$")
_COMMENT = re.compile(r"^/videos/watch/([^/]+)/comments/(\d+)/?$")


class RemoteCommentRef(Item, discriminator="remote-comment-ref"):
    """The local id of the comment whose Note has pk's URL."""
    comment_id = NumberAttribute()

    @staticmethod
    def key(url: str) -> tuple[str, str]:
        return f"remote-comment#{url}", "ref"


# --- text ---------------------------------------------------------------------------------------

class _Text(HTMLParser):
    BREAKS = {"br"}
    BLOCKS = {"p", "div", "blockquote", "li", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}

    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")
        elif tag in self.BLOCKS and self.parts:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def text_of(note: dict) -> str:
    """A Note's content as a comment's text."""
    content = note.get("content")
    if not isinstance(content, str):
        return ""
    if note.get("mediaType") == "text/markdown":
        return content.strip()[:MAX_TEXT]
    parser = _Text()
    parser.feed(content)
    parser.close()
    text = html.unescape("".join(parser.parts))
    return re.sub(r"\n{3,}", "\n\n", text).strip()[:MAX_TEXT]


# --- what a URL names here -------------------------------------------------------------------

def _local_path(url: str) -> str | None:
    base = settings().public_url
    return urlsplit(url).path if url.startswith(base + "/") else None


def video_at(url: str) -> Video | None:
    """The video held here whose ActivityPub id (or watch page) is `url`: a local one,
    visible to anyone, or a remote one."""
    path = _local_path(url)
    if path is None:
        ref = get_or_none(RemoteVideoRef, RemoteVideoRef.key(url))
        return get_or_none(Video, Video.key(ref.uuid)) if ref else None
    match = _VIDEO.match(path)
    if not match:
        return None
    try:
        video = videos.find(match[1])
    except errors.ApiError:
        return None
    return video if video is not None and videos.visible(video, None) else None


def comment_at(url: str) -> Comment | None:
    """The comment held here whose id is `url`."""
    path = _local_path(url)
    if path is None:
        ref = get_or_none(RemoteCommentRef, RemoteCommentRef.key(url))
        return get_or_none(Comment, Comment.key(int(ref.comment_id))) if ref else None
    match = _COMMENT.match(path)
    return get_or_none(Comment, Comment.key(int(match[2]))) if match else None


def _muted(actor: RemoteActor, video: Video) -> bool:
    """Muted by the instance, or by the local owner of the video."""
    owner = None if video.is_remote else get_or_none(User, User.key(video.owner))
    handle = remote_actors.handle(actor).lower()
    return any(actor.host.lower() in moderation.muted_servers(user)
               or handle in moderation.muted_accounts(user) for user in {None, owner})


# --- comments ----------------------------------------------------------------------------------

def date_or_none(value) -> datetime | None:
    """An ISO 8601 date of another server's document, or None when it is not one."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def create_note(note: dict, sender: str) -> Comment | None:
    """A Note replying to a video or a comment held here becomes a comment, once. The new
    comment; None (logged) when it is not for here, not acceptable, or taken before."""
    url = note.get("id")
    if not is_url(url) or host_of(url) != host_of(sender):
        log.info("ignored Note %r: not an object of %s", url, sender)
        return None
    attributed = note.get("attributedTo")
    if (attributed.get("id") if isinstance(attributed, dict) else attributed) != sender:
        log.info("ignored Note %s: not attributed to its sender", url)
        return None
    taken = get_or_none(RemoteCommentRef, RemoteCommentRef.key(url))
    if taken is not None:
        _approved_since(note, get_or_none(Comment, Comment.key(int(taken.comment_id))))
        return None
    reply_to = note.get("inReplyTo")
    reply_to = reply_to.get("id") if isinstance(reply_to, dict) else reply_to
    if not isinstance(reply_to, str):
        return None
    parent = comment_at(reply_to)
    video = video_at(reply_to) if parent is None else get_or_none(
        Video, Video.key(parent.video_uuid))
    if video is None or (parent is not None and (parent.deleted or parent.held)):
        log.info("ignored Note %s: it answers %s, which is nothing held here", url, reply_to)
        return None
    text = text_of(note)
    author = remote_actors.get_actor(sender)
    if not text or _muted(author, video):
        log.info("ignored Note %s: %s", url, "empty" if not text else "muted")
        return None
    try:
        comment = comments.create_remote(video, remote_actors.handle(author), author.url,
                                         text, parent, url,
                                         date_or_none(note.get("published")))
    except errors.ApiError as refused:
        log.info("ignored Note %s: %s", url, refused.message)
        return None
    ref = RemoteCommentRef(*RemoteCommentRef.key(url), comment_id=comment.id)
    # Its author's comments, found when the author is deleted (forget_author).
    ref.owner_pk, ref.owner_sk = _authored_list(sender), url
    ref.save()
    _approved_since(note, comment)
    return comment


def _approved_since(note: dict, comment: Comment | None) -> None:
    """A reply held here on another server's video that needs approval, published when
    its Note carries the approval of that video's account (its `replyApproval`, fetched
    from the video's server: an ApproveReply of this Note). The author's server sends
    the Note again once the reply is approved, as PeerTube does."""
    approval = note.get("replyApproval")
    if comment is None or not comment.held or not is_url(approval):
        return
    video = get_or_none(Video, Video.key(comment.video_uuid))
    if video is None or not video.is_remote \
            or host_of(approval) != host_of(video.remote["account_url"]):
        return
    try:
        document = fetch_json(approval)
    except FetchError as error:
        log.info("Note %s stays held: its approval %s cannot be had (%s)", note["id"],
                 approval, error)
        return
    if (document.get("type") == "ApproveReply" and document.get("id") == approval
            and id_of(document.get("object")) == note["id"]
            and id_of(document.get("actor")) == video.remote["account_url"]):
        comments.approved_by_origin(video, comment, approval)
    else:
        log.info("Note %s stays held: %s is no approval of it", note["id"], approval)


def _authored_list(author_url: str) -> str:
    return f"remote-comments-of#{author_url}"


def delete_note(url: str, sender: str) -> Comment | None:
    """The author's server deletes its Note: the comment becomes a tombstone. The comment;
    None when it is not a comment of the sender's held here."""
    if host_of(url) != host_of(sender):
        return None
    comment = comment_at(url)
    if comment is None or comment.author_url != sender:
        return None
    _tombstone(comment)
    return comment


def _tombstone(comment: Comment) -> None:
    video = get_or_none(Video, Video.key(comment.video_uuid))
    if video is not None and not comment.deleted:
        comments.tombstone(video, comment)


def forget_author(author_url: str) -> None:
    """A deleted remote actor's comments: tombstones (replies under them keep their
    place), no longer found by their Note's id."""
    for ref in RemoteCommentRef.by_owner.query(_authored_list(author_url)):
        comment = get_or_none(Comment, Comment.key(int(ref.comment_id)))
        if comment is not None:
            _tombstone(comment)
        ref.delete()


def approve_reply(activity: dict, sender: str) -> tuple[Comment, Video] | None:
    """The ApproveReply by which another server's video owner (`sender`) lets a local
    user's comment on that video be seen: the comment published here (PeerTube's
    processApproveReply), and returned with its video. None when it names no held local
    comment on a video of the sender's."""
    comment = comment_at(activity.get("object")) \
        if isinstance(activity.get("object"), str) else None
    video = get_or_none(Video, Video.key(comment.video_uuid)) if comment else None
    if (video is None or comment.author_url or not video.is_remote
            or video.remote.get("account_url") != sender
            or not comments.approved_by_origin(video, comment, activity["id"])):
        return None
    comment.refresh()
    return comment, video


# --- ratings and views ---------------------------------------------------------------------------

def rate(activity: dict, sender: str, rating: str) -> Video | None:
    """A Like or Dislike of a video held here (or the Undo of one, `rating` none): the
    sender's rating. The video, when the sender's rating of it changed; None when it did
    not, when the video is not held here or when the sender is muted."""
    obj = activity.get("object")
    video = video_at(obj.get("id") if isinstance(obj, dict) else obj) \
        if isinstance(obj, (dict, str)) else None
    if video is None:
        return None
    actor = remote_actors.get_actor(sender)
    if _muted(actor, video):
        return None
    changed = ratings.rate_as(remote_actors.handle(actor), video, rating,
                              activity.get("id") if rating != ratings.NONE else None)
    return video if changed else None


def view(activity: dict, sender: str) -> bool:
    """A View of a local video, counted once per activity (the inbox applies an activity
    id once). PeerTube's `WatchAction`s of a viewer's progress are not counted."""
    obj = activity.get("object")
    video = video_at(obj) if isinstance(obj, str) else None
    if video is None or video.is_remote:
        return False
    video.update(actions=[Video.views.add(1)], condition=Video.pk.exists())
    return True



# --- reports -----------------------------------------------------------------------------------

def _local_account(url: str) -> User | None:
    path = _local_path(url)
    match = re.match(r"^/(?:accounts|a)/([^/@]+)/?$", path) if path else None
    return get_or_none(User, User.key(match[1])) if match else None


def flag(activity: dict, sender: str) -> bool:
    """A report (PeerTube's, or Mastodon's naming an account and some of its posts) of a
    local video, comment or account: an abuse report for the moderators, by the sender.
    The first object that is one of these is reported. False when none is."""
    objects = activity.get("object")
    objects = objects if isinstance(objects, list) else [objects]
    urls = [o.get("id") if isinstance(o, dict) else o for o in objects]
    reasons = [t.get("name") for t in activity.get("tag") or []
               if isinstance(t, dict) and t.get("name") in moderation.PREDEFINED_REASONS]
    content = activity.get("content")
    body: dict = {"reason": (content if isinstance(content, str) and content.strip()
                             else "Reported from another server")[:3000],
                  "predefinedReasons": list(dict.fromkeys(reasons))}
    for url in (u for u in urls if isinstance(u, str)):
        video = video_at(url)
        comment = comment_at(url) if video is None else None
        user = _local_account(url) if video is None and comment is None else None
        if video is not None and not video.is_remote:
            body["video"] = {"id": video.uuid}
        elif comment is not None and not comment.author_url and not comment.deleted:
            body["comment"] = {"id": comment.id}
        elif user is not None:
            body["account"] = {"id": user.account_id}
        else:
            continue
        reporter = remote_actors.get_actor(sender)
        try:
            moderation.file_report(remote_actors.handle(reporter), None, body)
        except errors.ApiError as refused:
            log.info("ignored Flag %s: %s", activity.get("id"), refused.message)
            return False
        return True
    return False
