"""Follow relations on moto's in-process mock: stored once whatever the repeats, counted
when accepted, listed and fanned out to once per shared inbox; the activities that make
and end them, as PeerTube builds them."""
import json


from peerless import accounts
from peerless import aws as peerless_aws
from peerless.federation import actors, delivery, follows
from peerless.federation.remote_actors import RemoteActor
from peerless.settings import settings

INSTANCE = actors.SERVER_ACTOR_NAME


def remote(name: str = "peertube", host: str = "remote.example", *, shared: bool = True,
           kind: str = "Application") -> RemoteActor:
    """A remote actor as remote_actors.get_actor gives it (never fetched in these tests)."""
    base = f"http://{host}"
    url = f"{base}/accounts/{name}"
    return RemoteActor(*RemoteActor.key(url), url=url, type=kind, preferred_username=name,
                       host=host, inbox=f"{url}/inbox",
                       shared_inbox=f"{base}/inbox" if shared else None,
                       public_key_id=f"{url}#main-key", public_key_pem="unused")


def queued(queue: str | None = None) -> list[dict]:
    """Every message on the delivery queue (or another), taken off it."""
    sqs = peerless_aws.client("sqs")
    url = peerless_aws.queue_url(queue or settings().delivery_queue)
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                  AttributeNames=["All"]).get("Messages", [])
        if not got:
            return out
        for message in got:
            out.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_a_remote_follower_is_stored_once_and_counted_once(allow_private):
    instance, peer = actors.instance_actor(), remote()
    first = follows.accept_follow(instance, peer, "http://remote.example/follows/1")
    again = follows.accept_follow(instance, peer, "http://remote.example/follows/1")

    assert first.id == again.id and again.state == follows.ACCEPTED
    assert follows.followers_count(INSTANCE) == 1
    assert follows.listed(follows.Follower, INSTANCE, 0, 10)[0] == 1
    # Each Follow is answered (the first Accept may have been lost), with the same id.
    accepts = queued()
    assert len(accepts) == 2 and accepts[0] == accepts[1]
    assert accepts[0]["inbox"] == peer.inbox and accepts[0]["sender"] == INSTANCE

    assert follows.undo_follow(INSTANCE, peer.url)
    assert not follows.undo_follow(INSTANCE, peer.url)
    assert follows.followers_count(INSTANCE) == 0
    assert follows.follower(INSTANCE, peer.url) is None


def test_followers_are_delivered_to_once_per_shared_inbox(allow_private):
    channel_owner = accounts.create_user("alice", "alice@example.com", "a password")
    channel = actors.find(channel_owner.channel_name)
    for name in ("ann", "bob", "cat"):
        follows.accept_follow(channel, remote(name, kind="Person"),
                              f"http://remote.example/follows/{name}")
    lone = remote("dan", "other.example", shared=False, kind="Person")
    follows.accept_follow(channel, lone, "http://other.example/follows/dan")
    pending = remote("eve", "third.example", kind="Person")
    follows.accept_follow(channel, pending, "http://third.example/f", approve=False)
    queued()

    assert sorted(follows.follower_inboxes(channel.name)) == [
        "http://other.example/accounts/dan/inbox", "http://remote.example/inbox"]
    assert follows.followers_count(channel.name) == 4

    delivery.to_followers({"type": "Create", "id": "x"}, sender=channel.name)
    assert sorted(m["inbox"] for m in queued()) == [
        "http://other.example/accounts/dan/inbox", "http://remote.example/inbox"]


def test_lists_filter_and_page(allow_private):
    instance = actors.instance_actor()
    for host in ("a.example", "b.example", "c.example"):
        follows.follow(instance, remote(host=host))
    total, page = follows.listed(follows.Following, INSTANCE, 0, 2)
    assert total == 3 and [f.remote_host for f in page] == ["c.example", "b.example"]
    total, page = follows.listed(follows.Following, INSTANCE, 0, 10, search="B.EX")
    assert total == 1 and page[0].remote_handle == "peertube@b.example"
    assert follows.listed(follows.Following, INSTANCE, 0, 10, state="accepted")[0] == 0
    assert follows.find_by_handle(follows.Following, INSTANCE, "PeerTube@C.example")


def test_our_follow_is_sent_then_answered(allow_private):
    instance, peer = actors.instance_actor(), remote()
    item = follows.follow(instance, peer)
    assert item.state == follows.PENDING and follows.following_count(INSTANCE) == 0
    sent = queued()
    assert len(sent) == 1 and sent[0]["inbox"] == peer.inbox
    follow = sent[0]["activity"]
    assert {k: follow[k] for k in ("type", "id", "actor", "object")} == {
        "type": "Follow", "id": item.follow_id, "actor": instance.url, "object": peer.url}
    assert follow["id"].startswith(f"{instance.url}/follows/")

    # Following again while pending sends the same Follow again.
    follows.follow(instance, peer)
    assert [m["activity"]["id"] for m in queued()] == [item.follow_id]

    # An answer naming another Follow is not this one's.
    assert not follows.answered(INSTANCE, peer.url, "http://elsewhere/f", follows.ACCEPTED)
    assert follows.answered(INSTANCE, peer.url, item.follow_id, follows.ACCEPTED)
    assert follows.answered(INSTANCE, peer.url, item.follow_id, follows.ACCEPTED)
    assert follows.following(INSTANCE, peer.url).state == follows.ACCEPTED
    assert follows.following_count(INSTANCE) == 1

    # Following an accepted actor again changes nothing and sends nothing.
    follows.follow(instance, peer)
    assert queued() == []

    follows.unfollow(instance, follows.following(INSTANCE, peer.url))
    undo = queued()[0]["activity"]
    assert undo["type"] == "Undo" and undo["id"] == f"{item.follow_id}/undo"
    assert undo["object"]["id"] == item.follow_id
    assert follows.following_count(INSTANCE) == 0


def test_a_rejected_follow_is_asked_anew_with_a_new_id(allow_private):
    instance, peer = actors.instance_actor(), remote()
    first = follows.follow(instance, peer)
    follows.answered(INSTANCE, peer.url, None, follows.REJECTED)
    queued()
    second = follows.follow(instance, peer)
    assert second.state == follows.PENDING and second.follow_id != first.follow_id
    assert [m["activity"]["id"] for m in queued()] == [second.follow_id]
    assert [type(i).__name__ for i in follows.of_follow_id(second.follow_id)] == ["Following"]
    assert follows.of_follow_id(first.follow_id) == []


def test_administrators_answer_followers(allow_private):
    instance, peer = actors.instance_actor(), remote()
    item = follows.accept_follow(instance, peer, "http://remote.example/f", approve=False)
    assert item.state == follows.PENDING and queued() == []
    assert follows.followers_count(INSTANCE) == 0

    follows.approve_follower(instance, item)
    assert queued()[0]["activity"]["type"] == "Accept"
    assert follows.followers_count(INSTANCE) == 1

    follows.reject_follower(instance, follows.follower(INSTANCE, peer.url))
    reject = queued()[0]["activity"]
    assert reject["type"] == "Reject" and reject["object"]["id"] == "http://remote.example/f"
    assert follows.followers_count(INSTANCE) == 0
    # A rejected follower that follows again is rejected again, as in PeerTube.
    follows.accept_follow(instance, peer, "http://remote.example/f")
    assert [m["activity"]["type"] for m in queued()] == ["Reject"]

    follows.remove_follower(instance, follows.follower(INSTANCE, peer.url))
    assert queued() == [] and follows.follower(INSTANCE, peer.url) is None
