"""Live videos: PeerTube's live API, and a stream's life as the ingest (peerless_live)
drives it.

A live video is a `Video` with `is_live`, and a `LiveStream` item beside it that holds its
stream key and settings. Its state follows PeerTube's ids:

    waiting (4) --first playable playlist--> published (1) --stream stops-->
        permanent live:          waiting (4) again, for the next stream on the same key
        with a replay:           to transcode (2): the recording becomes a normal video
                                 (a permanent live's replay is a new video each time)
        otherwise:               ended (5)

One stream at a time per key: the ingest takes the key with a conditional write naming
its session, and keeps it with a heartbeat; a session whose heartbeat stopped (a crashed
ingest) gives way after STALE_AFTER seconds. Every step is conditional on the session
that took it, so a repeat or a late step of an old session changes nothing.
"""
from __future__ import annotations

import logging
import secrets
import time
import uuid as uuids
from dataclasses import dataclass

import jsonschema
from pynamodb.attributes import (BooleanAttribute, NumberAttribute, UnicodeAttribute,
                                 UTCDateTimeAttribute)
from pynamodb.exceptions import PutError, UpdateError

from . import accounts, catalog, errors, instance_config, videos
from .federation import publishing
from .models import Channel, Item, User, Video, get_or_none, now
from .settings import settings

log = logging.getLogger(__name__)

WAITING, ENDED = 4, 5
# PeerTube's LiveVideoLatencyMode: the default; high latency (more P2P); small latency.
LATENCY_MODES = {1: "Default", 2: "High latency", 3: "Small latency"}
DEFAULT_LATENCY, HIGH_LATENCY, SMALL_LATENCY = 1, 2, 3
# PeerTube's LiveVideoError, the reasons a session ended badly.
BAD_SOCKET_HEALTH, DURATION_EXCEEDED, QUOTA_EXCEEDED, FFMPEG_ERROR, BLACKLISTED = 1, 2, 3, 4, 5
HEARTBEAT_EVERY = 5      # seconds between two heartbeats of a running session
STALE_AFTER = 30         # seconds without a heartbeat before a session counts as dead
ACTIVE_LIST = "lives#active"


class LiveStream(Item, discriminator="live-stream"):
    """A live video's key and settings, and the session streaming to it now, if any.
    `nid` is `live-key#<key>`: the ingest finds the video from the key alone."""
    uuid = UnicodeAttribute()
    owner = UnicodeAttribute()
    stream_key = UnicodeAttribute()
    permanent = BooleanAttribute(default=False)
    save_replay = BooleanAttribute(default=False)
    replay_privacy = NumberAttribute(null=True)
    latency_mode = NumberAttribute(default=DEFAULT_LATENCY)
    session = UnicodeAttribute(null=True)
    heartbeat_at = NumberAttribute(null=True)

    @staticmethod
    def key(uuid: str) -> tuple[str, str]:
        return f"live#{uuid}", "live"

    def beating(self, now: float) -> bool:
        """Whether a session holds the live and its ingest's heartbeat is fresh."""
        return bool(self.session) and (self.heartbeat_at or 0) >= int(now) - STALE_AFTER


class LiveSession(Item, discriminator="live-session"):
    """One stream of a live video, from its start to its end (PeerTube's LiveVideoSession)."""
    id = NumberAttribute()
    session = UnicodeAttribute()
    started_at = UTCDateTimeAttribute(default=now)
    ended_at = UTCDateTimeAttribute(null=True)
    error = NumberAttribute(null=True)
    save_replay = BooleanAttribute(default=False)
    replay_uuid = UnicodeAttribute(null=True)

    @staticmethod
    def key(uuid: str, session: str) -> tuple[str, str]:
        return f"live-sessions#{uuid}", session


# --- PeerTube's live API -------------------------------------------------------------------

_SETTINGS = {
    "saveReplay": {"type": "boolean"},
    "permanentLive": {"type": "boolean"},
    "latencyMode": {"enum": list(LATENCY_MODES)},
    "replaySettings": {"type": "object", "properties": {
        "privacy": {"enum": list(videos.PRIVACY_LABELS)}}},
}
_SETTINGS_VALIDATOR = jsonschema.Draft7Validator({"type": "object", "properties": _SETTINGS})
_BOOLEANS = ("saveReplay", "permanentLive")


def _settings_of(body: dict) -> dict:
    """The live settings of a request body (JSON, or a form's strings), checked."""
    data = {k: v for k, v in body.items() if k in _SETTINGS}
    for name in _BOOLEANS:
        if data.get(name) in ("true", "false"):
            data[name] = data[name] == "true"
    if isinstance(data.get("latencyMode"), str) and data["latencyMode"].isdigit():
        data["latencyMode"] = int(data["latencyMode"])
    privacy = body.get("replaySettings[privacy]")
    if privacy is not None:
        data["replaySettings"] = {"privacy": int(privacy) if str(privacy).isdigit() else privacy}
    problems = {str(e.path[0]) if e.path else "body": e.message
                for e in _SETTINGS_VALIDATOR.iter_errors(data)}
    if problems:
        raise errors.invalid_params(problems)
    return data


def _check_allowed(data: dict, config: instance_config.InstanceConfig) -> None:
    if data.get("saveReplay") and not config.live_allow_replay:
        raise errors.forbidden("Saving live replay is not enabled on this instance")
    if data.get("latencyMode", DEFAULT_LATENCY) != DEFAULT_LATENCY \
            and not config.live_latency_setting:
        raise errors.bad_request("Custom latency mode is not allowed by this instance")


def _new_key() -> str:
    return str(uuids.uuid4())


def create(user: User, fields: dict, *, from_form: bool) -> Video:
    """A live video waiting for its first stream (POST /videos/live): the video's
    attributes as an upload takes them, and the live settings."""
    config = instance_config.get()
    if not config.live_enabled:
        raise errors.forbidden("Live is not enabled on this instance")
    data = _settings_of(fields)
    _check_allowed(data, config)
    attrs = videos.parse_attributes({k: v for k, v in fields.items() if k not in _SETTINGS
                                     and not k.startswith("replaySettings")},
                                    from_form=from_form)
    _check_limits(user, config)
    video = videos.create(user, attrs, uuid=str(uuids.uuid4()), filename=None)
    key = _new_key()
    stream = LiveStream(*LiveStream.key(video.uuid), uuid=video.uuid, owner=user.username,
                        stream_key=key, permanent=data.get("permanentLive", False),
                        save_replay=data.get("saveReplay", False),
                        replay_privacy=(data.get("replaySettings") or {}).get("privacy"),
                        latency_mode=data.get("latencyMode", DEFAULT_LATENCY),
                        nid=f"live-key#{key}", list_pk=ACTIVE_LIST,
                        list_sk=f"{video.created_at.isoformat()}#{video.uuid}",
                        owner_pk=_owned(user.username), owner_sk=video.uuid)
    stream.save()
    video.update(actions=[Video.is_live.set(True), Video.state.set(WAITING),
                          Video.transcode_progress.remove()])
    publishing.sync(video, was_visible=False)
    return video


def _owned(username: str) -> str:
    return f"lives-of#{username.lower()}"


def _check_limits(user: User, config: instance_config.InstanceConfig) -> None:
    """PeerTube's limits on lives not ended yet, on the instance and per user."""
    if config.live_max_instance_lives >= 0 and \
            LiveStream.by_list.count(ACTIVE_LIST) >= config.live_max_instance_lives:
        raise errors.forbidden("Cannot create this live because the max instance lives "
                               "limit is reached.")
    if config.live_max_user_lives >= 0 and \
            LiveStream.by_owner.count(_owned(user.username)) >= config.live_max_user_lives:
        raise errors.forbidden("Cannot create this live because the max user lives limit "
                               "is reached.")


def _managed(ref: str, user: User) -> tuple[Video, LiveStream]:
    video = videos.get_visible(ref, user)
    stream = get_or_none(LiveStream, LiveStream.key(video.uuid))
    if stream is None or video.is_remote:
        raise errors.not_found("Live video not found")
    if not videos.can_manage(video, user):
        raise errors.forbidden("Cannot manage a live video of another user")
    return video, stream


def get(ref: str, user: User) -> tuple[Video, LiveStream]:
    """The live and its key, for its owner or a moderator (GET /videos/live/{id})."""
    return _managed(ref, user)


def update(ref: str, user: User, fields: dict) -> None:
    """Changes the live's settings (PUT /videos/live/{id}), not while it streams."""
    video, stream = _managed(ref, user)
    data = _settings_of(fields)
    _check_allowed(data, instance_config.get())
    if video.state != WAITING and data:
        raise errors.bad_request("Cannot update a live that has already started")
    actions = []
    for name, attribute in (("saveReplay", LiveStream.save_replay),
                            ("permanentLive", LiveStream.permanent),
                            ("latencyMode", LiveStream.latency_mode)):
        if name in data:
            actions.append(attribute.set(data[name]))
    if "replaySettings" in data:
        actions.append(LiveStream.replay_privacy.set(data["replaySettings"].get("privacy")))
    if actions:
        stream.update(actions=actions)


def regenerate_key(ref: str, user: User) -> LiveStream:
    """A new stream key; the old one stops working at once (a stream already running on
    it goes on)."""
    _, stream = _managed(ref, user)
    key = _new_key()
    stream.update(actions=[LiveStream.stream_key.set(key), LiveStream.nid.set(f"live-key#{key}")])
    return stream


def sessions(ref: str, user: User) -> list[LiveSession]:
    """The live's sessions, oldest first (GET /videos/live/{id}/sessions)."""
    video, _ = _managed(ref, user)
    return sorted(LiveSession.query(f"live-sessions#{video.uuid}"), key=lambda s: s.started_at)


def forget(video: Video) -> None:
    """Removes the live's key and sessions, before the video goes."""
    stream = get_or_none(LiveStream, LiveStream.key(video.uuid))
    if stream is not None:
        stream.delete()
    for session in LiveSession.query(f"live-sessions#{video.uuid}"):
        session.delete()


# --- a stream's life, as the ingest drives it ----------------------------------------------

class Refused(Exception):
    """Why a stream may not start, in words for the streamer's encoder log."""


@dataclass(frozen=True)
class Start:
    """What the ingest needs to run a stream it was allowed to start."""
    uuid: str
    session: str
    name: str
    latency_mode: int
    resolutions: frozenset[int]      # the rungs the admin enabled for lives
    max_height: int
    max_duration: float | None       # seconds; None: unlimited


def begin(stream_key: str) -> Start:
    """Takes the live of `stream_key` for a new session, or raises Refused: a wrong key,
    lives disabled, a video blocked or ended, a stream already running on it."""
    config = instance_config.get()
    if not config.live_enabled:
        raise Refused("Live is not enabled on this instance")
    stream = next(iter(LiveStream.by_nid.query(f"live-key#{stream_key}")), None)
    # The index is eventually consistent: a key just regenerated is read from the item.
    if stream is not None:
        stream.refresh(consistent_read=True)
    if stream is None or not secrets.compare_digest(stream.stream_key, stream_key):
        raise Refused("Unknown stream key")
    video = get_or_none(Video, Video.key(stream.uuid), consistent_read=True)
    if video is None or not video.is_live:
        raise Refused("This live does not exist anymore")
    if video.blocked:
        raise Refused("This live is blocked")
    if video.state != WAITING:
        raise Refused("This live has ended" if video.state != videos.PUBLISHED
                      else "Another stream is already running on this key")
    session = secrets.token_hex(8)
    now_s = int(time.time())
    try:
        stream.update(actions=[LiveStream.session.set(session),
                               LiveStream.heartbeat_at.set(now_s)],
                      condition=LiveStream.session.does_not_exist()
                      | (LiveStream.heartbeat_at < now_s - STALE_AFTER))
    except UpdateError:
        raise Refused("Another stream is already running on this key") from None
    try:
        LiveSession(*LiveSession.key(video.uuid, session), id=accounts.next_id("live-session"),
                    session=session, save_replay=stream.save_replay).save(
            condition=LiveSession.pk.does_not_exist())
    except PutError:
        pass  # a repeat of this very step
    duration = config.live_max_duration
    return Start(uuid=video.uuid, session=session, name=video.name,
                 latency_mode=int(stream.latency_mode),
                 resolutions=frozenset(config.live_resolutions),
                 max_height=settings().max_resolution,
                 max_duration=duration / 1000 if duration and duration > 0 else None)


def _stream_if_ours(uuid: str, session: str) -> LiveStream | None:
    stream = get_or_none(LiveStream, LiveStream.key(uuid), consistent_read=True)
    return stream if stream is not None and stream.session == session else None


def went_live(uuid: str, session: str, media: dict) -> bool:
    """The first playable playlist is up: the video is published as live, with `media`
    (the master playlist, the segment hashes, the renditions). False when the session
    is no longer the live's (ended, taken over, or the video deleted)."""
    if _stream_if_ours(uuid, session) is None:
        return False
    video = get_or_none(Video, Video.key(uuid), consistent_read=True)
    if video is None:
        return False
    was_visible = publishing.visible(video)
    started = now()

    def mutate(v: Video) -> list:
        v.state, v.media, v.updated_at = videos.PUBLISHED, media, started
        actions = [Video.state.set(videos.PUBLISHED), Video.media.set(media),
                   Video.updated_at.set(started), Video.viewers.set(0)]
        if v.published_at is None:
            v.published_at = started
            actions.append(Video.published_at.set(started))
        return actions
    catalog.change(video, mutate)
    publishing.sync(video, was_visible)
    return True


def heartbeat(uuid: str, session: str, viewers: int | None = None) -> bool:
    """Keeps the session's hold on its live, and shows how many watch; False when the
    session lost it (the video was deleted, blocked, or its stream taken over)."""
    stream = get_or_none(LiveStream, LiveStream.key(uuid))
    if stream is None:
        return False
    try:
        stream.update(actions=[LiveStream.heartbeat_at.set(int(time.time()))],
                      condition=LiveStream.session == session)
    except UpdateError:
        return False
    video = get_or_none(Video, Video.key(uuid))
    if video is None or video.blocked:
        return False
    if viewers is not None and video.viewers != viewers:
        video.update(actions=[Video.viewers.set(viewers)], condition=Video.pk.exists())
    return True


@dataclass(frozen=True)
class Ended:
    """What is left to do after a session: where the recording goes, if it is kept."""
    replay_uuid: str | None


def end(uuid: str, session: str, *, error: int | None = None,
        recorded_seconds: float = 0.0, went_live: bool = True) -> Ended:
    """The session is over: the live waits again (permanent), becomes its replay, or
    ends. `recorded_seconds` is how much of the stream was recorded: nothing recorded, no
    replay. A session that never went live (refused after its start: no picture, an
    absurd one) broadcast nothing: the live waits again.

    The end is claimed first (the session renamed `ending:<session>`), so a repeat or a
    racing end changes nothing; an end that dies half way leaves its claim to go stale,
    and the ingest's sweep ends it again (`session` may be the claim's name)."""
    session = session.removeprefix(_ENDING)
    stream = get_or_none(LiveStream, LiveStream.key(uuid), consistent_read=True)
    if stream is None or stream.session not in (session, _ENDING + session):
        return Ended(None)
    try:
        stream.update(actions=[LiveStream.session.set(_ENDING + session),
                               LiveStream.heartbeat_at.set(int(time.time()))],
                      condition=LiveStream.session.is_in(session, _ENDING + session))
    except UpdateError:
        return Ended(None)
    video = get_or_none(Video, Video.key(uuid), consistent_read=True)
    replay = stream.save_replay and recorded_seconds >= 1 and video is not None \
        and went_live and error != BLACKLISTED and instance_config.get().live_allow_replay
    replay_uuid = None
    if video is not None and video.is_live:
        was_visible = publishing.visible(video)
        if replay and stream.permanent:
            replay_uuid = _replay_video(video, stream).uuid
        elif replay:
            replay_uuid = video.uuid
        _after_stream(video, stream, becomes_replay=replay and not stream.permanent,
                      waits_again=stream.permanent or not went_live)
        publishing.sync(video, was_visible)
    record = get_or_none(LiveSession, LiveSession.key(uuid, session))
    if record is not None and record.ended_at is None:
        record.update(actions=[LiveSession.ended_at.set(now()),
                               *([LiveSession.error.set(error)] if error else []),
                               *([LiveSession.replay_uuid.set(replay_uuid)]
                                 if replay_uuid else [])])
    try:
        stream.update(actions=[LiveStream.session.remove(), LiveStream.heartbeat_at.remove(),
                               # An ended live no longer counts against the limits.
                               *([] if stream.permanent or not went_live else
                                 [LiveStream.list_pk.remove(), LiveStream.owner_pk.remove()])],
                      condition=LiveStream.session == _ENDING + session)
    except UpdateError:
        pass   # deleted meanwhile
    return Ended(replay_uuid)


_ENDING = "ending:"


def _after_stream(video: Video, stream: LiveStream, *, becomes_replay: bool,
                  waits_again: bool) -> None:
    ended_at = now()

    def mutate(v: Video) -> list:
        if becomes_replay:
            v.state, v.is_live = videos.TO_TRANSCODE, False
            if stream.replay_privacy:
                v.privacy = int(stream.replay_privacy)
        else:
            v.state = WAITING if waits_again else ENDED
        v.media, v.viewers, v.updated_at = None, 0, ended_at
        actions = [Video.state.set(v.state), Video.is_live.set(bool(v.is_live)),
                   Video.media.remove(), Video.viewers.set(0), Video.updated_at.set(ended_at),
                   Video.privacy.set(v.privacy)]
        if becomes_replay:
            actions.append(Video.transcode_progress.set(0))
        return actions
    catalog.change(video, mutate)


def _replay_video(live: Video, stream: LiveStream) -> Video:
    """A permanent live's replay: a new video of the same channel, waiting for the
    recording (PeerTube names it after the live and the day)."""
    user = User.get(*User.key(live.owner))
    channel = Channel.get(*Channel.key(live.channel))
    attrs = videos.VideoAttributes(
        name=f"{live.name} - {now().strftime('%Y-%m-%d %H:%M')}"[:120],
        channel_id=channel.id,
        privacy=int(stream.replay_privacy or live.privacy), category=live.category,
        licence=live.licence, language=live.language, description=live.description,
        support=live.support, tags=list(live.tags or []), nsfw=bool(live.nsfw),
        comments_policy=int(live.comments_policy or 1),
        download_enabled=bool(live.download_enabled))
    return videos.create(user, attrs, uuid=str(uuids.uuid4()), filename=None)


def owner_of(uuid: str) -> str | None:
    video = get_or_none(Video, Video.key(uuid))
    return video.owner if video is not None else None


def not_ended() -> list[LiveStream]:
    """The lives not ended yet (waiting or streaming)."""
    return list(LiveStream.by_list.query(ACTIVE_LIST))


def stale_sessions() -> list[LiveStream]:
    """Lives whose session stopped beating (its ingest died): for a sweep to end them."""
    now = time.time()
    return [s for s in not_ended() if s.session and not s.beating(now)]
