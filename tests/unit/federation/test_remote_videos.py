"""Videos of other servers on moto's in-process mock: a PeerTube Video object (our own
builder's, moved to another host) taken by Create, Announce and Update into the catalog,
shown by the API as remote and played from its origin, removed by its origin's Delete;
and everything that must not be taken: unfollowed servers, a host speaking for another,
a uuid already ours, stale updates. A local reply the origin holds is shown once the
origin approves it."""
import copy
import json

import jsonschema
import pytest

from peerless import (accounts, catalog, comments, errors, ids, moderation, removal,
                      subscriptions, videos)
from peerless.catalog import VideoQuery
from peerless.federation import (activities, actors, follows, interactions, objects, publishing,
                                 remote_videos)
from peerless.federation.remote_actors import RemoteActor
from peerless.models import Video
from peerless.peertube.videos import video_details
from peerless.settings import settings
from tests.unit.federation.test_follows import queued, remote
from tests.unit.federation.test_objects import published, schema

pytestmark = pytest.mark.usefixtures("allow_private")
ORIGIN = "http://remote.example"


@pytest.fixture
def origin(known, alice):
    """The remote server's instance, account and channel actors, known here; and a Video
    object of that server: one of ours, published, moved to its host."""
    server = known(remote())
    account = known(remote("bob", kind="Person"))
    channel = RemoteActor(*RemoteActor.key(f"{ORIGIN}/video-channels/bob_films"),
                          url=f"{ORIGIN}/video-channels/bob_films", type="Group",
                          preferred_username="bob_films", host="remote.example",
                          name="Bob's films", inbox=f"{ORIGIN}/video-channels/bob_films/inbox",
                          shared_inbox=f"{ORIGIN}/inbox", public_key_id="k", public_key_pem="-",
                          number=77)
    known(channel)
    for actor in (server, account, channel):
        actor.save()
    ours = published(alice, name="Kittens from afar", tags=["kittens"], category=15,
                     licence=1, language="en", description="Far, far away.",
                     support="Tea.")
    text = json.dumps(objects.video_object(ours))
    for here, there in ((settings().public_url, ORIGIN), (ours.uuid, REMOTE_UUID),
                        (ids.to_short(ours.uuid), ids.to_short(REMOTE_UUID)),
                        ("/video-channels/alice_films", "/video-channels/bob_films"),
                        ("/accounts/alice", "/accounts/bob")):
        text = text.replace(here, there)
    document = json.loads(text)
    assert document["attributedTo"] == [{"type": "Person", "id": account.url},
                                        {"type": "Group", "id": channel.url}]
    return {"server": server, "account": account, "channel": channel, "video": document}


REMOTE_UUID = "0b9a1f5e-4c2d-4e8f-9a7b-3c6d5e4f1a2b"


def follow_server(origin):
    instance = actors.instance_actor()
    item = follows.follow(instance, origin["server"])
    assert follows.answered(instance.name, origin["server"].url, item.follow_id,
                            follows.ACCEPTED)


def create(origin, document=None):
    return {"type": "Create", "id": f"{ORIGIN}/videos/watch/{REMOTE_UUID}/activity",
            "actor": origin["account"].url, "object": document or origin["video"]}


def remote_page(**query):
    return catalog.list_videos(VideoQuery(is_local=False, count=50, **query))


def test_the_object_moved_to_another_host_is_still_peertubes(origin):
    relaxed = copy.deepcopy(schema("PTVideoObject"))
    # PeerTube sends null for `summary` (no NSFW summary), as we do; its schema says string.
    relaxed["definitions"]["PTVideoObject"]["properties"]["summary"] = {
        "type": ["string", "null"]}
    jsonschema.validate(origin["video"], relaxed)


def test_a_video_of_a_followed_server_joins_the_catalog(origin):
    follow_server(origin)
    activities.apply(create(origin), origin["account"].url)

    total, found = remote_page()
    assert total == 1 and [v.uuid for v in found] == [REMOTE_UUID]
    video = found[0]
    assert video.channel == "bob_films@remote.example" and video.owner == "bob@remote.example"
    # Listed with the local catalog, found by search and by its channel's handle.
    assert REMOTE_UUID in [v.uuid for v in catalog.list_videos(VideoQuery(count=50))[1]]
    assert [v.uuid for v in catalog.list_videos(VideoQuery(search="kitt"))[1]].count(
        REMOTE_UUID) == 1
    assert [v.uuid for v in catalog.list_videos(
        VideoQuery(channel="bob_films@remote.example"))[1]] == [REMOTE_UUID]
    # Local-only lists leave it out, and count it out.
    local_total, local = catalog.list_videos(VideoQuery(is_local=True, count=50))
    assert REMOTE_UUID not in [v.uuid for v in local] and local_total == len(local)

    shown = video_details(video, settings())
    assert shown["isLocal"] is False and shown["url"] == f"{ORIGIN}/videos/watch/{REMOTE_UUID}"
    assert shown["channel"]["host"] == "remote.example"
    assert shown["channel"]["displayName"] == "Bob's films" and shown["channel"]["id"] == 77
    assert shown["account"]["name"] == "bob"
    assert shown["category"]["id"] == 15 and shown["tags"] == ["kittens"]
    # Played from its origin: every file and playlist is the origin's.
    urls = [f["fileUrl"] for f in shown["files"]] + [
        shown["streamingPlaylists"][0]["playlistUrl"],
        shown["streamingPlaylists"][0]["segmentsSha256Url"]] + [
        f["fileUrl"] for f in shown["streamingPlaylists"][0]["files"]]
    assert len(urls) == 6 and all(u.startswith(f"{ORIGIN}/") for u in urls)
    assert [f["resolution"]["id"] for f in shown["files"]] == [720, 240]
    assert all(f["magnetUri"].startswith("magnet:") for f in shown["files"])
    assert shown["thumbnailPath"] == f"/lazy-static/remote/videos/{REMOTE_UUID}/thumbnail.jpg"
    assert shown["duration"] == 4


def test_a_second_delivery_changes_nothing(origin):
    follow_server(origin)
    activities.apply(create(origin), origin["account"].url)
    first = Video.get(*Video.key(REMOTE_UUID))
    activities.apply(create(origin), origin["account"].url)
    again = Video.get(*Video.key(REMOTE_UUID))
    assert again.id == first.id and again.catalog_version == first.catalog_version
    assert remote_page()[0] == 1


def test_what_was_not_asked_for_is_not_taken(origin):
    activities.apply(create(origin), origin["account"].url)
    assert remote_page()[0] == 0
    assert videos.find(REMOTE_UUID) is None


def test_a_subscription_to_the_channel_is_enough(origin):
    user = accounts.user_by_name("alice")
    assert not remote_videos.wanted("bob_films@remote.example", "remote.example")
    item = subscriptions.Subscription(*subscriptions.Subscription.key(
        user.username, "bob_films@remote.example"), username="alice",
        channel="bob_films@remote.example")
    item.owner_pk, item.owner_sk = "followers-of#bob_films@remote.example", "x"
    item.save()
    activities.apply(create(origin), origin["account"].url)
    assert remote_page()[0] == 1


def test_no_server_speaks_for_another(origin, known):
    follow_server(origin)
    intruder = known(remote("mallory", host="evil.example", kind="Person"))
    activities.apply({**create(origin), "actor": intruder.url}, intruder.url)
    assert remote_page()[0] == 0


def test_a_uuid_of_ours_is_never_overwritten(origin, alice):
    follow_server(origin)
    ours = published(alice, name="Mine")
    document = {**origin["video"], "uuid": ours.uuid}
    activities.apply(create(origin, document), origin["account"].url)
    assert not Video.get(*Video.key(ours.uuid)).is_remote
    assert remote_page()[0] == 0


@pytest.mark.parametrize("change", [
    {"name": "x"}, {"uuid": "not-a-uuid"}, {"duration": "4 seconds"}, {"url": []},
    {"to": [], "cc": []}, {"attributedTo": [{"type": "Person", "id": "http://evil.example/a"}]},
    {"published": "yesterday"}, {"type": "Note"},
])
def test_an_invalid_video_is_refused_whole(origin, change):
    follow_server(origin)
    activities.apply(create(origin, {**origin["video"], **change}), origin["account"].url)
    assert remote_page()[0] == 0 and videos.find(REMOTE_UUID) is None


def test_updates_apply_in_order_and_the_catalog_follows(origin):
    follow_server(origin)
    activities.apply(create(origin), origin["account"].url)
    newer = copy.deepcopy(origin["video"])
    newer.update(name="Puppies from afar", updated="2099-01-01T00:00:00.000Z",
                 tag=[{"type": "Hashtag", "name": "puppies"}])
    activities.apply({"type": "Update", "id": f"{newer['id']}/updates/1",
                      "actor": origin["account"].url, "object": newer}, origin["account"].url)
    assert Video.get(*Video.key(REMOTE_UUID)).name == "Puppies from afar"
    assert [v.uuid for v in catalog.list_videos(VideoQuery(search="pupp"))[1]] == [REMOTE_UUID]
    assert REMOTE_UUID not in [v.uuid for v in catalog.list_videos(
        VideoQuery(tags_one_of=["kittens"]))[1]]
    # An older version arriving late changes nothing back.
    activities.apply({"type": "Update", "id": f"{newer['id']}/updates/0",
                      "actor": origin["account"].url, "object": origin["video"]},
                     origin["account"].url)
    assert Video.get(*Video.key(REMOTE_UUID)).name == "Puppies from afar"


def test_an_announce_fetches_the_video_from_its_origin(origin, monkeypatch):
    follow_server(origin)
    asked = []

    def fetch(url):
        asked.append(url)
        return origin["video"]
    monkeypatch.setattr(remote_videos, "fetch_json", fetch)
    announce = {"type": "Announce", "id": f"{ORIGIN}/videos/watch/{REMOTE_UUID}/announces/1",
                "actor": origin["server"].url, "object": origin["video"]["id"]}
    activities.apply(announce, origin["server"].url)
    assert asked == [origin["video"]["id"]] and remote_page()[0] == 1


def test_an_announce_answered_by_another_object_is_refused(origin, monkeypatch):
    follow_server(origin)
    monkeypatch.setattr(remote_videos, "fetch_json",
                        lambda url: {**origin["video"], "id": f"{ORIGIN}/videos/watch/other"})
    activities.apply({"type": "Announce", "id": f"{ORIGIN}/a/1", "actor": origin["server"].url,
                      "object": origin["video"]["id"]}, origin["server"].url)
    assert remote_page()[0] == 0


def test_the_origins_delete_removes_it_and_no_one_elses_does(origin, known):
    follow_server(origin)
    activities.apply(create(origin), origin["account"].url)
    url = origin["video"]["id"]
    intruder = known(remote("mallory", host="evil.example", kind="Person"))
    activities.apply({"type": "Delete", "id": f"{url}/delete", "actor": intruder.url,
                      "object": url}, intruder.url)
    assert remote_page()[0] == 1
    delete = {"type": "Delete", "id": f"{url}/delete", "actor": origin["account"].url,
              "object": url}
    activities.apply(delete, origin["account"].url)
    assert remote_page()[0] == 0 and videos.find(REMOTE_UUID) is None
    activities.apply(delete, origin["account"].url)   # again: nothing to do, no error


def test_a_moderator_may_remove_it_but_no_one_may_edit_it(origin):
    follow_server(origin)
    activities.apply(create(origin), origin["account"].url)
    admin = accounts.create_user("admin2", "admin2@example.com", "a password",
                                 role=accounts.ROLE_ADMIN)
    with pytest.raises(errors.ApiError) as refused:
        videos.editable(REMOTE_UUID, admin)
    assert refused.value.status == 403
    removal.remove_video(videos.removable(REMOTE_UUID, admin))
    assert videos.find(REMOTE_UUID) is None


def test_a_muted_server_sends_no_video(origin):
    follow_server(origin)
    admin = accounts.create_user("admin3", "admin3@example.com", "a password",
                                 role=accounts.ROLE_ADMIN)
    moderation.mute_server(admin, "remote.example", for_instance=True)
    activities.apply(create(origin), origin["account"].url)
    assert remote_page()[0] == 0


def test_a_comment_its_origin_holds_is_shown_once_approved(origin, alice):
    """A local reply to a remote video whose owner approves replies: held here and sent to
    the origin at once; the origin's ApproveReply publishes it here and sends its Note
    again, with the approval. Only the video's account approves, once."""
    follow_server(origin)
    document = {**origin["video"], "commentsPolicy": comments.REQUIRES_APPROVAL}
    activities.apply(create(origin, document), origin["account"].url)
    video = Video.get(*Video.key(REMOTE_UUID))
    queued()

    reply = comments.create(video, alice, "Lovely kittens")
    assert reply.held
    publishing.comment_created(reply, video)
    [sent] = queued()
    assert sent["inbox"] == f"{ORIGIN}/inbox"
    assert sent["activity"]["object"]["replyApproval"] is None
    note_url = sent["activity"]["object"]["id"]

    approval = {"type": "ApproveReply", "id": f"{ORIGIN}/videos/watch/{REMOTE_UUID}"
                f"/comments/9/approve-reply", "actor": origin["account"].url,
                "object": note_url, "inReplyTo": origin["video"]["id"]}
    stranger = {**approval, "actor": origin["channel"].url}
    activities.apply(stranger, origin["channel"].url)       # not the video's account
    assert comments.get(video, reply.id).held and queued() == []

    activities.apply(approval, origin["account"].url)
    shown = comments.get(video, reply.id)
    assert not shown.held and shown.reply_approval == approval["id"]
    assert Video.get(*Video.key(REMOTE_UUID)).comments_count == 1
    [again] = queued()
    assert again["activity"]["id"] != sent["activity"]["id"]
    assert again["activity"]["object"]["replyApproval"] == approval["id"]

    activities.apply(approval, origin["account"].url)       # a redelivery: nothing more
    assert queued() == []


def test_a_third_servers_reply_held_here_is_shown_once_its_note_brings_the_approval(
        origin, known, monkeypatch):
    """Another server's reply to a remote video that needs approval waits here until its
    Note comes with a `replyApproval` that the video's server confirms; a Note naming an
    approval that is not one (another object, another actor) changes nothing."""
    follow_server(origin)
    document = {**origin["video"], "commentsPolicy": comments.REQUIRES_APPROVAL}
    activities.apply(create(origin, document), origin["account"].url)
    video = Video.get(*Video.key(REMOTE_UUID))
    carol = known(remote("carol", host="third.example", kind="Person"))
    note = {"type": "Note", "id": "http://third.example/notes/1", "attributedTo": carol.url,
            "inReplyTo": origin["video"]["id"], "content": "<p>So fluffy</p>",
            "replyApproval": None}
    activities.apply({"type": "Create", "id": f"{note['id']}/activity", "actor": carol.url,
                      "object": note}, carol.url)
    [held] = comments.Comment.by_owner.query(f"comments-held-on#{video.owner}")
    approval = f"{ORIGIN}/videos/watch/{REMOTE_UUID}/comments/4/approve-reply"
    served = {approval: {"type": "ApproveReply", "id": approval,
                         "actor": origin["account"].url, "object": note["id"]}}
    monkeypatch.setattr(interactions, "fetch_json", lambda url: served[url])

    def again(suffix: str) -> None:
        approved = {**note, "replyApproval": approval}
        activities.apply({"type": "Create", "id": f"{note['id']}/activity/{suffix}",
                          "actor": carol.url, "object": approved}, carol.url)

    served[approval] = {**served[approval], "object": "http://third.example/notes/2"}
    again("1")
    assert comments.get(video, held.id).held
    served[approval] = {**served[approval], "object": note["id"],
                        "actor": origin["channel"].url}
    again("2")
    assert comments.get(video, held.id).held
    served[approval] = {**served[approval], "actor": origin["account"].url}
    again("3")
    assert not comments.get(video, held.id).held
    assert Video.get(*Video.key(REMOTE_UUID)).comments_count == 1
