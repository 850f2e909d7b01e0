"""Resuming a direct-to-S3 upload: the client asks which parts S3 holds and sends the rest."""
import os

import httpx
import pytest

pytestmark = pytest.mark.integration


def test_a_direct_upload_resumes_from_the_parts_received(stack):
    headers = stack.create_user("resuming_uploader")
    data = os.urandom(9 * 1024 * 1024)   # two parts: 8 MiB and 1 MiB
    start = stack.http.post("/api/v1/videos/upload-direct", headers=headers, json={
        "name": "Resumed upload", "channelId": stack.channel_id(headers),
        "filename": "big.mp4", "size": len(data)}).json()
    uuid, upload = start["video"]["uuid"], start["upload"]
    assert upload["uploaded"] == [] and len(upload["parts"]) == 2
    size = upload["partSize"]
    first = httpx.put(upload["parts"][0]["url"], content=data[:size])
    assert first.status_code == 200

    # After a reload: the first part is there, the second still to send, with fresh URLs.
    status = stack.http.get(f"/api/v1/videos/upload-direct/{uuid}", headers=headers,
                            params={"uploadId": upload["uploadId"]})
    assert status.status_code == 200, status.text
    resumed = status.json()["upload"]
    assert resumed["partSize"] == size and len(resumed["parts"]) == 2
    assert resumed["uploaded"] == [{"partNumber": 1, "etag": first.headers["etag"],
                                    "size": size}]
    assert stack.http.get(f"/api/v1/videos/upload-direct/{uuid}", headers=stack.auth(),
                          params={"uploadId": upload["uploadId"]}).status_code == 404

    second = httpx.put(resumed["parts"][1]["url"], content=data[size:])
    assert second.status_code == 200
    parts = [{"partNumber": 1, "etag": first.headers["etag"]},
             {"partNumber": 2, "etag": second.headers["etag"]}]
    complete = stack.http.post(f"/api/v1/videos/upload-direct/{uuid}/complete",
                               headers=headers,
                               json={"uploadId": upload["uploadId"], "parts": parts})
    assert complete.status_code == 204, complete.text
    # Complete: nothing is left to resume.
    assert stack.http.get(f"/api/v1/videos/upload-direct/{uuid}", headers=headers,
                          params={"uploadId": upload["uploadId"]}).status_code == 404
    assert stack.http.delete(f"/api/v1/videos/{uuid}", headers=headers).status_code == 204
