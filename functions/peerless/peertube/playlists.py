"""Playlists: `VideoPlaylist` and `VideoPlaylistElement`."""
from __future__ import annotations

from .. import ids
from ..federation.remote_actors import RemoteActor
from ..models import Channel, Item, User, Video
from ..playlists import (ELEMENT_REGULAR, PRIVACY_LABELS, TYPE_LABELS, Entry, Playlist,
                         element_type, elements_of)
from ..settings import Settings
from .accounts import account_summary, channel_summary, remote_actor_summary, \
    remote_picture_path
from .common import labelled, timestamp
from .videos import Authors, video


class Owners:
    """The owners, channels and first videos (their thumbnails) of some playlists, each
    kind fetched in one batch: local users and channels, and for other servers'
    playlists the remote actors."""

    def __init__(self, playlists: list[Playlist]):
        keys: set = set()
        for p in playlists:
            if p.origin_url:
                keys |= {RemoteActor.key(p.remote["account_url"]),
                         RemoteActor.key(p.remote["channel_url"])}
            else:
                keys |= {User.key(p.owner)} | ({Channel.key(p.channel)} if p.channel else set())
        found = list(Item.batch_get(keys)) if keys else []
        self._users = {i.username: i for i in found if isinstance(i, User)}
        self._channels = {i.name: i for i in found if isinstance(i, Channel)}
        self._remote = {i.url: i for i in found if isinstance(i, RemoteActor)}
        firsts = {elements_of(p)[0].video_uuid for p in playlists
                  if p.elements and not p.origin_url}
        self._videos = {v.uuid: v for v in Video.batch_get({Video.key(u) for u in firsts})}

    def thumbnail(self, p: Playlist) -> str | None:
        """The first video's thumbnail, if anyone may see that video; another server's
        playlist's, from its server."""
        if p.origin_url:
            return remote_picture_path(p, "thumbnail", "playlists") \
                if p.remote.get("thumbnail_url") else None
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

    def remote_summaries(self, p: Playlist, s: Settings) -> tuple[dict, dict]:
        """Another server's playlist's account and channel summaries."""
        return tuple(remote_actor_summary(self._remote.get(p.remote[f"{which}_url"]), name, s)
                     for which, name in (("account", p.owner), ("channel", p.channel)))


def playlist(p: Playlist, s: Settings, owners: Owners) -> dict:
    short = ids.to_short(p.uuid)
    if p.origin_url:
        owner_account, video_channel = owners.remote_summaries(p, s)
    else:
        owner = owners.owner(p)
        channel = owners.channel(p)
        owner_account = account_summary(owner.username, owner.account_id,
                                        owner.display_name, s)
        video_channel = channel_summary(channel, s) if channel else None
    return {
        "id": p.id, "uuid": p.uuid, "shortUUID": short, "isLocal": not p.origin_url,
        "url": p.origin_url or f"{s.public_url}/video-playlists/{p.uuid}",
        "displayName": p.display_name, "description": p.description,
        "privacy": labelled(p.privacy, PRIVACY_LABELS, 0),
        "thumbnailPath": owners.thumbnail(p),
        "embedPath": f"/video-playlists/embed/{short}",
        "type": labelled(p.type, TYPE_LABELS, 0),
        "videosLength": len(p.elements or []),
        "createdAt": timestamp(p.created_at), "updatedAt": timestamp(p.updated_at),
        "ownerAccount": owner_account, "videoChannel": video_channel,
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
