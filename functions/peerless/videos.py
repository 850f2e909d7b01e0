"""Videos: their attributes, their life from upload to published, and the public list."""
from __future__ import annotations

import io
import random
import secrets
import time
from dataclasses import dataclass, field
from typing import Callable

import jsonschema
from PIL import Image, ImageOps
from pynamodb.exceptions import TransactWriteError, UpdateError

from . import aws, catalog, errors, ids, images
from .forms import FormFile
from .accounts import ROLE_MODERATOR, channel_by_id, next_id
from .media_store import MediaStore
from .models import Channel, User, Video, get_or_none, now
from .vocabulary import CATEGORIES, LANGUAGES, LICENCES

# PeerTube's ids (packages/models: VideoPrivacy, VideoState).
PRIVACY_LABELS = {1: "Public", 2: "Unlisted", 3: "Private", 4: "Internal"}
PUBLIC, UNLISTED = 1, 2
PUBLISHED, TO_TRANSCODE, TRANSCODING_FAILED = 1, 2, 7
STATE_LABELS = {
    1: "Published", 2: "To transcode", 3: "To import", 4: "Waiting for livestream",
    5: "Livestream ended", 6: "To move to an external storage", 7: "Transcoding failed",
    8: "External storage move failed", 9: "To edit", 10: "To move to file system",
    11: "Move to file system failed",
}

# The attributes a client sets when it uploads, as PeerTube validates them.
ATTRIBUTES_SCHEMA = {
    "type": "object",
    "required": ["name", "channelId"],
    "properties": {
        "name": {"type": "string", "minLength": 3, "maxLength": 120},
        "channelId": {"type": "integer", "minimum": 1},
        "privacy": {"enum": list(PRIVACY_LABELS)},
        "category": {"enum": sorted(CATEGORIES)},
        "licence": {"enum": sorted(LICENCES)},
        "language": {"enum": sorted(LANGUAGES)},
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
    # Also spelled out in peerless.accounts, which this module builds on.
    return f"videos-of#{username.lower()}"


# Sorts of a user's own videos, done in memory when not newest first.
OWN_VIDEO_SORTS = {
    "createdAt": lambda v: v.created_at,
    "publishedAt": lambda v: v.published_at or v.created_at,
    "name": lambda v: v.name.lower(), "duration": lambda v: v.duration or 0,
    "views": lambda v: v.views or 0, "likes": lambda v: v.likes or 0,
}


def list_owned(username: str, start: int, count: int,
               sort: str = "-publishedAt") -> tuple[int, list[Video]]:
    """A page of everything `username` uploaded, any state and privacy. Newest first is
    read page by page from the index; other orders sort the user's whole list."""
    key = OWN_VIDEO_SORTS.get(sort.lstrip("-"))
    if key is None:
        raise errors.invalid_params(
            {"sort": f"Should be one of {', '.join(sorted(OWN_VIDEO_SORTS))}."}, "query")
    owned = owned_list(username)
    if sort in ("-createdAt", "-publishedAt"):
        total = Video.by_owner.count(owned)
        items = Video.by_owner.query(owned, scan_index_forward=False, limit=start + count)
        return total, list(items)[start:start + count]
    everything = list(Video.by_owner.query(owned))
    everything.sort(key=key, reverse=sort.startswith("-"))
    return len(everything), everything[start:start + count]


def find(ref: str) -> Video | None:
    """The video an id, UUID or short UUID names; a 400 when `ref` is none of those."""
    parsed = ids.parse_video_ref(ref)
    if parsed is None:
        raise errors.invalid_params(
            {"id": "Should have a valid video id (id, short UUID or UUID)"}, "params")
    kind, value = parsed
    if kind == "id":
        return next(iter(Video.by_nid.query(f"video#{value}")), None)
    return get_or_none(Video, Video.key(value))


WAITING_FOR_LIVE, LIVE_ENDED = 4, 5


def announced_state(video: Video) -> bool:
    """Whether the video's state is one other servers are told of: published, or a live
    waiting for its stream or past it (PeerTube federates lives from their creation)."""
    return video.state == PUBLISHED or (bool(video.is_live)
                                        and video.state in (WAITING_FOR_LIVE, LIVE_ENDED))


def can_manage(video: Video, user: User | None) -> bool:
    return user is not None and (user.username == video.owner or user.role <= ROLE_MODERATOR)


def visible(video: Video, viewer: User | None) -> bool:
    """Whether `viewer` may see `video`: private and blocked videos only their owner and
    moderators may; unlisted ones anyone with the link, as in PeerTube."""
    return (video.privacy in (PUBLIC, UNLISTED) and not video.blocked) or can_manage(video,
                                                                                   viewer)


def get_visible(ref: str, viewer: User | None) -> Video:
    """The video `ref` names, if `viewer` may see it (see `visible`), else a 404."""
    video = find(ref)
    if video is None or not visible(video, viewer):
        raise errors.not_found("Video not found")
    return video


def claim_for_transcoding(uuid: str, lease_seconds: int) -> Video | None:
    """The video, leased to this worker, if it waits for transcoding and no other worker
    holds it; else None (it is unknown, done already, or in work elsewhere)."""
    video = get_or_none(Video, Video.key(uuid))
    if video is None:
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
    _update_if_exists(video, [Video.transcode_lease_until.remove()])


def report_progress(video: Video, percent: float) -> None:
    """The percent shown while the video encodes. Chunks encoded in parallel all report:
    it only ever rises."""
    percent = round(percent, 1)
    _update_if_exists(video, [Video.transcode_progress.set(percent)],
                      Video.transcode_progress.does_not_exist()
                      | (Video.transcode_progress < percent))


def _update_if_exists(video: Video, actions: list, condition=None) -> None:
    """An update that never brings back a video deleted meanwhile (an update of a missing
    item would create it, without owner or name)."""
    exists = Video.pk.exists()
    try:
        video.update(actions=actions,
                     condition=exists if condition is None else exists & condition)
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def publish(video: Video, media: dict, duration: float) -> None:
    """State "published", and into the catalog's lists if public: one transaction,
    conditional on the state it leaves, so a redelivered event cannot publish twice."""
    video.media = media
    actions = [Video.media.set(media), *_publishing(video, duration)]
    try:
        catalog.commit(video, actions, Video.state == TO_TRANSCODE)
    except TransactWriteError as error:
        raise RuntimeError(f"video {video.uuid} left 'to transcode' while in work") from error


def _publishing(video: Video, duration: float) -> list:
    """The actions that publish the video, applied to the in-memory copy too."""
    published_at = now()
    video.state, video.duration = PUBLISHED, round(duration)
    video.published_at = video.updated_at = published_at
    return [Video.state.set(PUBLISHED), Video.duration.set(round(duration)),
            Video.published_at.set(published_at), Video.updated_at.set(published_at),
            Video.transcode_progress.set(100), Video.transcode_lease_until.remove()]


def add_media(video: Video, merge: Callable[[dict], dict],
              publish_duration: float | None = None) -> Video | None:
    """Merges renditions into the video's media: `merge` makes the new description from
    the current one, again on a fresh copy if another writer got in first. With
    `publish_duration`, a video still waiting for transcoding is published in the same
    write. Returns the video as written; None when it was deleted meanwhile."""
    for attempt in range(10):
        media = merge(video.media or {})
        # A new rendition is a change others see (servers holding the video order its
        # Updates by this date).
        actions = [Video.media.set(media)]
        if publish_duration is not None and video.state == TO_TRANSCODE:
            actions += _publishing(video, publish_duration)   # dates it too
        else:
            video.updated_at = now()
            actions.append(Video.updated_at.set(video.updated_at))
        video.media = media
        try:
            # The catalog's version changes with every write: it tells a racer apart.
            catalog.commit(video, actions, Video.pk.exists())
            return video
        except TransactWriteError:
            time.sleep(random.uniform(0, 0.05 * 2 ** min(attempt, 4)))
            video = get_or_none(Video, Video.key(video.uuid), consistent_read=True)
            if video is None:
                return None
    raise RuntimeError(f"video {video.uuid}: too many writers racing for its media")


def fail(video: Video, reason: str) -> None:
    _update_if_exists(video, [Video.state.set(TRANSCODING_FAILED),
                              Video.failure_reason.set(reason),
                              Video.transcode_lease_until.remove(), Video.updated_at.set(now())],
                      Video.state == TO_TRANSCODE)


def delete_unstarted(video: Video) -> None:
    """Removes a video whose file never arrived (its upload was refused or abandoned)."""
    video.delete(condition=Video.state == TO_TRANSCODE)


def release_all_leases() -> None:
    """Frees every transcoding lease. Only for a start after a stop, when no worker can be
    holding one; it scans the table, so never on a request path."""
    for video in Video.scan(Video.transcode_lease_until.exists()):
        release(video)


# What an owner may change after the upload (PUT /videos/{id}); every field optional.
UPDATE_SCHEMA = {
    "type": "object",
    "properties": {k: v for k, v in ATTRIBUTES_SCHEMA["properties"].items()
                   if k not in ("channelId", "waitTranscoding")},
}
# What an update may clear with null, as in PeerTube.
_CLEARABLE = ("description", "support", "category", "licence", "language")
_UPDATE_VALIDATOR = jsonschema.Draft7Validator(UPDATE_SCHEMA)
_FIELDS = {"name": "name", "description": "description", "support": "support",
           "privacy": "privacy", "category": "category", "licence": "licence",
           "language": "language", "tags": "tags", "nsfw": "nsfw",
           "commentsPolicy": "comments_policy", "downloadEnabled": "download_enabled"}


def removable(ref: str, user: User) -> Video:
    """The video, if `user` may remove it: its owner or a moderator (a moderator removes
    another server's video from this instance)."""
    video = get_visible(ref, user)
    if not can_manage(video, user):
        raise errors.forbidden("Cannot manage a video of another user.")
    return video


def editable(ref: str, user: User) -> Video:
    """The video, if `user` may change it: its owner or a moderator, for a local video."""
    video = removable(ref, user)
    if video.is_remote:
        raise errors.forbidden("Cannot change a video of another instance: its own server "
                               "does.")
    return video


def update(video: Video, fields: dict, *, from_form: bool) -> Video:
    """Changes the attributes given; the catalog follows (privacy, name, tags...)."""
    data = _coerce_form(fields) if from_form else dict(fields)
    data = {k: v for k, v in data.items() if k in _FIELDS}
    checked = {k: v for k, v in data.items() if not (v is None and k in _CLEARABLE)}
    problems = {str(e.path[0]) if e.path else "body": e.message
                for e in _UPDATE_VALIDATOR.iter_errors(checked)}
    if problems:
        raise errors.invalid_params(problems)

    def mutate(v: Video) -> list:
        actions = [Video.updated_at.set(now())]
        for name, attribute in _FIELDS.items():
            if name in data:
                setattr(v, attribute, data[name])
                column = getattr(Video, attribute)
                actions.append(column.remove() if data[name] is None else
                               column.set(data[name]))
        return actions
    return catalog.change(video, mutate)


# The pictures of a video an uploader may choose, in PeerTube's fields and sizes.
THUMBNAIL = images.Kind("thumbnailfile", "thumbnail_key", "lazy-static/thumbnails/",
                        ((280, 157),))
PREVIEW = images.Kind("previewfile", "preview_key", "lazy-static/previews/", ((850, 480),))


def set_pictures(video: Video, files: dict[str, FormFile],
                 media: MediaStore | None = None) -> None:
    """Uses the `thumbnailfile` and `previewfile` among `files` (any image) as the video's
    pictures, as JPEG (federation wants JPEG icons), under new names so caches that keep
    the old ones forever are never stale."""
    for kind in (THUMBNAIL, PREVIEW):
        if kind.field not in files:
            continue
        media = media or aws.media_store()
        picture = ImageOps.fit(ImageOps.exif_transpose(images.decode(files[kind.field], kind))
                               .convert("RGB"), kind.sizes[0], Image.Resampling.LANCZOS)
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=85)
        key = f"{kind.prefix}{video.uuid}-{secrets.token_hex(4)}.jpg"
        media.put_bytes(key, out.getvalue(), "image/jpeg")
        old = getattr(video, kind.attribute)
        _update_if_exists(video, [getattr(Video, kind.attribute).set(key)])
        setattr(video, kind.attribute, key)
        if old:
            media.delete([old])


def unlist(video: Video) -> None:
    """Out of every public list, before the video goes."""
    catalog.change(video, listed=False)


def delete(video: Video, media: MediaStore | None = None) -> None:
    """Removes a video's media, any upload still waiting, then its item (after
    peerless.removal has taken it out of everything else). Safe to repeat after a failure
    half way. A transcoder still at work finds the item gone and cleans up after itself."""
    media = media or aws.media_store()
    unlist(video)
    media.delete_video(video.uuid)
    media.delete([k for k in (video.thumbnail_key, video.preview_key) if k])
    media.delete_upload(video.uuid)
    video.delete()
