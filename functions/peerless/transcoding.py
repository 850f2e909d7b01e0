"""Turning an uploaded file into a published video.

Three kinds of message arrive on the transcode queue, every one possibly twice:

- an S3 "object created" event for an upload. A short input is transcoded right there, the
  whole ladder in one ffmpeg process. A long one becomes a job (`peerless.transcode_jobs`):
  its units are queued and the event is done.
- a unit of a job: one chunk of the input, from a keyframe to the next chunk's, encoded for
  the rungs of one pass. The unit that completes a pass joins its chunks (no re-encode),
  adds the renditions to the video, and publishes it if that pass is the first one.
- a re-transcode the admin asked for: a job whose source is the video's largest web MP4
  and whose one pass makes the rungs the video lacks.

A file that is not media, is beyond the instance's limits, or that ffmpeg cannot read to
the end fails the video with a reason the uploader can read and leaves no media; anything
else (a network error...) is raised, so the queue retries and finally dead-letters the
message. The video's state, its lease and the job's records make repeats no-ops.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
import time
import uuid as uuids
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote_plus

from peerless_infra.resources import TRANSCODE_TIMEOUT, UPLOAD_PREFIX

from . import transcode_jobs, videos
from .federation import publishing
from .media.chunks import chunk_bounds, chunk_seconds, keyframe_times
from .media.encode import (EncodeFailed, EncodeResult, Plan, check_read_to_the_end, encode,
                           encode_audio, encode_chunk, expected_duration, join, ladder,
                           package, plans_for)
from .media.probe import MediaInfo, NotMedia, probe
from .media.storyboard import Storyboard, make_storyboard, source_rendition
from .media_store import MediaStore
from .models import Video, get_or_none
from .transcode_jobs import TranscodeJob

log = logging.getLogger(__name__)

# The first pass of a fast publish: the largest rung up to this, quick to make and good
# enough to start watching on any screen.
FIRST_PASS_MAX_RESOLUTION = 480
GAVE_UP = ("The video could not be transcoded: the server failed several times. "
           "The instance's administrator can find why in its logs.")
PROGRESS_EVERY = 1.0  # seconds between two progress writes: plenty for a progress bar


@dataclass(frozen=True)
class UploadEvent:
    bucket: str
    key: str

    @property
    def video_uuid(self) -> str | None:
        return self.key[len(UPLOAD_PREFIX):] if self.key.startswith(UPLOAD_PREFIX) else None


@dataclass(frozen=True)
class UnitMessage:
    video: str
    job: str
    pass_index: int
    chunk: int

    def body(self) -> dict:
        return {"transcode_unit": {"video": self.video, "job": self.job,
                                   "pass": self.pass_index, "chunk": self.chunk}}


@dataclass(frozen=True)
class RetranscodeMessage:
    video: str

    def body(self) -> dict:
        return {"retranscode": {"video": self.video}}


Message = UploadEvent | UnitMessage | RetranscodeMessage


def messages(body: dict) -> list[Message]:
    """What one queue message asks for. S3 notifications carry URL-encoded keys and may
    hold several records; unknown shapes (S3's test event...) ask for nothing."""
    if "transcode_unit" in body:
        unit = body["transcode_unit"]
        return [UnitMessage(unit["video"], unit["job"], int(unit["pass"]), int(unit["chunk"]))]
    if "retranscode" in body:
        return [RetranscodeMessage(body["retranscode"]["video"])]
    return [UploadEvent(r["s3"]["bucket"]["name"], unquote_plus(r["s3"]["object"]["key"]))
            for r in body.get("Records", [])
            if r.get("eventName", "").startswith("ObjectCreated")]


@dataclass(frozen=True)
class TranscodeConfig:
    """The instance's rules and where its media is served from."""
    max_height: int
    media_url: str
    trackers: list[str]
    enabled: frozenset[int] | None = None
    max_duration: float = 6 * 3600
    fast_publish_seconds: float = 60
    chunk_seconds: float | None = None  # fixed; None: from the measured encoding speed


class Transcoder:
    def __init__(self, s3, media: MediaStore, config: TranscodeConfig,
                 enqueue: Callable[[list[dict]], None], *, work_root: str | None = None):
        self._s3 = s3
        self._media = media
        self._config = config
        self._enqueue = enqueue
        self._work_root = work_root

    def handle(self, message: Message, lease_seconds: int) -> None:
        if isinstance(message, UnitMessage):
            self.handle_unit(message)
        elif isinstance(message, RetranscodeMessage):
            self.handle_retranscode(message)
        else:
            self.handle_upload(message, lease_seconds)

    def give_up(self, message: Message) -> None:
        """The last try of `message` failed on something other than the file (the queue
        dead-letters it next): its video must not wait for ever. A video not yet
        published fails with a reason and loses its files."""
        uuid = message.video_uuid if isinstance(message, UploadEvent) else message.video
        video = get_or_none(Video, Video.key(uuid), consistent_read=True) if uuid else None
        if video is None:
            return
        job = transcode_jobs.get(uuid)
        if isinstance(message, UnitMessage) and job is not None and job.job == message.job:
            self._fail_job(job, video, GAVE_UP)
        elif isinstance(message, UploadEvent) and video.state == videos.TO_TRANSCODE:
            self._fail(video, GAVE_UP)
            self._media.delete_video(uuid)

    # --- uploads --------------------------------------------------------------------------

    def handle_upload(self, event: UploadEvent, lease_seconds: int) -> None:
        uuid = event.video_uuid
        video = videos.claim_for_transcoding(uuid, lease_seconds) if uuid else None
        if video is None:
            log.info("nothing to do for s3://%s/%s", event.bucket, event.key)
            return
        with self._workspace(uuid) as work:
            written: list[str] = []
            try:
                source = work / "source"
                self._s3.download_file(event.bucket, event.key, str(source))
                try:
                    info = probe(source)
                    self._check_limits(info)
                    rungs = [p.resolution for p in ladder(info, self._config.max_height,
                                                          self._config.enabled)]
                    passes = plan_passes(rungs, info.duration, self._config.fast_publish_seconds)
                    chunks = self._chunks(info, passes, source)
                except (NotMedia, EncodeFailed) as error:
                    self._fail(video, error.reason)
                else:
                    if len(passes) == 1 and len(chunks) == 1:
                        self._transcode_whole(video, source, info, work / "out", written)
                    else:
                        self._start_job(video, (event.bucket, event.key), info, passes, chunks,
                                        delete_source=True)
                        return  # the source stays until the job has read it all
            except BaseException:
                self._media.delete(written)
                videos.release(video)
                raise
        # The original is not kept: what viewers need is in the media bucket now, and a
        # failed file has nothing more to give.
        self._s3.delete_object(Bucket=event.bucket, Key=event.key)

    def _check_limits(self, info: MediaInfo) -> None:
        if info.duration > self._config.max_duration:
            raise NotMedia(f"The video lasts {_hms(info.duration)}, longer than this instance "
                           f"accepts ({_hms(self._config.max_duration)}).")

    def _chunks(self, info: MediaInfo, passes: list[dict], source: Path) -> list:
        """Where to cut the input: at keyframes, only an input with a picture and longer than
        a chunk (a still picture over sound is cheap enough in one go)."""
        length = self._chunk_length(info, passes)
        if not info.has_video or info.duration < 1.5 * length:
            return [(0.0, None)]
        return chunk_bounds(keyframe_times(str(source)), info.duration, length)

    def _chunk_length(self, info: MediaInfo, passes: list[dict]) -> float:
        if self._config.chunk_seconds:
            return self._config.chunk_seconds
        pixel_rate = transcode_jobs.measured_speed()
        # The slowest pass sets the pace: its seconds of input per second of encoding.
        heaviest = max(_pixels_per_second(plans_for(info, p["resolutions"])) for p in passes)
        speed = pixel_rate / heaviest if pixel_rate else None
        return chunk_seconds(speed, TRANSCODE_TIMEOUT)

    def _transcode_whole(self, video: Video, source: Path, info: MediaInfo, out: Path,
                         written: list[str]) -> None:
        """The whole ladder in one ffmpeg process, then published."""
        out.mkdir()
        still = None
        # Sound alone: the picture the uploader gave is shown, its preview sized for it.
        picture = None if info.has_video else video.preview_key or video.thumbnail_key
        if picture:
            still = source.with_name("still.jpg")
            self._s3.download_file(self._media.bucket, picture, str(still))
        began = time.monotonic()
        try:
            result = encode(source, info, out, max_height=self._config.max_height,
                            enabled=self._config.enabled, still=still,
                            on_progress=self._progress(video))
            storyboard = self._storyboard(info, result, out)
        except EncodeFailed as error:
            self._fail(video, error.reason)
            return
        if info.has_video:  # what later chunk lengths follow from
            plans = ladder(info, self._config.max_height, self._config.enabled)
            transcode_jobs.record_speed(_pixels_per_second(plans) * info.duration,
                                        time.monotonic() - began)
        renditions = self._put_renditions(video, out, result, written)
        description = {"renditions": renditions,
                       **self._media.put_pictures(video.uuid, out, result, written),
                       **self._media.put_storyboard(video.uuid, out, storyboard, written),
                       **self._media.put_index(video.uuid, renditions, written)}
        videos.publish(video, description, result.duration)
        publishing.sync(video, was_visible=False)

    def _fail(self, video: Video, reason: str) -> None:
        log.info("video %s failed: %s", video.uuid, reason)
        videos.fail(video, reason)

    # --- jobs -------------------------------------------------------------------------------

    def _start_job(self, video: Video, source: tuple[str, str], info: MediaInfo,
                   passes: list[dict], chunks: list, *, delete_source: bool) -> None:
        job = transcode_jobs.create(video.uuid, uuids.uuid4().hex, source=source,
                                    delete_source=delete_source, info=info, passes=passes,
                                    chunks=chunks)
        if job is None:
            log.info("video %s has a transcoding job already", video.uuid)
        else:
            log.info("video %s: %d pass(es) of %d chunk(s)", video.uuid, len(passes), len(chunks))
            # The first pass's units first: queues hand them out roughly in order.
            self._enqueue([UnitMessage(video.uuid, job.job, p, c).body() for p, c in job.units])
        # Its units hold the work now; a redelivered event finds the job and stops there.
        videos.release(video)

    def handle_unit(self, unit: UnitMessage) -> None:
        job = transcode_jobs.get(unit.video)
        if job is None or job.job != unit.job or job.failure:
            log.info("unit %s of video %s: its job is over", unit.job, unit.video)
            return
        video = get_or_none(Video, Video.key(unit.video), consistent_read=True)
        if video is None:  # deleted while it encoded
            self._abandon(job)
            return
        info = job.media_info
        plans = plans_for(info, job.passes[unit.pass_index]["resolutions"])
        if not job.is_done(unit.pass_index, unit.chunk):
            start, length = job.chunks[unit.chunk]
            with self._workspace(unit.video) as work:
                outputs = [work / f"{plan.resolution}.mp4" for plan in plans]
                began = time.monotonic()
                try:
                    encode_chunk(self._source_url(job), info, plans, start, length, outputs,
                                 on_progress=self._unit_progress(video, job))
                except EncodeFailed as error:
                    self._fail_job(job, video, error.reason)
                    return
                seconds = time.monotonic() - began
                for plan, output in zip(plans, outputs):
                    self._media.put_work(self._chunk_key(job, unit.pass_index, unit.chunk, plan),
                                         output)
            chunk_duration = (length if length is not None else info.duration - start)
            transcode_jobs.record_speed(_pixels_per_second(plans) * chunk_duration, seconds)
            job = transcode_jobs.mark_done(job, unit.pass_index, unit.chunk)
            if job is None:
                return
            videos.report_progress(video, 100 * len(job.done) / len(job.units) * 0.99)
        if job.pass_encoded(unit.pass_index) and not job.is_joined(unit.pass_index):
            self._join_pass(job, video, unit.pass_index, plans)

    def _join_pass(self, job: TranscodeJob, video: Video, pass_index: int,
                   plans: list[Plan]) -> None:
        """Puts a pass's chunks end to end with the sound, and adds the renditions to the
        video. One rung at a time, so the disk holds one rung's files at most (a function's
        is 10 GB). Two units may both get here (a redelivery): the result is the same."""
        info = job.media_info
        publish = job.passes[pass_index]["publish"]
        # The pictures come with the first rung, the storyboard from the cheapest to decode.
        board_rung = source_rendition(plans) if publish and info.has_video else None
        written: list[str] = []
        renditions: list[dict] = []
        pictures: dict = {}
        with self._workspace(job.uuid) as work:
            try:
                audio = self._audio(job, work) if info.has_audio else None
                for i, plan in enumerate(plans):
                    rung = work / str(plan.resolution)
                    rung.mkdir()
                    mp4 = rung / f"{plan.resolution}.mp4"
                    join(self._chunks_of(job, pass_index, plan, rung), audio, mp4)
                    # A source cut short ends the last chunks early, ffmpeg none the wiser.
                    check_read_to_the_end(mp4, expected_duration(info))
                    result = package([mp4], [plan], rung, pictures=publish and i == 0)
                    renditions += self._put_renditions(video, rung, result, written)
                    if publish and i == 0:
                        pictures |= self._media.put_pictures(video.uuid, rung, result, written)
                    if plan is board_rung:
                        storyboard = make_storyboard(mp4, result.duration, rung)
                        pictures |= self._media.put_storyboard(video.uuid, rung, storyboard,
                                                               written)
                    shutil.rmtree(rung)
                self._add_renditions(video, renditions, pictures,
                                     result.duration if publish else None, written)
            except EncodeFailed as error:
                self._media.delete(written)
                self._fail_job(job, video, error.reason)
                return
            except BaseException:
                self._media.delete(written)
                raise
        job = transcode_jobs.mark_joined(job, pass_index)
        if job is not None and job.finished:
            self._finish(job)

    def _chunks_of(self, job: TranscodeJob, pass_index: int, plan: Plan, into: Path) -> list[Path]:
        """The encoded chunks of one rung, downloaded from the work area."""
        chunks = []
        for c in range(len(job.chunks)):
            chunk = into / f"chunk-{c}.mp4"
            if not self._media.get_work(self._chunk_key(job, pass_index, c, plan), chunk):
                raise RuntimeError(f"video {job.uuid}: chunk {c} of pass {pass_index} is "
                                   "missing from the work area")
            chunks.append(chunk)
        return chunks

    def _add_renditions(self, video: Video, renditions: list[dict], pictures: dict,
                        publish_duration: float | None, written: list[str]) -> None:
        """Merges renditions into the video's media and rewrites the master playlist and
        the segment hashes to match, before the video is published with them."""
        def merged(media: dict) -> dict:
            added = {r["resolution"] for r in renditions}
            kept = [r for r in media.get("renditions", []) if r["resolution"] not in added]
            return {**media, **pictures, "renditions": kept + renditions,
                    **self._media.index_keys(video.uuid)}

        index = merged(video.media or {})["renditions"]
        self._media.put_index(video.uuid, index, written)
        was_visible = publishing.visible(video)
        video = videos.add_media(video, merged, publish_duration)
        if video is not None:
            publishing.sync(video, was_visible)
        # A racer may have merged its renditions between our index and our write, and
        # written its index before ours: write it again until it matches what is stored.
        while video is not None and video.media["renditions"] != index:
            index = video.media["renditions"]
            self._media.put_index(video.uuid, index, [])
            video.refresh(consistent_read=True)

    def _audio(self, job: TranscodeJob, work: Path) -> Path:
        """The sound of the whole input, encoded once for every pass."""
        audio = work / "audio.m4a"
        key = self._media.work_prefix(job.uuid, job.job) + "audio.m4a"
        if not self._media.get_work(key, audio):
            encode_audio(self._source_url(job), job.media_info, audio)
            self._media.put_work(key, audio)
        return audio

    def _finish(self, job: TranscodeJob) -> None:
        self._clear_inputs(job)
        transcode_jobs.delete(job)
        log.info("video %s: every pass joined", job.uuid)

    def _fail_job(self, job: TranscodeJob, video: Video, reason: str) -> None:
        """Stops the job: its other units skip their work. A video not yet published
        fails and loses every file; a published one keeps what it had."""
        transcode_jobs.mark_failed(job, reason)
        self._clear_inputs(job)
        if video.state == videos.TO_TRANSCODE:
            self._fail(video, reason)
            self._media.delete_video(video.uuid)
        log.info("video %s: job failed: %s", job.uuid, reason)

    def _abandon(self, job: TranscodeJob) -> None:
        """The video went while its job ran: nothing of the job may stay behind."""
        transcode_jobs.mark_failed(job, "The video was deleted.")
        self._clear_inputs(job)
        self._media.delete_video(job.uuid)

    def _clear_inputs(self, job: TranscodeJob) -> None:
        """The job's work area, and its source when it was an upload."""
        self._media.delete_work(self._media.work_prefix(job.uuid, job.job))
        if job.delete_source:
            self._s3.delete_object(Bucket=job.source_bucket, Key=job.source_key)

    # --- re-transcoding ---------------------------------------------------------------------

    def handle_retranscode(self, message: RetranscodeMessage) -> None:
        """Adds the rungs the instance's ladder has and the video lacks (a resolution the
        admin enabled later), made from the video's largest web MP4."""
        video = get_or_none(Video, Video.key(message.video), consistent_read=True)
        if video is None or video.state != videos.PUBLISHED or not (video.media or {}).get(
                "renditions"):
            log.info("video %s: nothing to re-transcode", message.video)
            return
        top = max(video.media["renditions"], key=lambda r: r["resolution"])
        source = (self._media.bucket, top["web_video"])
        with self._workspace(video.uuid) as work:
            path = work / "source.mp4"
            self._s3.download_file(*source, str(path))
            info = probe(path)
            have = {r["resolution"] for r in video.media["renditions"]}
            wanted = [p.resolution for p in ladder(info, self._config.max_height,
                                                   self._config.enabled)]
            missing = [r for r in wanted if r not in have]
            if not missing:
                log.info("video %s has every rung already", video.uuid)
                return
            passes = [{"resolutions": missing, "publish": False}]
            chunks = self._chunks(info, passes, path)
        self._start_job(video, source, info, passes, chunks, delete_source=False)

    # --- plumbing ---------------------------------------------------------------------------

    def _put_renditions(self, video: Video, out: Path, result: EncodeResult,
                        written: list[str]) -> list[dict]:
        return self._media.put_renditions(
            video.uuid, out, result.renditions, written, media_url=self._config.media_url,
            trackers=self._config.trackers, title=video.name)

    @staticmethod
    def _storyboard(info: MediaInfo, result: EncodeResult, out: Path) -> Storyboard | None:
        # A still picture over sound would make a storyboard of one picture.
        if not info.has_video:
            return None
        return make_storyboard(out / source_rendition(result.renditions).mp4, result.duration, out)

    def _source_url(self, job: TranscodeJob) -> str:
        return self._media.source_url(job.source_bucket, job.source_key,
                                      expires=TRANSCODE_TIMEOUT * 2)

    def _chunk_key(self, job: TranscodeJob, pass_index: int, chunk: int, plan: Plan) -> str:
        return f"{self._media.work_prefix(job.uuid, job.job)}{pass_index}/{chunk}-{plan.resolution}.mp4"

    def _progress(self, video: Video) -> Callable[[float], None]:
        last = [0.0]

        def report(percent: float) -> None:
            if time.monotonic() - last[0] >= PROGRESS_EVERY or percent >= 100:
                last[0] = time.monotonic()
                videos.report_progress(video, percent)
        return report

    def _unit_progress(self, video: Video, job: TranscodeJob) -> Callable[[float], None]:
        """A unit's progress as a share of the whole job's."""
        report = self._progress(video)
        done, total = len(job.done or ()), len(job.units)
        return lambda percent: report(min(99.0, 100 * (done + percent / 100) / total))

    @contextmanager
    def _workspace(self, uuid: str) -> Iterator[Path]:
        """A scratch directory, removed whatever happens."""
        with tempfile.TemporaryDirectory(prefix=f"transcode-{uuid}-", dir=self._work_root,
                                         ignore_cleanup_errors=True) as work:
            yield Path(work)


def plan_passes(rungs: list[int], duration: float, fast_publish_seconds: float) -> list[dict]:
    """The passes of a ladder (`rungs`, largest first). Fast publish splits a ladder of
    several rungs in two when the input is long enough for the wait to matter: the largest
    rung up to FIRST_PASS_MAX_RESOLUTION (or the smallest) alone, published as soon as it is
    ready, then the others."""
    if len(rungs) < 2 or duration < fast_publish_seconds:
        return [{"resolutions": rungs, "publish": True}]
    first = next((r for r in rungs if r <= FIRST_PASS_MAX_RESOLUTION), rungs[-1])
    return [{"resolutions": [first], "publish": True},
            {"resolutions": [r for r in rungs if r != first], "publish": False}]


def _pixels_per_second(plans: list[Plan]) -> float:
    """Pixels written per second of input across `plans`: what an encode costs."""
    return sum(p.width * p.height * float(p.fps) for p in plans)


def _hms(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
