"""What other servers' people do to videos held here, on moto's in-process mock: the real
Mastodon reply of ../shared/conformance becomes a comment with its mention kept; replies
thread; a Note is taken once, from its author only, and never from a muted server; its
Delete leaves a tombstone; a held reply, once approved, goes back as an ApproveReply; Like, Dislike and their Undo rate; View counts (once: the inbox applies an activity id once)."""
import copy

import pytest

from peerless import accounts, comments, ids, moderation, ratings, videos
from peerless.errors import ApiError
from peerless.federation import activities, actors, interactions, objects, publishing
from peerless.federation.remote_actors import RemoteActor
from peerless.models import Video
from peerless.peertube.comments import Writers, comment
from peerless.settings import settings
from tests.unit.federation.conftest import load
from tests.unit.federation.test_follows import queued, remote
from tests.unit.federation.test_objects import rendition

pytestmark = pytest.mark.usefixtures("allow_private")
MASTODON = "http://localhost:3000/users/ronan2"


@pytest.fixture
def mastodon(known):
    actor = RemoteActor(*RemoteActor.key(MASTODON), url=MASTODON, type="Person",
                        preferred_username="ronan2", host="localhost:3000", name="Ronan",
                        inbox=f"{MASTODON}/inbox", shared_inbox="http://localhost:3000/inbox",
                        public_key_id=f"{MASTODON}#main-key", public_key_pem="-", number=9)
    actor.nid = RemoteActor.handle_nid("ronan2@localhost:3000")
    actor.save()
    return known(actor)


@pytest.fixture
def reply():
    """Mastodon's Create of a reply to a video of localhost:9000 (this instance's address
    in the unit tests)."""
    return load("mastodon-create-note-request.json")["body"]


@pytest.fixture
def video(aws, reply):
    """The local video Mastodon's reply answers, published."""
    owner = accounts.create_user("ronan", "ronan@example.com", "a password")
    uuid = reply["object"]["inReplyTo"].rsplit("/", 1)[1]
    created = videos.create(owner, videos.parse_attributes(
        {"name": "Answered from Mastodon", "channelId": accounts.channels_of("ronan")[0].id},
        from_form=False), uuid=uuid, filename="x.mp4")
    videos.publish(created, {"renditions": [rendition(uuid, 240, 426, 240)]}, 4)
    return Video.get(*Video.key(uuid))


def threads(video):
    return comments.list_threads(video, None, 0, 10)


def test_the_text_of_a_note(reply):
    assert interactions.text_of(reply["object"]) == "@ronan zergzerg"
    note = {"content": "<p>One &amp; <b>two</b><br>three</p><p>four</p>"
                       "<script>alert(1)</script><style>p{}</style>"}
    assert interactions.text_of(note) == "One & two\nthree\n\nfour"
    assert interactions.text_of({"content": "**bold**", "mediaType": "text/markdown"}) == \
        "**bold**"
    assert interactions.text_of({"content": None}) == ""


def test_mastodons_reply_becomes_a_comment(video, mastodon, reply):
    activities.apply(reply, MASTODON)
    page = threads(video)
    assert page.total == 1
    [made] = page.data
    assert made.text == "@ronan zergzerg" and made.author == "ronan2@localhost:3000"
    shown = comment(made, settings(), Writers([made]))
    assert shown["account"]["host"] == "localhost:3000"
    assert shown["account"]["displayName"] == "Ronan"
    assert shown["url"] == reply["object"]["id"]
    assert Video.get(*Video.key(video.uuid)).comments_count == 1

    # Delivered again: still one.
    activities.apply(reply, MASTODON)
    assert threads(video).total == 1


def test_a_reply_to_a_comment_joins_its_thread(video, mastodon, reply):
    author = accounts.user_by_name("ronan")
    local = comments.create(video, author, "Thank you!")
    answer = copy.deepcopy(reply)
    answer["object"].update(id=f"{MASTODON}/statuses/2",
                            inReplyTo=f"{settings().public_url}/videos/watch/{video.uuid}"
                                      f"/comments/{local.id}")
    activities.apply(answer, MASTODON)
    thread = comments.get_thread(video, local.id, None)
    assert [c.text for c in thread.replies] == ["@ronan zergzerg"]
    # And a reply to that remote comment finds it by its Note's id.
    deeper = copy.deepcopy(answer)
    deeper["object"].update(id=f"{MASTODON}/statuses/3", inReplyTo=answer["object"]["id"],
                            content="<p>deeper</p>")
    activities.apply(deeper, MASTODON)
    thread = comments.get_thread(video, local.id, None)
    assert [(c.text, c.in_reply_to) for c in thread.replies][-1] == (
        "deeper", thread.replies[0].id)


@pytest.mark.parametrize("change", [
    {"attributedTo": "http://localhost:3000/users/someone_else"},
    {"id": "http://elsewhere.example/statuses/1"},
    {"inReplyTo": "http://localhost:9000/videos/watch/00000000-0000-4000-8000-000000000000"},
    {"inReplyTo": "http://elsewhere.example/notes/1"},
    {"content": "<p></p>"},
])
def test_a_note_not_for_here_or_not_its_senders_is_ignored(video, mastodon, reply, change):
    bad = copy.deepcopy(reply)
    bad["object"].update(change)
    activities.apply(bad, MASTODON)
    assert threads(video).total == 0


def test_a_muted_server_or_account_does_not_comment(video, mastodon, reply):
    admin = accounts.create_user("mod", "mod@example.com", "a password",
                                 role=accounts.ROLE_ADMIN)
    moderation.mute_server(admin, "localhost:3000", for_instance=True)
    activities.apply(reply, MASTODON)
    assert threads(video).total == 0
    moderation.unmute_server(admin, "localhost:3000", for_instance=True)
    moderation.mute_account(accounts.user_by_name("ronan"), "ronan2@localhost:3000")
    activities.apply(reply, MASTODON)
    assert threads(video).total == 0


def test_closed_comments_take_none(video, mastodon, reply):
    video.update(actions=[Video.comments_policy.set(comments.DISABLED)])
    activities.apply(reply, MASTODON)
    assert threads(video).total == 0


def test_a_held_reply_once_approved_goes_back_to_its_server_as_an_approve_reply(
        video, mastodon, reply):
    video.update(actions=[Video.comments_policy.set(comments.REQUIRES_APPROVAL)])
    activities.apply(reply, MASTODON)
    [held] = comments.Comment.by_owner.query(f"comments-held-on#{video.owner}")
    assert held.held
    with pytest.raises(ApiError):    # nothing approved yet: no approval to fetch
        objects.approved_comment(video, str(held.id))
    queued()

    owner = accounts.user_by_name(video.owner)
    comments.approve(video, held, owner)
    held.refresh()
    publishing.comment_approved(held, video)
    [message] = queued()
    approval = message["activity"]
    assert message["inbox"] == "http://localhost:3000/inbox"
    assert message["sender"] == video.owner
    assert approval["type"] == "ApproveReply"
    assert approval["object"] == reply["object"]["id"]       # the Note's id on its server
    assert approval["actor"] == actors.account_url(video.owner)
    assert approval["inReplyTo"] == actors.video_url(video.uuid)
    # What Mastodon's server, or another, finds at the approval's id.
    served = objects.approve_reply_activity(objects.approved_comment(video, str(held.id)),
                                            video)
    assert served["id"] == approval["id"] and served["object"] == approval["object"]


def test_only_its_author_deletes_a_comment(video, mastodon, reply, known):
    activities.apply(reply, MASTODON)
    note = reply["object"]["id"]
    other = known(remote("mallory", host="localhost:3000", kind="Person"))
    activities.apply({"type": "Delete", "id": f"{other.url}#delete", "actor": other.url,
                      "object": note}, other.url)
    assert not threads(video).data[0].deleted
    activities.apply({"type": "Delete", "id": f"{note}#delete", "actor": MASTODON,
                      "object": {"id": note, "type": "Tombstone"}}, MASTODON)
    [gone] = threads(video).data
    assert gone.deleted and gone.text is None
    assert Video.get(*Video.key(video.uuid)).comments_count == 0


def test_likes_dislikes_and_their_undo(video, mastodon):
    url = f"{settings().public_url}/videos/watch/{video.uuid}"
    like = {"type": "Like", "id": f"{MASTODON}#likes/1", "actor": MASTODON, "object": url}
    activities.apply(like, MASTODON)
    activities.apply(like, MASTODON)
    video.refresh()
    assert (video.likes, video.dislikes) == (1, 0)
    activities.apply({**like, "type": "Dislike", "id": f"{MASTODON}#dislikes/1"}, MASTODON)
    video.refresh()
    assert (video.likes, video.dislikes) == (0, 1)
    activities.apply({"type": "Undo", "id": f"{MASTODON}#undo/1", "actor": MASTODON,
                      "object": {**like, "type": "Dislike"}}, MASTODON)
    video.refresh()
    assert (video.likes, video.dislikes) == (0, 0)
    short = f"{settings().public_url}/w/{ids.to_short(video.uuid)}"
    activities.apply({**like, "id": f"{MASTODON}#likes/2", "object": short}, MASTODON)
    video.refresh()
    assert video.likes == 1
    assert ratings.Rating.get(*ratings.Rating.key("ronan2@localhost:3000",
                                                  video.uuid)).origin_url == \
        f"{MASTODON}#likes/2"


def test_a_view_counts(video, mastodon):
    url = f"{settings().public_url}/videos/watch/{video.uuid}"
    activities.apply({"type": "View", "id": f"{MASTODON}#views/1", "actor": MASTODON,
                      "object": url}, MASTODON)
    assert Video.get(*Video.key(video.uuid)).views == 1


def test_a_flag_becomes_a_report_for_the_moderators(video, mastodon):
    url = f"{settings().public_url}/videos/watch/{video.uuid}"
    activities.apply({"type": "Flag", "id": f"{MASTODON}#flags/1", "actor": MASTODON,
                      "object": [url], "content": "Not what it says",
                      "tag": [{"type": "Hashtag", "name": "spamOrMisleading"}]}, MASTODON)
    owner = accounts.create_user("mod2", "mod2@example.com", "a password",
                                 role=accounts.ROLE_ADMIN)
    total, found = moderation.list_abuses(owner, moderation.AbuseFilter(), 0, 10)
    assert total == 1
    [abuse] = found
    assert (abuse.reporter, abuse.video_uuid, abuse.reason) == (
        "ronan2@localhost:3000", video.uuid, "Not what it says")
    assert abuse.predefined_reasons == ["spamOrMisleading"]
    # Mastodon's kind: the account and nothing else of here.
    activities.apply({"type": "Flag", "id": f"{MASTODON}#flags/2", "actor": MASTODON,
                      "object": [f"{settings().public_url}/accounts/ronan",
                                 "http://elsewhere.example/statuses/1"]}, MASTODON)
    total, found = moderation.list_abuses(owner, moderation.AbuseFilter(), 0, 10)
    assert total == 2 and found[0].flagged == "ronan" and found[0].target == "account"
    # Nothing of here: no report.
    activities.apply({"type": "Flag", "id": f"{MASTODON}#flags/3", "actor": MASTODON,
                      "object": ["http://elsewhere.example/statuses/1"]}, MASTODON)
    assert moderation.list_abuses(owner, moderation.AbuseFilter(), 0, 10)[0] == 2
