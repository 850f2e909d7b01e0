"""Getting a video's file into the uploads bucket, by either road:

- PeerTube's multipart `POST /videos/upload`, parsed as it streams and relayed into S3
  multipart parts, so memory holds one part at most, never the whole file;
- direct to S3: the API hands out presigned part URLs and the client PUTs the parts itself.

Both end with the object `videos/<uuid>` in the uploads bucket, whose creation event starts
transcoding. A refused upload leaves nothing behind: no object, no video.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import BinaryIO

from botocore.exceptions import ClientError
from peerless_infra.resources import UPLOAD_PREFIX

from . import aws, errors, ids, quota, videos
from .forms import read_form
from .models import User, Video, get_or_none

PART_SIZE = 8 * 1024 * 1024          # S3 wants >= 5 MiB for every part but the last
MAX_PARTS = 10_000                   # S3's limit
PRESIGNED_URL_LIFETIME = 6 * 3600


def upload_key(uuid: str) -> str:
    return f"{UPLOAD_PREFIX}{uuid}"


class MultipartWriter:
    """Writes a stream of bytes to one S3 object as multipart parts, holding one part."""

    def __init__(self, s3, bucket: str, key: str):
        self._s3, self._bucket, self._key = s3, bucket, key
        self._buffer = bytearray()
        self._parts: list[dict] = []
        self._upload_id: str | None = None
        self.size = 0

    def write(self, data: bytes) -> None:
        self.size += len(data)
        view = memoryview(data)
        while view:
            room = PART_SIZE - len(self._buffer)
            self._buffer += view[:room]
            view = view[room:]
            if len(self._buffer) == PART_SIZE:
                self._flush()

    def _flush(self) -> None:
        if self._upload_id is None:
            self._upload_id = self._s3.create_multipart_upload(
                Bucket=self._bucket, Key=self._key)["UploadId"]
        number = len(self._parts) + 1
        # The buffer itself is the part's body: no copy, so memory holds one part.
        etag = self._s3.upload_part(Bucket=self._bucket, Key=self._key, PartNumber=number,
                                    UploadId=self._upload_id, Body=self._buffer)["ETag"]
        self._parts.append({"PartNumber": number, "ETag": etag})
        self._buffer = bytearray()

    def complete(self) -> None:
        if self._buffer or not self._parts:
            self._flush()
        self._s3.complete_multipart_upload(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts})

    def abort(self) -> None:
        self._buffer = bytearray()
        if self._upload_id is not None:
            self._s3.abort_multipart_upload(Bucket=self._bucket, Key=self._key,
                                            UploadId=self._upload_id)
            self._upload_id = None


def receive_form_upload(s3, bucket: str, user: User, content_type: str | None,
                        body: BinaryIO, declared_size: int | None = None) -> Video:
    """PeerTube's `POST /videos/upload`: the form's fields and its `videofile`. The
    request's declared size lets an upload beyond the user's quota stop before it starts;
    the file's real size is what is counted."""
    if declared_size:
        quota.check(user, declared_size)
    uuid = ids.new_uuid()
    writer = MultipartWriter(s3, bucket, upload_key(uuid))

    def check_early(fields: dict) -> None:
        # Clients send the fields before the file: refuse bad ones before reading a
        # possibly huge body.
        if "name" in fields and "channelId" in fields:
            _authorised_attributes(user, fields)

    try:
        form = read_form(content_type, body, stream_part="videofile", sink=writer.write,
                         on_stream_start=check_early)
        attrs = _authorised_attributes(user, form.fields)
        if form.streamed is None:
            raise errors.invalid_params({"videofile": "A video file is required."})
        if writer.size == 0:
            raise errors.invalid_params({"videofile": "The video file is empty."})
        quota.check(user, writer.size)
        video = videos.create(user, attrs, uuid=uuid, filename=form.streamed)
    except BaseException:
        writer.abort()
        raise
    try:
        quota.record(user, uuid, writer.size)
        # Before the file is complete: its S3 event starts the transcoder, which shows the
        # uploader's picture while a sound file plays.
        videos.set_pictures(video, form.files)
        writer.complete()
    except BaseException:
        writer.abort()
        quota.release(user, uuid)
        aws.media_store().delete([k for k in (video.thumbnail_key, video.preview_key) if k])
        videos.delete_unstarted(video)
        raise
    return video


def _authorised_attributes(user: User, fields: dict) -> videos.VideoAttributes:
    attrs = videos.parse_attributes(fields, from_form=True)
    videos.publishable_channel(user, attrs.channel_id)
    return attrs


@dataclass(frozen=True)
class DirectUpload:
    video: Video
    upload_id: str
    part_size: int
    part_urls: list[str]
    uploaded: tuple[dict, ...] = ()      # parts S3 holds already: {partNumber, etag, size}

    def as_json(self) -> dict:
        return {
            "video": video_ids(self.video),
            "upload": {"uploadId": self.upload_id, "partSize": self.part_size,
                       "parts": [{"partNumber": n, "url": url}
                                 for n, url in enumerate(self.part_urls, start=1)],
                       "uploaded": list(self.uploaded)},
        }


def video_ids(video: Video) -> dict:
    return {"id": video.id, "uuid": video.uuid, "shortUUID": ids.to_short(video.uuid)}


def start_direct_upload(s3, browser_s3, bucket: str, user: User, body: dict) -> DirectUpload:
    """A video and a multipart upload whose parts the client PUTs straight to S3."""
    if not isinstance(body, dict):
        raise errors.bad_request("The request body must be a JSON object.")
    size, filename = body.get("size"), body.get("filename")
    problems = {}
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        problems["size"] = "The file's size in bytes is required."
    if not isinstance(filename, str) or not filename:
        problems["filename"] = "The file's name is required."
    if problems:
        raise errors.invalid_params(problems)
    attrs = videos.parse_attributes(
        {k: v for k, v in body.items() if k not in ("size", "filename")}, from_form=False)
    quota.check(user, size)
    uuid = ids.new_uuid()
    key = upload_key(uuid)
    video = videos.create(user, attrs, uuid=uuid, filename=filename)
    quota.record(user, uuid, size)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    return _direct_upload(browser_s3, bucket, video, upload_id, size)


def _direct_upload(browser_s3, bucket: str, video: Video, upload_id: str, size: int,
                   uploaded: tuple[dict, ...] = ()) -> DirectUpload:
    # The part size follows from the file's size alone, so a resumed upload cuts the file
    # where the first try did.
    part_size = max(PART_SIZE, math.ceil(size / MAX_PARTS))
    urls = [browser_s3.generate_presigned_url(
        "upload_part", ExpiresIn=PRESIGNED_URL_LIFETIME,
        Params={"Bucket": bucket, "Key": upload_key(video.uuid), "UploadId": upload_id,
                "PartNumber": n})
        for n in range(1, math.ceil(size / part_size) + 1)]
    return DirectUpload(video, upload_id, part_size, urls, uploaded)


def _own_video(user: User, ref: str) -> Video:
    video = videos.find(ref)
    if video is None or video.owner != user.username:
        raise errors.not_found("Video not found")
    return video


def direct_upload_status(s3, browser_s3, bucket: str, user: User, ref: str,
                         upload_id: str | None) -> DirectUpload:
    """Where an unfinished direct upload stands, for a client resuming it after a reload
    or a lost connection: the parts S3 holds already and fresh URLs for every part. A 404
    once the upload is complete, abandoned or unknown: there is nothing left to resume."""
    video = _own_video(user, ref)
    usage = get_or_none(quota.VideoUsage, quota.VideoUsage.key(video.uuid))
    if not upload_id or usage is None or video.state != videos.TO_TRANSCODE:
        raise errors.not_found("Upload not found")
    uploaded = []
    try:
        for page in s3.get_paginator("list_parts").paginate(
                Bucket=bucket, Key=upload_key(video.uuid), UploadId=upload_id):
            uploaded += [{"partNumber": p["PartNumber"], "etag": p["ETag"], "size": p["Size"]}
                         for p in page.get("Parts", [])]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchUpload":
            raise errors.not_found("Upload not found") from error
        raise
    return _direct_upload(browser_s3, bucket, video, upload_id, int(usage.size),
                          tuple(uploaded))


def complete_direct_upload(s3, bucket: str, user: User, ref: str, body: dict) -> None:
    """Joins the parts; S3 then announces the object and transcoding starts. Completing
    twice is harmless."""
    video = _own_video(user, ref)
    upload_id = body.get("uploadId") if isinstance(body, dict) else None
    parts = body.get("parts") if isinstance(body, dict) else None
    if not isinstance(upload_id, str) or not isinstance(parts, list) or not parts or not all(
            isinstance(p, dict) and isinstance(p.get("partNumber"), int)
            and isinstance(p.get("etag"), str) for p in parts):
        raise errors.invalid_params({"parts": "uploadId and a list of {partNumber, etag} are "
                                              "required."})
    try:
        s3.complete_multipart_upload(
            Bucket=bucket, Key=upload_key(video.uuid), UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p["partNumber"], "ETag": p["etag"]}
                                       for p in sorted(parts, key=lambda p: p["partNumber"])]})
    except ClientError as error:
        code = error.response["Error"]["Code"]
        if code == "NoSuchUpload" and (video.state != videos.TO_TRANSCODE or _exists(
                s3, bucket, upload_key(video.uuid))):
            return
        raise errors.bad_request(f"The upload could not be completed: {code}.") from error


def _exists(s3, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError:
        return False
