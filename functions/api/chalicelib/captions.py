"""Captions of a video: listed by anyone who can see it, changed by its owner or a
moderator."""
from chalice import Blueprint

from peerless import aws, captions, videos
from peerless.peertube.captions import caption
from peerless.settings import settings

from .http import MULTIPART, Call, no_content, page, route

bp = Blueprint(__name__)


@route(bp, "/api/v1/videos/{ref}/captions")
def list_captions(call: Call, ref: str):
    found = captions.of_video(videos.get_visible(ref, call.optional_user()))
    return page(len(found), [caption(c, settings()) for c in found])


@route(bp, "/api/v1/videos/{ref}/captions/{language}", methods=("PUT",),
       content_types=[MULTIPART])
def put_caption(call: Call, ref: str, language: str):
    captions.put(aws.client("s3"), settings().media_bucket, call.user(), ref, language,
                 call.headers.get("content-type"), call.raw())
    return no_content()


@route(bp, "/api/v1/videos/{ref}/captions/{language}", methods=("DELETE",))
def delete_caption(call: Call, ref: str, language: str):
    captions.delete(aws.client("s3"), settings().media_bucket, call.user(), ref, language)
    return no_content()
