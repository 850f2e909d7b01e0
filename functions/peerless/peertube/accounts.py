"""Users, accounts and channels."""
from __future__ import annotations

from ..accounts import ROLE_LABELS
from ..models import Channel, User
from ..settings import Settings
from .common import timestamp


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
