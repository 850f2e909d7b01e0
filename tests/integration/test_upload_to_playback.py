"""One video from upload to playback, by both roads, on the real local stack."""
import hashlib
import json
import subprocess
from urllib.parse import parse_qs, urlsplit

import httpx
import jsonschema
import pytest

from tests.conftest import CONFORMANCE

pytestmark = pytest.mark.integration
VIDEO_DETAILS = json.loads((CONFORMANCE / "peertube-schemas" / "PTVideoDetails.json").read_text())


def ffprobe(url: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                          "format=duration:stream=codec_type,codec_name,width,height",
                          "-of", "json", url], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def assert_playable(url: str, duration: float) -> None:
    """H.264 at 720p (the top of a master playlist's variants), AAC, the right length."""
    probed = ffprobe(url)
    video = [s for s in probed["streams"] if s["codec_type"] == "video"]
    audio = [s for s in probed["streams"] if s["codec_type"] == "audio"]
    assert {s["codec_name"] for s in video} == {"h264"}
    assert max(s["height"] for s in video) == 720
    assert audio and {s["codec_name"] for s in audio} == {"aac"}
    assert abs(float(probed["format"]["duration"]) - duration) < 0.2


@pytest.fixture(scope="module")
def published(stack, media):
    response = stack.upload(media["clip"], name="Upload to playback", description="Tiny")
    assert response.status_code == 200, response.text
    ids = response.json()["video"]
    return stack.wait_for_state(ids["uuid"])


def test_form_upload_is_published_with_peertube_details(published):
    assert published["state"] == {"id": 1, "label": "Published"}
    jsonschema.validate(published, VIDEO_DETAILS)
    assert published["duration"] == 4
    assert published["description"] == "Tiny"


def test_hls_and_mp4_are_playable(stack, published):
    playlist = published["streamingPlaylists"][0]
    assert playlist["playlistUrl"].startswith(stack.url + "/static/streaming-playlists/hls/")
    master = stack.http.get(playlist["playlistUrl"]).text
    assert "CODECS=" in master and "RESOLUTION=1280x720" in master
    # PeerTube's ladder below the input: 720, 480, 360, 240, 144.
    assert [f["resolution"]["id"] for f in published["files"]] == [720, 480, 360, 240, 144]
    assert_playable(playlist["playlistUrl"], 4)
    assert_playable(published["files"][0]["fileUrl"], 4)


def test_media_is_served_like_the_cdn(stack, published):
    url = published["files"][0]["fileUrl"]
    partial = stack.http.get(url, headers={"Range": "bytes=10-19", "Origin": "http://x"})
    assert partial.status_code == 206 and len(partial.content) == 10
    assert partial.headers["content-range"].startswith("bytes 10-19/")
    assert partial.headers["access-control-allow-origin"] == "*"
    preflight = stack.http.options(url, headers={
        "Origin": "http://x", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "range,cache-control"})
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "range" in allowed and "cache-control" in allowed
    thumbnail = stack.http.get(published["thumbnails"][0]["fileUrl"])
    assert thumbnail.headers["content-type"] == "image/jpeg"
    assert thumbnail.content[:2] == b"\xff\xd8"


def test_found_by_id_uuid_and_short_uuid_and_listed(stack, published):
    for ref in (published["id"], published["uuid"], published["shortUUID"]):
        assert stack.http.get(f"/api/v1/videos/{ref}").json()["uuid"] == published["uuid"]
    listed = stack.http.get("/api/v1/videos", params={"count": 100}).json()
    assert published["uuid"] in [v["uuid"] for v in listed["data"]]
    assert listed["total"] >= 1


def test_direct_to_s3_upload(stack, media):
    data = media["clip"].read_bytes()
    start = stack.http.post("/api/v1/videos/upload-direct", headers=stack.auth(), json={
        "name": "Direct upload", "channelId": stack.channel_id(),
        "filename": "clip.mp4", "size": len(data)})
    assert start.status_code == 200, start.text
    body = start.json()
    parts = []
    size = body["upload"]["partSize"]
    for part in body["upload"]["parts"]:
        n = part["partNumber"]
        # What a browser does: PUT each part to its presigned URL, read the ETag.
        put = httpx.put(part["url"], content=data[(n - 1) * size:n * size],
                        headers={"Content-Type": "application/octet-stream"})
        assert put.status_code == 200, put.text
        parts.append({"partNumber": n, "etag": put.headers["etag"]})
    uuid = body["video"]["uuid"]
    complete = stack.http.post(f"/api/v1/videos/upload-direct/{uuid}/complete",
                               headers=stack.auth(),
                               json={"uploadId": body["upload"]["uploadId"], "parts": parts})
    assert complete.status_code == 204, complete.text
    video = stack.wait_for_state(uuid)
    assert video["state"]["id"] == 1
    assert_playable(video["streamingPlaylists"][0]["playlistUrl"], 4)


@pytest.mark.parametrize("kind, resolution, size, has_audio", [
    ("portrait", 360, (360, 640), False),
    ("audio", 720, (1280, 720), True),
])
def test_other_inputs_are_published(stack, media, kind, resolution, size, has_audio):
    uuid = stack.upload(media[kind], name=f"A {kind} upload").json()["video"]["uuid"]
    video = stack.wait_for_state(uuid)
    assert video["state"]["id"] == 1, video["state"]
    jsonschema.validate(video, VIDEO_DETAILS)
    file = video["files"][0]
    assert file["resolution"] == {"id": resolution, "label": f"{resolution}p"}
    assert (file["width"], file["height"]) == size and file["hasAudio"] is has_audio
    probed = ffprobe(video["streamingPlaylists"][0]["playlistUrl"])
    assert {s["codec_type"] for s in probed["streams"]} == (
        {"video", "audio"} if has_audio else {"video"})


def test_torrents_and_segment_hashes(stack, published):
    playlist = published["streamingPlaylists"][0]
    hashes = stack.http.get(playlist["segmentsSha256Url"]).json()
    fragmented = playlist["files"][0]["fileUrl"]
    ranges = hashes[fragmented.rsplit("/", 1)[1]]
    first, digest = next(iter(ranges.items()))
    start, end = (int(n) for n in first.split("-"))
    piece = stack.http.get(fragmented, headers={"Range": f"bytes={start}-{end}"}).content
    assert hashlib.sha256(piece).hexdigest() == digest
    for file in published["files"] + playlist["files"]:
        torrent = stack.http.get(file["torrentUrl"])
        assert torrent.status_code == 200 and torrent.content.startswith(b"d")
        magnet = parse_qs(urlsplit(file["magnetUri"]).query)
        assert magnet["xt"][0].startswith("urn:btih:") and magnet["ws"] == [file["fileUrl"]]
        assert b"url-list" in torrent.content


def test_sound_is_shown_over_the_picture_its_uploader_gave(stack, media, tmp_path):
    red = subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=640x360",
                          "-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "-"],
                         check=True, capture_output=True).stdout
    with media["audio"].open("rb") as sound:
        response = stack.http.post("/api/v1/videos/upload", headers=stack.auth(), data={
            "name": "A podcast with a picture", "channelId": str(stack.channel_id())},
            files={"videofile": ("podcast.mp3", sound, "audio/mpeg"),
                   "previewfile": ("red.png", red, "image/png")})
    assert response.status_code == 200, response.text
    video = stack.wait_for_state(response.json()["video"]["uuid"])
    assert video["state"]["id"] == 1, video["state"]
    frame = subprocess.run(["ffmpeg", "-v", "error", "-ss", "1", "-i", video["files"][0]["fileUrl"],
                            "-frames:v", "1", "-vf", "scale=1:1", "-f", "rawvideo",
                            "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    red_level, green, blue = frame
    assert red_level > 200 and green < 40 and blue < 40
