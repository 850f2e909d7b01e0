"""Uploads: PeerTube's multipart form, and straight to S3 for the web app."""
from chalice import Blueprint

from peerless import aws, uploads
from peerless.settings import settings

from .http import JSON, MULTIPART, Call, no_content, ok, route

bp = Blueprint(__name__)

# Routes whose body the local front streams instead of reading it whole.
STREAMED = {("POST", "/api/v1/videos/upload")}


@route(bp, "/api/v1/videos/upload", methods=("POST",), content_types=[MULTIPART])
def upload_form(call: Call):
    declared = call.headers.get("content-length")
    video = uploads.receive_form_upload(aws.client("s3"), settings().uploads_bucket,
                                        call.user(), call.headers.get("content-type"),
                                        call.stream(),
                                        int(declared) if declared and declared.isdigit()
                                        else None)
    return ok({"video": uploads.video_ids(video)})


@route(bp, "/api/v1/videos/upload-direct", methods=("POST",), content_types=[JSON])
def upload_direct_start(call: Call):
    upload = uploads.start_direct_upload(aws.client("s3"), aws.browser_s3(),
                                         settings().uploads_bucket, call.user(), call.json())
    return ok(upload.as_json())


@route(bp, "/api/v1/videos/upload-direct/{ref}/complete", methods=("POST",),
       content_types=[JSON])
def upload_direct_complete(call: Call, ref: str):
    uploads.complete_direct_upload(aws.client("s3"), settings().uploads_bucket, call.user(),
                                   ref, call.json())
    return no_content()
