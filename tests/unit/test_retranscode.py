"""An administrator's transcoding job: who may ask, what body, which videos, what is queued.
On moto's in-process mock, the queue replaced by a list."""
import pytest

from peerless import accounts, errors, ids, retranscode, transcode_jobs, videos
from peerless.media.probe import MediaInfo
from peerless.models import User, Video

HLS = {"transcodingType": "hls"}


@pytest.fixture
def scene(aws):
    admin = accounts.create_user("ada", "ada@example.com", password_hash="-",
                                 role=accounts.ROLE_ADMIN)
    owner = accounts.create_user("olga", "olga@example.com", password_hash="-")
    channel = accounts.channels_of("olga")[0]
    video = videos.create(owner, videos.parse_attributes(
        {"name": "Transcoded", "channelId": channel.id}, from_form=False),
        uuid=ids.new_uuid(), filename="x.mp4")
    return admin, owner, video


def set_state(video: Video, state: int) -> None:
    video.update(actions=[Video.state.set(state)])


def refusal(*args, **kwargs) -> errors.ApiError:
    with pytest.raises(errors.ApiError) as refused:
        retranscode.request(*args, send=pytest.fail, **kwargs)
    return refused.value


def test_an_admin_queues_a_retranscode_of_a_published_video(scene):
    admin, _, video = scene
    set_state(video, videos.PUBLISHED)
    sent = []
    for ref in (video.uuid, str(video.id), ids.to_short(video.uuid)):
        for body in (HLS, {"transcodingType": "web-video", "forceTranscoding": True},
                     {"transcodingType": "webtorrent", "forceTranscoding": "false"}):
            assert retranscode.request(ref, admin, body, send=sent.append).uuid == video.uuid
    assert sent == [[{"retranscode": {"video": video.uuid}}]] * 9


@pytest.mark.parametrize("role", [accounts.ROLE_MODERATOR, accounts.ROLE_USER])
def test_only_administrators_may(role):
    user = User(*User.key("someone"), username="someone", role=role)
    refused = refusal(ids.new_uuid(), user, HLS)
    assert refused.status == 403
    # The right comes first, as in PeerTube: a bad body or no video is still a 403.
    assert refusal("no-such-video", user, {}).status == 403


@pytest.mark.parametrize("body, fields", [
    ({}, {"transcodingType"}),
    ({"transcodingType": "dash"}, {"transcodingType"}),
    ({"transcodingType": ["hls"]}, {"transcodingType"}),
    ({"transcodingType": "hls", "forceTranscoding": "yes"}, {"forceTranscoding"}),
    ({"transcodingType": "hls", "forceTranscoding": 1}, {"forceTranscoding"}),
    ({"forceTranscoding": "maybe"}, {"transcodingType", "forceTranscoding"}),
])
def test_a_bad_body_is_a_400_naming_its_fields(body, fields):
    with pytest.raises(errors.ApiError) as refused:
        retranscode.parse(body)
    assert refused.value.status == 400
    problems = refused.value.problem()["invalid-params"]
    assert set(problems) == fields
    assert all(p["location"] == "body" for p in problems.values())


def test_unknown_and_malformed_videos(scene):
    admin = scene[0]
    assert refusal("999999", admin, {}).status == 400  # the body is checked before the video
    assert refusal(ids.new_uuid(), admin, HLS).status == 404
    assert refusal("999999", admin, HLS).status == 404
    malformed = refusal("not a video id", admin, HLS)
    assert malformed.status == 400 and "id" in malformed.problem()["invalid-params"]


def test_a_video_still_transcoding_is_a_409(scene):
    admin, _, video = scene  # just uploaded: "to transcode"
    for body in (HLS, {**HLS, "forceTranscoding": True}):
        refused = refusal(video.uuid, admin, body)
        assert refused.status == 409
        assert refused.problem()["code"] == "video_already_being_transcoded"


def test_a_published_video_with_a_running_job_is_a_409(scene):
    admin, _, video = scene
    set_state(video, videos.PUBLISHED)
    info = MediaInfo(duration=120, has_video=True, has_audio=False, width=640, height=360,
                     fps=30, video_codec="h264", audio_codec=None, bitrate=1, size=1)
    job = transcode_jobs.create(video.uuid, "job-1", source=("b", "k"), delete_source=False,
                                info=info, passes=[{"resolutions": [240], "publish": False}],
                                chunks=[(0.0, None)])
    assert refusal(video.uuid, admin, HLS).status == 409
    # A job that failed holds nothing up.
    transcode_jobs.mark_failed(job, "ffmpeg said no")
    sent = []
    retranscode.request(video.uuid, admin, HLS, send=sent.append)
    assert len(sent) == 1


def test_a_failed_upload_has_nothing_to_transcode(scene):
    admin, _, video = scene
    set_state(video, videos.TRANSCODING_FAILED)
    refused = refusal(video.uuid, admin, HLS)
    assert refused.status == 400
    assert refused.message == 'Cannot run this task on a video with "Transcoding failed" state'
