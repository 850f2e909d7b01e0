"""Search over the local catalog, with the list filters."""
from datetime import datetime, timezone

from chalice import Blueprint

from peerless import channel_search, errors, videos
from peerless.federation import lookup
from peerless.peertube.videos import Authors, video
from peerless.settings import settings

from .accounts import channels_json
from .http import Call, page, page_bounds, route
from .videos import video_page, video_query

bp = Blueprint(__name__)


@route(bp, "/api/v1/search/videos")
def search_videos(call: Call):
    text = (call.query_str("search") or "").strip()
    if not text:
        raise errors.invalid_params({"search": "Should have a search string."}, "query")
    if lookup.is_remote_uri(text):
        # A video's address: that video, fetched from its server for a signed-in user.
        found = lookup.video(text, may_fetch=call.optional_user() is not None)
        shown = [found] if found is not None and videos.visible(found, None) else []
        return page(len(shown), [video(v, settings(), Authors(shown)) for v in shown])
    return video_page(call, video_query(
        call, duration_min=call.query_int("durationMin", None),
        duration_max=call.query_int("durationMax", None),
        published_after=_date(call.query_str("startDate"), "startDate"),
        published_before=_date(call.query_str("endDate"), "endDate")))


def _date(raw: str | None, name: str) -> datetime | None:
    """An ISO 8601 date or date-time of the query; a time without zone is taken as UTC."""
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise errors.invalid_params({name: "Should have a valid ISO 8601 date."},
                                    "query") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@route(bp, "/api/v1/search/video-channels")
def search_channels(call: Call):
    query = (call.query_str("search") or "").strip()
    if not query:
        raise errors.invalid_params({"search": "Should have a search string."}, "query")
    if lookup.is_remote_uri(query):
        # A channel of another server by its handle or address.
        found = lookup.channel(query, may_fetch=call.optional_user() is not None)
        return page(int(found is not None), channels_json([found] if found else []))
    total, found = channel_search.search(query, *page_bounds(call))
    return page(total, channels_json(found))
