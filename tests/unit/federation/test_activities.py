"""The inbox worker's dispatch on moto's in-process mock: a Follow stores its follower and
queues an Accept embedding it; repeats store nothing twice; blocked servers are rejected;
Undo forgets; Accept and Reject answer our own Follows; the rest is ignored."""
import pytest

from peerless import accounts, moderation
from peerless.federation import activities, actors, follows, remote_actors
from tests.unit.federation.test_follows import INSTANCE, queued, remote


pytestmark = pytest.mark.usefixtures("allow_private")


@pytest.fixture
def peer(known):
    return known(remote())


def follow_of(peer, target_url: str, follow_id: str = "http://remote.example/follows/7"):
    return {"@context": "https://www.w3.org/ns/activitystreams", "type": "Follow",
            "id": follow_id, "actor": peer.url, "object": target_url}


def test_a_follow_of_the_instance_is_stored_and_accepted(peer):
    instance = actors.instance_actor()
    follow = follow_of(peer, instance.url)
    activities.apply(follow, peer.url)

    stored = follows.follower(INSTANCE, peer.url)
    assert stored.state == follows.ACCEPTED and stored.follow_id == follow["id"]
    [message] = queued()
    assert message["sender"] == INSTANCE and message["inbox"] == peer.inbox
    assert message["attempt"] == 1
    accept = message["activity"]
    assert accept["type"] == "Accept" and accept["actor"] == instance.url
    # The Follow embedded as PeerTube embeds it.
    assert accept["object"] == {"type": "Follow", "id": follow["id"], "actor": peer.url,
                                "object": instance.url}

    # The same Follow again: no second follower, another Accept (the same one).
    activities.apply(follow, peer.url)
    assert follows.listed(follows.Follower, INSTANCE, 0, 10)[0] == 1
    assert follows.followers_count(INSTANCE) == 1
    assert [m["activity"] for m in queued()] == [accept]


def test_a_follow_of_a_channel_or_account(peer):
    user = accounts.create_user("alice", "alice@example.com", "a password")
    for url in (actors.account_url("alice"), actors.channel_url(user.channel_name)):
        activities.apply(follow_of(peer, url, f"{url}-follow"), peer.url)
    assert follows.followers_count("alice") == 1
    assert follows.followers_count(user.channel_name) == 1
    assert [m["sender"] for m in queued()] == ["alice", user.channel_name]


def test_a_blocked_server_is_rejected(peer):
    admin = accounts.create_user("mod", "mod@example.com", "a password",
                                 role=accounts.ROLE_ADMIN)
    moderation.mute_server(admin, "remote.example", for_instance=True)
    follow = follow_of(peer, actors.instance_actor().url)
    activities.apply(follow, peer.url)

    assert follows.follower(INSTANCE, peer.url) is None
    [message] = queued()
    assert message["activity"]["type"] == "Reject"
    assert message["activity"]["object"]["id"] == follow["id"]


def test_a_server_blocked_by_the_followed_user_is_rejected(peer):
    alice = accounts.create_user("alice", "alice@example.com", "a password")
    moderation.mute_server(alice, "remote.example")
    activities.apply(follow_of(peer, actors.account_url("alice")), peer.url)
    assert follows.follower("alice", peer.url) is None
    assert [m["activity"]["type"] for m in queued()] == ["Reject"]
    # The instance itself has not blocked it.
    activities.apply(follow_of(peer, actors.instance_actor().url), peer.url)
    assert [m["activity"]["type"] for m in queued()] == ["Accept"]


def test_undo_removes_the_follower(peer):
    follow = follow_of(peer, actors.instance_actor().url)
    activities.apply(follow, peer.url)
    undo = {"type": "Undo", "id": f"{follow['id']}/undo", "actor": peer.url,
            "object": follow}
    activities.apply(undo, peer.url)
    activities.apply(undo, peer.url)
    assert follows.follower(INSTANCE, peer.url) is None
    assert follows.followers_count(INSTANCE) == 0

    # An Undo naming its Follow by id alone does too.
    activities.apply(follow, peer.url)
    activities.apply({**undo, "object": follow["id"]}, peer.url)
    assert follows.follower(INSTANCE, peer.url) is None


def test_accept_and_reject_of_our_follow(peer, known):
    instance = actors.instance_actor()
    ours = follows.follow(instance, peer)
    accept = {"type": "Accept", "id": "http://remote.example/accepts/follows/1",
              "actor": peer.url,
              "object": {"type": "Follow", "id": ours.follow_id, "actor": instance.url,
                         "object": peer.url}}
    # Someone else cannot accept it for the followed actor.
    other = known(remote(host="other.example"))
    activities.apply({**accept, "actor": other.url}, other.url)
    assert follows.following(INSTANCE, peer.url).state == follows.PENDING

    activities.apply(accept, peer.url)
    assert follows.following(INSTANCE, peer.url).state == follows.ACCEPTED
    assert follows.following_count(INSTANCE) == 1

    # A Reject naming the Follow by id alone.
    activities.apply({"type": "Reject", "id": "http://remote.example/rejects/1",
                      "actor": peer.url, "object": ours.follow_id}, peer.url)
    assert follows.following(INSTANCE, peer.url).state == follows.REJECTED
    assert follows.following_count(INSTANCE) == 0


def test_what_is_not_handled_changes_nothing(peer, caplog):
    instance = actors.instance_actor()
    caplog.set_level("INFO", "peerless.federation.activities")
    # Not its sender's own, a local actor that does not exist, a type not handled yet.
    activities.apply(follow_of(peer, instance.url), "http://other.example/accounts/x")
    activities.apply(follow_of(peer, actors.account_url("nobody")), peer.url)
    activities.apply({"type": "Like", "id": "http://remote.example/likes/1",
                      "actor": peer.url, "object": "http://x/videos/watch/1"}, peer.url)
    activities.apply({"type": "Undo", "id": "u", "actor": peer.url,
                      "object": {"type": "Like", "id": "l"}}, peer.url)
    assert follows.listed(follows.Follower, INSTANCE, 0, 10)[0] == 0
    assert queued() == []
    assert len([r for r in caplog.records if "ignored" in r.getMessage()]) == 4


def test_an_unreachable_follower_is_retried(known):
    # The follower's actor cannot be fetched: the error goes up, for the queue to retry.
    lost = remote(host="lost.example")
    with pytest.raises(remote_actors.RemoteActorError):
        activities.apply(follow_of(lost, actors.instance_actor().url), lost.url)
    assert follows.follower(INSTANCE, lost.url) is None
