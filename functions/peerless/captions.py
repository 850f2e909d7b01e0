"""Captions: one WebVTT file per video and language, in the media bucket under
`lazy-static/video-captions/` where the CDN serves it. SubRip files are converted to WebVTT
when they arrive; a file that is neither is refused. Every upload gets a new file name, so
a cached old caption is never served for a new one; the replaced file is deleted."""
from __future__ import annotations

import re
import uuid as uuidlib

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, PutError
from python_multipart.multipart import FormParser, parse_options_header

from . import errors, videos
from .media_store import IMMUTABLE
from .models import Item, User, Video, get_or_none, now
from .vocabulary import LANGUAGES

MAX_SIZE = 20 * 1024 * 1024          # PeerTube's limit
PREFIX = "lazy-static/video-captions/"
FIELD = "captionfile"
_CONDITION_FAILED = "ConditionalCheckFailedException"
_UNSUPPORTED = ("This file is not supported or too large. Please, make sure it is of the "
                "following type: .vtt, .srt")


class Caption(Item, discriminator="caption"):
    video_uuid = UnicodeAttribute()
    language = UnicodeAttribute()
    file_key = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=now)
    updated_at = UTCDateTimeAttribute(default=now)

    @staticmethod
    def key(video_uuid: str, language: str) -> tuple[str, str]:
        return f"captions#{video_uuid}", f"caption#{language}"


def of_video(video: Video) -> list[Caption]:
    """A video's captions, by language id."""
    return list(Caption.query(f"captions#{video.uuid}"))


# --- the file ---------------------------------------------------------------------------------

def uploaded_file(content_type: str | None, body: bytes) -> bytes:
    """The `captionfile` of a multipart/form-data body."""
    mime, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise errors.bad_request("The request must be multipart/form-data with a boundary.")
    found: list[bytes] = []

    def on_field(field) -> None:
        if field.field_name == FIELD.encode():
            found.append(field.value or b"")

    def on_file(file) -> None:
        if file.field_name == FIELD.encode():
            file.file_object.seek(0)
            found.append(file.file_object.read(MAX_SIZE + 1))

    parser = FormParser("multipart/form-data", on_field, on_file, boundary=boundary,
                        config={"MAX_MEMORY_FILE_SIZE": MAX_SIZE + 1})
    parser.write(body)
    parser.finalize()
    if not found or not found[0] or len(found[0]) > MAX_SIZE:
        raise errors.invalid_params({FIELD: _UNSUPPORTED})
    return found[0]


_VTT_TIME = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
_VTT_TIMING = re.compile(rf"^{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t].*)?$")
_SRT_TIME = r"(\d{1,3}):([0-5]?\d):([0-5]?\d)[,.](\d{1,3})"
_SRT_TIMING = re.compile(rf"^\s*{_SRT_TIME}\s*-->\s*{_SRT_TIME}\s*$")


def _text(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # SubRip files from older tools are often Windows-1252.
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise errors.invalid_params({FIELD: _UNSUPPORTED})
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_webvtt(text: str) -> bool:
    header, _, _ = text.partition("\n")
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", header):
        return False
    timings = [line for line in text.split("\n") if "-->" in line]
    return bool(timings) and all(_VTT_TIMING.match(line.strip()) for line in timings)


def _vtt_time(hours: str, minutes: str, seconds: str, fraction: str) -> str:
    millis = int(fraction.ljust(3, "0"))
    return f"{int(hours):02d}:{int(minutes):02d}:{int(seconds):02d}.{millis:03d}"


def _srt_to_webvtt(text: str) -> str | None:
    """The WebVTT of a SubRip text, or None when it is not SubRip."""
    cues = []
    for block in re.split(r"\n(?:[ \t]*\n)+", text.strip()):
        lines = block.strip().split("\n")
        if lines and lines[0].strip().isdigit():
            lines = lines[1:]
        timing = _SRT_TIMING.match(lines[0]) if lines else None
        if timing is None:
            return None
        start, end = _vtt_time(*timing.groups()[:4]), _vtt_time(*timing.groups()[4:])
        # "-->" may only appear in a WebVTT cue's timing line.
        body = [line.replace("-->", "->") for line in lines[1:]]
        cues.append("\n".join([f"{start} --> {end}", *body]))
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n" if cues else None


def to_webvtt(data: bytes) -> str:
    """The caption as WebVTT: a WebVTT file as it is, a SubRip file converted; anything
    else is a 400."""
    text = _text(data)
    if _is_webvtt(text):
        return text
    converted = _srt_to_webvtt(text)
    if converted is None:
        raise errors.invalid_params({FIELD: "The caption file is neither WebVTT nor SubRip."})
    return converted


# --- adding and removing ----------------------------------------------------------------------

def _language(language: str) -> str:
    if language not in LANGUAGES:
        raise errors.invalid_params(
            {"captionLanguage": "Should have a valid caption language"}, "params")
    return language


def _managed_video(user: User, ref: str) -> Video:
    video = videos.find(ref)
    if video is None:
        raise errors.not_found("Video not found")
    if not videos.can_manage(video, user):
        raise errors.forbidden("Cannot manage a video of another user.")
    return video


def _get(video_uuid: str, language: str) -> Caption | None:
    return get_or_none(Caption, Caption.key(video_uuid, language))


def put(s3, bucket: str, user: User, ref: str, language: str, content_type: str | None,
        body: bytes) -> Caption:
    """Adds or replaces the video's caption in `language` (its owner or a moderator)."""
    language = _language(language)
    video = _managed_video(user, ref)
    vtt = to_webvtt(uploaded_file(content_type, body))
    key = f"{PREFIX}{uuidlib.uuid4()}-{language}.vtt"
    s3.put_object(Bucket=bucket, Key=key, Body=vtt.encode("utf-8"),
                  ContentType="text/vtt; charset=utf-8", CacheControl=IMMUTABLE)
    try:
        caption, replaced = _record(video, language, key)
    except BaseException:
        s3.delete_object(Bucket=bucket, Key=key)
        raise
    if replaced is not None:
        s3.delete_object(Bucket=bucket, Key=replaced)
    return caption


def _record(video: Video, language: str, key: str) -> tuple[Caption, str | None]:
    """Points the caption at `key`; returns it and the file it replaced. Conditional on
    the file read, so of two racing uploads each deletes exactly the file it replaced."""
    for _ in range(5):
        old = _get(video.uuid, language)
        caption = Caption(*Caption.key(video.uuid, language), video_uuid=video.uuid,
                          language=language, file_key=key,
                          created_at=old.created_at if old else now())
        condition = (Caption.file_key == old.file_key) if old else Caption.pk.does_not_exist()
        try:
            caption.save(condition=condition)
        except PutError as error:
            if error.cause_response_code == _CONDITION_FAILED:
                continue
            raise
        return caption, old.file_key if old else None
    raise errors.ApiError(409, "This caption was changed by someone else meanwhile; "
                               "try again.")


def delete(s3, bucket: str, user: User, ref: str, language: str) -> None:
    language = _language(language)
    video = _managed_video(user, ref)
    caption = _get(video.uuid, language)
    if caption is None:
        raise errors.not_found("Video caption not found")
    try:
        caption.delete(condition=Caption.file_key == caption.file_key)
    except DeleteError as error:
        if error.cause_response_code == _CONDITION_FAILED:
            raise errors.ApiError(409, "This caption was changed by someone else "
                                       "meanwhile; try again.") from None
        raise
    s3.delete_object(Bucket=bucket, Key=caption.file_key)


def delete_all(s3, bucket: str, video: Video) -> None:
    """Removes every caption of a video being deleted (for peerless.videos' delete)."""
    for caption in of_video(video):
        caption.delete()
        s3.delete_object(Bucket=bucket, Key=caption.file_key)
