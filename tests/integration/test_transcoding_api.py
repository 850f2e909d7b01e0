"""A video's storyboard and an administrator's transcoding job, on the real local stack."""
import io
import time
import uuid as uuidlib

import pytest
from PIL import Image

pytestmark = pytest.mark.integration

STORYBOARD_KEYS = {"storyboardPath", "fileUrl", "totalHeight", "totalWidth", "spriteHeight",
                   "spriteWidth", "spriteDuration"}
HLS = {"transcodingType": "hls"}


def unique(prefix: str) -> str:
    return f"{prefix}{uuidlib.uuid4().hex[:8]}"


def resolutions(video: dict) -> list[int]:
    return [f["resolution"]["id"] for f in video["files"]]


@pytest.fixture(scope="module")
def published(stack, media):
    """The 4-second 720p clip, published: long enough for a storyboard (3 s and more)."""
    return stack.wait_for_state(stack.uploaded(media["clip"], "Storyboarded"))


@pytest.fixture(scope="module")
def uploader(stack):
    return stack.create_user(unique("sb_user"))


# --- storyboards -----------------------------------------------------------------------------

def test_storyboards_of_a_published_video(stack, published):
    assert published["state"]["id"] == 1, published["state"]
    uuid = published["uuid"]
    response = stack.http.get(f"/api/v1/videos/{uuid}/storyboards")
    assert response.status_code == 200
    boards = response.json()["storyboards"]
    assert len(boards) == 1, "no storyboard: is the transcoder making them yet?"
    board = boards[0]
    assert set(board) == STORYBOARD_KEYS
    assert board["storyboardPath"] == f"/lazy-static/storyboards/{uuid}.jpg"
    assert board["fileUrl"].endswith(board["storyboardPath"])
    # 4 s: one sprite a second, 192 pixels wide at 16:9, in one row.
    assert board == {**board, "spriteDuration": 1, "spriteWidth": 192, "spriteHeight": 108,
                     "totalWidth": 4 * 192, "totalHeight": 108}
    for ref in (published["id"], published["shortUUID"]):
        assert stack.http.get(f"/api/v1/videos/{ref}/storyboards").json()["storyboards"] == boards


def test_the_storyboard_image_is_served(stack, published):
    board = stack.http.get(f"/api/v1/videos/{published['uuid']}/storyboards").json()
    assert board["storyboards"], "no storyboard: is the transcoder making them yet?"
    board = board["storyboards"][0]
    for url in (board["storyboardPath"], board["fileUrl"]):
        image = stack.http.get(url)
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/jpeg"
        with Image.open(io.BytesIO(image.content)) as picture:
            assert picture.format == "JPEG"
            assert picture.size == (board["totalWidth"], board["totalHeight"])


def test_a_short_video_has_no_storyboard(stack, media):
    uuid = stack.uploaded(media["portrait"], "Two seconds")  # under 3 s
    assert stack.wait_for_state(uuid)["state"]["id"] == 1
    assert stack.http.get(f"/api/v1/videos/{uuid}/storyboards").json() == {"storyboards": []}


def test_storyboards_of_unknown_and_malformed_videos(stack):
    missing = stack.http.get(f"/api/v1/videos/{uuidlib.uuid4()}/storyboards")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert stack.http.get("/api/v1/videos/99999999/storyboards").status_code == 404
    assert stack.http.get("/api/v1/videos/not-an-id/storyboards").status_code == 400


def test_storyboards_of_a_private_video(stack, media, uploader):
    uuid = stack.uploaded(media["clip"], "Private storyboard", headers=uploader, privacy="3")
    path = f"/api/v1/videos/{uuid}/storyboards"
    assert stack.http.get(path).status_code == 404
    assert stack.http.get(path, headers=stack.create_user(unique("sb_other"))).status_code == 404
    assert stack.http.get(path, headers=uploader).status_code == 200
    assert stack.http.get(path, headers=stack.auth()).status_code == 200  # an admin


# --- POST /api/v1/videos/{id}/transcoding ----------------------------------------------------

def test_only_an_administrator_may_create_a_transcoding_job(stack, published, uploader):
    path = f"/api/v1/videos/{published['uuid']}/transcoding"
    anonymous = stack.http.post(path, json=HLS)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "unauthorized_request"
    moderator = stack.create_user(unique("sb_mod"), role=1)
    for headers in (uploader, moderator):
        refused = stack.http.post(path, headers=headers, json=HLS)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("body, field", [
    ({}, "transcodingType"),
    ({"transcodingType": "dash"}, "transcodingType"),
    ({"transcodingType": "hls", "forceTranscoding": "often"}, "forceTranscoding"),
])
def test_a_bad_body_is_refused(stack, published, body, field):
    response = stack.http.post(f"/api/v1/videos/{published['uuid']}/transcoding",
                               headers=stack.auth(), json=body)
    assert response.status_code == 400
    problem = response.json()
    assert problem["status"] == 400 and field in problem["invalid-params"]
    assert problem["invalid-params"][field]["location"] == "body"


def test_an_unknown_video_is_a_404(stack):
    response = stack.http.post(f"/api/v1/videos/{uuidlib.uuid4()}/transcoding",
                               headers=stack.auth(), json=HLS)
    assert response.status_code == 404


def test_an_administrator_creates_a_transcoding_job(stack, published):
    path = f"/api/v1/videos/{published['uuid']}/transcoding"
    response = stack.http.post(path, headers=stack.auth(),
                               json={"transcodingType": "web-video", "forceTranscoding": True})
    assert response.status_code == 204, response.text
    # A form does as well as JSON, as PeerTube's validators accept either.
    response = stack.http.post(path, headers=stack.auth(), data={"transcodingType": "hls"})
    assert response.status_code == 204, response.text
    # Every rung of the ladder is there already: nothing changes, and the video stays up.
    time.sleep(2)
    video = stack.http.get(f"/api/v1/videos/{published['uuid']}").json()
    assert video["state"]["id"] == 1
    assert resolutions(video) == resolutions(published)


# --- end to end: a resolution enabled later --------------------------------------------------
# Needs the transcoder's handling of {"retranscode": ...} (peerless.transcoding).

@pytest.fixture
def resolutions_config(stack):
    """Sets the instance's transcoding resolutions; puts back what they were afterwards."""
    path = "/api/v1/config/custom"
    before = stack.http.get(path, headers=stack.auth()).json()["transcoding"]["resolutions"]

    def enable(*enabled: int):
        chosen = {key: int(key[:-1]) in enabled for key in before}
        response = stack.http.put(path, headers=stack.auth(),
                                  json={"transcoding": {"resolutions": chosen}})
        assert response.status_code == 200, response.text

    yield enable
    stack.http.put(path, headers=stack.auth(),
                   json={"transcoding": {"resolutions": before}}).raise_for_status()


def test_a_resolution_enabled_later_is_added_by_a_transcoding_job(stack, media,
                                                                  resolutions_config):
    # 360p only: the 360x640 clip (PeerTube's resolution is the smaller side) gets 360p alone.
    resolutions_config(360)
    uuid = stack.uploaded(media["portrait"], "Before 240p and 144p")
    video = stack.wait_for_state(uuid)
    assert video["state"]["id"] == 1, video["state"]
    assert resolutions(video) == [360]

    resolutions_config(144, 240, 360)
    response = stack.http.post(f"/api/v1/videos/{uuid}/transcoding", headers=stack.auth(),
                               json=HLS)
    assert response.status_code == 204, response.text
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        video = stack.http.get(f"/api/v1/videos/{uuid}").json()
        if resolutions(video) != [360]:
            break
        time.sleep(0.3)
    assert video["state"]["id"] == 1
    assert resolutions(video) == [360, 240, 144]
    playlist = video["streamingPlaylists"][0]
    assert [f["resolution"]["id"] for f in playlist["files"]] == [360, 240, 144]
    master = stack.http.get(playlist["playlistUrl"]).text
    assert master.count("#EXT-X-STREAM-INF") == 3
    for file in video["files"] + playlist["files"]:
        assert stack.http.get(file["fileUrl"], headers={"Range": "bytes=0-99"}).status_code == 206
