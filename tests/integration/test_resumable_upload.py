"""PeerTube's resumable upload: chunks of any size, a resume after a dropped connection,
a cancel, and the video at the end."""
import re

import pytest

pytestmark = pytest.mark.integration
RESUMABLE = "/api/v1/videos/upload-resumable"


def start(stack, size, **fields):
    return stack.http.post(RESUMABLE, headers={
        **stack.auth(), "X-Upload-Content-Length": str(size),
        "X-Upload-Content-Type": "video/mp4"}, json={
        "name": "Resumed upload", "channelId": stack.channel_id(), "filename": "clip.mp4",
        **fields})


def put(stack, location, data, first, total, headers=None):
    last = first + len(data) - 1
    return stack.http.put(location, content=data, headers={
        **(headers or stack.auth()), "Content-Type": "application/octet-stream",
        "Content-Range": f"bytes {first}-{last}/{total}"})


def test_chunks_then_resume_then_the_video(stack, media):
    data = media["clip"].read_bytes()
    total = len(data)
    opened = start(stack, total)
    assert opened.status_code == 201, opened.text
    location = opened.headers["location"]
    assert re.search(r"\?upload_id=\w+$", location)
    # Small chunks (under S3's 5 MiB part) and a chunk sent twice.
    chunk = 300_000
    first = put(stack, location, data[:chunk], 0, total)
    assert first.status_code == 308 and first.headers["range"] == f"bytes=0-{chunk - 1}"
    again = put(stack, location, data[:chunk], 0, total)
    assert again.status_code == 308 and again.headers["range"] == f"bytes=0-{chunk - 1}"
    gap = put(stack, location, data[chunk * 2:chunk * 3], chunk * 2, total)
    assert gap.status_code == 409
    # A client that lost track asks where the upload stands.
    status = stack.http.put(location, headers={**stack.auth(),
                                               "Content-Range": f"bytes */{total}"})
    assert status.status_code == 308 and status.headers["range"] == f"bytes=0-{chunk - 1}"
    offset = chunk
    response = None
    while offset < total:
        piece = data[offset:offset + chunk]
        response = put(stack, location, piece, offset, total)
        offset += len(piece)
        assert response.status_code == (200 if offset == total else 308), response.text
    uuid = response.json()["video"]["uuid"]
    video = stack.wait_for_state(uuid)
    assert video["state"]["id"] == 1 and video["name"] == "Resumed upload"
    assert video["duration"] == 4
    # The last chunk sent again gives the same video.
    repeat = put(stack, location, data[offset - len(piece):], offset - len(piece), total)
    assert repeat.status_code == 200 and repeat.json()["video"]["uuid"] == uuid


def test_refusals_and_cancel(stack, media):
    assert start(stack, 10, name="x").status_code == 400
    assert stack.http.post(RESUMABLE, json={"name": "No user"}).status_code == 401
    assert start(stack, 0).status_code == 400
    opened = start(stack, 1000)
    location = opened.headers["location"]
    other = stack.create_user("resumable_stranger")
    assert put(stack, location, b"x" * 10, 0, 1000, headers=other).status_code == 404
    assert put(stack, location, b"x" * 10, 0, 999).status_code == 400
    assert stack.http.delete(location, headers=stack.auth()).status_code == 204
    assert put(stack, location, b"x" * 10, 0, 1000).status_code == 404
