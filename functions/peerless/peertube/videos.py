"""Videos: the `Video` of lists and `VideoDetails`."""
from __future__ import annotations

from .. import ids
from ..federation.remote_actors import RemoteActor
from ..models import Channel, Item, User, Video
from ..settings import Settings
from ..videos import PRIVACY_LABELS, STATE_LABELS
from ..vocabulary import CATEGORIES, LANGUAGES, LICENCES
from .accounts import (account, account_summary, channel, channel_summary, remote_account,
                       remote_actor_summary, remote_channel, remote_picture_path)
from .common import labelled, media_url, timestamp

COMMENTS_POLICY_LABELS = {1: "Enabled", 2: "Disabled", 3: "Requires approval"}


def _description(video: Video, limit: int | None = None) -> str:
    text = video.description or ""
    if limit is not None and len(text) > limit:
        return text[:limit - 3] + "..."
    return text


class Authors:
    """The owners and channels of some videos, fetched in one batch: local users and
    channels, and for remote videos the remote actors."""

    def __init__(self, videos: list[Video]):
        keys = set()
        for v in videos:
            if v.is_remote:
                keys |= {RemoteActor.key(v.remote["account_url"]),
                         RemoteActor.key(v.remote["channel_url"])}
            else:
                keys |= {User.key(v.owner), Channel.key(v.channel)}
        found = list(Item.batch_get(keys)) if keys else []
        self._users = {i.username: i for i in found if isinstance(i, User)}
        self._channels = {i.name: i for i in found if isinstance(i, Channel)}
        self._remote = {i.url: i for i in found if isinstance(i, RemoteActor)}

    def owner(self, v: Video) -> User:
        """The local uploader of a local video."""
        return self._users[v.owner]

    def channel(self, v: Video) -> Channel:
        """The local channel of a local video."""
        return self._channels[v.channel]

    def _actor(self, v: Video, which: str) -> RemoteActor | None:
        return self._remote.get(v.remote[f"{which}_url"])

    def account_summary(self, v: Video, s: Settings) -> dict:
        if v.is_remote:
            return remote_actor_summary(self._actor(v, "account"), v.owner, s)
        owner = self.owner(v)
        return account_summary(v.owner, owner.account_id, owner.display_name, s,
                               owner.avatars)

    def channel_summary(self, v: Video, s: Settings) -> dict:
        if v.is_remote:
            return remote_actor_summary(self._actor(v, "channel"), v.channel, s)
        return channel_summary(self.channel(v), s)

    def account(self, v: Video, s: Settings) -> dict:
        if v.is_remote:
            return remote_account(self._actor(v, "account"), v.owner, s)
        return account(self.owner(v), s)

    def channel_details(self, v: Video, s: Settings, followers: int) -> dict:
        if v.is_remote:
            return remote_channel(self._actor(v, "channel"), v.channel, s, followers,
                                  self.account(v, s))
        return channel(self.channel(v), self.owner(v), s, followers)


def _pictures(v: Video) -> tuple[str | None, str | None, str | None]:
    """The thumbnail's and preview's paths on this instance, and the thumbnail's URL."""
    if v.is_remote:
        thumbnail = remote_picture_path(v, "thumbnail") if v.remote.get("thumbnail_url") else None
        preview = remote_picture_path(v, "preview") if v.remote.get("preview_url") else None
        return thumbnail, preview, v.remote.get("thumbnail_url")
    media = v.media or {}
    # The uploader's pictures, else the frames transcoding took.
    thumbnail = v.thumbnail_key or media.get("thumbnail")
    preview = v.preview_key or media.get("preview")
    return ("/" + thumbnail if thumbnail else None, "/" + preview if preview else None,
            None)


def aspect_ratio(v: Video) -> float | None:
    """Width over height, of the largest rendition (or a live's), or as its origin said
    (small renditions' sides are rounded to even numbers: the largest is the truest)."""
    if v.is_remote:
        return v.remote.get("aspect_ratio")
    media = v.media or {}
    sized = media.get("renditions") or (media.get("live") or {}).get("renditions")
    if not sized:
        return None
    largest = max(sized, key=lambda r: r["width"] * r["height"])
    return round(largest["width"] / largest["height"], 4)


def video(v: Video, s: Settings, authors: Authors) -> dict:
    """The `Video` of lists: summaries of account and channel, a truncated description."""
    thumbnail, preview, thumbnail_url = _pictures(v)
    short = ids.to_short(v.uuid)
    return {
        "id": v.id, "uuid": v.uuid, "shortUUID": short,
        "url": v.origin_url or f"{s.public_url}/videos/watch/{v.uuid}", "name": v.name,
        "category": labelled(v.category, CATEGORIES, 0),
        "licence": labelled(v.licence, LICENCES, 0),
        "language": labelled(v.language, LANGUAGES, ""),
        "privacy": labelled(v.privacy, PRIVACY_LABELS, 0),
        "nsfw": v.nsfw, "nsfwFlags": 0, "nsfwSummary": "",
        "truncatedDescription": _description(v, 250), "description": _description(v, 250),
        "isLocal": not v.is_remote, "duration": int(v.duration or 0),
        "aspectRatio": aspect_ratio(v),
        "views": int(v.views), "viewers": int(v.viewers or 0) if v.is_live else 0,
        "likes": int(v.likes),
        "dislikes": int(v.dislikes), "comments": int(v.comments_count or 0),
        "thumbnailPath": thumbnail, "previewPath": preview,
        "thumbnails": ([{"width": 280, "height": 157, "aspectRatio": "16:9",
                         "fileUrl": thumbnail_url or f"{s.media_url}{thumbnail}"}]
                       if thumbnail else []),
        "embedPath": f"/videos/embed/{short}",
        "createdAt": timestamp(v.created_at), "updatedAt": timestamp(v.updated_at),
        "publishedAt": timestamp(v.published_at or v.created_at),
        # PeerTube sends null when unset; its schema wants a date: the publication is it.
        "originallyPublishedAt": timestamp(v.published_at or v.created_at),
        "isLive": bool(v.is_live),
        "state": labelled(v.state, STATE_LABELS, 0),
        "waitTranscoding": v.wait_transcoding,
        "account": authors.account_summary(v, s),
        "channel": authors.channel_summary(v, s),
    }


def _file(v: Video, r: dict, index: int, s: Settings, *, hls: bool) -> dict:
    key = r["fragmented"] if hls else r["web_video"]
    size = r["fragmented_size"] if hls else r["web_video_size"]
    # Videos transcoded before torrents were made have none to point at.
    torrent = r.get("fragmented_torrent" if hls else "web_video_torrent")
    file = {
        # Stable per video and rendition: PeerTube's file ids are table ids we need not keep.
        "id": v.id * 100 + index * 2 + (1 if hls else 0),
        "resolution": {"id": r["resolution"], "label": f"{r['resolution']}p"},
        "width": r["width"], "height": r["height"], "fps": r["fps"], "size": size,
        "magnetUri": torrent["magnet"] if torrent else None,
        "torrentUrl": media_url(torrent["torrent"], s) if torrent else "",
        "torrentDownloadUrl": media_url(torrent["torrent"], s) if torrent else "",
        "fileUrl": media_url(key, s), "fileDownloadUrl": media_url(key, s),
        "metadataUrl": f"{s.public_url}/api/v1/videos/{v.uuid}/metadata/{v.id}",
        "hasAudio": r.get("has_audio", True), "hasVideo": True, "storage": 1,
    }
    if hls:
        file["playlistUrl"] = media_url(r["playlist"], s)
    return file


def _remote_file(v: Video, f: dict, index: int, *, hls: bool) -> dict:
    file = {
        "id": v.id * 100 + index * 2 + (1 if hls else 0),
        "resolution": {"id": f["resolution"], "label": f"{f['resolution']}p"},
        "width": f["width"], "height": f["height"], "fps": f["fps"], "size": f["size"],
        "magnetUri": f["magnet"], "torrentUrl": f["torrent_url"] or "",
        "torrentDownloadUrl": f["torrent_url"] or "",
        "fileUrl": f["url"], "fileDownloadUrl": f["url"],
        "hasAudio": True, "hasVideo": True, "storage": 1,
    }
    return file


def _delivery(v: Video, s: Settings, redundancies: list[str]) -> dict:
    """The files and streaming playlists a player reads: ours, or the origin's; with the
    master playlists of the HLS copies other servers keep (`redundancies`)."""
    copies = [{"baseUrl": url} for url in redundancies]
    if v.is_remote:
        hls = v.remote.get("hls")
        return {
            "files": [_remote_file(v, f, i, hls=False)
                      for i, f in enumerate(v.remote.get("files") or [])],
            "streamingPlaylists": [] if not hls else [{
                "id": v.id, "type": 1, "playlistUrl": hls["playlist_url"],
                "segmentsSha256Url": hls["segments_sha256_url"] or "", "redundancies": copies,
                "files": [_remote_file(v, f, i, hls=True)
                          for i, f in enumerate(hls["files"])],
            }],
        }
    media = v.media or {}
    renditions = sorted(media.get("renditions", []), key=lambda r: -r["resolution"])
    return {
        "files": [_file(v, r, i, s, hls=False) for i, r in enumerate(renditions)],
        "streamingPlaylists": [] if not media.get("master") else [{
            "id": v.id, "type": 1, "playlistUrl": media_url(media["master"], s),
            "segmentsSha256Url": (media_url(media["segments_sha256"], s)
                                  if media.get("segments_sha256") else ""),
            "redundancies": copies,
            "files": [_file(v, r, i, s, hls=True) for i, r in enumerate(renditions)],
        }],
    }


def video_details(v: Video, s: Settings, *, followers: int = 0,
                  block_reason: str | None = None, redundancies: list[str] = ()) -> dict:
    """VideoDetails: the channel's `followers`, for a blocked video why, and the master
    playlists of the copies of its HLS files kept elsewhere (PeerTube's redundancies)."""
    authors = Authors([v])
    details = video(v, s, authors)
    details.update({
        "description": _description(v), "support": v.support or "",
        "account": authors.account(v, s),
        "channel": authors.channel_details(v, s, followers),
        "tags": list(v.tags or []),
        "commentsPolicy": labelled(v.comments_policy, COMMENTS_POLICY_LABELS, 1),
        "commentsEnabled": v.comments_policy != 2,
        "downloadEnabled": v.download_enabled,
        "inputFileUpdatedAt": timestamp(v.created_at),
        "embedPrivacyPolicy": {"id": 1, "label": "All"},
        # A remote video's swarms are its origin's (the player joins them there).
        "trackerUrls": list((v.remote or {}).get("trackers") or []) if v.is_remote else [],
        "blacklisted": bool(v.blocked),
        **_delivery(v, s, list(redundancies)),
    })
    if v.blocked:
        details["blacklistedReason"] = block_reason or ""
    if v.state == 7 and v.failure_reason:
        # Not PeerTube's: the reason a failed upload gives its uploader.
        details["state"]["description"] = v.failure_reason
    if v.state == 2 and v.transcode_progress is not None:
        details["transcodingProgress"] = v.transcode_progress
    return details
