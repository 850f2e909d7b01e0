"""Finding what a user names by another server's address: the remote-interaction page and
PeerTube's search (`search=https://...` or `search=name@host`) ask for a video or a
channel that may not be held here yet. What is held is answered from the table; what is
not is fetched from its origin (for signed-in users only, PeerTube's default) and kept.
"""
from __future__ import annotations

import logging
import re

from ..models import Video
from ..settings import settings
from . import follows, interactions, remote_actors, remote_videos
from .fetch import FetchError
from .remote_actors import RemoteActor, RemoteActorError, is_url

log = logging.getLogger(__name__)

_HANDLE = re.compile(r"^@?([\w\-.:]+)@([\w\-.:\[\]]+)$")


def is_remote_uri(text: str) -> bool:
    """Whether `text` names something by an address: a URL, or a handle of another host."""
    text = text.strip()
    match = _HANDLE.match(text)
    return is_url(text) or (match is not None
                            and match[2].lower() != settings().host.lower())


def video(uri: str, *, may_fetch: bool) -> Video | None:
    """The video at the URL `uri`: held here, else fetched from its server."""
    uri = uri.strip()
    if not is_url(uri):
        return None
    found = interactions.video_at(uri)
    if found is not None or not may_fetch:
        return found
    try:
        return remote_videos.fetch_and_save(uri, sender=uri, require_wanted=False)
    except (remote_videos.InvalidObject, RemoteActorError, FetchError) as error:
        log.info("lookup of the video %s failed: %s", uri, error)
        return None


def channel(uri: str, *, may_fetch: bool) -> RemoteActor | None:
    """The remote channel a handle `name@host` or a URL names: known here, else found
    (for a handle, by WebFinger) and fetched."""
    uri = uri.strip()
    match = _HANDLE.match(uri)
    try:
        if match:
            known = remote_actors.by_handle(f"{match[1]}@{match[2]}")
            actor = known if known is not None or not may_fetch else follows.resolve(
                match[1], match[2])
        elif is_url(uri):
            actor = remote_actors.known(uri) or (remote_actors.get_actor(uri)
                                                 if may_fetch else None)
        else:
            return None
    except (RemoteActorError, FetchError) as error:
        log.info("lookup of the channel %s failed: %s", uri, error)
        return None
    return actor if actor is not None and actor.type == "Group" else None
