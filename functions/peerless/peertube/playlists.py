"""Playlists: `VideoPlaylist` and `VideoPlaylistElement`."""
from __future__ import annotations

from .. import ids
from ..models import Channel, User, Video
from ..playlists import (ELEMENT_REGULAR, PRIVACY_LABELS, TYPE_LABELS, Entry, Playlist,
                         element_type, elements_of)
from ..settings import Settings
from .accounts import account_summary, channel_summary
from .common import labelled, timestamp
from .videos import Authors, video


class Owners:
    """The owners, channels and first videos (their thumbnails) of some playlists, each
    kind fetched in one batch."""

    def __init__(self, playlists: list[Playlist]):
        self._users = {u.username: u for u in User.batch_get(
            {User.key(p.owner) for p in playlists})}
        self._channels = {c.name: c for c in Channel.batch_get(
            {Channel.key(p.channel) for p in playlists if p.channel})}
        firsts = {elements_of(p)[0].video_uuid for p in playlists if p.elements}
        self._videos = {v.uuid: v for v in Video.batch_get({Video.key(u) for u in firsts})}

    def thumbnail(self, p: Playlist) -> str | None:
        """The first video's thumbnail, if anyone may see that video."""
        if not p.elements:
            return None
        first = self._videos.get(elements_of(p)[0].video_uuid)
        if element_type(first, None) != ELEMENT_REGULAR:
            return None
        key = (first.media or {}).get("thumbnail")
        return "/" + key if key else None

    def owner(self, p: Playlist) -> User:
        return self._users[p.owner]

    def channel(self, p: Playlist) -> Channel | None:
        return self._channels.get(p.channel) if p.channel else None


def playlist(p: Playlist, s: Settings, owners: Owners) -> dict:
    short = ids.to_short(p.uuid)
    owner, channel = owners.owner(p), owners.channel(p)
    return {
        "id": p.id, "uuid": p.uuid, "shortUUID": short, "isLocal": True,
        "url": f"{s.public_url}/video-playlists/{p.uuid}",
        "displayName": p.display_name, "description": p.description,
        "privacy": labelled(p.privacy, PRIVACY_LABELS, 0),
        "thumbnailPath": owners.thumbnail(p),
        "embedPath": f"/video-playlists/embed/{short}",
        "type": labelled(p.type, TYPE_LABELS, 0),
        "videosLength": len(p.elements or []),
        "createdAt": timestamp(p.created_at), "updatedAt": timestamp(p.updated_at),
        "ownerAccount": account_summary(owner.username, owner.account_id, owner.display_name,
                                        s),
        "videoChannel": channel_summary(channel, s) if channel else None,
    }


def playlists(found: list[Playlist], s: Settings) -> list[dict]:
    owners = Owners(found)
    return [playlist(p, s, owners) for p in found]


def elements(entries: list[Entry], s: Settings) -> list[dict]:
    """`VideoPlaylistElement`s: a video the viewer may not see is left out, and `type`
    says why (deleted, private, unavailable)."""
    authors = Authors([e.video for e in entries if e.video is not None])
    return [{"id": e.element.id, "position": e.position,
             "startTimestamp": e.element.start, "stopTimestamp": e.element.stop,
             "type": e.type, "video": video(e.video, s, authors) if e.video else None}
            for e in entries]
