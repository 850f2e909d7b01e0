"""A live's life as the ingest drives it (peerless.live), on the emulated table: the key
checks, one session at a time, the states after a stream, and repeats that change
nothing."""
import copy
import json
import time

import jsonschema
import pytest

from peerless import accounts, catalog, errors, live, videos
from peerless.federation import objects
from peerless.models import Video
from tests.conftest import CONFORMANCE

MEDIA = {"master": "static/streaming-playlists/hls/x/master.m3u8",
         "segments_sha256": "static/streaming-playlists/hls/x/segments-sha256.json",
         "live": {"renditions": [{"width": 320, "height": 240, "fps": 30}]}}


@pytest.fixture
def bob(aws):
    return accounts.create_user("bob", "bob@example.com", password_hash="unused",
                                display_name="Bob", channel_name="bob_live")


def new_live(user, **settings) -> tuple[Video, str]:
    channel = accounts.channels_of(user.username)[0]
    video = live.create(user, {"name": "Live from the garden", "channelId": channel.id,
                               **settings}, from_form=False)
    _, stream = live.get(video.uuid, user)
    return video, stream.stream_key


def state(uuid: str) -> tuple[int, bool]:
    video = Video.get(*Video.key(uuid))
    return int(video.state), bool(video.is_live)


def streamed(key: str) -> live.Start:
    start = live.begin(key)
    assert live.went_live(start.uuid, start.session, MEDIA)
    return start


def test_a_stream_on_the_right_key_goes_live_and_is_listed(bob):
    video, key = new_live(bob)
    assert state(video.uuid) == (live.WAITING, True)
    with pytest.raises(live.Refused, match="Unknown stream key"):
        live.begin("not-" + key)
    start = streamed(key)
    assert state(video.uuid) == (videos.PUBLISHED, True)
    total, found = catalog.list_videos(catalog.VideoQuery(is_live=True))
    assert (total, [v.uuid for v in found]) == (1, [video.uuid])
    total, found = catalog.list_videos(catalog.VideoQuery(is_live=False))
    assert (total, found) == (0, [])
    assert live.heartbeat(video.uuid, start.session, viewers=3)
    assert Video.get(*Video.key(video.uuid)).viewers == 3


def test_one_stream_at_a_time_until_the_first_stops_beating(bob, monkeypatch):
    video, key = new_live(bob, permanentLive=True)
    first = live.begin(key)
    with pytest.raises(live.Refused, match="already running"):
        live.begin(key)
    # The first ingest died: its heartbeat goes stale, and a new stream takes the key.
    later = time.time() + live.STALE_AFTER + 1
    monkeypatch.setattr(live.time, "time", lambda: later)
    assert [s.uuid for s in live.stale_sessions()] == [video.uuid]
    second = live.begin(key)
    assert not live.heartbeat(video.uuid, first.session)
    assert live.end(video.uuid, first.session) == live.Ended(None)
    assert live.heartbeat(video.uuid, second.session)


def test_a_live_with_a_replay_becomes_a_video_to_transcode_once(bob):
    video, key = new_live(bob, saveReplay=True, replaySettings={"privacy": 2})
    start = streamed(key)
    ended = live.end(video.uuid, start.session, recorded_seconds=12)
    assert ended.replay_uuid == video.uuid
    replay = Video.get(*Video.key(video.uuid))
    assert (replay.state, replay.is_live, replay.privacy) == (videos.TO_TRANSCODE, False, 2)
    assert replay.media is None
    # A repeat (SQS, a retry) changes nothing and asks for no second replay.
    assert live.end(video.uuid, start.session, recorded_seconds=12) == live.Ended(None)
    sessions = live.sessions(video.uuid, bob)
    assert [s.replay_uuid for s in sessions] == [video.uuid] and sessions[0].ended_at


def test_a_permanent_live_waits_again_and_its_replays_are_new_videos(bob):
    video, key = new_live(bob, permanentLive=True, saveReplay=True)
    replays = []
    for _ in range(2):
        start = streamed(key)
        replays.append(live.end(video.uuid, start.session, recorded_seconds=5).replay_uuid)
        assert state(video.uuid) == (live.WAITING, True)
    assert len(set(replays)) == 2 and video.uuid not in replays
    made = Video.get(*Video.key(replays[0]))
    assert made.name.startswith("Live from the garden - ") and made.state == videos.TO_TRANSCODE


def test_a_stream_that_never_went_live_leaves_the_live_waiting(bob):
    video, key = new_live(bob, saveReplay=True)
    start = live.begin(key)
    ended = live.end(video.uuid, start.session, error=live.FFMPEG_ERROR, went_live=False,
                      recorded_seconds=3)
    assert ended.replay_uuid is None and state(video.uuid) == (live.WAITING, True)
    assert live.sessions(video.uuid, bob)[0].error == live.FFMPEG_ERROR
    streamed(key)   # and the key still works


def test_an_ended_live_refuses_new_streams_and_frees_its_place(bob):
    video, key = new_live(bob)
    start = streamed(key)
    live.end(video.uuid, start.session, recorded_seconds=5)
    assert state(video.uuid) == (live.ENDED, True)
    with pytest.raises(live.Refused, match="ended"):
        live.begin(key)
    assert live.LiveStream.by_owner.count("lives-of#bob") == 0


def test_a_blocked_live_stops_and_keeps_no_replay(bob):
    video, key = new_live(bob, saveReplay=True)
    start = streamed(key)
    video = Video.get(*Video.key(video.uuid))
    video.update(actions=[Video.blocked.set(True)])
    assert not live.heartbeat(video.uuid, start.session)
    ended = live.end(video.uuid, start.session, error=live.BLACKLISTED, recorded_seconds=30)
    assert ended.replay_uuid is None and state(video.uuid) == (live.ENDED, True)


def test_settings_the_instance_does_not_allow_are_refused(bob):
    from peerless import instance_config
    instance_config.save(instance_config.get().replace(live_allow_replay=False,
                                                       live_latency_setting=False))
    channel = accounts.channels_of("bob")[0]
    for body, status in (({"saveReplay": True}, 403), ({"latencyMode": 3}, 400)):
        with pytest.raises(errors.ApiError) as refused:
            live.create(bob, {"name": "Not allowed", "channelId": channel.id, **body},
                        from_form=False)
        assert refused.value.status == status
    instance_config.save(instance_config.get().replace(live_enabled=False))
    with pytest.raises(errors.ApiError, match="not enabled"):
        new_live(bob)


def test_a_live_federates_as_peertubes_video_object(bob):
    video, key = new_live(bob, permanentLive=True, latencyMode=3, category=15, licence=1,
                          language="en", support="Tea.", description="From the garden.")
    document = objects.video_object(Video.get(*Video.key(video.uuid)))
    assert (document["isLiveBroadcast"], document["permanentLive"],
            document["latencyMode"], document["state"]) == (True, True, 3, live.WAITING)
    streamed(key)
    document = objects.video_object(Video.get(*Video.key(video.uuid)))
    relaxed = copy.deepcopy(json.loads(
        (CONFORMANCE / "peertube-schemas" / "PTVideoObject.json").read_text()))
    relaxed["definitions"]["PTVideoObject"]["properties"]["summary"] = {
        "type": ["string", "null"]}
    jsonschema.validate(document, relaxed)
    hls = next(u for u in document["url"] if u.get("mediaType") == "application/x-mpegURL")
    assert [t["type"] for t in hls["tag"]] == ["Infohash", "Link"]
    assert document["state"] == videos.PUBLISHED
