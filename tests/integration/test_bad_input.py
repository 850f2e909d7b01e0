"""Bad input gets a clear error and changes nothing; a duplicated event transcodes once."""
import json
import time

import pytest

pytestmark = pytest.mark.integration


def media_keys(stack, uuid: str) -> list[str]:
    s3 = stack.aws("s3")
    keys = []
    for prefix in ("static/", "lazy-static/"):
        listing = s3.list_objects_v2(Bucket="peerless-media", Prefix=prefix)
        keys += [o["Key"] for o in listing.get("Contents", []) if uuid in o["Key"]]
    return keys


def uploads_left(stack) -> tuple[int, int]:
    s3 = stack.aws("s3")
    objects = s3.list_objects_v2(Bucket="peerless-uploads").get("KeyCount", 0)
    multipart = len(s3.list_multipart_uploads(Bucket="peerless-uploads").get("Uploads", []))
    return objects, multipart


def test_a_text_file_named_mp4_fails_with_a_reason_and_no_media(stack, media):
    response = stack.upload(media["text"], name="Not a video")
    assert response.status_code == 200
    uuid = response.json()["video"]["uuid"]
    video = stack.wait_for_state(uuid)
    assert video["state"]["id"] == 7 and video["state"]["label"] == "Transcoding failed"
    assert "not a video or audio file" in video["state"]["description"].lower()
    assert media_keys(stack, uuid) == []
    assert uuid not in [v["uuid"] for v in stack.http.get(
        "/api/v1/videos", params={"count": 100}).json()["data"]]


@pytest.mark.parametrize("fields, bad", [
    ({"name": "ab"}, "name"),
    ({"channelId": "999"}, None),
    ({"channelId": "one"}, "channelId"),
    ({"privacy": "9"}, "privacy"),
])
def test_invalid_fields_are_refused_and_leave_nothing(stack, media, fields, bad):
    before = stack.http.get("/api/v1/videos").json()["total"]
    response = stack.upload(media["clip"], **{"name": "Valid name", **fields})
    assert response.status_code in (400, 404), response.text
    assert response.headers["content-type"] == "application/problem+json"
    if bad:
        assert bad in response.json()["invalid-params"]
    assert stack.http.get("/api/v1/videos").json()["total"] == before
    assert uploads_left(stack)[1] == 0


def test_upload_without_a_file_is_refused(stack):
    response = stack.http.post("/api/v1/videos/upload", headers=stack.auth(), files={
        "name": (None, "No file"), "channelId": (None, str(stack.channel_id()))})
    assert response.status_code == 400
    assert "videofile" in response.json()["invalid-params"]


def test_upload_needs_a_token(stack, media):
    with media["clip"].open("rb") as f:
        response = stack.http.post("/api/v1/videos/upload", data={"name": "x", "channelId": "1"},
                                   files={"videofile": ("clip.mp4", f, "video/mp4")})
    assert response.status_code == 401


@pytest.mark.parametrize("ref, status", [("999999", 404), ("not-an-id", 400),
                                         ("8c3e0a3e-4a56-4d0d-9b3c-1a2b3c4d5e6f", 404)])
def test_unknown_or_malformed_video_refs(stack, ref, status):
    response = stack.http.get(f"/api/v1/videos/{ref}")
    assert response.status_code == status
    assert response.json()["status"] == status


def test_bad_paging_is_a_400(stack):
    assert stack.http.get("/api/v1/videos", params={"count": 101}).status_code == 400
    assert stack.http.get("/api/v1/videos", params={"start": "x"}).status_code == 400


def test_a_duplicated_upload_event_transcodes_once(stack, media):
    """S3 and SQS deliver twice sometimes: replay the upload's notification while the
    first is in work (two workers race for it) and again after it is published."""
    sqs = stack.aws("sqs")
    queue = sqs.get_queue_url(QueueName="peerless-transcode")["QueueUrl"]
    before = stack.http.get("/api/v1/videos").json()["total"]
    uuid = stack.upload(media["clip"], name="Delivered twice").json()["video"]["uuid"]
    notification = json.dumps({"Records": [{
        "eventName": "ObjectCreated:CompleteMultipartUpload",
        "s3": {"bucket": {"name": "peerless-uploads"},
               "object": {"key": f"videos%2F{uuid}"}}}]})
    sqs.send_message(QueueUrl=queue, MessageBody=notification)
    video = stack.wait_for_state(uuid)
    assert video["state"]["id"] == 1
    s3 = stack.aws("s3")
    master = "/".join(video["streamingPlaylists"][0]["playlistUrl"].split("/")[3:])
    written = s3.head_object(Bucket="peerless-media", Key=master)["LastModified"]
    sqs.send_message(QueueUrl=queue, MessageBody=notification)
    time.sleep(2)
    assert s3.head_object(Bucket="peerless-media", Key=master)["LastModified"] == written
    assert stack.http.get(f"/api/v1/videos/{uuid}").json()["state"]["id"] == 1
    assert stack.http.get("/api/v1/videos").json()["total"] == before + 1
    assert "Traceback" not in stack.log_text()


def test_an_upload_beyond_the_quota_is_refused_with_peertubes_error(stack, media):
    size = media["clip"].stat().st_size
    headers = stack.create_user("small_quota", videoQuota=size + size // 2)
    assert stack.upload(media["clip"], "Fits", headers).status_code == 200
    used = stack.http.get("/api/v1/users/me/video-quota-used", headers=headers).json()
    assert used["videoQuotaUsed"] == size
    refused = stack.upload(media["clip"], "Does not fit", headers)
    assert refused.status_code == 413 and refused.json()["code"] == "quota_reached"
    direct = stack.http.post("/api/v1/videos/upload-direct", headers=headers, json={
        "name": "Direct too", "channelId": stack.channel_id(headers), "filename": "c.mp4",
        "size": size})
    assert direct.status_code == 413
    assert stack.http.get("/api/v1/users/me/video-quota-used",
                          headers=headers).json()["videoQuotaUsed"] == size
