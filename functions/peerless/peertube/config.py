"""The instance's configuration, as PeerTube clients read it first."""
from __future__ import annotations

from .. import accounts, catalog, instance_config as ic, playlists
from ..instance_config import CUSTOM_FIELDS, InstanceConfig, custom_value
from ..settings import Settings

SERVER_VERSION = "7.2.1"  # the PeerTube version whose API this one follows
VIDEO_EXTENSIONS = [".mp4", ".webm", ".ogv", ".mkv", ".mov", ".avi", ".flv", ".m4v", ".3gp",
                    ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".flac", ".wav"]


def server_config(s: Settings, config: InstanceConfig, signup_allowed: bool) -> dict:
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
        "instance": {"name": config.name, "shortDescription": config.short_description,
                     "isNSFW": config.is_nsfw,
                     "defaultNSFWPolicy": config.default_nsfw_policy, "serverCountry": "",
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
        # The web app themes a visitor's pages by the administrator's choice.
        "theme": {"registered": [], "builtIn": [], "default": config.default_theme},
        "email": {"enabled": False},
        "contactForm": {"enabled": False},
        "serverVersion": SERVER_VERSION,
        "serverCommit": "peerless",
        "signup": {"allowed": signup_allowed, "allowedForCurrentIP": signup_allowed,
                   "minimumAge": config.signup_minimum_age,
                   "requiresApproval": config.signup_requires_approval,
                   "requiresEmailVerification": False},
        "transcoding": {"remoteRunners": {"enabled": False}, "hls": {"enabled": True},
                        "web_videos": {"enabled": True},
                        "enabledResolutions": [r for r in config.transcoding_resolutions
                                               if r <= s.max_resolution],
                        "profile": "default", "availableProfiles": ["default"]},
        "live": {"enabled": config.live_enabled, "allowReplay": config.live_allow_replay,
                 "latencySetting": {"enabled": config.live_latency_setting},
                 "maxDuration": config.live_max_duration,
                 "maxInstanceLives": config.live_max_instance_lives,
                 "maxUserLives": config.live_max_user_lives,
                 "transcoding": {"enabled": True, "remoteRunners": {"enabled": False},
                                 "enabledResolutions": [r for r in config.live_resolutions
                                                        if r <= s.max_resolution],
                                 "profile": "default", "availableProfiles": ["default"]},
                 "rtmp": {"port": s.rtmp_port}},
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
        "user": {"videoQuota": config.user_video_quota,
                 "videoQuotaDaily": config.user_video_quota_daily},
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
        "storyboards": {"enabled": True},
        # No public STUN server: peers on one network connect without one.
        "webrtc": {"stunServers": []},
    }


def _off() -> dict:
    return {"enabled": False}


def custom_config(config: InstanceConfig) -> dict:
    """PeerTube's CustomConfig: what an administrator edits. The settings this instance
    honours come from `config`; the rest says what Peerless does."""
    document = {
        "instance": {"defaultLanguage": "en", "serverCountry": "", "support": {"text": ""},
                     "social": {"externalLink": "", "mastodonLink": "", "blueskyLink": "",
                                "xLink": ""},
                     "defaultClientRoute": "/videos/browse",
                     "customizations": {"javascript": "", "css": ""}},
        "theme": {"default": "default", "customization": {}},
        "services": {"twitter": {"username": ""}},
        "client": {"header": {"hideInstanceName": False},
                   "videos": {"miniature": {"preferAuthorDisplayName": False}},
                   "browseVideos": {"defaultSort": "-publishedAt", "defaultScope": "local"},
                   "menu": {"login": {"redirectOnSingleExternalAuth": False}}},
        "cache": {"previews": {"size": 0}, "captions": {"size": 0}, "torrents": {"size": 0},
                  "storyboards": {"size": 0}},
        "signup": {"requiresEmailVerification": False},
        "admin": {"email": ""},
        "email": {"body": {"signature": ""}, "subject": {"prefix": ""}},
        "contactForm": _off(),
        "user": {"history": {"videos": {"enabled": True}},
                 "defaultChannelName": "Main $1 channel"},
        "videoChannels": {"maxPerUser": 20},
        "transcoding": {"enabled": True, "originalFile": {"keep": False},
                        "allowAdditionalExtensions": True, "allowAudioFiles": True,
                        "remoteRunners": _off(), "threads": 0, "concurrency": 1,
                        "profile": "default", "alwaysTranscodeOriginalResolution": False,
                        "fps": {"max": 60}, "webVideos": {"enabled": True},
                        "hls": {"enabled": True, "splitAudioAndVideo": False}},
        "live": {"transcoding": {"enabled": True, "remoteRunners": _off(), "threads": 0,
                                 "profile": "default",
                                 "alwaysTranscodeOriginalResolution": True,
                                 "fps": {"max": 30}}},
        "videoStudio": {"enabled": False, "remoteRunners": _off()},
        "videoTranscription": {"enabled": False, "remoteRunners": _off()},
        "videoFile": {"update": _off()},
        "import": {"videos": {"concurrency": 1, "http": _off(), "torrent": _off()},
                   "videoChannelSynchronization": {"enabled": False, "maxPerUser": 0},
                   "users": _off()},
        "export": {"users": {"enabled": False, "maxUserVideoQuota": 0,
                             "exportExpiration": 0}},
        "trending": {"videos": {"algorithms": {"enabled": ["most-viewed"],
                                               "default": "most-viewed"}}},
        "autoBlacklist": {"videos": {"ofUsers": _off()}},
        "followers": {"instance": {"enabled": False, "manualApproval": False},
                      "channels": _off()},
        "followings": {"instance": {"autoFollowBack": _off(),
                                    "autoFollowIndex": {"enabled": False, "indexUrl": ""}}},
        "broadcastMessage": {"enabled": False, "message": "", "level": "info",
                             "dismissable": False},
        "search": {"remoteUri": {"users": False, "anonymous": False},
                   "searchIndex": {"enabled": False, "url": "", "disableLocalSearch": False,
                                   "isDefaultSearch": False}},
        "storyboards": {"enabled": True, "remoteRunners": _off()},
        "defaults": {"publish": {"downloadEnabled": True, "commentsPolicy": 1, "privacy": 1,
                                 "licence": None},
                     "p2p": {"webapp": {"enabled": True}, "embed": {"enabled": True}},
                     "player": {"theme": "galaxy", "autoPlay": True}},
        "videoComments": {"acceptRemoteComments": False},
    }
    for name, (path, _) in CUSTOM_FIELDS.items():
        node = document
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = custom_value(config, name)
    return document


def about(config: InstanceConfig) -> dict:
    return {"instance": {
        "name": config.name, "shortDescription": config.short_description,
        "description": config.description, "terms": config.terms,
        "codeOfConduct": config.code_of_conduct,
        "hardwareInformation": config.hardware_information,
        "creationReason": config.creation_reason,
        "moderationInformation": config.moderation_information,
        "administrator": config.administrator,
        "maintenanceLifetime": config.maintenance_lifetime,
        "businessModel": config.business_model,
        "languages": list(config.languages), "categories": list(config.categories),
        "avatars": [], "banners": []}}


# PeerTube's statistics, by the counter each is read from.
STATS_COUNTERS = {
    "totalUsers": accounts.USERS, "totalLocalVideos": catalog.PUBLIC,
    "totalLocalVideoViews": ic.LOCAL_VIDEO_VIEWS,
    "totalLocalVideoComments": ic.LOCAL_COMMENTS,
    "totalLocalVideoFilesSize": ic.LOCAL_FILES_SIZE,
    "totalLocalVideoChannels": accounts.CHANNELS,
    "totalLocalPlaylists": playlists.PUBLIC_LIST,
}


def server_stats(counts: dict[str, int], abuse_stats: dict) -> dict:
    """`ServerStats` from the instance's counters. What is not counted yet says 0, or null
    where PeerTube says null for a statistic it does not keep."""
    local = {stat: counts[name] for stat, name in STATS_COUNTERS.items()}
    return {
        "totalUsers": local["totalUsers"],
        # Logins are not tallied by day yet.
        "totalDailyActiveUsers": 0, "totalWeeklyActiveUsers": 0, "totalMonthlyActiveUsers": 0,
        "totalModerators": None, "totalAdmins": None,
        "totalLocalVideos": local["totalLocalVideos"],
        "totalLocalVideoViews": local["totalLocalVideoViews"],
        "totalLocalVideoComments": local["totalLocalVideoComments"],
        "totalLocalVideoFilesSize": local["totalLocalVideoFilesSize"],
        # No federation yet: every video and comment is local.
        "totalVideos": local["totalLocalVideos"],
        "totalVideoComments": local["totalLocalVideoComments"],
        "totalLocalVideoChannels": local["totalLocalVideoChannels"],
        "totalLocalDailyActiveVideoChannels": 0, "totalLocalWeeklyActiveVideoChannels": 0,
        "totalLocalMonthlyActiveVideoChannels": 0,
        "totalLocalPlaylists": local["totalLocalPlaylists"],
        "totalInstanceFollowers": 0, "totalInstanceFollowing": 0,
        "videosRedundancy": [],
        "totalActivityPubMessagesProcessed": 0, "totalActivityPubMessagesSuccesses": 0,
        "totalActivityPubMessagesErrors": 0, "activityPubMessagesProcessedPerSecond": 0,
        "totalActivityPubMessagesWaiting": 0,
        "averageRegistrationRequestResponseTimeMs": None,
        "totalRegistrationRequestsProcessed": None, "totalRegistrationRequests": None,
        **abuse_stats,
    }
