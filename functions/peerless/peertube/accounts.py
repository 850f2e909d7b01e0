"""Users, accounts, channels and registrations."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from ..accounts import ROLE_LABELS
from ..auth import REGISTRATION_STATE_LABELS, Registration
from ..federation.remote_actors import RemoteActor
from ..models import Channel, User
from ..settings import Settings
from .common import media_url, timestamp

# Pictures of other servers' videos and actors, answered by the API (a redirect to their
# origin), as PeerTube's lazy-static answers with its cached copies.
REMOTE_PICTURES = "/lazy-static/remote"

# PeerTube's defaults for a new user (UserNotificationSettingValue: 1 web, 2 email, 3 both).
NOTIFICATION_SETTINGS = {
    "abuseAsModerator": 3, "videoAutoBlacklistAsModerator": 3, "newUserRegistration": 3,
    "newVideoFromSubscription": 1, "blacklistOnMyVideo": 3, "myVideoPublished": 1,
    "myVideoImportFinished": 1, "commentMention": 1, "newCommentOnMyVideo": 1,
    "newFollow": 1, "newInstanceFollower": 1, "autoInstanceFollowing": 1,
    "abuseStateChange": 3, "abuseNewMessage": 3, "newPeerTubeVersion": 3,
    "newPluginVersion": 1, "myVideoStudioEditionFinished": 1,
    "myVideoTranscriptionGenerated": 1,
}


def actor_images(images: list[dict] | None, s: Settings) -> list[dict]:
    """PeerTube's ActorImage list, largest first."""
    return [{"width": i["width"], "height": i["height"], "path": "/" + i["key"],
             "fileUrl": media_url(i["key"], s),
             "createdAt": timestamp(datetime.fromisoformat(i["created_at"])),
             "updatedAt": timestamp(datetime.fromisoformat(i["created_at"]))}
            for i in sorted(images or [], key=lambda i: -i["width"])]


def account_summary(user_name: str, account_id: int, display_name: str, s: Settings,
                    avatars: list[dict] | None = None) -> dict:
    return {"id": account_id, "name": user_name, "displayName": display_name,
            "url": f"{s.public_url}/accounts/{user_name}", "host": s.host,
            "avatars": actor_images(avatars, s)}


def account(user: User, s: Settings) -> dict:
    return {**account_summary(user.username, user.account_id, user.display_name, s,
                              user.avatars),
            "description": user.description or "", "followersCount": 0, "followingCount": 0,
            "hostRedundancyAllowed": False, "banners": [],
            "createdAt": timestamp(user.created_at),
            "updatedAt": timestamp(user.updated_at or user.created_at), "userId": user.id}


def channel_summary(channel: Channel, s: Settings) -> dict:
    return {"id": channel.id, "name": channel.name, "displayName": channel.display_name,
            "url": f"{s.public_url}/video-channels/{channel.name}", "host": s.host,
            "avatars": actor_images(channel.avatars, s)}


def channel(channel: Channel, owner: User, s: Settings, followers: int = 0) -> dict:
    return {**channel_summary(channel, s), "description": channel.description or "",
            "support": channel.support or "", "isLocal": True, "followersCount": followers,
            "followingCount": 0, "banners": actor_images(channel.banners, s),
            "createdAt": timestamp(channel.created_at),
            "updatedAt": timestamp(channel.updated_at or channel.created_at),
            "ownerAccount": account(owner, s)}


def remote_picture_path(item, kind: str, what: str = "videos") -> str:
    """Where this instance answers with a remote video's (or playlist's) thumbnail or
    preview (PeerTube's clients read pictures from the instance they talk to)."""
    return f"{REMOTE_PICTURES}/{what}/{item.uuid}/{kind}.jpg"


def remote_actor_summary(actor: RemoteActor | None, handle: str, s: Settings) -> dict:
    """A remote account's or channel's summary; from its handle alone should the actor's
    record be gone."""
    name, _, host = handle.partition("@")
    if actor is None:
        return {"id": 0, "name": name, "displayName": name, "url": "", "host": host,
                "avatars": []}
    avatars = [] if not actor.icon_url else [{
        "width": 120, "height": 120,
        "path": f"{REMOTE_PICTURES}/actors/{quote(handle, safe='@')}/avatar.jpg",
        "fileUrl": actor.icon_url, "createdAt": timestamp(actor.fetched_at),
        "updatedAt": timestamp(actor.fetched_at)}]
    return {"id": int(actor.number or 0), "name": actor.preferred_username,
            "displayName": actor.name or actor.preferred_username, "url": actor.url,
            "host": actor.host, "avatars": avatars}


def _remote_details(actor: RemoteActor | None) -> dict:
    fetched = timestamp(actor.fetched_at) if actor is not None else None
    return {"description": (actor.summary if actor is not None else None) or "",
            "followersCount": 0, "followingCount": 0, "banners": [],
            "createdAt": fetched, "updatedAt": fetched}


def remote_account(actor: RemoteActor | None, handle: str, s: Settings) -> dict:
    return {**remote_actor_summary(actor, handle, s), **_remote_details(actor),
            "hostRedundancyAllowed": False, "userId": None}


def remote_channel(actor: RemoteActor | None, handle: str, s: Settings, followers: int,
                   owner: dict) -> dict:
    return {**remote_actor_summary(actor, handle, s), **_remote_details(actor),
            "support": "", "isLocal": False, "followersCount": followers,
            "ownerAccount": owner}


def user(user: User, channels: list[Channel] | None, s: Settings) -> dict:
    """PeerTube's User, as administrators and the user see it; lists of users leave the
    channels out (None), as PeerTube's do."""
    body = {
        "id": user.id, "username": user.username, "email": user.email,
        "theme": user.theme, "pendingEmail": None, "emailPublic": False,
        "emailVerified": True, "nsfwPolicy": user.nsfw_policy,
        "p2pEnabled": user.p2p_enabled, "videosHistoryEnabled": user.videos_history_enabled,
        "autoPlayVideo": user.auto_play_video, "autoPlayNextVideo": user.auto_play_next_video,
        "autoPlayNextVideoPlaylist": user.auto_play_next_video_playlist,
        "videoLanguages": list(user.video_languages) if user.video_languages else None,
        "role": {"id": user.role, "label": ROLE_LABELS[user.role]},
        "videoQuota": user.video_quota, "videoQuotaDaily": user.video_quota_daily,
        "noInstanceConfigWarningModal": user.no_instance_config_warning_modal,
        "noWelcomeModal": user.no_welcome_modal,
        "noAccountSetupWarningModal": user.no_account_setup_warning_modal,
        "blocked": user.blocked, "blockedReason": user.blocked_reason,
        "account": account(user, s),
        "notificationSettings": NOTIFICATION_SETTINGS,
        "createdAt": timestamp(user.created_at), "pluginAuth": None,
        "twoFactorEnabled": False, "adminFlags": 0,
    }
    if channels is not None:
        body["videoChannels"] = [channel(c, user, s)
                                 for c in sorted(channels, key=lambda c: c.created_at)]
    return body


def user_me(user_: User, channels: list[Channel], s: Settings,
            special_playlists: list[dict]) -> dict:
    """PeerTube's MyUser: the User plus what only its owner sees."""
    return {**user(user_, channels, s), "specialPlaylists": special_playlists}


def registration(r: Registration) -> dict:
    return {
        "id": r.id, "state": {"id": r.state, "label": REGISTRATION_STATE_LABELS[r.state]},
        "registrationReason": r.reason, "moderationResponse": r.moderation_response,
        "username": r.username, "email": r.email, "emailVerified": None,
        "accountDisplayName": r.display_name or r.username,
        "channelHandle": r.channel_name, "channelDisplayName": r.channel_display_name,
        "createdAt": timestamp(r.created_at), "updatedAt": timestamp(r.updated_at),
        "user": {"id": r.user_id} if r.user_id else None,
    }
