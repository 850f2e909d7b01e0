"""The instance's data: one DynamoDB table (single-table design), through pynamodb.

Every item has a partition key `pk` naming what it is (`video#<uuid>`, `user#<name>`...)
and a sort key `sk`. Two sparse global indexes serve every lookup that is not by key:
`by_nid` finds users, channels and videos by PeerTube's numeric ids, and `by_list` holds
the lists (public videos by publication date, a user's channels...) so that no request
path ever scans the table.
"""
from __future__ import annotations

from datetime import datetime, timezone

from pynamodb.attributes import (BooleanAttribute, DiscriminatorAttribute, JSONAttribute,
                                 ListAttribute, NumberAttribute, UnicodeAttribute,
                                 UTCDateTimeAttribute)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.connection import Connection
from pynamodb.models import Model

from .settings import settings


def now() -> datetime:
    return datetime.now(timezone.utc)


class ByNid(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_nid"
        projection = AllProjection()
    nid = UnicodeAttribute(hash_key=True)


class ByList(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_list"
        projection = AllProjection()
    list_pk = UnicodeAttribute(hash_key=True)
    list_sk = UnicodeAttribute(range_key=True)


class ByOwner(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_owner"
        projection = AllProjection()
    owner_pk = UnicodeAttribute(hash_key=True)
    owner_sk = UnicodeAttribute(range_key=True)


class Item(Model):
    class Meta:
        table_name = settings().table
        region = settings().region
        host = settings().aws_endpoint_url

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    nid = UnicodeAttribute(null=True)
    list_pk = UnicodeAttribute(null=True)
    list_sk = UnicodeAttribute(null=True)
    owner_pk = UnicodeAttribute(null=True)
    owner_sk = UnicodeAttribute(null=True)
    by_nid = ByNid()
    by_list = ByList()
    by_owner = ByOwner()


def connection() -> Connection:
    """A connection to the table's endpoint, for transactions across items."""
    return Connection(region=Item.Meta.region, host=Item.Meta.host)


class Counter(Item, discriminator="counter"):
    """A sequence (numeric ids) or a tally (list totals), changed only by atomic ADD."""
    value = NumberAttribute(default=0)

    @staticmethod
    def key(name: str) -> tuple[str, str]:
        return f"counter#{name}", "counter"


class Claim(Item, discriminator="claim"):
    """Reserves a unique name: an actor name (users and channels share PeerTube's actor
    namespace) or an email address. Written in the same transaction as what it names."""
    owner = UnicodeAttribute()

    @staticmethod
    def key(kind: str, name: str) -> tuple[str, str]:
        return f"claim#{kind}#{name.lower()}", "claim"


class OAuthClient(Item, discriminator="oauth-client"):
    """The instance's one OAuth client, which PeerTube clients fetch before logging in."""
    client_id = UnicodeAttribute()
    client_secret = UnicodeAttribute()

    KEY = ("oauth-client", "local")


class User(Item, discriminator="user"):
    id = NumberAttribute()
    account_id = NumberAttribute()
    username = UnicodeAttribute()
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    role = NumberAttribute()
    display_name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(default=now)
    channel_name = UnicodeAttribute(null=True)  # the default channel
    video_quota = NumberAttribute(default=-1)
    video_quota_daily = NumberAttribute(default=-1)
    nsfw_policy = UnicodeAttribute(default="display")
    auto_play_video = BooleanAttribute(default=True)
    p2p_enabled = BooleanAttribute(default=True)
    blocked = BooleanAttribute(default=False)

    @staticmethod
    def key(username: str) -> tuple[str, str]:
        return f"user#{username.lower()}", "user"


class Channel(Item, discriminator="channel"):
    id = NumberAttribute()
    name = UnicodeAttribute()
    display_name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    support = UnicodeAttribute(null=True)
    owner = UnicodeAttribute()          # the owning user's username
    created_at = UTCDateTimeAttribute(default=now)

    @staticmethod
    def key(name: str) -> tuple[str, str]:
        return f"channel#{name.lower()}", "channel"


class Token(Item, discriminator="token"):
    """An OAuth access or refresh token, stored by the SHA-256 of its value only."""
    username = UnicodeAttribute()
    token_type = UnicodeAttribute()     # "access" or "refresh"
    pair = UnicodeAttribute()           # the hash of the other token of the pair
    expires_at = NumberAttribute()      # epoch seconds; also the table's TTL attribute

    @staticmethod
    def key(token_hash: str) -> tuple[str, str]:
        return f"token#{token_hash}", "token"


class Video(Item, discriminator="video"):
    id = NumberAttribute()
    uuid = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    support = UnicodeAttribute(null=True)
    channel = UnicodeAttribute()        # the channel's name
    owner = UnicodeAttribute()          # the uploader's username
    privacy = NumberAttribute()
    state = NumberAttribute()
    category = NumberAttribute(null=True)
    licence = NumberAttribute(null=True)
    language = UnicodeAttribute(null=True)
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    nsfw = BooleanAttribute(default=False)
    comments_policy = NumberAttribute(default=1)
    download_enabled = BooleanAttribute(default=True)
    wait_transcoding = BooleanAttribute(default=True)
    created_at = UTCDateTimeAttribute(default=now)
    updated_at = UTCDateTimeAttribute(default=now)
    published_at = UTCDateTimeAttribute(null=True)
    duration = NumberAttribute(default=0)
    views = NumberAttribute(default=0)
    likes = NumberAttribute(default=0)
    dislikes = NumberAttribute(default=0)
    comments_count = NumberAttribute(default=0)
    upload_filename = UnicodeAttribute(null=True)
    # Transcoding: progress in percent while it runs, a reason the uploader can read when
    # it failed, and a lease so a duplicated event never transcodes twice at once.
    transcode_progress = NumberAttribute(null=True)
    failure_reason = UnicodeAttribute(null=True)
    transcode_lease_until = NumberAttribute(null=True)
    # What transcoding produced: see peerless.media_store for the shapes.
    media = JSONAttribute(null=True)

    @staticmethod
    def key(uuid: str) -> tuple[str, str]:
        return f"video#{uuid}", "video"
