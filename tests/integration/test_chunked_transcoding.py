"""Long inputs: fast publish, chunks encoded by parallel workers, joined; the instance's limits.

The session stack (tests/conftest.py) runs with fast publish from 10 s and 4-second chunks,
so a 12-second clip takes the road a long video takes on AWS: a first pass published on
its own, the rest of the ladder joining it, each pass in three chunks encoded in parallel.
"""
import json
import subprocess
import threading
import time

import pytest

from tests.conftest import make_clip
from tests.integration.test_bad_input import media_keys

pytestmark = pytest.mark.integration

SECONDS = 12
FPS = 30


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory):
    # 640x360: a first pass of 360p (the largest rung up to 480p), then 240p and 144p.
    return make_clip(tmp_path_factory.mktemp("long") / "long.mp4",
                     "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate={FPS}",
                     "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                     "-t", str(SECONDS), "-c:v", "libx264", "-preset", "ultrafast",
                     "-force_key_frames", "expr:gte(t,n_forced*2)", "-pix_fmt", "yuv420p",
                     "-c:a", "aac", "-ac", "2")


def streams(url: str) -> dict[str, dict]:
    probed = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-show_entries",
                             "stream=codec_type,duration,nb_read_packets,start_time",
                             "-of", "json", url], check=True, capture_output=True, text=True)
    return {s["codec_type"]: s for s in json.loads(probed.stdout)["streams"]}


class Watcher:
    """Polls a video while it transcodes: the states, rendition counts and progress seen."""

    def __init__(self, stack, uuid: str):
        self.seen: list[tuple[int, int, float | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(stack, uuid), daemon=True)
        self._thread.start()

    def _run(self, stack, uuid):
        headers = stack.auth()
        while not self._stop.is_set():
            video = stack.http.get(f"/api/v1/videos/{uuid}", headers=headers).json()
            self.seen.append((video["state"]["id"], len(video["files"]),
                              video.get("transcodingProgress")))
            time.sleep(0.05)

    def stop(self):
        self._stop.set()
        self._thread.join()


@pytest.fixture(scope="module")
def chunked(stack, long_clip):
    uuid = stack.uploaded(long_clip, "A long one")
    watcher = Watcher(stack, uuid)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        video = stack.http.get(f"/api/v1/videos/{uuid}").json()
        if video["state"]["id"] == 7 or len(video["files"]) == 3:
            break
        time.sleep(0.2)
    watcher.stop()
    return video, watcher.seen


def test_the_first_pass_publishes_and_the_rest_joins(stack, chunked):
    video, seen = chunked
    assert video["state"]["id"] == 1, video["state"]
    assert [f["resolution"]["id"] for f in video["files"]] == [360, 240, 144]
    assert video["duration"] == SECONDS
    # Published with its first rendition alone while the others were still encoding.
    assert any(state == 1 and files == 1 for state, files, _ in seen)
    progress = [p for state, _, p in seen if state == 2 and p is not None]
    assert progress == sorted(progress) and progress and progress[-1] < 100
    master = stack.http.get(video["streamingPlaylists"][0]["playlistUrl"])
    assert master.headers["cache-control"] == "public, max-age=60"
    assert [line for line in master.text.splitlines() if line.startswith("#EXT-X-STREAM-INF")
            ] == [line for line in master.text.splitlines() if "RESOLUTION=" in line]
    for size in ("640x360", "426x240", "256x144"):
        assert f"RESOLUTION={size}" in master.text


def test_joined_chunks_last_as_long_as_the_input_and_stay_in_sync(stack, chunked):
    video, _ = chunked
    for file in video["files"]:
        probed = streams(file["fileUrl"])
        picture, sound = probed["video"], probed["audio"]
        # Within a frame of the input, every frame there once.
        assert abs(float(picture["duration"]) - SECONDS) <= 1 / FPS + 1e-6, file["fileUrl"]
        assert int(picture["nb_read_packets"]) == SECONDS * FPS
        assert abs(float(sound["duration"]) - SECONDS) < 0.05
        assert abs(float(picture["start_time"]) - float(sound["start_time"])) < 0.001


def test_segment_hashes_cover_every_rendition(stack, chunked):
    video, _ = chunked
    playlist = video["streamingPlaylists"][0]
    hashes = stack.http.get(playlist["segmentsSha256Url"]).json()
    assert sorted(hashes) == sorted(f["fileUrl"].rsplit("/", 1)[1] for f in playlist["files"])
    # 12 s in 4-second segments.
    assert all(len(ranges) == SECONDS // 4 for ranges in hashes.values())


def test_nothing_of_the_job_is_left_behind(stack, chunked):
    video, _ = chunked
    s3 = stack.aws("s3")
    assert s3.list_objects_v2(Bucket="peerless-uploads", Prefix="work/").get("KeyCount") == 0
    assert s3.list_objects_v2(Bucket="peerless-uploads",
                              Prefix=f"videos/{video['uuid']}").get("KeyCount") == 0
    jobs = stack.aws("dynamodb").get_item(TableName="peerless", Key={
        "pk": {"S": f"transcode-job#{video['uuid']}"}, "sk": {"S": "transcode-job"}})
    assert "Item" not in jobs
    assert "Traceback" not in stack.log_text()


def test_deleting_the_video_removes_all_its_media(stack, long_clip):
    uuid = stack.uploaded(long_clip, "Deleted once joined")
    deadline = time.monotonic() + 120
    while len(stack.http.get(f"/api/v1/videos/{uuid}").json()["files"]) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    keys = media_keys(stack, uuid)
    assert any(k.endswith(".torrent") for k in keys) and any("storyboards" in k for k in keys)
    assert stack.http.delete(f"/api/v1/videos/{uuid}", headers=stack.auth()).status_code == 204
    assert media_keys(stack, uuid) == []


def test_a_video_longer_than_the_instance_allows_fails_with_a_reason(stack, tmp_path):
    too_long = make_clip(tmp_path / "too-long.mp4", "-f", "lavfi", "-i",
                         "testsrc2=size=64x64:rate=5", "-t", "31", "-c:v", "libx264",
                         "-preset", "ultrafast", "-pix_fmt", "yuv420p")
    uuid = stack.uploaded(too_long, "Too long")
    video = stack.wait_for_state(uuid)
    assert video["state"]["id"] == 7
    assert video["state"]["description"] == (
        "The video lasts 0:00:31, longer than this instance accepts (0:00:30).")
    assert media_keys(stack, uuid) == []
    assert stack.aws("s3").list_objects_v2(Bucket="peerless-uploads",
                                           Prefix=f"videos/{uuid}").get("KeyCount") == 0
