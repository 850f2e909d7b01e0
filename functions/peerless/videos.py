"""Videos: their attributes, their life from upload to published, and the public list."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import jsonschema
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from . import errors, ids
from .accounts import ROLE_MODERATOR, channel_by_id, next_id
from .models import Channel, Counter, User, Video, connection, now

# PeerTube's ids (packages/models: VideoPrivacy, VideoState).
PRIVACY_LABELS = {1: "Public", 2: "Unlisted", 3: "Private", 4: "Internal"}
PUBLIC = 1
PUBLISHED, TO_TRANSCODE, TRANSCODING_FAILED = 1, 2, 7
STATE_LABELS = {
    1: "Published", 2: "To transcode", 3: "To import", 4: "Waiting for livestream",
    5: "Livestream ended", 6: "To move to an external storage", 7: "Transcoding failed",
    8: "External storage move failed", 9: "To edit", 10: "To move to file system",
    11: "Move to file system failed",
}
PUBLIC_LIST = "videos#public"

# The attributes a client sets when it uploads, as PeerTube validates them.
ATTRIBUTES_SCHEMA = {
    "type": "object",
    "required": ["name", "channelId"],
    "properties": {
        "name": {"type": "string", "minLength": 3, "maxLength": 120},
        "channelId": {"type": "integer", "minimum": 1},
        "privacy": {"enum": list(PRIVACY_LABELS)},
        "category": {"type": "integer", "minimum": 1},
        "licence": {"type": "integer", "minimum": 1},
        "language": {"type": "string", "maxLength": 10},
        "description": {"type": "string", "minLength": 3, "maxLength": 10000},
        "support": {"type": "string", "minLength": 3, "maxLength": 1000},
        "tags": {"type": "array", "maxItems": 5,
                 "items": {"type": "string", "minLength": 2, "maxLength": 30}},
        "nsfw": {"type": "boolean"},
        "commentsPolicy": {"enum": [1, 2, 3]},
        "downloadEnabled": {"type": "boolean"},
        "waitTranscoding": {"type": "boolean"},
    },
}
_VALIDATOR = jsonschema.Draft7Validator(ATTRIBUTES_SCHEMA)
_INTEGERS = {"channelId", "privacy", "category", "licence", "commentsPolicy"}
_BOOLEANS = {"nsfw", "downloadEnabled", "waitTranscoding"}


@dataclass(frozen=True)
class VideoAttributes:
    name: str
    channel_id: int
    privacy: int = PUBLIC
    category: int | None = None
    licence: int | None = None
    language: str | None = None
    description: str | None = None
    support: str | None = None
    tags: list[str] = field(default_factory=list)
    nsfw: bool = False
    comments_policy: int = 1
    download_enabled: bool = True
    wait_transcoding: bool = True


def _coerce_form(fields: dict[str, str | list[str]]) -> dict:
    """Form fields are strings: give them the types the schema checks. What does not convert
    is left as it is, for the schema to name it."""
    out: dict = {}
    for name, value in fields.items():
        if name in ("tags", "tags[]"):
            out["tags"] = value if isinstance(value, list) else [value]
            continue
        if isinstance(value, list):
            value = value[-1]
        if name in _INTEGERS and value.strip().lstrip("-").isdigit():
            out[name] = int(value)
        elif name in _BOOLEANS and value in ("true", "false", "1", "0"):
            out[name] = value in ("true", "1")
        else:
            out[name] = value
    return out


def parse_attributes(fields: dict, *, from_form: bool) -> VideoAttributes:
    """Validated attributes, or a 400 naming every bad field."""
    data = _coerce_form(fields) if from_form else dict(fields)
    problems = {}
    for error in _VALIDATOR.iter_errors(data):
        name = error.path[0] if error.path else (
            error.message.split("'")[1] if error.validator == "required" else "body")
        problems.setdefault(str(name), error.message)
    if problems:
        raise errors.invalid_params(problems)
    return VideoAttributes(
        name=data["name"], channel_id=data["channelId"], privacy=data.get("privacy", PUBLIC),
        category=data.get("category"), licence=data.get("licence"),
        language=data.get("language"), description=data.get("description"),
        support=data.get("support"), tags=data.get("tags", []), nsfw=data.get("nsfw", False),
        comments_policy=data.get("commentsPolicy", 1),
        download_enabled=data.get("downloadEnabled", True),
        wait_transcoding=data.get("waitTranscoding", True))


def publishable_channel(user: User, channel_id: int) -> Channel:
    """The channel, if `user` may publish to it."""
    channel = channel_by_id(channel_id)
    if channel.owner != user.username:
        raise errors.forbidden("Cannot publish to this video channel.")
    return channel


def create(user: User, attrs: VideoAttributes, *, uuid: str, filename: str | None) -> Video:
    """A video waiting for its file: state "to transcode", in no list yet."""
    channel = publishable_channel(user, attrs.channel_id)
    video = Video(
        *Video.key(uuid), id=next_id("video"), uuid=uuid, name=attrs.name,
        description=attrs.description, support=attrs.support, channel=channel.name,
        owner=user.username, privacy=attrs.privacy, state=TO_TRANSCODE,
        category=attrs.category, licence=attrs.licence, language=attrs.language,
        tags=attrs.tags, nsfw=attrs.nsfw, comments_policy=attrs.comments_policy,
        download_enabled=attrs.download_enabled, wait_transcoding=attrs.wait_transcoding,
        upload_filename=filename, transcode_progress=0)
    video.nid = f"video#{video.id}"
    video.owner_pk = owned_list(user.username)
    video.owner_sk = f"{video.created_at.isoformat()}#{uuid}"
    video.save(condition=Video.pk.does_not_exist())
    return video


def owned_list(username: str) -> str:
    return f"videos-of#{username.lower()}"


def list_owned(username: str, start: int, count: int) -> tuple[int, list[Video]]:
    """Everything `username` uploaded, any state and privacy, newest first."""
    total = Video.by_owner.count(owned_list(username))
    items = Video.by_owner.query(owned_list(username), scan_index_forward=False,
                                 limit=start + count)
    return total, list(items)[start:start + count]


def find(ref: str) -> Video | None:
    """The video an id, UUID or short UUID names; a 400 when `ref` is none of those."""
    parsed = ids.parse_video_ref(ref)
    if parsed is None:
        raise errors.invalid_params(
            {"id": "Should have a valid video id (id, short UUID or UUID)"}, "params")
    kind, value = parsed
    if kind == "id":
        return next(iter(Video.by_nid.query(f"video#{value}")), None)
    try:
        return Video.get(*Video.key(value))
    except DoesNotExist:
        return None


def can_manage(video: Video, user: User | None) -> bool:
    return user is not None and (user.username == video.owner or user.role <= ROLE_MODERATOR)


def get_visible(ref: str, viewer: User | None) -> Video:
    """The video `ref` names, if `viewer` may see it; private ones only to their owner and
    moderators. Unlisted ones are visible to anyone with the link, as in PeerTube."""
    video = find(ref)
    if video is None or (video.privacy not in (PUBLIC, 2) and not can_manage(video, viewer)):
        raise errors.not_found("Video not found")
    return video


def list_public(start: int, count: int) -> tuple[int, list[Video]]:
    """Published public videos, newest first, read from the list index: the cost follows
    the page asked for, not the size of the catalog."""
    total = _counter_value(PUBLIC_LIST)
    if start >= total or count == 0:
        return total, []
    items = Video.by_list.query(PUBLIC_LIST, scan_index_forward=False, limit=start + count)
    return total, list(items)[start:start + count]


def _counter_value(name: str) -> int:
    try:
        return int(Counter.get(*Counter.key(name)).value)
    except DoesNotExist:
        return 0


def claim_for_transcoding(uuid: str, lease_seconds: int) -> Video | None:
    """The video, leased to this worker, if it waits for transcoding and no other worker
    holds it; else None (it is unknown, done already, or in work elsewhere)."""
    try:
        video = Video.get(*Video.key(uuid))
    except DoesNotExist:
        return None
    now_s = int(time.time())
    try:
        video.update(
            actions=[Video.transcode_lease_until.set(now_s + lease_seconds)],
            condition=(Video.state == TO_TRANSCODE) & (
                Video.transcode_lease_until.does_not_exist()
                | (Video.transcode_lease_until < now_s)))
    except UpdateError:
        return None
    return video


def release(video: Video) -> None:
    """Gives the lease back so a retry need not wait for it to run out."""
    video.update(actions=[Video.transcode_lease_until.remove()])


def report_progress(video: Video, percent: float) -> None:
    video.update(actions=[Video.transcode_progress.set(round(percent, 1))])


def publish(video: Video, media: dict, duration: float) -> None:
    """State "published", in the public list if public, the list total counted exactly
    once: a single transaction conditional on the state it leaves."""
    published_at = now()
    actions = [Video.state.set(PUBLISHED), Video.media.set(media),
               Video.duration.set(round(duration)), Video.published_at.set(published_at),
               Video.updated_at.set(published_at), Video.transcode_progress.set(100),
               Video.transcode_lease_until.remove()]
    public = video.privacy == PUBLIC
    if public:
        actions += [Video.list_pk.set(PUBLIC_LIST),
                    Video.list_sk.set(f"{published_at.isoformat()}#{video.uuid}")]
    try:
        with TransactWrite(connection=connection()) as transaction:
            transaction.update(video, actions=actions, condition=Video.state == TO_TRANSCODE)
            if public:
                transaction.update(Counter(*Counter.key(PUBLIC_LIST)),
                                   actions=[Counter.value.add(1)])
    except TransactWriteError as error:
        raise RuntimeError(f"video {video.uuid} left 'to transcode' while in work") from error
    video.refresh()


def fail(video: Video, reason: str) -> None:
    video.update(actions=[Video.state.set(TRANSCODING_FAILED), Video.failure_reason.set(reason),
                          Video.transcode_lease_until.remove(), Video.updated_at.set(now())],
                 condition=Video.state == TO_TRANSCODE)


def delete_unstarted(video: Video) -> None:
    """Removes a video whose file never arrived (its upload was refused or abandoned)."""
    video.delete(condition=Video.state == TO_TRANSCODE)


def release_all_leases() -> None:
    """Frees every transcoding lease. Only for a start after a stop, when no worker can be
    holding one; it scans the table, so never on a request path."""
    for video in Video.scan(Video.transcode_lease_until.exists()):
        release(video)
