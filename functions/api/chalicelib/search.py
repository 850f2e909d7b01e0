"""Search over the local catalog, with the list filters."""
from chalice import Blueprint

from peerless import errors

from .http import Call, route
from .videos import video_page, video_query

bp = Blueprint(__name__)


@route(bp, "/api/v1/search/videos")
def search_videos(call: Call):
    if not (call.query_str("search") or "").strip():
        raise errors.invalid_params({"search": "Should have a search string."}, "query")
    return video_page(call, video_query(call))
