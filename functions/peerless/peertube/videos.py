"""Videos: the `Video` of lists and `VideoDetails`."""
from __future__ import annotations

from .. import ids
from ..models import Channel, Item, User, Video
from ..settings import Settings
from ..videos import PRIVACY_LABELS, STATE_LABELS
from ..vocabulary import CATEGORIES, LANGUAGES, LICENCES
from .accounts import account, account_summary, channel, channel_summary
from .common import labelled, media_url, timestamp

COMMENTS_POLICY_LABELS = {1: "Enabled", 2: "Disabled", 3: "Requires approval"}


def _description(video: Video, limit: int | None = None) -> str:
    text = video.description or ""
    if limit is not None and len(text) > limit:
        return text[:limit - 3] + "..."
    return text


class Authors:
    """The owners and channels of some videos, fetched in one batch."""

    def __init__(self, videos: list[Video]):
        keys = {User.key(v.owner) for v in videos} | {Channel.key(v.channel) for v in videos}
        found = list(Item.batch_get(keys)) if keys else []
        self._users = {i.username: i for i in found if isinstance(i, User)}
        self._channels = {i.name: i for i in found if isinstance(i, Channel)}

    def owner(self, v: Video) -> User:
        return self._users[v.owner]

    def channel(self, v: Video) -> Channel:
        return self._channels[v.channel]


def video(v: Video, s: Settings, authors: Authors) -> dict:
    """The `Video` of lists: summaries of account and channel, a truncated description."""
    media = v.media or {}
    # The uploader's pictures, else the frames transcoding took.
    thumbnail = v.thumbnail_key or media.get("thumbnail")
    preview = v.preview_key or media.get("preview")
    short = ids.to_short(v.uuid)
    first = (media.get("renditions") or [{}])[0]
    return {
        "id": v.id, "uuid": v.uuid, "shortUUID": short,
        "url": f"{s.public_url}/videos/watch/{v.uuid}", "name": v.name,
        "category": labelled(v.category, CATEGORIES, 0),
        "licence": labelled(v.licence, LICENCES, 0),
        "language": labelled(v.language, LANGUAGES, ""),
        "privacy": labelled(v.privacy, PRIVACY_LABELS, 0),
        "nsfw": v.nsfw, "nsfwFlags": 0, "nsfwSummary": "",
        "truncatedDescription": _description(v, 250), "description": _description(v, 250),
        "isLocal": True, "duration": int(v.duration or 0),
        "aspectRatio": round(first["width"] / first["height"], 4) if first else None,
        "views": int(v.views), "viewers": 0, "likes": int(v.likes),
        "dislikes": int(v.dislikes), "comments": int(v.comments_count or 0),
        "thumbnailPath": "/" + thumbnail if thumbnail else None,
        "previewPath": "/" + preview if preview else None,
        "thumbnails": ([{"width": 280, "height": 157, "aspectRatio": "16:9",
                         "fileUrl": media_url(thumbnail, s)}] if thumbnail else []),
        "embedPath": f"/videos/embed/{short}",
        "createdAt": timestamp(v.created_at), "updatedAt": timestamp(v.updated_at),
        "publishedAt": timestamp(v.published_at or v.created_at),
        # PeerTube sends null when unset; its schema wants a date: the publication is it.
        "originallyPublishedAt": timestamp(v.published_at or v.created_at),
        "isLive": False,
        "state": labelled(v.state, STATE_LABELS, 0),
        "waitTranscoding": v.wait_transcoding,
        "account": account_summary(v.owner, authors.owner(v).account_id,
                                   authors.owner(v).display_name, s, authors.owner(v).avatars),
        "channel": channel_summary(authors.channel(v), s),
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


def video_details(v: Video, s: Settings, *, followers: int = 0,
                  block_reason: str | None = None) -> dict:
    """VideoDetails: the channel's `followers` and, for a blocked video, why."""
    media = v.media or {}
    renditions = sorted(media.get("renditions", []), key=lambda r: -r["resolution"])
    authors = Authors([v])
    owner = authors.owner(v)
    details = video(v, s, authors)
    details.update({
        "description": _description(v), "support": v.support or "",
        "account": account(owner, s), "channel": channel(authors.channel(v), owner, s, followers),
        "tags": list(v.tags or []),
        "commentsPolicy": labelled(v.comments_policy, COMMENTS_POLICY_LABELS, 1),
        "commentsEnabled": v.comments_policy != 2,
        "downloadEnabled": v.download_enabled,
        "inputFileUpdatedAt": timestamp(v.created_at),
        "embedPrivacyPolicy": {"id": 1, "label": "All"},
        "trackerUrls": [], "blacklisted": bool(v.blocked),
        "files": [_file(v, r, i, s, hls=False) for i, r in enumerate(renditions)],
        "streamingPlaylists": [] if not media.get("master") else [{
            "id": v.id, "type": 1, "playlistUrl": media_url(media["master"], s),
            "segmentsSha256Url": (media_url(media["segments_sha256"], s)
                                  if media.get("segments_sha256") else ""),
            "redundancies": [],
            "files": [_file(v, r, i, s, hls=True) for i, r in enumerate(renditions)],
        }],
    })
    if v.blocked:
        details["blacklistedReason"] = block_reason or ""
    if v.state == 7 and v.failure_reason:
        # Not PeerTube's: the reason a failed upload gives its uploader.
        details["state"]["description"] = v.failure_reason
    if v.state == 2 and v.transcode_progress is not None:
        details["transcodingProgress"] = v.transcode_progress
    return details
