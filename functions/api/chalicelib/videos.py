"""Videos: the catalog and one video."""
from chalice import Blueprint

from peerless import videos
from peerless.peertube.videos import Authors, video, video_details
from peerless.settings import settings

from .http import Call, ok, page, route

bp = Blueprint(__name__)


@route(bp, "/api/v1/videos/privacies")
def privacies(call: Call):
    return ok({str(k): v for k, v in videos.PRIVACY_LABELS.items()})


@route(bp, "/api/v1/videos")
def list_videos(call: Call):
    start = call.query_int("start", 0)
    count = call.query_int("count", 15, maximum=100)
    total, found = videos.list_public(start, count)
    authors = Authors(found)
    return page(total, [video(v, settings(), authors) for v in found])


@route(bp, "/api/v1/videos/{ref}")
def get_video(call: Call, ref: str):
    return ok(video_details(videos.get_visible(ref, call.optional_user()), settings()))
