"""Lives: PeerTube's live API (create, read and change a live, its sessions), and a
Peerless extension to regenerate a stream key."""
from chalice import Blueprint

from peerless import live, seeder_demand, uploads, videos
from peerless.peertube.live import live_session, live_video
from peerless.settings import settings

from .http import ANY_BODY, JSON, Call, no_content, ok, route

bp = Blueprint(__name__)


def _body(call: Call) -> tuple[dict, bool, dict]:
    """The fields of a JSON, urlencoded or multipart body, whether they came as strings,
    and the files of a multipart one."""
    if call.content_type() == "multipart/form-data":
        form = call.multipart()
        return form.fields, True, form.files
    if call.content_type() == "application/json":
        return call.json(), False, {}
    return call.form(), True, {}


@route(bp, "/api/v1/videos/live", methods=("POST",), content_types=ANY_BODY)
def create_live(call: Call):
    """Create a live: a video waiting for its stream, with the settings PeerTube takes
    (`saveReplay`, `permanentLive`, `latencyMode`, `replaySettings`) and a video's
    attributes (`channelId`, `name`, `privacy`...); `thumbnailfile`/`previewfile` too."""
    fields, from_form, files = _body(call)
    video = live.create(call.user(), fields, from_form=from_form)
    # Its ingest must be up when the streamer's encoder connects.
    seeder_demand.going_live()
    if files:
        videos.set_pictures(video, files)
    return ok({"video": uploads.video_ids(video)})


@route(bp, "/api/v1/videos/live/{ref}")
def get_live(call: Call, ref: str):
    """The live's settings, RTMP URL and stream key: its owner and moderators only."""
    _, stream = live.get(ref, call.user())
    # The go-live page reads the key just before the streamer starts the encoder.
    seeder_demand.going_live()
    return ok(live_video(stream, settings()))


@route(bp, "/api/v1/videos/live/{ref}", methods=("PUT",), content_types=ANY_BODY)
def update_live(call: Call, ref: str):
    """Change the live's settings, while no stream runs."""
    fields, _, _ = _body(call)
    live.update(ref, call.user(), fields)
    return no_content()


@route(bp, "/api/v1/videos/live/{ref}/sessions")
def list_sessions(call: Call, ref: str):
    found = live.sessions(ref, call.user())
    return ok({"total": len(found), "data": [live_session(s) for s in found]})


@route(bp, "/api/v1/videos/live/{ref}/stream-key", methods=("POST",), content_types=[JSON])
def regenerate_key(call: Call, ref: str):
    """Not PeerTube's: a new stream key; the old one stops working at once."""
    stream = live.regenerate_key(ref, call.user())
    seeder_demand.going_live()
    return ok(live_video(stream, settings()))
