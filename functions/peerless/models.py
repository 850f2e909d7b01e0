"""The instance's data: one DynamoDB table (single-table design), through pynamodb.

Every item has a partition key `pk` naming what it is (`video#<uuid>`, `user#<name>`...)
and a sort key `sk`. Two sparse global indexes serve every lookup that is not by key:
`by_nid` finds users, channels and videos by PeerTube's numeric ids, and `by_list` holds
the lists (public videos by publication date, a user's channels...) so that no request
path ever scans the table.
"""
from __future__ import annotations

import functools
import itertools
import random
import time
from datetime import datetime, timezone
from typing import Callable

from pynamodb.attributes import (BooleanAttribute, DiscriminatorAttribute, JSONAttribute,
                                 ListAttribute, NumberAttribute, UnicodeAttribute,
                                 UTCDateTimeAttribute)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from . import errors
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


def _catalog_index(name: str, sort_attribute):
    """A GSI over the public catalog partition, sorted by one of the video's attributes."""
    class Meta:
        index_name = name
        projection = AllProjection()
    return type(name, (GlobalSecondaryIndex,), {
        "Meta": Meta, "list_pk": UnicodeAttribute(hash_key=True),
        sort_attribute[0]: sort_attribute[1]})


ByViews = _catalog_index("by_views", ("views", NumberAttribute(range_key=True)))
ByLikes = _catalog_index("by_likes", ("likes", NumberAttribute(range_key=True)))
ByName = _catalog_index("by_name", ("name_sort", UnicodeAttribute(range_key=True)))
ByDuration = _catalog_index("by_duration", ("duration", NumberAttribute(range_key=True)))


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
    """A connection to the table's endpoint, for transactions across items: one per
    process, as the models' own, since making its botocore client costs ~50 ms of CPU."""
    return _connection(Item.Meta.region, Item.Meta.host)


@functools.lru_cache(maxsize=None)
def _connection(region: str, host: str | None) -> Connection:
    return Connection(region=region, host=host)


def transact(build: Callable[[TransactWrite], None], tries: int = 8) -> None:
    """Runs the transaction `build` fills. DynamoDB cancels a transaction that races
    another on the same item (a busy video's counters): that one runs again after a short
    random wait. A failed condition is raised, for the caller to explain."""
    for attempt in itertools.count(1):
        try:
            with TransactWrite(connection=connection()) as transaction:
                build(transaction)
            return
        except TransactWriteError as error:
            if attempt >= tries or not _only_contention(error):
                raise
            time.sleep(random.uniform(0, 0.01 * 2 ** attempt))


def busy() -> errors.ApiError:
    """The answer when racing writers kept a change from landing after every retry."""
    return errors.ApiError(409, "Too many changes at once; please retry.")


def _only_contention(error: TransactWriteError) -> bool:
    reasons = getattr(error.cause, "cancellation_reasons", None) or []
    codes = {r.code for r in reasons if r is not None and r.code not in (None, "None")}
    return bool(codes) and codes <= {"TransactionConflict", "ThrottlingError",
                                     "ProvisionedThroughputExceeded"}


class Counter(Item, discriminator="counter"):
    """A sequence (numeric ids) or a tally (list totals), changed only by atomic ADD."""
    value = NumberAttribute(default=0)

    @staticmethod
    def key(name: str) -> tuple[str, str]:
        return f"counter#{name}", "counter"


def get_or_none(model, key: tuple[str, str], **options):
    """The item of `model` at `key`, or None when there is none."""
    try:
        return model.get(*key, **options)
    except DoesNotExist:
        return None


def counter_value(name: str) -> int:
    """The value of the counter `name`; 0 before it was first counted."""
    try:
        return int(Counter.get(*Counter.key(name)).value)
    except DoesNotExist:
        return 0


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
    blocked_reason = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(default=now)
    auto_play_next_video = BooleanAttribute(default=False)
    auto_play_next_video_playlist = BooleanAttribute(default=True)
    videos_history_enabled = BooleanAttribute(default=True)
    video_languages = ListAttribute(of=UnicodeAttribute, null=True)
    theme = UnicodeAttribute(default="instance-default")
    no_instance_config_warning_modal = BooleanAttribute(default=False)
    no_welcome_modal = BooleanAttribute(default=False)
    no_account_setup_warning_modal = BooleanAttribute(default=False)
    # The account's avatar: see peerless.images for the shape; the version orders changes.
    avatars = JSONAttribute(null=True)
    images_version = NumberAttribute(default=0)

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
    updated_at = UTCDateTimeAttribute(default=now)
    # See peerless.images for the shape; the version orders changes.
    avatars = JSONAttribute(null=True)
    banners = JSONAttribute(null=True)
    images_version = NumberAttribute(default=0)

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
    # Pictures the uploader chose, shown instead of the frames transcoding took.
    thumbnail_key = UnicodeAttribute(null=True)
    preview_key = UnicodeAttribute(null=True)
    # The catalog (peerless.catalog): the entries this video has in the public lists, a
    # version that orders changes to them, and the sort key for `sort=name`.
    catalog_keys = ListAttribute(of=UnicodeAttribute, default=list)
    catalog_version = NumberAttribute(default=0)
    name_sort = UnicodeAttribute(null=True)
    blocked = BooleanAttribute(default=False)
    # A video of another server (peerless.federation.remote_videos): its ActivityPub id,
    # and what showing and playing it from its origin needs. None for the instance's own.
    origin_url = UnicodeAttribute(null=True)
    remote = JSONAttribute(null=True)
    # When a local video was first announced to other servers (peerless.federation.
    # publishing): later returns to view are Updates, whose ids are new each time.
    announced_at = UTCDateTimeAttribute(null=True)
    # A live video (peerless.live): streamed from an encoder, then ended or kept as a
    # replay; `viewers` is how many watch it now, as the ingest last counted them.
    is_live = BooleanAttribute(default=False)
    viewers = NumberAttribute(default=0)
    by_views = ByViews()
    by_likes = ByLikes()
    by_name = ByName()
    by_duration = ByDuration()

    @staticmethod
    def key(uuid: str) -> tuple[str, str]:
        return f"video#{uuid}", "video"

    @property
    def is_remote(self) -> bool:
        return self.origin_url is not None
