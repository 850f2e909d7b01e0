"""Inbox forwarding on moto's in-process mock: the real Mastodon reply of
../shared/conformance to a local video goes, as received byte for byte, to the other
servers holding the video (not back to Mastodon's), signed over HTTP by the instance
actor; so do its Delete, and ratings (Like, Dislike, their Undo). Not forwarded: a repeat, a reply that came relayed (no loops),
one without its author's linked-data signature, one on a remote video."""
import json

import pytest

from peerless.federation import activities, actors, follows, ld_signatures
from peerless.models import Video
from tests.unit.federation import test_interactions
from tests.unit.federation.conftest import mastodon_body
from tests.unit.federation.test_follows import queued, remote
from tests.unit.federation.test_interactions import MASTODON
from tests.unit.federation.test_remote_actors import KEY

pytestmark = pytest.mark.usefixtures("allow_private")
mastodon, reply, video = (test_interactions.mastodon, test_interactions.reply,
                          test_interactions.video)
HOLDER = "http://holder.example/inbox"


@pytest.fixture
def held(video, mastodon):
    """The video is held by a PeerTube following its account, and by Mastodon's server
    (a follower of its channel there) which sends the reply."""
    account = actors.account_actor(actors.find(video.owner).item)
    follows.accept_follow(account, remote(host="holder.example"), "http://holder.example/f/1")
    channel = actors.find(video.channel)
    follows.accept_follow(channel, mastodon, f"{MASTODON}/follows/1")
    queued()
    return video


@pytest.fixture
def text(reply):
    return mastodon_body(reply).decode()


def forwarded() -> list[dict]:
    return [m for m in queued() if "body" in m]


def signed_text(activity: dict) -> str:
    return json.dumps(ld_signatures.sign_ld(
        {"@context": "https://www.w3.org/ns/activitystreams", "actor": MASTODON, **activity},
        KEY, f"{MASTODON}#main-key"))


def test_a_reply_is_forwarded_as_received_to_the_other_holders(held, reply, text):
    activities.apply(reply, MASTODON, text=text)
    [message] = forwarded()
    assert message["inbox"] == HOLDER and message["sender"] == actors.SERVER_ACTOR_NAME
    assert message["body"] == text          # the signed bytes, not a re-serialisation
    # Taken once: the same Note again is not forwarded again.
    activities.apply(reply, MASTODON, text=text)
    assert forwarded() == []

    note = reply["object"]["id"]
    delete = signed_text({"type": "Delete", "id": f"{note}#delete",
                          "object": {"id": note, "type": "Tombstone"}})
    activities.apply(json.loads(delete), MASTODON, text=delete)
    assert [(m["inbox"], m["body"]) for m in forwarded()] == [(HOLDER, delete)]


def test_a_rating_is_forwarded_when_it_changes(held):
    like = signed_text({"type": "Like", "id": f"{MASTODON}#likes/1",
                        "object": actors.video_url(held.uuid)})
    activities.apply(json.loads(like), MASTODON, text=like)
    assert [(m["inbox"], m["body"]) for m in forwarded()] == [(HOLDER, like)]
    assert Video.get(*Video.key(held.uuid)).likes == 1
    activities.apply(json.loads(like), MASTODON, text=like)    # no change: not again
    assert forwarded() == []

    dislike = signed_text({"type": "Dislike", "id": f"{MASTODON}#dislikes/1",
                           "object": actors.video_url(held.uuid)})
    activities.apply(json.loads(dislike), MASTODON, text=dislike)
    assert [m["body"] for m in forwarded()] == [dislike]
    undo = signed_text({"type": "Undo", "id": f"{MASTODON}#dislikes/1/undo",
                        "object": json.loads(dislike)})
    activities.apply(json.loads(undo), MASTODON, text=undo)
    assert [m["body"] for m in forwarded()] == [undo]
    assert (Video.get(*Video.key(held.uuid)).likes,
            Video.get(*Video.key(held.uuid)).dislikes) == (0, 0)


@pytest.mark.parametrize("case", ["relayed", "unsigned", "remote video"])
def test_what_is_not_forwarded(held, reply, text, case):
    if case == "unsigned":
        reply = {k: v for k, v in reply.items() if k != "signature"}
        text = json.dumps(reply)
    elif case == "remote video":
        held.update(actions=[Video.origin_url.set("http://holder.example/videos/watch/1")])
    activities.apply(reply, MASTODON, text=text, relayed=case == "relayed")
    assert forwarded() == []
    assert Video.get(*Video.key(held.uuid)).comments_count == 1     # taken all the same
