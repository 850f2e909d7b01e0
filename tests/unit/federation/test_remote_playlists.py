"""Playlists both ways, on moto's in-process mock.

Out: a local public playlist's changes become Create, Update and Delete activities for the
followers of its account, channel and the instance, once per change that they can see.
In: another server's Playlist (our own builder's, moved to its host, its element served
by a fake of the fetch) taken by Create and Update, shown by the API as remote, removed by
its origin's Delete; and what must not be taken: bad objects, another host speaking for
it, stale or repeated updates, unfollowed or muted servers."""
import json

import pytest

from peerless import accounts, errors, ids, moderation, playlists
from peerless.federation import (activities, actors, objects, publishing, remote_playlists,
                                 remote_videos)
from peerless.federation.remote_videos import InvalidObject
from peerless.peertube.playlists import elements, playlists as playlists_json
from peerless.playlists import Playlist
from peerless.settings import settings
from tests.unit.federation.test_follows import remote
from tests.unit.federation.test_objects import published
from tests.unit.federation import test_remote_videos
from tests.unit.federation.test_remote_videos import ORIGIN, REMOTE_UUID, create, follow_server

pytestmark = pytest.mark.usefixtures("allow_private")
origin = test_remote_videos.origin        # its fixture: the remote server and its video
PLAYLIST_UUID = "6d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
PLAYLIST_URL = f"{ORIGIN}/video-playlists/{PLAYLIST_UUID}"
INBOX = "http://follower.example/inbox"


# --- out ------------------------------------------------------------------------------------

@pytest.fixture
def sent(monkeypatch):
    """The activities queued for delivery, with one follower for every local actor."""
    queued = []
    monkeypatch.setattr(publishing.follows, "follower_inboxes", lambda name: [INBOX])
    monkeypatch.setattr(publishing.delivery, "deliver",
                        lambda activity, *, sender, inboxes, key_id=None:
                        queued.append((activity, sender, list(inboxes))))
    return queued


def make(user, **data):
    channel = accounts.channels_of(user.username)[0]
    return playlists.create(user, {"displayName": "Holes", "privacy": playlists.PUBLIC,
                                   "videoChannelId": channel.id, **data})


def kinds(sent) -> list[tuple[str, str]]:
    return [(a["type"], a["object"]["type"] if isinstance(a["object"], dict)
             else a["object"]) for a, _, _ in sent]


def test_a_public_playlists_life_is_told_once_per_change(alice, sent):
    video = published(alice)
    playlist = make(alice)
    url = actors.playlist_url(playlist.uuid)
    assert kinds(sent) == [("Create", "Playlist")]
    activity, sender, inboxes = sent[0]
    assert sender == "alice" and inboxes == [INBOX]
    assert activity["actor"] == actors.account_url("alice")
    assert activity["object"]["id"] == url and activity["object"]["name"] == "Holes"

    playlists.add(playlist, video)
    playlists.update(playlist, {"displayName": "Rabbit holes"})
    playlists.update(playlist, {"displayName": "Rabbit holes"})     # no change: no send
    assert kinds(sent)[1:] == [("Update", "Playlist")] * 2
    assert sent[-1][0]["object"]["name"] == "Rabbit holes"
    assert sent[-1][0]["object"]["totalItems"] == 1
    assert len({a["id"] for a, _, _ in sent}) == 3

    playlists.update(playlist, {"privacy": playlists.PRIVATE})      # PeerTube: a Delete
    playlists.add(playlist, video)                                  # private: nothing
    assert kinds(sent)[3:] == [("Delete", url)]
    playlists.update(playlist, {"privacy": playlists.UNLISTED})     # back: an Update
    assert kinds(sent)[4:] == [("Update", "Playlist")]
    assert sent[-1][0]["object"]["totalItems"] == 2
    playlists.delete(playlist)
    assert kinds(sent)[5:] == [("Delete", url)]
    assert sent[-1][0]["id"] == f"{url}/delete" != sent[3][0]["id"]


def test_private_playlists_and_watch_later_never_go(alice, sent):
    video = published(alice)
    playlist = playlists.create(alice, {"displayName": "Mine"})
    playlists.add(playlist, video)
    playlists.add(playlists.watch_later(alice), video)
    playlists.delete(playlist)
    assert sent == []


# --- in -------------------------------------------------------------------------------------

@pytest.fixture
def served(origin, alice, monkeypatch):
    """The origin's Playlist of its video (REMOTE_UUID, held here once created), and the
    fake fetch that serves the playlist's pages and elements: one of ours, moved."""
    follow_server(origin)
    origin["channel"].owner_url = origin["account"].url
    activities.apply(create(origin), origin["account"].url)
    ours = published(alice, name="Kittens from afar")
    playlist = make(alice, displayName="Far films", description="Films from afar.")
    playlists.add(playlist, ours)
    playlist.refresh()
    element = playlists.elements_of(playlist)[0].id

    def moved(document: dict) -> dict:
        text = json.dumps(document)
        for here, there in ((settings().public_url, ORIGIN), (ours.uuid, REMOTE_UUID),
                            (playlist.uuid, PLAYLIST_UUID),
                            ("/video-channels/alice_films", "/video-channels/bob_films"),
                            ("/accounts/alice", "/accounts/bob")):
            text = text.replace(here, there)
        return json.loads(text)
    documents = {f"{PLAYLIST_URL}?page=1": moved(objects.playlist_object(playlist, 1)),
                 f"{PLAYLIST_URL}/videos/{element}": moved(objects.playlist_element_object(
                     playlist, str(element)))}
    fetched = []

    def fetch(url):
        fetched.append(url)
        if url not in documents:
            raise remote_videos.FetchError("status", f"{url}: 404", 404)
        return documents[url]
    monkeypatch.setattr(remote_videos, "fetch_json", fetch)
    monkeypatch.setattr(remote_playlists, "fetch_json", fetch)
    document = moved(objects.playlist_object(playlist))
    playlists.delete(playlist)
    return {**origin, "playlist": document, "documents": documents, "fetched": fetched,
            "element": f"{PLAYLIST_URL}/videos/{element}"}


def activity(served, kind="Create", document=None, actor=None):
    document = document or served["playlist"]
    return {"type": kind, "id": f"{PLAYLIST_URL}/{kind}/{document['updated']}",
            "actor": actor or served["account"].url, "object": document}


def held() -> Playlist | None:
    try:
        return playlists.find(PLAYLIST_UUID)
    except errors.ApiError:
        return None


def test_a_playlist_of_a_followed_server_is_kept_with_its_videos(served):
    activities.apply(activity(served), served["account"].url)
    playlist = held()
    assert playlist is not None and playlist.origin_url == PLAYLIST_URL
    assert (playlist.display_name, playlist.description, playlist.privacy) == (
        "Far films", "Films from afar.", playlists.PUBLIC)
    assert playlist.owner == "bob@remote.example"
    assert playlist.channel == "bob_films@remote.example"

    total, found = playlists.list_public(0, 10)
    assert total == 1 and [p.uuid for p in found] == [PLAYLIST_UUID]
    shown = playlists_json(found, settings())[0]
    assert shown["isLocal"] is False and shown["url"] == PLAYLIST_URL
    assert shown["ownerAccount"]["host"] == "remote.example"
    assert shown["videoChannel"]["name"] == "bob_films" and shown["videosLength"] == 1
    assert shown["privacy"] == {"id": 1, "label": "Public"}
    # Its thumbnail, from its server through ours, as PeerTube's clients read pictures.
    assert shown["thumbnailPath"] == f"/lazy-static/remote/playlists/{PLAYLIST_UUID}/thumbnail.jpg"
    assert playlist.remote["thumbnail_url"] == served["playlist"]["icon"]["url"]
    _, entries = playlists.entries(playlist, None, 0, 10)
    listed = elements(entries, settings())
    assert [e["video"]["uuid"] for e in listed] == [REMOTE_UUID]
    # The account's and the channel's lists, by their handles.
    assert [p.uuid for p in playlists.list_of_account("bob@remote.example", None, 0, 10)[1]
            ] == [PLAYLIST_UUID]
    assert [p.uuid for p in playlists.list_of_channel(
        "bob@remote.example", "bob_films@remote.example", 0, 10)[1]] == [PLAYLIST_UUID]
    # Served at its own id only, never as ours.
    with pytest.raises(errors.ApiError):
        objects.federated_playlist(PLAYLIST_UUID)
    # No one edits it here.
    admin = accounts.create_user("admin4", "admin4@example.com", "a password",
                                 role=accounts.ROLE_ADMIN)
    with pytest.raises(errors.ApiError) as refused:
        playlists.editable(PLAYLIST_UUID, admin)
    assert refused.value.status == 403


def test_a_repeated_or_older_update_changes_nothing(served):
    activities.apply(activity(served), served["account"].url)
    first = held()
    newer = {**served["playlist"], "name": "Nearer films", "updated": "2099-01-01T00:00:00.000Z"}
    activities.apply(activity(served, "Update", newer), served["account"].url)
    renamed = held()
    assert renamed.display_name == "Nearer films" and renamed.version == first.version + 1
    assert renamed.id == first.id
    assert playlists.elements_of(renamed) == playlists.elements_of(first)  # ids kept
    served["fetched"].clear()
    for late in (newer, served["playlist"]):
        activities.apply(activity(served, "Update", late), served["account"].url)
    again = held()
    assert again.display_name == "Nearer films" and again.version == renamed.version
    assert served["fetched"] == []          # nothing fetched for what changes nothing


def test_an_update_racing_its_create_is_applied(served, monkeypatch):
    """Two workers: the Create is taken between the Update's look-up by id and its look-up
    by uuid; the Update still applies to that same playlist."""
    activities.apply(activity(served), served["account"].url)
    first = held()
    monkeypatch.setattr(remote_playlists, "_find", lambda url: None)
    newer = {**served["playlist"], "name": "Raced films", "updated": "2099-01-01T00:00:00.000Z"}
    activities.apply(activity(served, "Update", newer), served["account"].url)
    raced = held()
    assert raced.display_name == "Raced films" and raced.id == first.id


def test_an_element_whose_video_cannot_be_had_is_skipped(served):
    served["documents"][served["element"]] = {
        **served["documents"][served["element"]], "url": f"{ORIGIN}/videos/watch/gone"}
    activities.apply(activity(served), served["account"].url)
    assert held() is not None and held().elements == []


def test_the_origins_delete_removes_it_and_no_one_elses_does(served, known):
    activities.apply(activity(served), served["account"].url)
    intruder = known(remote("mallory", host="evil.example", kind="Person"))
    delete = {"type": "Delete", "id": f"{PLAYLIST_URL}/delete", "object": PLAYLIST_URL}
    activities.apply({**delete, "actor": intruder.url}, intruder.url)
    assert held() is not None
    activities.apply({**delete, "actor": served["account"].url}, served["account"].url)
    assert held() is None and playlists.list_public(0, 10) == (0, [])
    activities.apply({**delete, "actor": served["account"].url}, served["account"].url)


def test_another_host_cannot_create_it(served, known):
    intruder = known(remote("mallory", host="evil.example", kind="Person"))
    activities.apply(activity(served, actor=intruder.url), intruder.url)
    assert held() is None


def test_what_was_not_asked_for_or_is_muted_is_not_taken(served):
    moderation.mute_server(accounts.create_user(
        "admin5", "admin5@example.com", "a password", role=accounts.ROLE_ADMIN),
        "remote.example", for_instance=True)
    activities.apply(activity(served), served["account"].url)
    assert held() is None


@pytest.mark.parametrize("change", [
    {"type": "Video"}, {"id": "not a url"}, {"uuid": "not-a-uuid"}, {"name": ""},
    {"name": "x" * 121}, {"totalItems": -1}, {"to": [], "cc": []},
    {"attributedTo": ["http://evil.example/video-channels/x"]}, {"attributedTo": []},
    {"published": "yesterday"},
])
def test_an_invalid_playlist_is_refused_whole(served, change):
    with pytest.raises(InvalidObject):
        remote_playlists.parse({**served["playlist"], **change})
    activities.apply(activity(served, document={**served["playlist"], **change}),
                     served["account"].url)
    assert held() is None and playlists.list_public(0, 10)[0] == 0


def test_a_description_too_short_for_peertube_is_none(served):
    parsed = remote_playlists.parse({**served["playlist"], "content": "ab"})
    assert parsed.description is None and parsed.uuid == PLAYLIST_UUID
    assert ids.is_uuid(parsed.uuid)


def test_an_object_naming_no_first_page_is_read_from_its_id(served):
    served["documents"][PLAYLIST_URL] = served["playlist"]
    bare = {k: v for k, v in served["playlist"].items() if k != "first"}
    activities.apply(activity(served, document=bare), served["account"].url)
    assert served["fetched"][0] == PLAYLIST_URL and len(held().elements) == 1
