"""The Transcoder's jobs, unit by unit in an order the test chooses, on moto's in-process
mock. (The same road through the real queue and parallel workers is
tests/integration/test_chunked_transcoding.py.)"""
import subprocess
from pathlib import Path

import boto3
import pytest
from peerless_infra.resources import TRANSCODE_TIMEOUT

from peerless import accounts, ids, transcode_jobs, videos
from peerless.media.probe import MediaInfo
from peerless.media_store import MediaStore
from peerless.models import Video
from peerless.settings import settings
from peerless.transcoding import (GAVE_UP, TranscodeConfig, Transcoder, UnitMessage,
                                  UploadEvent, messages)

SECONDS = 12


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("transcoder") / "clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
                    "-f", "lavfi", "-i", "sine=sample_rate=48000", "-t", str(SECONDS),
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    "-force_key_frames", "expr:gte(t,n_forced*2)", "-c:a", "aac", "-ac", "2",
                    "-movflags", "+faststart",
                    str(path)], check=True)
    return path


class DownloadingStore(MediaStore):
    """ffmpeg cannot reach moto's in-process mock by URL: it reads a downloaded copy."""

    def __init__(self, s3, tmp: Path):
        super().__init__(s3, settings().media_bucket, settings().uploads_bucket)
        self._tmp = tmp

    def source_url(self, bucket: str, key: str, expires: int) -> str:
        path = self._tmp / key.replace("/", "_")
        self._s3.download_file(bucket, key, str(path))
        return str(path)


@pytest.fixture
def setup(aws, tmp_path, clip):
    s3 = boto3.client("s3", region_name="us-east-1")
    queued: list[dict] = []
    config = TranscodeConfig(max_height=720, media_url="http://media.test",
                             trackers=["ws://tracker.test/tracker/socket"],
                             fast_publish_seconds=10, chunk_seconds=4)
    transcoder = Transcoder(s3, DownloadingStore(s3, tmp_path), config, queued.extend,
                            work_root=str(tmp_path))
    user = accounts.create_user("alice", "alice@example.com", "a password")
    channel = accounts.channels_of("alice")[0]
    video = videos.create(user, videos.parse_attributes(
        {"name": "Long", "channelId": channel.id}, from_form=False),
        uuid=ids.new_uuid(), filename="clip.mp4")
    s3.upload_file(str(clip), settings().uploads_bucket, f"videos/{video.uuid}")
    transcoder.handle(UploadEvent(settings().uploads_bucket, f"videos/{video.uuid}"), 60)
    units = [m for body in queued for m in messages(body)]
    return s3, transcoder, video.uuid, units


def fresh(uuid: str) -> Video:
    return Video.get(*Video.key(uuid), consistent_read=True)


def keys(s3, bucket: str, prefix: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])]


def test_the_first_pass_publishes_alone_and_the_rest_joins_in_any_order(setup):
    s3, transcoder, uuid, units = setup
    assert [(u.pass_index, u.chunk) for u in units] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    assert fresh(uuid).state == videos.TO_TRANSCODE
    for unit in units[:3]:
        transcoder.handle(unit, 60)
    video = fresh(uuid)
    assert video.state == videos.PUBLISHED and video.duration == SECONDS
    assert [r["resolution"] for r in video.media["renditions"]] == [360]
    master = s3.get_object(Bucket=settings().media_bucket, Key=video.media["master"])
    assert master["Body"].read().decode().count("#EXT-X-STREAM-INF") == 1
    assert video.media["storyboard"]["sprite_duration"] == 1
    # The rest, out of order and one unit twice: each is encoded once, joined once.
    for unit in [units[5], units[3], units[5], units[4]]:
        transcoder.handle(unit, 60)
    video = fresh(uuid)
    assert sorted(r["resolution"] for r in video.media["renditions"]) == [144, 240, 360]
    master = s3.get_object(Bucket=settings().media_bucket, Key=video.media["master"])
    text = master["Body"].read().decode()
    assert [line.split("RESOLUTION=")[1].split(",")[0] for line in text.splitlines()
            if "RESOLUTION=" in line] == ["640x360", "426x240", "256x144"]
    assert master["CacheControl"] == "public, max-age=60"
    assert transcode_jobs.get(uuid) is None
    assert keys(s3, settings().uploads_bucket, "") == []  # the source and the work area
    # A unit delivered after the end finds nothing to do.
    transcoder.handle(units[0], 60)
    assert fresh(uuid).media == video.media


def test_a_source_that_breaks_half_way_fails_the_video_and_leaves_nothing(setup):
    s3, transcoder, uuid, units = setup
    transcoder.handle(units[0], 60)
    # The upload's later chunks are zeros now (its index is at the start: it still opens).
    source = f"videos/{uuid}"
    data = s3.get_object(Bucket=settings().uploads_bucket, Key=source)["Body"].read()
    half = len(data) // 2
    s3.put_object(Bucket=settings().uploads_bucket, Key=source,
                  Body=data[:half] + bytes(len(data) - half))
    for unit in units[1:]:
        transcoder.handle(unit, 60)
    video = fresh(uuid)
    assert video.state == videos.TRANSCODING_FAILED
    assert video.failure_reason == (
        "The file could not be converted (ffmpeg: Error splitting the input into NAL units.).")
    assert keys(s3, settings().media_bucket, "") == []
    assert keys(s3, settings().uploads_bucket, "") == []


def test_giving_up_on_a_unit_fails_the_video(setup):
    s3, transcoder, uuid, units = setup
    transcoder.give_up(units[2])
    video = fresh(uuid)
    assert (video.state, video.failure_reason) == (videos.TRANSCODING_FAILED, GAVE_UP)
    transcoder.handle(units[0], 60)  # its job is over: the other units do nothing
    assert keys(s3, settings().media_bucket, "") == []


def test_a_unit_of_an_older_job_does_nothing(setup):
    s3, transcoder, uuid, units = setup
    stale = UnitMessage(uuid, "an-older-job", 0, 0)
    transcoder.handle(stale, 60)
    assert transcode_jobs.get(uuid).done is None


def test_a_failed_job_gives_way_to_a_new_one(setup):
    _, _, uuid, _ = setup
    job = transcode_jobs.get(uuid)
    plan = dict(source=(job.source_bucket, job.source_key), delete_source=True,
                info=job.media_info, passes=job.passes, chunks=job.chunks)
    assert transcode_jobs.create(uuid, "another", **plan) is None  # one at work: refused
    transcode_jobs.mark_failed(job, "It broke.")
    assert transcode_jobs.create(uuid, "another", **plan).job == "another"
    assert transcode_jobs.get(uuid).failure is None


def test_a_source_cut_short_fails_the_video_instead_of_publishing_it_shorter(setup):
    s3, transcoder, uuid, units = setup
    source = f"videos/{uuid}"
    data = s3.get_object(Bucket=settings().uploads_bucket, Key=source)["Body"].read()
    s3.put_object(Bucket=settings().uploads_bucket, Key=source, Body=data[:len(data) * 6 // 10])
    for unit in units:
        transcoder.handle(unit, 60)
    video = fresh(uuid)
    assert video.state == videos.TRANSCODING_FAILED
    assert video.failure_reason.startswith("The file ends early: only "), video.failure_reason
    assert video.failure_reason.endswith(f" of its {SECONDS}.0 s could be read. "
                                         "It may be damaged or incompletely copied.")
    assert keys(s3, settings().media_bucket, "") == []
    assert keys(s3, settings().uploads_bucket, "") == []


def test_chunks_shorten_as_measured_encoding_slows(aws):
    transcoder = Transcoder(None, None, TranscodeConfig(max_height=1080, media_url="", trackers=[]),
                            [].extend)
    info = MediaInfo(duration=3600, has_video=True, has_audio=False, width=1920, height=1080,
                     fps=30, video_codec="h264", audio_codec=None, bitrate=8_000_000, size=1)
    passes = [{"resolutions": [1080, 720], "publish": True}]
    # Nothing measured yet: a pessimistic quarter of realtime, half of 15 minutes at most.
    assert transcoder._chunk_length(info, passes) == 0.25 * TRANSCODE_TIMEOUT / 2
    ladder_pixels = (1920 * 1080 + 1280 * 720) * 30  # per second of input
    transcode_jobs.record_speed(ladder_pixels * 6, 60)  # a tenth of realtime
    assert transcoder._chunk_length(info, passes) == pytest.approx(0.1 * TRANSCODE_TIMEOUT / 2)
    # A faster machine: chunks of the 120-second target, no longer.
    for _ in range(20):
        transcode_jobs.record_speed(ladder_pixels * 60, 10)
    assert transcoder._chunk_length(info, passes) == 120
