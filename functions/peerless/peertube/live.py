"""Lives: PeerTube's LiveVideo and LiveVideoSession."""
from __future__ import annotations

from .. import ids
from ..live import LiveSession, LiveStream
from ..models import Video, get_or_none
from ..settings import Settings
from .common import timestamp


def live_video(stream: LiveStream, s: Settings) -> dict:
    """The live's settings and where to stream (its key: only its owner and moderators
    are given this)."""
    return {
        "rtmpUrl": s.rtmp_url, "rtmpsUrl": None, "streamKey": stream.stream_key,
        "saveReplay": bool(stream.save_replay), "permanentLive": bool(stream.permanent),
        "latencyMode": int(stream.latency_mode),
        "replaySettings": ({"privacy": int(stream.replay_privacy)}
                           if stream.replay_privacy else None),
    }


def live_session(session: LiveSession) -> dict:
    replay = (get_or_none(Video, Video.key(session.replay_uuid))
              if session.replay_uuid else None)
    return {
        "id": int(session.id), "startDate": timestamp(session.started_at),
        "endDate": timestamp(session.ended_at) if session.ended_at else None,
        "error": int(session.error) if session.error else None,
        "saveReplay": bool(session.save_replay),
        "replayVideo": ({"id": replay.id, "uuid": replay.uuid,
                         "shortUUID": ids.to_short(replay.uuid)} if replay else None),
    }
