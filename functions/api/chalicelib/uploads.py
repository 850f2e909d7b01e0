"""Uploads: PeerTube's multipart form, and straight to S3 for the web app."""
from chalice import Blueprint, Response

from peerless import aws, resumable, uploads
from peerless.settings import settings

from .http import JSON, MULTIPART, OCTETS, Call, no_content, ok, route

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


@route(bp, "/api/v1/videos/upload-direct/{ref}")
def upload_direct_status(call: Call, ref: str):
    """An unfinished direct upload: the parts received and fresh URLs, to resume it."""
    upload = uploads.direct_upload_status(aws.client("s3"), aws.browser_s3(),
                                          settings().uploads_bucket, call.user(), ref,
                                          call.query_str("uploadId"))
    return ok(upload.as_json())


@route(bp, "/api/v1/videos/upload-direct/{ref}/complete", methods=("POST",),
       content_types=[JSON])
def upload_direct_complete(call: Call, ref: str):
    uploads.complete_direct_upload(aws.client("s3"), settings().uploads_bucket, call.user(),
                                   ref, call.json())
    return no_content()


# --- PeerTube's resumable upload -------------------------------------------------------

RESUMABLE = "/api/v1/videos/upload-resumable"


def _progress(call: Call, progress: resumable.Progress):
    """200 with the video once the file is whole, else 308 with the range received."""
    if progress.video is not None:
        return ok({"video": uploads.video_ids(progress.video)})
    headers = {"Range": f"bytes=0-{progress.received - 1}"} if progress.received else {}
    return Response(body="", status_code=308, headers=headers)


@route(bp, RESUMABLE, methods=("POST",), content_types=[JSON])
def resumable_start(call: Call):
    upload_id = resumable.start(call.user(), call.json(),
                                call.headers.get("x-upload-content-length"))
    return Response(body="", status_code=201,
                    headers={"Location": f"{settings().public_url}{RESUMABLE}"
                                         f"?upload_id={upload_id}"})


@route(bp, RESUMABLE, methods=("PUT",), content_types=[OCTETS, JSON])
def resumable_chunk(call: Call):
    return _progress(call, resumable.put_chunk(
        aws.client("s3"), settings().uploads_bucket, call.user(),
        call.query_str("upload_id"), call.headers.get("content-range"), call.raw()))


@route(bp, RESUMABLE, methods=("DELETE",))
def resumable_cancel(call: Call):
    resumable.cancel(aws.client("s3"), settings().uploads_bucket, call.user(),
                     call.query_str("upload_id"))
    return no_content()
