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
from typing import BinaryIO, Callable

from botocore.exceptions import ClientError
from peerless_infra.resources import UPLOAD_PREFIX
from python_multipart.multipart import MultipartParser, parse_options_header

from . import errors, ids, videos
from .models import User, Video

PART_SIZE = 8 * 1024 * 1024          # S3 wants >= 5 MiB for every part but the last
MAX_PARTS = 10_000                   # S3's limit
MAX_FIELD_SIZE = 64 * 1024           # a form field (not a file) larger than this is refused
READ_SIZE = 256 * 1024
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


class _FormStream:
    """Callbacks for the streaming multipart parser: small fields are collected, the
    `videofile` part flows into the writer, other file parts are skipped."""

    def __init__(self, writer: MultipartWriter, on_file_start: Callable[[dict], None]):
        self.fields: dict[str, str | list[str]] = {}
        self.filename: str | None = None
        self._writer = writer
        self._on_file_start = on_file_start
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[str, bytes] = {}
        self._name: str | None = None
        self._value = bytearray()
        self._is_video = False
        self._is_file = False

    def callbacks(self) -> dict:
        return {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers.clear()
        self._value.clear()

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.decode("latin-1").lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        self._is_file = filename is not None
        self._is_video = self._is_file and self._name == "videofile"
        if self._is_video:
            if self.filename is not None:
                raise errors.bad_request("Only one videofile may be sent.")
            self.filename = filename.decode("utf-8", "replace")
            self._on_file_start(self.fields)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._is_video:
            self._writer.write(data[start:end])
        elif not self._is_file:
            self._value += data[start:end]
            if len(self._value) > MAX_FIELD_SIZE:
                raise errors.bad_request(f"The field {self._name} is too long.")

    def _part_end(self) -> None:
        if self._is_file:
            return
        value = self._value.decode("utf-8", "replace")
        previous = self.fields.get(self._name)
        if previous is None:
            self.fields[self._name] = value
        else:  # repeated fields (tags) become a list
            self.fields[self._name] = (previous if isinstance(previous, list)
                                       else [previous]) + [value]


def receive_form_upload(s3, bucket: str, user: User, content_type: str | None,
                        body: BinaryIO) -> Video:
    """PeerTube's `POST /videos/upload`: the form's fields and its `videofile`."""
    mime, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise errors.bad_request("The request must be multipart/form-data with a boundary.")
    uuid = ids.new_uuid()
    writer = MultipartWriter(s3, bucket, upload_key(uuid))

    def check_early(fields: dict) -> None:
        # Clients send the fields before the file: refuse bad ones before reading a
        # possibly huge body.
        if "name" in fields and "channelId" in fields:
            _authorised_attributes(user, fields)

    form = _FormStream(writer, check_early)
    parser = MultipartParser(boundary, form.callbacks())
    try:
        while chunk := body.read(READ_SIZE):
            parser.write(chunk)
        parser.finalize()
        attrs = _authorised_attributes(user, form.fields)
        if form.filename is None:
            raise errors.invalid_params({"videofile": "A video file is required."})
        if writer.size == 0:
            raise errors.invalid_params({"videofile": "The video file is empty."})
        video = videos.create(user, attrs, uuid=uuid, filename=form.filename)
    except BaseException:
        writer.abort()
        raise
    try:
        writer.complete()
    except BaseException:
        writer.abort()
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

    def as_json(self) -> dict:
        return {
            "video": video_ids(self.video),
            "upload": {"uploadId": self.upload_id, "partSize": self.part_size,
                       "parts": [{"partNumber": n, "url": url}
                                 for n, url in enumerate(self.part_urls, start=1)]},
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
    part_size = max(PART_SIZE, math.ceil(size / MAX_PARTS))
    uuid = ids.new_uuid()
    key = upload_key(uuid)
    video = videos.create(user, attrs, uuid=uuid, filename=filename)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    urls = [browser_s3.generate_presigned_url(
        "upload_part", ExpiresIn=PRESIGNED_URL_LIFETIME,
        Params={"Bucket": bucket, "Key": key, "UploadId": upload_id, "PartNumber": n})
        for n in range(1, math.ceil(size / part_size) + 1)]
    return DirectUpload(video, upload_id, part_size, urls)


def complete_direct_upload(s3, bucket: str, user: User, ref: str, body: dict) -> None:
    """Joins the parts; S3 then announces the object and transcoding starts. Completing
    twice is harmless."""
    video = videos.find(ref)
    if video is None or video.owner != user.username:
        raise errors.not_found("Video not found")
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
