"""A chunked transcoding job: its plan and how far it got, one item per video.

A long video is encoded by many units of work, each one chunk of the input for one pass of
the ladder, each its own message on the transcode queue and, on AWS, its own function
invocation. This item is what they share: the plan (passes and chunks), the units done,
the passes joined. Every change is one conditional DynamoDB update, so a unit delivered
twice, or two units finishing at the same moment, leave it right.

A pass is a set of renditions joined and published together: with fast publish, a first
small pass makes the video watchable while the second brings the rest of the ladder.
"""
from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from pynamodb.attributes import (BooleanAttribute, JSONAttribute, NumberAttribute,
                                 UnicodeAttribute, UnicodeSetAttribute)
from pynamodb.exceptions import PutError, UpdateError

from .media.probe import MediaInfo
from .models import Item, get_or_none

# A job whose messages all went to the dead-letter queue is forgotten after this long.
JOB_TTL = 7 * 24 * 3600
# Weight of the newest measurement in the running average of the encoding speed.
SPEED_WEIGHT = 0.3


class TranscodeJob(Item, discriminator="transcode-job"):
    job = UnicodeAttribute()  # this run's id: names its work area; units of another run are stale
    source_bucket = UnicodeAttribute()
    source_key = UnicodeAttribute()
    delete_source = BooleanAttribute()  # an upload goes once transcoded; a re-transcode's source stays
    info = JSONAttribute()  # the source's MediaInfo
    passes = JSONAttribute()  # [{"resolutions": [...], "publish": bool}], in the order they matter
    chunks = JSONAttribute()  # [[start, length or None for "to the end"], ...], in seconds
    done = UnicodeSetAttribute(null=True)  # units encoded: "<pass>-<chunk>"
    joined = UnicodeSetAttribute(null=True)  # passes whose renditions are in the video's media
    failure = UnicodeAttribute(null=True)  # why the job failed: its other units skip their work
    expires_at = NumberAttribute()  # the table's TTL

    @staticmethod
    def key(uuid: str) -> tuple[str, str]:
        return f"transcode-job#{uuid}", "transcode-job"

    @property
    def uuid(self) -> str:
        return self.pk.split("#", 1)[1]

    @property
    def media_info(self) -> MediaInfo:
        return MediaInfo(**self.info)

    @property
    def units(self) -> list[tuple[int, int]]:
        return [(p, c) for p in range(len(self.passes)) for c in range(len(self.chunks))]

    def is_done(self, pass_index: int, chunk: int) -> bool:
        return unit_name(pass_index, chunk) in (self.done or set())

    def pass_encoded(self, pass_index: int) -> bool:
        return all(self.is_done(pass_index, c) for c in range(len(self.chunks)))

    def is_joined(self, pass_index: int) -> bool:
        return str(pass_index) in (self.joined or set())

    @property
    def finished(self) -> bool:
        return all(self.is_joined(p) for p in range(len(self.passes)))


def unit_name(pass_index: int, chunk: int) -> str:
    return f"{pass_index}-{chunk}"


def create(uuid: str, job: str, *, source: tuple[str, str], delete_source: bool,
           info: MediaInfo, passes: list[dict], chunks: list[tuple[float, float | None]]
           ) -> TranscodeJob | None:
    """The job, new; None when the video has one at work already (a redelivered event).
    A failed job's record, kept for its late units, gives way."""
    item = TranscodeJob(*TranscodeJob.key(uuid), job=job, source_bucket=source[0],
                        source_key=source[1], delete_source=delete_source, info=asdict(info),
                        passes=passes, chunks=[list(c) for c in chunks],
                        expires_at=int(time.time()) + JOB_TTL)
    try:
        item.save(condition=TranscodeJob.pk.does_not_exist() | TranscodeJob.failure.exists())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return item


def get(uuid: str) -> TranscodeJob | None:
    return get_or_none(TranscodeJob, TranscodeJob.key(uuid), consistent_read=True)


def mark_done(job: TranscodeJob, pass_index: int, chunk: int) -> TranscodeJob | None:
    """Records a unit as encoded. Returns the job as it is now, every racer's units
    included; None when it is gone (finished, or its video deleted)."""
    return _update(job, TranscodeJob.done.add({unit_name(pass_index, chunk)}))


def mark_joined(job: TranscodeJob, pass_index: int) -> TranscodeJob | None:
    return _update(job, TranscodeJob.joined.add({str(pass_index)}))


def mark_failed(job: TranscodeJob, reason: str) -> None:
    _update(job, TranscodeJob.failure.set(reason))


def delete(job: TranscodeJob) -> None:
    job.delete(condition=TranscodeJob.job == job.job)


def _update(job: TranscodeJob, action: Any) -> TranscodeJob | None:
    # Conditional on the run: a job deleted (finished, or its video gone) is not brought back.
    try:
        job.update(actions=[action], condition=TranscodeJob.job == job.job)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return job


class EncodeSpeed(Item, discriminator="encode-speed"):
    """How fast this deployment encodes: pixels written per wall-clock second, a running
    average over the chunks encoded so far. Chunk lengths follow from it."""
    pixels_per_second = NumberAttribute()

    KEY = ("encode-speed", "encode-speed")


def measured_speed() -> float | None:
    item = get_or_none(EncodeSpeed, EncodeSpeed.KEY)
    return float(item.pixels_per_second) if item else None


def record_speed(pixels: float, seconds: float) -> None:
    """Adds one measurement. Racing writers may lose one; an average does not mind."""
    if seconds <= 0:
        return
    latest = pixels / seconds
    previous = measured_speed()
    average = latest if previous is None else previous + SPEED_WEIGHT * (latest - previous)
    EncodeSpeed(*EncodeSpeed.KEY, pixels_per_second=round(average)).save()
