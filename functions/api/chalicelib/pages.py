"""The web app's pages that links are shared to (a video, a channel, an account, a
playlist): their index.html with link-preview tags, and the oEmbed endpoint those tags
point to. The same addresses are ActivityPub ids: an ActivityPub client asking for one
gets the actor's, video's or playlist's document instead (content negotiation, as PeerTube
does)."""
from functools import lru_cache
from pathlib import Path

from chalice import Blueprint, Response

from peerless import errors, link_previews
from peerless.federation import actors, objects
from peerless.settings import settings

from .activitypub import activity_json, wants_activity_json
from .http import Call, ok, route

bp = Blueprint(__name__)

# The page addresses PeerTube uses for them; /c/{handle}/videos and the like are tabs.
# /video-playlists/{ref} is a playlist's id, which the web app shows at /w/p/{ref}.
PAGES = ("/w/{ref}", "/videos/watch/{ref}", "/c/{ref}", "/c/{ref}/{tab}",
         "/video-channels/{ref}", "/video-channels/{ref}/{tab}", "/a/{ref}", "/a/{ref}/{tab}",
         "/accounts/{ref}", "/accounts/{ref}/{tab}", "/w/p/{ref}",
         "/videos/watch/playlist/{ref}", "/video-playlists/{ref}")


@lru_cache(maxsize=1)
def _template(path: str) -> str:
    return Path(path).read_text()


def _page(call: Call, ref: str, tab: str | None = None) -> Response:
    if wants_activity_json(call.headers.get("accept")):
        actor = actors.at_page(call.path)
        if actor is not None:
            return activity_json(actors.document(actor))
        document = objects.at_page(call.path, call.query_int("page", None, minimum=1))
        if document is not None:
            return activity_json(document)
    index = settings().site_index
    if not index:
        raise errors.not_found("The web app is not served by this function.")
    body = link_previews.page(call.path, _template(index))
    # A minute at the CDN: a renamed video's cards catch up soon, a shared link's burst of
    # preview fetches costs one invocation.
    return Response(body=body, status_code=200,
                    headers={"Content-Type": "text/html; charset=utf-8",
                             "Cache-Control": "public, max-age=60", "Vary": "Accept"})


for _path in PAGES:
    route(bp, _path)(_page)


@route(bp, "/services/oembed")
def oembed(call: Call):
    answer_format = call.query_str("format") or "json"
    if answer_format == "xml":  # oEmbed's other format, which PeerTube does not serve either
        raise errors.ApiError(501, "Only the json format is served.")
    if answer_format != "json":
        raise errors.invalid_params({"format": "Should be json or xml."}, "query")
    return ok(link_previews.oembed(call.query_str("url"),
                                   call.query_int("maxwidth", None, minimum=1),
                                   call.query_int("maxheight", None, minimum=1)))
