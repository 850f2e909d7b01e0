"""Telling followers about local videos, as PeerTube does:
- a video becomes visible (published, or made public or unlisted): a Create by its account
  to the account's followers, and Announces by its channel (to the channel's followers,
  Mastodon users among them) and by the instance (to the servers following this one);
- a visible video changes (its attributes, a rendition added): an Update by its account;
- it goes (deleted, made private, blocked): a Delete by its account.
Updates and Deletes go to everyone who was told of the video: the followers of the
account, the channel and the instance, once per shared inbox.

`sync(video, was_visible)` is what the places that change a video call, after the change,
with whether the video was visible before it. Receivers apply each activity once and
order Updates by the video's `updated` date, so a repeat costs nothing.
"""
from __future__ import annotations

import logging

from ..models import Video
from ..settings import settings
from . import actors, delivery, follows, objects

log = logging.getLogger(__name__)


def visible(video: Video | None) -> bool:
    """Whether other servers may know the video: a local, published, public or unlisted
    video that is not blocked."""
    from .. import videos   # builds on federation's objects
    return (video is not None and not video.is_remote and not video.blocked
            and video.state == videos.PUBLISHED
            and video.privacy in (videos.PUBLIC, videos.UNLISTED))


def _everyone_told(video: Video) -> list[str]:
    """The inboxes of the followers of the video's account, channel and the instance."""
    inboxes: dict[str, None] = {}
    for local in (video.owner, video.channel, actors.SERVER_ACTOR_NAME):
        for inbox in follows.follower_inboxes(local):
            inboxes.setdefault(inbox)
    return list(inboxes)


def sync(video: Video, was_visible: bool) -> None:
    """Sends what a change of `video` means to the followers (nothing if it means
    nothing to them)."""
    now_visible = visible(video)
    if not now_visible and not was_visible:
        return
    s = settings()
    account = actors.account_url(video.owner, s)
    if now_visible and not was_visible:
        delivery.to_followers(objects.create_activity(objects.video_object(video, s), account),
                              sender=video.owner)
        channel = objects.video_channel(video)
        delivery.to_followers(objects.announce_activity(video, channel, s),
                              sender=channel.name)
        delivery.to_followers(objects.announce_activity(video, None, s),
                              sender=actors.SERVER_ACTOR_NAME)
    elif now_visible:
        delivery.deliver(objects.update_activity(objects.video_object(video, s), account),
                         sender=video.owner, inboxes=_everyone_told(video))
    else:
        deleted(video)


def deleted(video: Video) -> None:
    """The video is gone (or hidden) for other servers: a Delete by its account."""
    s = settings()
    delivery.deliver(objects.delete_activity(actors.video_url(video.uuid, s),
                                             actors.account_url(video.owner, s)),
                     sender=video.owner, inboxes=_everyone_told(video))
