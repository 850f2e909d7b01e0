"""Peerless's data in PeerTube's REST API v1 shapes (its openapi.yaml and formatters).

Where PeerTube's published schema (../shared/conformance/peertube-schemas) and PeerTube's
own output differ, the schema wins: an unset category is `{"id": 0, "label": "Unknown"}`
rather than PeerTube's null id, and an empty description is "" rather than null.
"""
from __future__ import annotations

from datetime import datetime

from . import ids
from .accounts import ROLE_LABELS
from .models import Channel, User, Video
from .settings import Settings
from .videos import PRIVACY_LABELS, STATE_LABELS

SERVER_VERSION = "7.2.1"  # the PeerTube version whose API this one follows
COMMENTS_POLICY_LABELS = {1: "Enabled", 2: "Disabled", 3: "Requires approval"}
VIDEO_EXTENSIONS = [".mp4", ".webm", ".ogv", ".mkv", ".mov", ".avi", ".flv", ".m4v", ".3gp",
                    ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".flac", ".wav"]


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _labelled(value, labels: dict, unknown_id) -> dict:
    if value is None:
        return {"id": unknown_id, "label": "Unknown"}
    return {"id": value, "label": labels.get(value, "Unknown")}


def account_summary(user_name: str, account_id: int, display_name: str, s: Settings) -> dict:
    return {"id": account_id, "name": user_name, "displayName": display_name,
            "url": f"{s.public_url}/accounts/{user_name}", "host": s.host, "avatars": []}


def account(user: User, s: Settings) -> dict:
    created = timestamp(user.created_at)
    return {**account_summary(user.username, user.account_id, user.display_name, s),
            "description": user.description or "", "followersCount": 0, "followingCount": 0,
            "hostRedundancyAllowed": False, "banners": [], "createdAt": created,
            "updatedAt": created, "userId": user.id}


def channel_summary(channel: Channel, s: Settings) -> dict:
    return {"id": channel.id, "name": channel.name, "displayName": channel.display_name,
            "url": f"{s.public_url}/video-channels/{channel.name}", "host": s.host,
            "avatars": []}


def channel(channel: Channel, owner: User, s: Settings) -> dict:
    created = timestamp(channel.created_at)
    return {**channel_summary(channel, s), "description": channel.description or "",
            "support": channel.support or "", "isLocal": True, "followersCount": 0,
            "followingCount": 0, "banners": [], "createdAt": created, "updatedAt": created,
            "ownerAccount": account(owner, s)}


def user_me(user: User, channels: list[Channel], s: Settings) -> dict:
    return {
        "id": user.id, "username": user.username, "email": user.email,
        "theme": "instance-default", "pendingEmail": None, "emailPublic": False,
        "emailVerified": True, "nsfwPolicy": user.nsfw_policy,
        "p2pEnabled": user.p2p_enabled, "videosHistoryEnabled": True,
        "autoPlayVideo": user.auto_play_video, "autoPlayNextVideo": False,
        "autoPlayNextVideoPlaylist": True, "videoLanguages": None,
        "role": {"id": user.role, "label": ROLE_LABELS[user.role]},
        "videoQuota": user.video_quota, "videoQuotaDaily": user.video_quota_daily,
        "noInstanceConfigWarningModal": True, "noWelcomeModal": True,
        "noAccountSetupWarningModal": True, "blocked": user.blocked, "blockedReason": None,
        "account": account(user, s),
        "videoChannels": [channel(c, user, s) for c in sorted(channels,
                                                             key=lambda c: c.created_at)],
        "createdAt": timestamp(user.created_at), "pluginAuth": None,
        "twoFactorEnabled": False, "adminFlags": 0, "specialPlaylists": [],
    }


def _media_url(key: str, s: Settings) -> str:
    return f"{s.media_url}/{key}"


def _description(video: Video, limit: int | None = None) -> str:
    text = video.description or ""
    if limit is not None and len(text) > limit:
        return text[:limit - 3] + "..."
    return text


class Authors:
    """The owners and channels of some videos, fetched in one batch per kind."""

    def __init__(self, videos: list[Video]):
        self._users = {u.username: u for u in User.batch_get(
            {User.key(v.owner) for v in videos})}
        self._channels = {c.name: c for c in Channel.batch_get(
            {Channel.key(v.channel) for v in videos})}

    def owner(self, v: Video) -> User:
        return self._users[v.owner]

    def channel(self, v: Video) -> Channel:
        return self._channels[v.channel]


def video(v: Video, s: Settings, authors: Authors) -> dict:
    """The `Video` of lists: summaries of account and channel, a truncated description."""
    media = v.media or {}
    short = ids.to_short(v.uuid)
    first = (media.get("renditions") or [{}])[0]
    return {
        "id": v.id, "uuid": v.uuid, "shortUUID": short,
        "url": f"{s.public_url}/videos/watch/{v.uuid}", "name": v.name,
        "category": _labelled(v.category, {}, 0), "licence": _labelled(v.licence, {}, 0),
        "language": _labelled(v.language, {}, ""),
        "privacy": _labelled(v.privacy, PRIVACY_LABELS, 0),
        "nsfw": v.nsfw, "nsfwFlags": 0, "nsfwSummary": "",
        "truncatedDescription": _description(v, 250), "description": _description(v, 250),
        "isLocal": True, "duration": int(v.duration or 0),
        "aspectRatio": round(first["width"] / first["height"], 4) if first else None,
        "views": int(v.views), "viewers": 0, "likes": int(v.likes),
        "dislikes": int(v.dislikes), "comments": 0,
        "thumbnailPath": "/" + media["thumbnail"] if media.get("thumbnail") else None,
        "previewPath": "/" + media["preview"] if media.get("preview") else None,
        "thumbnails": ([{"width": 280, "height": 157, "aspectRatio": "16:9",
                         "fileUrl": _media_url(media["thumbnail"], s)}]
                       if media.get("thumbnail") else []),
        "embedPath": f"/videos/embed/{short}",
        "createdAt": timestamp(v.created_at), "updatedAt": timestamp(v.updated_at),
        "publishedAt": timestamp(v.published_at or v.created_at),
        # PeerTube sends null when unset; its schema wants a date: the publication is it.
        "originallyPublishedAt": timestamp(v.published_at or v.created_at),
        "isLive": False,
        "state": _labelled(v.state, STATE_LABELS, 0),
        "waitTranscoding": v.wait_transcoding,
        "account": account_summary(v.owner, authors.owner(v).account_id,
                                   authors.owner(v).display_name, s),
        "channel": channel_summary(authors.channel(v), s),
    }


def _file(v: Video, r: dict, index: int, s: Settings, *, hls: bool) -> dict:
    key = r["fragmented"] if hls else r["web_video"]
    size = r["fragmented_size"] if hls else r["web_video_size"]
    file = {
        # Stable per video and rendition: PeerTube's file ids are table ids we need not keep.
        "id": v.id * 100 + index * 2 + (1 if hls else 0),
        "resolution": {"id": r["resolution"], "label": f"{r['resolution']}p"},
        "width": r["width"], "height": r["height"], "fps": r["fps"], "size": size,
        # Torrents arrive with the seeder; until then there is none to point at.
        "magnetUri": None, "torrentUrl": "", "torrentDownloadUrl": "",
        "fileUrl": _media_url(key, s), "fileDownloadUrl": _media_url(key, s),
        "metadataUrl": f"{s.public_url}/api/v1/videos/{v.uuid}/metadata/{v.id}",
        "hasAudio": r.get("has_audio", True), "hasVideo": True, "storage": 1,
    }
    if hls:
        file["playlistUrl"] = _media_url(r["playlist"], s)
    return file


def video_details(v: Video, s: Settings) -> dict:
    media = v.media or {}
    renditions = sorted(media.get("renditions", []), key=lambda r: -r["resolution"])
    authors = Authors([v])
    owner = authors.owner(v)
    details = video(v, s, authors)
    details.update({
        "description": _description(v), "support": v.support or "",
        "account": account(owner, s), "channel": channel(authors.channel(v), owner, s),
        "tags": list(v.tags or []),
        "commentsPolicy": _labelled(v.comments_policy, COMMENTS_POLICY_LABELS, 1),
        "commentsEnabled": v.comments_policy != 2,
        "downloadEnabled": v.download_enabled,
        "inputFileUpdatedAt": timestamp(v.created_at),
        "embedPrivacyPolicy": {"id": 1, "label": "All"},
        "trackerUrls": [], "blacklisted": False,
        "files": [_file(v, r, i, s, hls=False) for i, r in enumerate(renditions)],
        "streamingPlaylists": [] if not media.get("master") else [{
            "id": v.id, "type": 1, "playlistUrl": _media_url(media["master"], s),
            "segmentsSha256Url": (_media_url(media["segments_sha256"], s)
                                  if media.get("segments_sha256") else ""),
            "redundancies": [],
            "files": [_file(v, r, i, s, hls=True) for i, r in enumerate(renditions)],
        }],
    })
    if v.state == 7 and v.failure_reason:
        # Not PeerTube's: the reason a failed upload gives its uploader.
        details["state"]["description"] = v.failure_reason
    if v.state == 2 and v.transcode_progress is not None:
        details["transcodingProgress"] = v.transcode_progress
    return details


def server_config(s: Settings) -> dict:
    """What PeerTube clients read before anything else: the instance and its limits."""
    return {
        "client": {"videos": {"miniature": {"preferAuthorDisplayName": False},
                              "resumableUpload": {"maxChunkSize": None}},
                   "menu": {"login": {"redirectOnSingleExternalAuth": False}}},
        "defaults": {"publish": {"downloadEnabled": True, "commentsEnabled": True,
                                 "commentsPolicy": 1, "privacy": 1, "licence": None},
                     "p2p": {"webapp": {"enabled": True}, "embed": {"enabled": True}},
                     "player": {"autoPlay": True}},
        "webadmin": {"configuration": {"edition": {"allowed": False}}},
        "instance": {"name": s.instance_name,
                     "shortDescription": "A video platform that speaks PeerTube.",
                     "isNSFW": False, "defaultNSFWPolicy": "blur", "serverCountry": "",
                     "support": {"text": ""},
                     "social": {"externalLink": "", "mastodonLink": "", "blueskyLink": ""},
                     "defaultClientRoute": "/videos/browse",
                     "customizations": {"javascript": "", "css": ""},
                     "avatars": [], "banners": []},
        "search": {"remoteUri": {"users": False, "anonymous": False},
                   "searchIndex": {"enabled": False, "url": "", "disableLocalSearch": False,
                                   "isDefaultSearch": False}},
        "plugin": {"registered": [], "registeredExternalAuths": [],
                   "registeredIdAndPassAuths": []},
        "theme": {"registered": [], "builtIn": [], "default": "default"},
        "email": {"enabled": False},
        "contactForm": {"enabled": False},
        "serverVersion": SERVER_VERSION,
        "serverCommit": "peerless",
        "signup": {"allowed": False, "allowedForCurrentIP": False, "minimumAge": 16,
                   "requiresApproval": False, "requiresEmailVerification": False},
        "transcoding": {"remoteRunners": {"enabled": False}, "hls": {"enabled": True},
                        "web_videos": {"enabled": True},
                        "enabledResolutions": [r for r in (144, 240, 360, 480, 720, 1080,
                                                           1440, 2160)
                                               if r <= s.max_resolution],
                        "profile": "default", "availableProfiles": ["default"]},
        "live": {"enabled": False, "allowReplay": False, "latencySetting": {"enabled": False},
                 "maxDuration": -1, "maxInstanceLives": 0, "maxUserLives": 0,
                 "transcoding": {"enabled": False, "remoteRunners": {"enabled": False},
                                 "enabledResolutions": [], "profile": "default",
                                 "availableProfiles": ["default"]},
                 "rtmp": {"port": 1935}},
        "videoStudio": {"enabled": False, "remoteRunners": {"enabled": False}},
        "videoFile": {"update": {"enabled": False}},
        "videoTranscription": {"enabled": False, "remoteRunners": {"enabled": False}},
        "import": {"videos": {"http": {"enabled": False}, "torrent": {"enabled": False}},
                   "videoChannelSynchronization": {"enabled": False},
                   "users": {"enabled": False}},
        "export": {"users": {"enabled": False, "exportExpiration": 0,
                             "maxUserVideoQuota": 0}},
        "autoBlacklist": {"videos": {"ofUsers": {"enabled": False}}},
        "avatar": {"file": {"size": {"max": 4194304},
                            "extensions": [".png", ".jpeg", ".jpg", ".gif", ".webp"]}},
        "banner": {"file": {"size": {"max": 4194304},
                            "extensions": [".png", ".jpeg", ".jpg", ".gif", ".webp"]}},
        "video": {"image": {"extensions": [".png", ".jpg", ".jpeg", ".webp"],
                            "size": {"max": 4194304}},
                  "file": {"extensions": VIDEO_EXTENSIONS}},
        "videoCaption": {"file": {"size": {"max": 20971520}, "extensions": [".vtt", ".srt"]}},
        "user": {"videoQuota": -1, "videoQuotaDaily": -1},
        "videoChannels": {"maxPerUser": 20},
        "trending": {"videos": {"intervalDays": 7, "algorithms": {
            "enabled": ["most-viewed"], "default": "most-viewed"}}},
        "tracker": {"enabled": False},
        "followings": {"instance": {"autoFollowIndex": {"indexUrl": ""}}},
        "federation": {"enabled": False},
        "broadcastMessage": {"enabled": False, "message": "", "level": "info",
                             "dismissable": False},
        "homepage": {"enabled": False},
        "openTelemetry": {"metrics": {"enabled": False, "playbackStatsInterval": 15000}},
        "views": {"videos": {"watchingInterval": {"anonymous": 5000, "users": 5000}}},
        "storyboards": {"enabled": False},
        # No public STUN server: peers on one network connect without one.
        "webrtc": {"stunServers": []},
    }
