"""Playlists on moto's in-process mock: reorder as PeerTube computes it, the public list's
counter, and why an element shows no video. (Races are tested on the real local stack.)"""
from types import SimpleNamespace

import pytest

from peerless import accounts, errors, ids, playlists, videos
from peerless.models import counter_value


@pytest.fixture
def alice(aws):
    return accounts.create_user("alice", "alice@example.com", "a password")


def peertube_reorder(order: list, start: int, insert_after: int, length: int) -> list:
    """PeerTube's reorder, as its three SQL updates move positions (controllers
    video-playlist.ts): make room after `insert_after`, move the block there, close the
    gap it left."""
    if start == insert_after:
        return order
    position = {e: i + 1 for i, e in enumerate(order)}
    new = insert_after + 1
    for e, p in position.items():
        if p >= new:
            position[e] = p + length
    old = start + length if start >= new else start
    for e, p in position.items():
        if old <= p <= old + length - 1:
            position[e] = new + p - old
    for e, p in position.items():
        if p >= old:
            position[e] = p - length
    assert sorted(position.values()) == list(range(1, len(order) + 1))
    return sorted(order, key=position.get)


def test_reorder_matches_peertube_everywhere(alice):
    playlist = playlists.create(alice, {"displayName": "Order"})
    clip = SimpleNamespace(id=1, uuid=ids.new_uuid())
    for _ in range(5):
        playlists.add(playlist, clip)
    cases = 0
    for start in range(1, 6):
        for length in range(1, 7 - start):
            for insert_after in range(0, 6):
                if start < insert_after < start + length - 1:
                    continue    # into the block itself: PeerTube's positions break there
                before = [e.id for e in playlists.elements_of(playlist)]
                playlists.reorder(playlist, start, insert_after, length)
                after = [e.id for e in playlists.elements_of(playlist)]
                assert after == peertube_reorder(before, start, insert_after, length), (
                    start, insert_after, length)
                cases += 1
    assert cases > 60


@pytest.mark.parametrize("start, insert_after, length", [(6, 0, 1), (1, 6, 1), (4, 0, 3)])
def test_reorder_out_of_bounds(alice, start, insert_after, length):
    playlist = playlists.create(alice, {"displayName": "Small"})
    for _ in range(5):
        playlists.add(playlist, SimpleNamespace(id=1, uuid=ids.new_uuid()))
    with pytest.raises(errors.ApiError) as refused:
        playlists.reorder(playlist, start, insert_after, length)
    assert refused.value.status == 400


def test_the_public_counter_follows_privacy(alice):
    channel = accounts.channels_of("alice")[0]
    shown = playlists.create(alice, {"displayName": "Shown", "privacy": 1,
                                     "videoChannelId": channel.id})
    playlists.create(alice, {"displayName": "Hidden"})
    assert counter_value(playlists.PUBLIC_LIST) == 1
    playlists.update(shown, {"privacy": 3})
    playlists.update(shown, {"displayName": "Still hidden"})
    assert playlists.list_public(0, 10) == (0, [])
    playlists.update(shown, {"privacy": 1})
    total, found = playlists.list_public(0, 10)
    assert total == 1 and [p.display_name for p in found] == ["Still hidden"]
    playlists.delete(shown)
    assert counter_value(playlists.PUBLIC_LIST) == 0
    with pytest.raises(errors.ApiError) as gone:
        playlists.find(shown.uuid)
    assert gone.value.status == 404


def test_watch_later_is_made_once(alice):
    first = playlists.watch_later(alice)
    assert playlists.watch_later(alice).uuid == first.uuid
    assert playlists.special_playlists(alice) == [
        {"id": first.id, "name": "Watch later", "type": 2}]
    assert [p.type for p in playlists.list_of_account(alice.username, alice, 0, 10)[1]] == [2]
    with pytest.raises(errors.ApiError):
        playlists.delete(first)


def video(**fields) -> SimpleNamespace:
    base = {"owner": "bob", "privacy": videos.PUBLIC, "state": videos.PUBLISHED,
            "blocked": False}
    return SimpleNamespace(**{**base, **fields})


@pytest.mark.parametrize("clip, viewer, kind", [
    (None, None, playlists.ELEMENT_DELETED),
    (video(), None, playlists.ELEMENT_REGULAR),
    (video(privacy=2), None, playlists.ELEMENT_REGULAR),
    (video(privacy=3), None, playlists.ELEMENT_PRIVATE),
    (video(privacy=3), "bob", playlists.ELEMENT_REGULAR),
    (video(privacy=4), "carol", playlists.ELEMENT_PRIVATE),
    (video(blocked=True), None, playlists.ELEMENT_UNAVAILABLE),
    (video(state=2), "carol", playlists.ELEMENT_UNAVAILABLE),
])
def test_element_types(clip, viewer, kind):
    user = SimpleNamespace(username=viewer) if viewer else None
    assert playlists.element_type(clip, user) == kind


def test_a_deleted_channel_leaves_its_playlists_private(alice):
    channel = accounts.channels_of("alice")[0]
    shown = playlists.create(alice, {"displayName": "Shown", "privacy": 1,
                                     "videoChannelId": channel.id})
    playlists.forget_channel(channel)
    kept = playlists.find(shown.uuid)
    assert (kept.privacy, kept.channel) == (playlists.PRIVATE, None)
    assert counter_value(playlists.PUBLIC_LIST) == 0
