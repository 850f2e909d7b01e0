"""Pictures of other servers' videos, playlists and actors, at the instance's own paths (PeerTube's
clients read every picture from the instance they talk to): a redirect to the origin's
copy, cached by browsers and the CDN for a day."""
from chalice import Blueprint, Response

from peerless import errors, playlists, videos
from peerless.federation import remote_actors

from .http import Call, route

bp = Blueprint(__name__)
CACHE = "public, max-age=86400"


def _redirect(url: str | None) -> Response:
    if not url:
        raise errors.not_found("Picture not found")
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": CACHE})


@route(bp, "/lazy-static/remote/videos/{ref}/{picture}")
def video_picture(call: Call, ref: str, picture: str):
    video = videos.find(ref)
    kind = {"thumbnail.jpg": "thumbnail_url", "preview.jpg": "preview_url"}.get(picture)
    if video is None or not video.is_remote or kind is None:
        raise errors.not_found("Picture not found")
    return _redirect(video.remote.get(kind))


@route(bp, "/lazy-static/remote/playlists/{ref}/thumbnail.jpg")
def playlist_thumbnail(call: Call, ref: str):
    found = playlists.find(ref)
    return _redirect((found.remote or {}).get("thumbnail_url"))


@route(bp, "/lazy-static/remote/actors/{handle}/avatar.jpg")
def actor_avatar(call: Call, handle: str):
    actor = remote_actors.by_handle(handle)
    return _redirect(actor.icon_url if actor is not None else None)
