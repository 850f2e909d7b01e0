"""Subscriptions on moto's in-process mock: handles, followers counts, lists."""
import pytest

from peerless import accounts, errors, subscriptions
from peerless.settings import settings


@pytest.mark.parametrize("handle, name", [
    ("cats", "cats"), ("@cats", "cats"), ("cats_channel", "cats_channel"),
    (f"cats@{settings().host}", "cats"), (f"cats@{settings().host.upper()}", "cats"),
    ("cats@elsewhere.example", None)])
def test_local_names(handle, name):
    assert subscriptions.local_name(handle) == name


@pytest.mark.parametrize("handle", ["", "two words", "a@b@c", "<script>"])
def test_what_is_no_handle(handle):
    with pytest.raises(errors.ApiError) as refused:
        subscriptions.local_name(handle)
    assert refused.value.status == 400


def test_follow_count_and_unfollow(aws):
    fan = accounts.create_user("fan", "fan@example.com", "a password")
    accounts.create_user("cat", "cat@example.com", "a password", channel_name="Cats")
    subscriptions.subscribe(fan, "cats")            # the name's case does not matter
    subscriptions.subscribe(fan, "Cats")
    assert subscriptions.followers_counts(["Cats", "fan_channel"]) == {"cats": 1,
                                                                      "fan_channel": 0}
    assert subscriptions.exist(fan, ["Cats", "fan_channel"]) == {"Cats": True,
                                                                "fan_channel": False}
    total, found = subscriptions.list_of(fan, 0, 10)
    assert total == 1 and [c.name for c in found] == ["Cats"]
    assert subscriptions.followed_channels(fan) == ["Cats"]
    subscriptions.unsubscribe(fan, "cats")
    assert subscriptions.followers_counts(["Cats"]) == {"cats": 0}
    with pytest.raises(errors.ApiError) as gone:
        subscriptions.unsubscribe(fan, "cats")
    assert gone.value.status == 404


def test_a_deleted_channel_leaves_no_subscription(aws):
    fans = [accounts.create_user(f"fan{i}", f"fan{i}@example.com", "a password")
            for i in range(2)]
    accounts.create_user("cat", "cat@example.com", "a password", channel_name="Cats")
    for fan in fans:
        subscriptions.subscribe(fan, "Cats")
        subscriptions.subscribe(fan, "fan0_channel")
    subscriptions.forget_channel("Cats")
    for fan in fans:
        total, found = subscriptions.list_of(fan, 0, 10)
        assert total == 1 and [c.name for c in found] == ["fan0_channel"]
    assert subscriptions.followers_counts(["Cats"]) == {"cats": 0}
