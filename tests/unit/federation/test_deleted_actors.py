"""Actors deleted, on moto's in-process mock. A remote account's Delete of itself: its
videos (its channel's, found through the channel it owns), comments, ratings, follows
both ways and local users' subscriptions go, and the actor with them; a Delete of it by
anyone else changes nothing; a repeat is harmless. A local user removed: a Delete of its
actors, signed with the key they had, to their remote followers, forgotten here."""
import pytest

from peerless import accounts, comments, ratings, subscriptions
from peerless.federation import activities, actors, delivery, follows, remote_actors
from peerless.models import Video, get_or_none
from tests.unit.federation.test_follows import queued, remote
from tests.unit.federation.test_objects import published
from tests.unit.federation.test_remote_actors import PEM, person
from tests.unit.federation import test_remote_videos
from tests.unit.federation.test_remote_videos import ORIGIN, REMOTE_UUID, create

pytestmark = pytest.mark.usefixtures("allow_private")
origin = test_remote_videos.origin
CHANNEL = "bob_films@remote.example"


@pytest.fixture
def bob(origin, alice, monkeypatch):
    """Bob of remote.example, brought here every way: alice subscribes to his channel (so
    his video is taken), follows back, and he comments on and likes a video of hers."""
    account, channel = origin["account"], origin["channel"]
    # The channel as fetched: attributedTo its account, which finds it from the account.
    remote_actors.store(person(
        ORIGIN, id=channel.url, type="Group", preferredUsername="bob_films",
        inbox=f"{channel.url}/inbox", attributedTo=[{"type": "Person", "id": account.url}],
        publicKey={"id": f"{channel.url}#main-key", "owner": channel.url,
                   "publicKeyPem": PEM}), channel.url)
    monkeypatch.setattr(follows, "resolve", lambda name, host: channel)
    subscriptions.subscribe(alice, CHANNEL)
    asked = follows.following("alice", channel.url)
    assert follows.answered("alice", channel.url, asked.follow_id, follows.ACCEPTED)
    activities.apply(create(origin), account.url)
    assert get_or_none(Video, Video.key(REMOTE_UUID)) is not None

    follows.accept_follow(actors.account_actor(alice), account, f"{account.url}/follows/1")
    hers = published(alice, name="Bob talks about this")
    note = f"{account.url}/notes/1"
    activities.apply({"type": "Create", "id": f"{note}/activity", "actor": account.url,
                      "object": {"type": "Note", "id": note, "attributedTo": account.url,
                                 "inReplyTo": actors.video_url(hers.uuid),
                                 "content": "<p>Nice</p>"}}, account.url)
    activities.apply({"type": "Like", "id": f"{account.url}/likes/1", "actor": account.url,
                      "object": actors.video_url(hers.uuid)}, account.url)
    hers = Video.get(*Video.key(hers.uuid))
    assert (hers.comments_count, hers.likes) == (1, 1)
    queued()
    return {"account": account, "channel": channel, "video": hers}


def delete_of(actor_url: str, by: str | None = None) -> dict:
    by = by or actor_url
    return {"type": "Delete", "id": f"{by}/delete", "actor": by, "object": actor_url}


def traces(bob) -> dict:
    """What bob left here."""
    hers = Video.get(*Video.key(bob["video"].uuid))
    [thread] = comments.list_threads(hers, None, 0, 10).data
    return {
        "remote video": get_or_none(Video, Video.key(REMOTE_UUID)) is not None,
        "comment": not thread.deleted and hers.comments_count == 1,
        "rating": hers.likes == 1,
        "follower": follows.follower("alice", bob["account"].url) is not None,
        "following": follows.following("alice", bob["channel"].url) is not None,
        "subscription": subscriptions.count_of(accounts.user_by_name("alice")) == 1,
        "account": remote_actors.known(bob["account"].url) is not None,
        "channel": remote_actors.known(bob["channel"].url) is not None,
    }


def test_a_deleted_account_is_forgotten_with_what_it_brought(bob, known):
    assert all(traces(bob).values())
    # Nobody else deletes it: not another account of its server, nor the server itself.
    for other in (known(remote("mallory", kind="Person")), bob["channel"]):
        activities.apply(delete_of(bob["account"].url, by=other.url), other.url)
    assert all(traces(bob).values())

    activities.apply(delete_of(bob["account"].url), bob["account"].url)
    assert not any(traces(bob).values())
    assert follows.followers_count("alice") == 0 and follows.following_count("alice") == 0
    assert ratings.current(accounts.user_by_name("alice"), bob["video"]) == ratings.NONE
    assert queued() == []        # a deleted actor is told nothing

    # A repeat, or the channel's own Delete coming after, finds nothing left to do.
    activities.apply(delete_of(bob["account"].url), bob["account"].url)
    activities.apply(delete_of(bob["channel"].url), bob["channel"].url)
    assert not any(traces(bob).values())


def test_a_deleted_channel_takes_its_videos_and_subscribers(bob):
    activities.apply(delete_of(bob["channel"].url), bob["channel"].url)
    left = traces(bob)
    assert [name for name, there in left.items() if not there] == [
        "remote video", "following", "subscription", "channel"]


def test_a_removed_user_tells_its_followers(alice, known, monkeypatch):
    peer = known(remote("bob", kind="Person"))
    account = actors.account_actor(alice)
    follows.accept_follow(account, peer, f"{peer.url}/follows/1")
    channel = accounts.channels_of("alice")[0]
    follows.accept_follow(actors.channel_actor(channel), peer, f"{peer.url}/follows/2")
    queued()

    accounts.delete_me(alice)
    sent = {m["activity"]["object"]: m for m in queued()}
    assert set(sent) == {account.url, actors.channel_url(channel.name)}
    for url, message in sent.items():
        assert message["activity"] == {**message["activity"], "type": "Delete",
                                       "actor": url, "id": f"{url}/delete"}
        assert (message["inbox"], message["key_id"]) == (peer.shared_inbox, f"{url}#main-key")
    assert follows.follower("alice", peer.url) is None
    assert follows.follower(channel.name, peer.url) is None
    # Signed though the actor is gone: the key it had signs.
    signed = {}
    monkeypatch.setattr(delivery, "_client", lambda: _Recorder(signed))
    monkeypatch.setattr(delivery.fetch, "checked_address", lambda url: None)
    assert delivery.process(sent[account.url]) == "delivered"
    assert f'keyId="{account.url}#main-key"' in signed["signature"]


class _Recorder:
    """An HTTP client that keeps the headers of the POST it is asked for, answering 202."""

    def __init__(self, into: dict):
        self.into = into

    def stream(self, method, url, content, headers):
        self.into.update({k.lower(): v for k, v in headers.items()})
        return self

    def __enter__(self):
        return type("Answer", (), {"status_code": 202})()

    def __exit__(self, *exc):
        return False
