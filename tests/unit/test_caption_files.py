"""Caption files: WebVTT kept, SubRip converted, anything else refused; and the bucket
holding exactly the current file of each caption."""
import boto3
import pytest

from peerless import accounts, captions, errors, ids, videos
from peerless.settings import settings

BOUNDARY = "caption-boundary"


def form(content: bytes, field: str = "captionfile") -> tuple[str, bytes]:
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; "
            f"filename=\"c.srt\"\r\nContent-Type: text/plain\r\n\r\n").encode()
    return (f"multipart/form-data; boundary={BOUNDARY}",
            body + content + f"\r\n--{BOUNDARY}--\r\n".encode())


def refused(data: bytes) -> errors.ApiError:
    with pytest.raises(errors.ApiError) as raised:
        captions.to_webvtt(data)
    assert raised.value.status == 400
    return raised.value


def test_webvtt_is_kept_as_it_is():
    vtt = ("WEBVTT - with a title\n\nNOTE a comment\n\nintro\n00:01.000 --> 00:02.000 "
           "align:start\nHi\n\n01:00:00.000 --> 01:00:01.500\nLater\n")
    assert captions.to_webvtt(vtt.encode()) == vtt
    assert captions.to_webvtt(b"\xef\xbb\xbf" + vtt.encode()) == vtt


def test_subrip_becomes_webvtt():
    srt = ("1\r\n0:00:01,5 --> 0:00:02,250\r\nOne --> two\r\nLine two\r\n\r\n\r\n"
           "2\r\n00:01:00.000 --> 00:01:01,000\r\nCaf\xe9\r\n").encode("cp1252")
    assert captions.to_webvtt(srt) == (
        "WEBVTT\n\n00:00:01.500 --> 00:00:02.250\nOne -> two\nLine two\n\n"
        "00:01:00.000 --> 00:01:01.000\nCafé\n")


def test_subrip_without_numbers_is_still_subrip():
    assert captions.to_webvtt(b"00:00:01,000 --> 00:00:02,000\nHi\n").startswith(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi")


@pytest.mark.parametrize("data", [
    b"", b"hello\n", b"WEBVTT\n", b"WEBVTTX\n\n00:01.000 --> 00:02.000\nHi\n",
    b"WEBVTT\n\n00:01 --> 00:02\nHi\n",
    b"1\n00:00:01,000 -> 00:00:02,000\nHi\n",
    b"1\n00:00:01,000 --> 00:00:02,000\nHi\n\nnot a cue\n",
    b"\x00\x01\x02WEBVTT",
])
def test_what_is_neither_is_refused(data):
    assert "captionfile" in refused(data).data["invalid-params"]


def test_the_file_is_read_from_its_form_field(monkeypatch):
    assert captions.uploaded_file(*form(b"abc")) == b"abc"
    for content_type, body in [form(b"abc", field="other"), form(b""),
                               ("text/vtt", b"WEBVTT\n")]:
        with pytest.raises(errors.ApiError) as raised:
            captions.uploaded_file(content_type, body)
        assert raised.value.status == 400
    monkeypatch.setattr(captions, "MAX_SIZE", 10)
    with pytest.raises(errors.ApiError):
        captions.uploaded_file(*form(b"x" * 11))


VTT = b"WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n"


@pytest.fixture
def world(aws):
    owner = accounts.create_user("owner", "owner@example.com", "a password")
    other = accounts.create_user("other", "other@example.com", "a password")
    moderator = accounts.create_user("moder", "moder@example.com", "a password",
                                     role=accounts.ROLE_MODERATOR)
    channel = accounts.channels_of("owner")[0]
    video = videos.create(owner, videos.parse_attributes(
        {"name": "Talk", "channelId": channel.id}, from_form=False),
        uuid=ids.new_uuid(), filename="t.mp4")
    s3 = boto3.client("s3", region_name="us-east-1")
    return {"owner": owner, "other": other, "moderator": moderator, "video": video,
            "s3": s3}


def stored(s3) -> set[str]:
    listed = s3.list_objects_v2(Bucket=settings().media_bucket, Prefix=captions.PREFIX)
    return {o["Key"] for o in listed.get("Contents", [])}


def test_replacing_keeps_only_the_current_file(world):
    s3, video, owner = world["s3"], world["video"], world["owner"]
    first = captions.put(s3, settings().media_bucket, owner, video.uuid, "en", *form(VTT))
    assert stored(s3) == {first.file_key}
    second = captions.put(s3, settings().media_bucket, world["moderator"], video.uuid, "en",
                          *form(VTT))
    assert second.file_key != first.file_key and stored(s3) == {second.file_key}
    assert second.created_at == first.created_at
    assert [c.language for c in captions.of_video(video)] == ["en"]
    body = s3.get_object(Bucket=settings().media_bucket, Key=second.file_key)
    assert body["ContentType"].startswith("text/vtt") and body["Body"].read() == VTT

    captions.delete(s3, settings().media_bucket, owner, video.uuid, "en")
    assert stored(s3) == set() and captions.of_video(video) == []


def test_a_refused_file_leaves_nothing(world):
    s3, video = world["s3"], world["video"]
    for user, language, content, status in [
            (world["other"], "en", VTT, 403), (world["owner"], "zz", VTT, 400),
            (world["owner"], "en", b"nonsense", 400)]:
        with pytest.raises(errors.ApiError) as raised:
            captions.put(s3, settings().media_bucket, user, video.uuid, language,
                         *form(content))
        assert raised.value.status == status
    assert stored(s3) == set() and captions.of_video(video) == []


def test_deleting_a_video_deletes_its_captions(world):
    s3, video = world["s3"], world["video"]
    for language in ("en", "fr"):
        captions.put(s3, settings().media_bucket, world["owner"], video.uuid, language,
                     *form(VTT))
    captions.delete_all(s3, settings().media_bucket, video)
    assert stored(s3) == set() and captions.of_video(video) == []
