"""Moderation: abuse reports (`AdminAbuse` for moderators, `UserAbuse` for reporters),
their messages, block lists (`AccountBlock`, `ServerBlock`) and video blocks
(`VideoBlacklist`)."""
from __future__ import annotations

from .. import ids
from ..models import User
from ..moderation import ABUSE_STATES, AbuseMessage, AbuseView, Mute
from ..settings import Settings
from ..federation import remote_actors
from .accounts import account, account_summary, remote_account
from .common import labelled, timestamp
from .videos import Authors, video


def _account(user: User | None, name: str, s: Settings) -> dict:
    if user is not None:
        return account(user, s)
    if "@" in name:     # an account of another server (a report sent from there)
        return remote_account(remote_actors.by_handle(name), name, s)
    # The account went since: its name is what is left of it.
    return {**account_summary(name, 0, name, s), "description": "", "followersCount": 0,
            "followingCount": 0, "hostRedundancyAllowed": False, "banners": [],
            "createdAt": None, "updatedAt": None, "userId": None}


def _abuse_video(view: AbuseView, authors: Authors, s: Settings, moderator: bool) -> dict:
    a, v = view.abuse, view.video
    shown = {"id": a.video_id, "name": a.video_name, "uuid": a.video_uuid,
             "shortUUID": ids.to_short(a.video_uuid), "nsfw": False, "deleted": v is None,
             "blacklisted": False, "startAt": a.start_at, "endAt": a.end_at,
             "thumbnailPath": None, "thumbnails": [], "channel": None}
    if v is not None:
        summary = video(v, s, authors)
        shown.update(name=v.name, nsfw=v.nsfw, blacklisted=bool(v.blocked),
                     thumbnailPath=summary["thumbnailPath"], thumbnails=summary["thumbnails"],
                     channel=authors.channel_details(v, s, 0))
    if moderator:
        shown.update(countReports=view.reports_on_video, nthReport=a.nth_report)
    return shown


def abuses(views: list[AbuseView], s: Settings, *, moderator: bool) -> list[dict]:
    """Reports as moderators see them (`AdminAbuse`) or as their reporter does
    (`UserAbuse`: without the moderators' comment and counts)."""
    authors = Authors([v.video for v in views if v.video is not None])
    shown = []
    for view in views:
        a = view.abuse
        item = {
            "id": a.id, "reason": a.reason, "predefinedReasons": list(a.predefined_reasons),
            "flaggedAccount": _account(view.flagged, a.flagged, s),
            "state": labelled(a.state, ABUSE_STATES, 0),
            "video": (_abuse_video(view, authors, s, moderator) if a.target == "video"
                      else None),
            "comment": ({**a.comment, "deleted": view.comment_deleted}
                        if a.target == "comment" else None),
            "createdAt": timestamp(a.created_at), "updatedAt": timestamp(a.updated_at),
            "countMessages": int(a.messages),
        }
        if moderator:
            item.update(reporterAccount=_account(view.reporter, a.reporter, s),
                        moderationComment=a.moderation_comment or "",
                        countReportsForReporter=view.reports_by_reporter,
                        countReportsForReportee=view.reports_against_flagged)
        shown.append(item)
    return shown


def abuse_message(m: AbuseMessage, author: User | None, s: Settings) -> dict:
    return {"id": m.id, "message": m.message, "byModerator": m.by_moderator,
            "createdAt": timestamp(m.created_at),
            "account": (account_summary(author.username, author.account_id,
                                        author.display_name, s, author.avatars)
                        if author is not None else account_summary(m.author, 0, m.author, s))}


def account_block(mute: Mute, users: dict[str, User], s: Settings) -> dict:
    return {"byAccount": _account(users.get(mute.by), mute.by, s),
            "blockedAccount": _account(users.get(mute.target), mute.target, s),
            "createdAt": timestamp(mute.created_at)}


def server_block(mute: Mute, users: dict[str, User], s: Settings) -> dict:
    return {"byAccount": _account(users.get(mute.by), mute.by, s),
            "blockedServer": {"host": mute.target}, "createdAt": timestamp(mute.created_at)}


def video_blocks(blocks: list, s: Settings) -> list[dict]:
    """`VideoBlacklist`s of (block, video) pairs."""
    authors = Authors([v for _, v in blocks])
    return [{"id": b.id, "unfederated": b.unfederated, "reason": b.reason, "type": b.type,
             "video": {**video(v, s, authors), "blacklisted": True,
                       "blacklistedReason": b.reason},
             "createdAt": timestamp(b.created_at), "updatedAt": timestamp(b.updated_at)}
            for b, v in blocks]

