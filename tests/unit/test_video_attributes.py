import pytest

from peerless import errors, videos


def test_form_fields_are_typed():
    attrs = videos.parse_attributes({
        "name": "Hello", "channelId": "3", "privacy": "2", "nsfw": "true",
        "tags[]": ["one", "two"], "downloadEnabled": "false"}, from_form=True)
    assert attrs.channel_id == 3 and attrs.privacy == 2 and attrs.nsfw is True
    assert attrs.tags == ["one", "two"] and attrs.download_enabled is False


def test_defaults_follow_peertube():
    attrs = videos.parse_attributes({"name": "Hello", "channelId": 1}, from_form=False)
    assert attrs.privacy == videos.PUBLIC and attrs.comments_policy == 1
    assert attrs.wait_transcoding is True


@pytest.mark.parametrize("fields, bad", [
    ({"channelId": "1"}, {"name"}),
    ({"name": "ab", "channelId": "1"}, {"name"}),
    ({"name": "x" * 121, "channelId": "1"}, {"name"}),
    ({"name": "Hello", "channelId": "x"}, {"channelId"}),
    ({"name": "Hello"}, {"channelId"}),
    ({"name": "Hello", "channelId": "1", "privacy": "7"}, {"privacy"}),
    ({"name": "Hello", "channelId": "1", "nsfw": "maybe"}, {"nsfw"}),
    ({"name": "Hello", "channelId": "1", "tags": ["a"]}, {"tags"}),
    ({"name": "a", "privacy": "0"}, {"name", "channelId", "privacy"}),
])
def test_each_bad_field_is_named(fields, bad):
    with pytest.raises(errors.ApiError) as raised:
        videos.parse_attributes(fields, from_form=True)
    assert raised.value.status == 400
    assert set(raised.value.data["invalid-params"]) == bad
