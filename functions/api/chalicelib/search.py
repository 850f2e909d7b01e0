"""Search over the local catalog, with the list filters."""
from chalice import Blueprint

from peerless import channel_search, errors

from .accounts import channels_json
from .http import Call, page, page_bounds, route
from .videos import video_page, video_query

bp = Blueprint(__name__)


@route(bp, "/api/v1/search/videos")
def search_videos(call: Call):
    if not (call.query_str("search") or "").strip():
        raise errors.invalid_params({"search": "Should have a search string."}, "query")
    return video_page(call, video_query(call))


@route(bp, "/api/v1/search/video-channels")
def search_channels(call: Call):
    query = (call.query_str("search") or "").strip()
    if not query:
        raise errors.invalid_params({"search": "Should have a search string."}, "query")
    total, found = channel_search.search(query, *page_bounds(call))
    return page(total, channels_json(found))
