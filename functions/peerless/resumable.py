"""PeerTube's resumable upload (the uploadx protocol of `/api/v1/videos/upload-resumable`).

A client opens a session with the video's attributes and the file's size, then PUTs the
file in chunks with `Content-Range`, and may ask where it stands after a dropped
connection. Chunks are relayed into the parts of one S3 multipart upload: S3 wants every
part but the last to be at least 5 MiB, so bytes short of a part wait in a small tail
object in the uploads bucket until the next chunk completes one. Memory holds a chunk and
a tail at most, whatever the size of the file. When the last byte arrives the video is
created and the object `videos/<uuid>` completed: its S3 event starts transcoding, as
for the other upload roads.
"""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError

from . import errors, ids, quota, videos
from .models import Item, User, Video
from .uploads import upload_key

MIN_PART = 5 * 1024 * 1024
SESSION_LIFETIME = 24 * 3600
MAX_FILE_SIZE = 100 * 1024 ** 3
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
_STATUS = re.compile(r"^bytes \*/(\d+)$")


class ResumableUpload(Item, discriminator="resumable-upload"):
    owner = UnicodeAttribute()
    attributes = JSONAttribute()           # the video's attributes, validated
    filename = UnicodeAttribute()
    size = NumberAttribute()
    received = NumberAttribute(default=0)  # bytes accepted so far, in order
    uuid = UnicodeAttribute()              # the video's, chosen at the start
    s3_upload_id = UnicodeAttribute(null=True)
    parts = JSONAttribute(default=list)    # [{"PartNumber": n, "ETag": "..."}]
    tail = NumberAttribute(default=0)      # bytes waiting in the tail object
    done = NumberAttribute(default=0)      # 1 once the video exists
    expires_at = NumberAttribute()         # the table's TTL attribute

    @staticmethod
    def key(upload_id: str) -> tuple[str, str]:
        return f"resumable#{upload_id}", "resumable"


@dataclass(frozen=True)
class Progress:
    """Where an upload stands after a request: done (with its video) or not yet."""
    received: int
    video: Video | None = None


def _tail_key(upload: ResumableUpload) -> str:
    return f"resumable/{upload.uuid}.tail"


def start(user: User, body: dict, size_header: str | None) -> str:
    """Opens a session; its id goes into the Location the client PUTs chunks to."""
    if not isinstance(body, dict):
        raise errors.bad_request("The request body must be a JSON object.")
    problems = {}
    filename = body.get("filename")
    if not isinstance(filename, str) or not 1 <= len(filename) <= 1000:
        problems["filename"] = "Should have a valid filename"
    if not (size_header or "").isdigit() or not 0 < int(size_header) <= MAX_FILE_SIZE:
        problems["X-Upload-Content-Length"] = "Should have a valid file size"
    if problems:
        raise errors.invalid_params(problems, "headers" if "filename" not in problems
                                    else "body")
    fields = {k: v for k, v in body.items() if k != "filename"}
    attrs = videos.parse_attributes(fields, from_form=False)
    videos.publishable_channel(user, attrs.channel_id)
    size = int(size_header)
    quota.check(user, size)
    upload_id = secrets.token_hex(16)
    ResumableUpload(*ResumableUpload.key(upload_id), owner=user.username, attributes=fields,
                    filename=filename, size=size, uuid=ids.new_uuid(),
                    expires_at=int(time.time()) + SESSION_LIFETIME).save()
    return upload_id


def _session(user: User, upload_id: str | None) -> ResumableUpload:
    try:
        upload = ResumableUpload.get(*ResumableUpload.key(upload_id or ""))
    except DoesNotExist:
        upload = None
    if upload is None or upload.owner != user.username or upload.expires_at < time.time():
        raise errors.not_found("Upload not found")
    return upload


def status(user: User, upload_id: str | None) -> Progress:
    upload = _session(user, upload_id)
    return Progress(upload.received, _video(upload) if upload.done else None)


def put_chunk(s3, bucket: str, user: User, upload_id: str | None, content_range: str | None,
              chunk: bytes) -> Progress:
    """Accepts the chunk that continues the file; a chunk sent again after a dropped
    answer is acknowledged without being written twice."""
    upload = _session(user, upload_id)
    if content_range and (match := _STATUS.match(content_range)):
        return Progress(upload.received, _video(upload) if upload.done else None)
    match = _RANGE.match(content_range or "")
    if not match:
        raise errors.bad_request("Content-Range must be `bytes start-end/total`.")
    first, last, total = (int(g) for g in match.groups())
    if total != upload.size or last - first + 1 != len(chunk) or last >= total:
        raise errors.bad_request("Content-Range does not match the upload or the chunk.")
    if upload.done:
        return Progress(upload.received, _video(upload))
    if first == upload.received:
        _write(s3, bucket, upload, chunk, final=last + 1 == total)
    elif last >= upload.received:
        raise errors.ApiError(409, f"Expected the chunk starting at byte {upload.received}.")
    # (A chunk sent again: it is counted already.) The whole file is here, maybe since a
    # try that failed before the end: finish, which is safe to repeat.
    if upload.received == upload.size:
        return Progress(upload.received, _finish(s3, bucket, user, upload))
    return Progress(upload.received)


def _write(s3, bucket: str, upload: ResumableUpload, chunk: bytes, *, final: bool) -> None:
    key = upload_key(upload.uuid)
    pending = chunk
    if upload.tail:
        # Exactly the bytes the session counts: a failed try may have left more.
        pending = s3.get_object(Bucket=bucket, Key=_tail_key(upload),
                                Range=f"bytes=0-{upload.tail - 1}")["Body"].read() + chunk
    parts = list(upload.parts)
    upload_id = upload.s3_upload_id
    tail = len(pending)
    if len(pending) >= MIN_PART or final:
        if upload_id is None:
            upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        number = len(parts) + 1
        etag = s3.upload_part(Bucket=bucket, Key=key, PartNumber=number, UploadId=upload_id,
                              Body=pending)["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
        tail = 0
    else:
        s3.put_object(Bucket=bucket, Key=_tail_key(upload), Body=pending)
    try:
        # Conditional on the offset read: of two racing copies of a chunk, one counts.
        upload.update(actions=[ResumableUpload.received.set(upload.received + len(chunk)),
                               ResumableUpload.parts.set(parts),
                               ResumableUpload.s3_upload_id.set(upload_id),
                               ResumableUpload.tail.set(tail)],
                      condition=ResumableUpload.received == upload.received)
    except UpdateError:
        raise errors.ApiError(409, "Another request wrote this chunk meanwhile.") from None


def _finish(s3, bucket: str, user: User, upload: ResumableUpload) -> Video:
    """The video, then the object that starts its transcoding; each step is skipped when
    an earlier try did it."""
    video = videos.find(upload.uuid)
    if video is None:
        attrs = videos.parse_attributes(upload.attributes, from_form=False)
        video = videos.create(user, attrs, uuid=upload.uuid, filename=upload.filename)
    quota.record(user, video.uuid, upload.size)
    try:
        s3.complete_multipart_upload(Bucket=bucket, Key=upload_key(upload.uuid),
                                     UploadId=upload.s3_upload_id,
                                     MultipartUpload={"Parts": upload.parts})
    except s3.exceptions.NoSuchUpload:
        pass  # completed by an earlier try
    upload.update(actions=[ResumableUpload.done.set(1)])
    s3.delete_object(Bucket=bucket, Key=_tail_key(upload))
    return video


def _video(upload: ResumableUpload) -> Video:
    return Video.get(*Video.key(upload.uuid))


def cancel(s3, bucket: str, user: User, upload_id: str | None) -> None:
    upload = _session(user, upload_id)
    if upload.s3_upload_id and not upload.done:
        s3.abort_multipart_upload(Bucket=bucket, Key=upload_key(upload.uuid),
                                  UploadId=upload.s3_upload_id)
    s3.delete_object(Bucket=bucket, Key=_tail_key(upload))
    upload.delete()
