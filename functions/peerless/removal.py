"""Removing a video, a channel or an account everywhere it shows.

Each module forgets its own part (comments, ratings, captions, the block record, the
quota, subscriptions, playlists); this one runs them in the order that keeps a failure
half way harmless and a repeat complete: the video leaves the lists first, its own item
goes last, so a retry still finds it.
"""
from __future__ import annotations

from . import aws, captions, channel_search, comments, live, moderation, playlists, quota, \
    ratings, subscriptions, videos
from .federation import actors, publishing
from .media_store import MediaStore
from .models import Channel, User, Video
from .settings import settings


def remove_video(video: Video, media: MediaStore | None = None) -> None:
    media = media or aws.media_store()
    if publishing.visible(video):
        publishing.deleted(video)
    videos.unlist(video)
    comments.forget_video(video)
    ratings.forget_video(video)
    moderation.forget_video(video.uuid)
    live.forget(video)
    captions.delete_all(aws.client("s3"), settings().media_bucket, video)
    if not video.is_remote:   # a remote video's files count against its own server
        quota.release(User.get(*User.key(video.owner)), video.uuid)
    videos.delete(video, media)


def forget_channel(channel: Channel) -> None:
    channel_search.unindex(channel)
    subscriptions.forget_channel(channel.name)
    playlists.forget_channel(channel)
    publishing.actor_deleted(channel.name, actors.channel_url(channel.name))


def forget_account(username: str) -> None:
    """What is left of a removed user's account elsewhere: other servers told."""
    publishing.actor_deleted(username, actors.account_url(username))
