"""Turning an uploaded file into a published video.

Runs once per S3 "object created" event in the uploads bucket. Every event may arrive
twice: the video's state and a lease make the second one a no-op. A file that is not media,
or that ffmpeg cannot read to the end, fails the video with a reason the uploader can read
and leaves no media; anything else (a network error...) is raised, so the queue retries and
finally dead-letters the message.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_plus

from peerless_infra.resources import UPLOAD_PREFIX

from . import videos
from .media.encode import EncodeFailed, encode
from .media.probe import NotMedia, probe
from .media_store import MediaStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadEvent:
    bucket: str
    key: str

    @property
    def video_uuid(self) -> str | None:
        return self.key[len(UPLOAD_PREFIX):] if self.key.startswith(UPLOAD_PREFIX) else None


def upload_events(s3_notification: dict) -> list[UploadEvent]:
    """The object-created records of an S3 notification. Keys arrive URL-encoded."""
    return [UploadEvent(r["s3"]["bucket"]["name"], unquote_plus(r["s3"]["object"]["key"]))
            for r in s3_notification.get("Records", [])
            if r.get("eventName", "").startswith("ObjectCreated")]


class Transcoder:
    def __init__(self, s3, media: MediaStore, *, max_height: int, media_url: str,
                 trackers: list[str], enabled: frozenset[int] | None = None,
                 work_root: str | None = None):
        self._s3 = s3
        self._media = media
        self._max_height = max_height
        self._enabled = enabled
        self._media_url = media_url
        self._trackers = trackers
        self._work_root = work_root

    def handle(self, event: UploadEvent, lease_seconds: int) -> None:
        uuid = event.video_uuid
        video = videos.claim_for_transcoding(uuid, lease_seconds) if uuid else None
        if video is None:
            log.info("nothing to do for s3://%s/%s", event.bucket, event.key)
            return
        work = Path(tempfile.mkdtemp(prefix=f"transcode-{uuid}-", dir=self._work_root))
        written: list[str] = []
        try:
            source = work / "source"
            self._s3.download_file(event.bucket, event.key, str(source))
            media = self._transcode(video, source, work / "out", written)
            if media is not None:
                videos.publish(video, media["description"], media["duration"])
        except BaseException:
            self._media.delete(written)
            videos.release(video)
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        # The original is not kept: what viewers need is in the media bucket now, and a
        # failed file has nothing more to give.
        self._s3.delete_object(Bucket=event.bucket, Key=event.key)

    def _transcode(self, video, source: Path, out: Path, written: list[str]) -> dict | None:
        try:
            info = probe(source)
            out.mkdir()
            last = [0.0]

            def progress(percent: float) -> None:
                # One write a second is plenty for a progress bar.
                if time.monotonic() - last[0] >= 1 or percent >= 100:
                    last[0] = time.monotonic()
                    videos.report_progress(video, percent)

            result = encode(source, info, out, max_height=self._max_height,
                            enabled=self._enabled, on_progress=progress)
        except (NotMedia, EncodeFailed) as error:
            log.info("video %s failed: %s", video.uuid, error.reason)
            videos.fail(video, error.reason)
            return None
        description = self._media.put_outputs(
            video.uuid, out, result, written, media_url=self._media_url,
            trackers=self._trackers, title=video.name)
        return {"description": description, "duration": result.duration}
