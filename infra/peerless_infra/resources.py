"""The stateful resources of one Peerless instance, declared once.

The local stack creates these in the AWS emulator and the AWS stack (CDK) creates the same
ones in an account, both from this declaration, so names and wiring cannot drift apart.
The functions learn the physical names from environment variables; `function_environment`
is the one place that maps resources to those variables.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Index:
    """A global secondary index: string keys, all attributes projected."""
    name: str
    hash_key: str
    range_key: str | None = None
    range_key_type: str = "S"


@dataclass(frozen=True)
class Table:
    name: str
    hash_key: str
    range_key: str
    indexes: tuple[Index, ...]
    ttl_attribute: str


@dataclass(frozen=True)
class Queue:
    name: str
    # Longer than the consuming function may run, so a message in work is never handed out twice.
    visibility_timeout: int
    # Tries before a message is moved to its dead-letter queue.
    max_receive_count: int
    # Bytes; SQS's default (256 KiB) when None. The local emulator does not enforce it.
    max_message_size: int | None = None

    @property
    def dead_letter_name(self) -> str:
        return f"{self.name}-dlq"


@dataclass(frozen=True)
class Notification:
    """S3 ObjectCreated events under `prefix` go to `queue`."""
    queue: str
    prefix: str


@dataclass(frozen=True)
class Expiry:
    """Objects under `prefix` are deleted `days` after they were written."""
    prefix: str
    days: int


@dataclass(frozen=True)
class Bucket:
    name: str
    notifications: tuple[Notification, ...] = ()
    # Browsers PUT upload parts straight to this bucket and need to read the ETag of each.
    browser_uploads: bool = False
    # Lifecycle, applied on AWS (the local stack's data is thrown away with it): multipart
    # uploads a browser abandoned are aborted after this many days, and expiries.
    abort_incomplete_uploads_days: int | None = None
    expiries: tuple[Expiry, ...] = ()


@dataclass(frozen=True)
class Resources:
    table: Table
    buckets: dict[str, Bucket] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)


# Where uploads land in the uploads bucket: `videos/<video uuid>`. The key names the video,
# so the S3 event alone tells the transcoder which video a file belongs to.
UPLOAD_PREFIX = "videos/"
# The chunks of a chunked encode, between their encode and their join:
# `work/<video uuid>/<job>/...`, in the uploads bucket, outside UPLOAD_PREFIX.
WORK_PREFIX = "work/"

TRANSCODE_TIMEOUT = 900  # seconds: Lambda's ceiling, the transcode function's timeout
# How many transcode functions run at once on AWS: the function's reserved concurrency and
# its queue's event source maximum concurrency, hence also the fan-out of a chunked encode
# (one message per pass and chunk on the transcode queue).
TRANSCODE_CONCURRENCY = 10

TABLE = Table(
    name="peerless",
    hash_key="pk",
    range_key="sk",
    indexes=(
        # Numeric ids ("video#12", "user#3"...), PeerTube's public ids beside the uuids.
        Index(name="by_nid", hash_key="nid"),
        # Listing: a partition per list ("videos#public"), sorted by a per-list key.
        Index(name="by_list", hash_key="list_pk", range_key="list_sk"),
        # What a user owns ("videos-of#alice"), newest first: their own lists, any privacy.
        Index(name="by_owner", hash_key="owner_pk", range_key="owner_sk"),
        # The public catalog ("videos#public") in the other orders PeerTube clients ask for.
        Index(name="by_views", hash_key="list_pk", range_key="views", range_key_type="N"),
        Index(name="by_likes", hash_key="list_pk", range_key="likes", range_key_type="N"),
        Index(name="by_name", hash_key="list_pk", range_key="name_sort"),
        Index(name="by_duration", hash_key="list_pk", range_key="duration",
              range_key_type="N"),
    ),
    ttl_attribute="expires_at",
)

RESOURCES = Resources(
    table=TABLE,
    buckets={
        "uploads": Bucket(
            name="peerless-uploads",
            notifications=(Notification(queue="transcode", prefix=UPLOAD_PREFIX),),
            browser_uploads=True,
            abort_incomplete_uploads_days=3,
            # A chunked encode's chunks outlive it only when it failed for good.
            expiries=(Expiry(prefix=WORK_PREFIX, days=7),),
        ),
        "media": Bucket(name="peerless-media"),
    },
    queues={
        "transcode": Queue(name="peerless-transcode",
                           visibility_timeout=TRANSCODE_TIMEOUT + 60, max_receive_count=3),
        # Activities with their verified signature: a big Create with its object fits.
        "inbox": Queue(name="peerless-inbox", visibility_timeout=120, max_receive_count=5,
                       max_message_size=1048576),
        "delivery": Queue(name="peerless-delivery", visibility_timeout=120, max_receive_count=5),
    },
)


def function_environment(resources: Resources = RESOURCES) -> dict[str, str]:
    """The environment variables through which every function finds the resources."""
    env = {"PEERLESS_TABLE": resources.table.name}
    for key, bucket in resources.buckets.items():
        env[f"PEERLESS_{key.upper()}_BUCKET"] = bucket.name
    for key, queue in resources.queues.items():
        env[f"PEERLESS_{key.upper()}_QUEUE"] = queue.name
    return env
