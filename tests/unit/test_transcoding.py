"""The transcode queue's messages and how a ladder is split into passes."""
import json

import pytest

from peerless.transcoding import (RetranscodeMessage, UnitMessage, UploadEvent, messages,
                                  plan_passes)


def test_an_s3_notification_names_its_uploads_with_keys_decoded():
    body = {"Records": [
        {"eventName": "ObjectCreated:CompleteMultipartUpload",
         "s3": {"bucket": {"name": "up"}, "object": {"key": "videos/a%2Bb+c"}}},
        {"eventName": "ObjectRemoved:Delete",
         "s3": {"bucket": {"name": "up"}, "object": {"key": "videos/gone"}}},
    ]}
    assert messages(body) == [UploadEvent("up", "videos/a+b c")]
    assert messages(body)[0].video_uuid == "a+b c"
    assert UploadEvent("up", "work/x/y").video_uuid is None


def test_s3s_test_event_asks_for_nothing():
    assert messages({"Service": "Amazon S3", "Event": "s3:TestEvent"}) == []


@pytest.mark.parametrize("message", [UnitMessage("v", "j", 1, 3), RetranscodeMessage("v")])
def test_the_transcoders_own_messages_survive_the_queue(message):
    assert messages(json.loads(json.dumps(message.body()))) == [message]


@pytest.mark.parametrize("rungs, duration, passes", [
    # Short, or a single rung: one pass.
    ([1080, 720, 480, 360], 30, [[1080, 720, 480, 360]]),
    ([720], 600, [[720]]),
    # Long: the largest rung up to 480p first, the others after.
    ([1080, 720, 480, 360, 240, 144], 60, [[480], [1080, 720, 360, 240, 144]]),
    ([360, 240, 144], 600, [[360], [240, 144]]),
    # A ladder above 480p only (the admin's choice): its smallest rung first.
    ([1080, 720], 600, [[720], [1080]]),
])
def test_fast_publish_splits_long_ladders(rungs, duration, passes):
    planned = plan_passes(rungs, duration, fast_publish_seconds=60)
    assert [p["resolutions"] for p in planned] == passes
    assert [p["publish"] for p in planned] == [True] + [False] * (len(passes) - 1)
