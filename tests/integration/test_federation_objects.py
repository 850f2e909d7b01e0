"""Videos, comments and playlists as ActivityPub objects, over real HTTP: a published video
as PeerTube's VideoObject (checked against PeerTube's schema), its collections, its Create
and its channel's Announce, comments as Notes, playlists, content negotiation at the HTML
addresses, and nothing for what is not public."""
import copy
import hashlib
import json

import jsonschema
import pytest

from tests.conftest import CONFORMANCE

pytestmark = pytest.mark.integration

SCHEMAS = CONFORMANCE / "peertube-schemas"
AP = "application/activity+json"
AP_JSON = "application/activity+json; charset=utf-8"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
MAGNET = "application/x-bittorrent;x-scheme-handler/magnet"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text())


def video_schema() -> dict:
    """PTVideoObject, with `summary` allowed null: the NSFW summary, which PeerTube itself
    sends null when there is none (and Mastodon would show as a content warning). The
    other fields the generated schema makes non-null are sent with values PeerTube's
    readers accept (see peerless.federation.objects)."""
    document = copy.deepcopy(schema("PTVideoObject"))
    document["definitions"]["PTVideoObject"]["properties"]["summary"] = {
        "type": ["string", "null"]}
    return document


def get_ap(stack, path: str, status: int = 200, accept: str = AP):
    response = stack.http.get(path, headers={"Accept": accept})
    assert response.status_code == status, (path, response.text)
    if status == 200:
        assert response.headers["content-type"] == AP_JSON
        return response.json()
    return response


@pytest.fixture(scope="module")
def people(stack):
    return {"owner": stack.create_user("apo_owner", channelName="apo_owner_tv"),
            "fan": stack.create_user("apo_fan")}


@pytest.fixture(scope="module")
def clip(stack, media, people):
    """A 4 s public video with a description and support (PeerTube refuses a video whose
    description is under 3 characters: an empty one is sent null), tags, a caption."""
    uuid = stack.uploaded(media["clip"], "Objects of the fediverse", people["owner"],
                          description="A clip to **federate**.", support="Send tea.",
                          category="15", licence="1", language="en", **{"tags[]": ["ap"]})
    assert stack.wait_for_state(uuid)["state"]["id"] == 1
    caption = stack.http.put(f"/api/v1/videos/{uuid}/captions/fr", headers=people["owner"],
                             files={"captionfile": ("c.vtt",
                                                    "WEBVTT\n\n00:00.000 --> 00:01.000\nSalut\n",
                                                    "text/vtt")})
    assert caption.status_code in (200, 204), caption.text
    return uuid


@pytest.fixture(scope="module")
def video(stack, clip):
    return get_ap(stack, f"/videos/watch/{clip}")


def test_the_video_is_peertubes_video_object(stack, clip, video):
    jsonschema.validate(video, video_schema())
    assert video["@context"][0] == "https://www.w3.org/ns/activitystreams"
    assert video["type"] == "Video" and video["uuid"] == clip
    assert video["id"] == f"{stack.url}/videos/watch/{clip}"
    assert video["duration"] == "PT4S"
    assert video["mediaType"] == "text/markdown"
    assert video["content"] == "A clip to **federate**." and video["support"] == "Send tea."
    assert video["category"] == {"identifier": "15", "name": "Science & Technology"}
    assert video["licence"]["identifier"] == "1" and video["language"]["identifier"] == "en"
    assert video["tag"] == [{"type": "Hashtag", "name": "ap"}]
    assert video["state"] == 1 and video["commentsPolicy"] == 1
    assert video["isLiveBroadcast"] is False
    assert [(i["mediaType"], i["width"], i["height"]) for i in video["icon"]] == [
        ("image/jpeg", 280, 157), ("image/jpeg", 850, 480)]
    assert video["subtitleLanguage"][0]["identifier"] == "fr"
    assert video["subtitleLanguage"][0]["url"][0]["mediaType"] == "text/vtt"
    owner, channel = f"{stack.url}/accounts/apo_owner", f"{stack.url}/video-channels/apo_owner_tv"
    assert video["attributedTo"] == [{"type": "Person", "id": owner},
                                     {"type": "Group", "id": channel}]
    assert video["to"] == [PUBLIC, channel] and video["cc"] == [f"{owner}/followers"]
    for name in ("likes", "dislikes", "comments"):
        assert video[name] == f"{video['id']}/{name}"
    assert video["shares"] == f"{video['id']}/announces"
    for icon in video["icon"]:
        assert stack.http.get(icon["url"]).status_code == 200


def test_the_url_list_is_in_peertubes_order(stack, clip, video):
    urls = video["url"]
    details = stack.http.get(f"/api/v1/videos/{clip}").json()
    # HTML first (Mastodon links to the first), the short watch page then the id.
    assert urls[0] == {"type": "Link", "mediaType": "text/html",
                       "href": f"{stack.url}/w/{details['shortUUID']}"}
    assert urls[1]["href"] == video["id"]
    mp4s = [u for u in urls if u.get("mediaType") == "video/mp4"]
    assert [m["height"] for m in mp4s] == sorted((m["height"] for m in mp4s), reverse=True)
    assert [m["href"] for m in mp4s] == [f["fileUrl"] for f in details["files"]]
    first = urls.index(mp4s[0])
    metadata, torrent, magnet = urls[first + 1:first + 4]
    assert metadata["rel"] == ["metadata", "video/mp4"]
    assert torrent["mediaType"] == "application/x-bittorrent"
    assert torrent["href"] == details["files"][0]["torrentUrl"]
    assert magnet["mediaType"] == MAGNET and magnet["href"].startswith("magnet:?")
    assert {a["value"] for a in mp4s[0]["attachment"]} == {"audio", "video", "web-video"}
    hls = [u for u in urls if u.get("mediaType") == "application/x-mpegURL"]
    assert len(hls) == 1 and urls.index(hls[0]) > urls.index(mp4s[-1])
    playlist = details["streamingPlaylists"][0]
    assert hls[0]["href"] == playlist["playlistUrl"]
    tags = hls[0]["tag"]
    sha = [t for t in tags if t.get("name") == "sha256"]
    assert sha == [{"type": "Link", "name": "sha256", "mediaType": "application/json",
                    "href": playlist["segmentsSha256Url"]}]
    assert stack.http.get(sha[0]["href"]).status_code == 200
    infohashes = [t["name"] for t in tags if t["type"] == "Infohash"]
    assert infohashes == [hashlib.sha1(f"2{playlist['playlistUrl']}+V{i}".encode()).hexdigest()
                          for i in range(len(playlist["files"]))]
    fragmented = [t for t in tags if t.get("mediaType") == "video/mp4"]
    assert [f["href"] for f in fragmented] == [f["fileUrl"] for f in playlist["files"]]
    assert all("fragmented" in {a["value"] for a in f["attachment"]} for f in fragmented)
    assert {t["mediaType"] for t in tags if t.get("mediaType", "").startswith(
        "application/x-bittorrent")} == {"application/x-bittorrent", MAGNET}
    assert stack.http.get(torrent["href"]).status_code == 200
    trackers = [u for u in urls if "tracker" in u.get("rel", [])]
    assert urls[-len(trackers):] == trackers
    assert [t["rel"][1] for t in trackers] == ["websocket", "http"]


def test_both_addresses_negotiate(stack, clip, video):
    short = video["url"][0]["href"].rsplit("/", 1)[1]
    for path in (f"/videos/watch/{clip}", f"/w/{short}", f"/w/{clip}"):
        assert get_ap(stack, path) == video
        ld = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
        assert get_ap(stack, path, accept=ld)["id"] == video["id"]
        page = stack.http.get(path, headers={"Accept": BROWSER})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert page.headers["vary"] == "Accept"


def test_the_create_and_the_announce(stack, clip, video):
    create = get_ap(stack, f"/videos/watch/{clip}/activity")
    assert create["type"] == "Create" and create["id"] == f"{video['id']}/activity"
    assert create["actor"] == f"{stack.url}/accounts/apo_owner"
    assert create["object"] == {k: v for k, v in video.items() if k != "@context"}
    assert create["to"] == video["to"] and create["cc"] == video["cc"]
    channel = stack.http.get("/api/v1/video-channels/apo_owner_tv").json()
    announce = get_ap(stack, f"/videos/watch/{clip}/announces/{channel['id']}")
    assert announce["type"] == "Announce" and announce["object"] == video["id"]
    assert announce["actor"] == f"{stack.url}/video-channels/apo_owner_tv"
    by_instance = get_ap(stack, f"/videos/watch/{clip}/announces/0")
    assert by_instance["actor"] == f"{stack.url}/accounts/peertube"
    assert by_instance["cc"] == [f"{stack.url}/accounts/peertube/followers"]
    shares = get_ap(stack, f"/videos/watch/{clip}/announces")
    assert shares["totalItems"] == 2
    page = get_ap(stack, f"/videos/watch/{clip}/announces?page=1")
    assert page["orderedItems"] == [announce["id"], by_instance["id"]]
    get_ap(stack, f"/videos/watch/{clip}/announces/{channel['id'] + 1000}", 404)


def test_collections_count_likes_and_comments(stack, clip, people, video):
    rate = stack.http.put(f"/api/v1/videos/{clip}/rate", headers=people["fan"],
                          json={"rating": "like"})
    assert rate.status_code == 204, rate.text
    thread = stack.http.post(f"/api/v1/videos/{clip}/comment-threads", headers=people["fan"],
                             json={"text": "Lovely **clip**"}).json()["comment"]
    reply = stack.http.post(f"/api/v1/videos/{clip}/comments/{thread['id']}",
                            headers=people["owner"], json={"text": "Thanks!"}).json()["comment"]
    likes = get_ap(stack, f"/videos/watch/{clip}/likes")
    assert likes == {"@context": likes["@context"], "id": f"{video['id']}/likes",
                     "type": "OrderedCollection", "totalItems": 1,
                     "first": f"{video['id']}/likes?page=1"}
    page = get_ap(stack, f"/videos/watch/{clip}/likes?page=1")
    numeric_id = stack.http.get(f"/api/v1/videos/{clip}").json()["id"]
    assert page["orderedItems"] == [f"{stack.url}/accounts/apo_fan/likes/{numeric_id}"]
    assert page["type"] == "OrderedCollectionPage" and page["partOf"] == likes["id"]
    like = get_ap(stack, page["orderedItems"][0].removeprefix(stack.url))
    assert (like["type"], like["id"]) == ("Like", page["orderedItems"][0])
    assert like["actor"] == f"{stack.url}/accounts/apo_fan" and like["object"] == video["id"]
    get_ap(stack, f"/accounts/apo_fan/dislikes/{numeric_id}", 404)
    assert get_ap(stack, f"/videos/watch/{clip}/dislikes")["totalItems"] == 0
    comments = get_ap(stack, f"/videos/watch/{clip}/comments")
    assert comments["totalItems"] == 2
    listed = get_ap(stack, f"/videos/watch/{clip}/comments?page=1")["orderedItems"]
    assert listed == [thread["url"], reply["url"]]

    note = get_ap(stack, reply["url"])
    jsonschema.validate(note, schema("PTComment"))
    assert note["type"] == "Note" and note["id"] == reply["url"] == note["url"]
    assert note["content"] == "Thanks!" and note["mediaType"] == "text/markdown"
    assert note["inReplyTo"] == thread["url"]
    assert note["attributedTo"] == f"{stack.url}/accounts/apo_owner"
    assert note["tag"] == [{"type": "Mention", "href": f"{stack.url}/accounts/apo_fan",
                            "name": f"@apo_fan@{stack.url.split('://')[1]}"}]
    assert note["to"] == [PUBLIC]
    root = get_ap(stack, thread["url"])
    jsonschema.validate(root, schema("PTComment"))
    assert root["inReplyTo"] == video["id"] and root["tag"] == []
    create = get_ap(stack, f"{thread['url']}/activity")
    assert create["type"] == "Create" and create["actor"] == root["attributedTo"]
    assert create["object"]["id"] == thread["url"]
    approval = get_ap(stack, root["replyApproval"])
    assert approval["type"] == "ApproveReply" and approval["object"] == thread["url"]

    removed = stack.http.delete(f"/api/v1/videos/{clip}/comments/{reply['id']}",
                                headers=people["owner"])
    assert removed.status_code == 204
    tombstone = get_ap(stack, reply["url"])
    assert tombstone["type"] == "Tombstone" and tombstone["formerType"] == "Note"
    assert get_ap(stack, f"/videos/watch/{clip}/comments")["totalItems"] == 1
    get_ap(stack, f"/videos/watch/{clip}/comments/999999", 404)


def test_chapters_and_player_settings_answer(stack, clip, video):
    assert get_ap(stack, f"/videos/watch/{clip}/chapters")["hasPart"] == []
    settings = get_ap(stack, video["playerSettings"].removeprefix(stack.url))
    assert settings["type"] == "PlayerSettings" and settings["object"] == video["id"]


def test_what_is_not_public_is_not_served(stack, media, people):
    private = stack.uploaded(media["portrait"], "Private to AP", people["owner"], privacy="3")
    unlisted = stack.uploaded(media["portrait"], "Unlisted to AP", people["owner"],
                              privacy="2")
    for uuid in (private, unlisted):
        stack.wait_for_state(uuid)

    def short(uuid: str) -> str:
        return stack.http.get(f"/api/v1/videos/{uuid}",
                              headers=people["owner"]).json()["shortUUID"]
    for path in (f"/videos/watch/{private}", f"/w/{short(private)}",
                 f"/videos/watch/{private}/activity", f"/videos/watch/{private}/likes",
                 f"/videos/watch/{private}/comments", f"/w/{short(unlisted)}",
                 "/videos/watch/00000000-0000-4000-8000-000000000000"):
        get_ap(stack, path, 404)
    # An unlisted video is fetched by its UUID only, addressed to no one but cc everyone.
    shown = get_ap(stack, f"/videos/watch/{unlisted}")
    assert shown["to"] == [] and shown["cc"] == [PUBLIC]


def test_a_playlist_is_an_ordered_collection(stack, clip, people):
    channel = stack.channel_id(people["owner"])
    made = stack.http.post("/api/v1/video-playlists", headers=people["owner"], json={
        "displayName": "Federated list", "privacy": 1, "videoChannelId": channel}).json()
    playlist = made["videoPlaylist"]
    added = stack.http.post(f"/api/v1/video-playlists/{playlist['id']}/videos",
                            headers=people["owner"], json={"videoId": clip})
    assert added.status_code == 200, added.text
    element = added.json()["videoPlaylistElement"]["id"]
    url = f"{stack.url}/video-playlists/{playlist['uuid']}"
    for path in (f"/video-playlists/{playlist['uuid']}", f"/w/p/{playlist['shortUUID']}",
                 f"/videos/watch/playlist/{playlist['uuid']}"):
        document = get_ap(stack, path)
        assert document["type"] == "Playlist" and document["id"] == url
        assert document["totalItems"] == 1 and document["first"] == f"{url}?page=1"
        assert document["name"] == "Federated list"
        assert document["attributedTo"] == [f"{stack.url}/video-channels/apo_owner_tv"]
        assert document["icon"]["mediaType"] == "image/jpeg"
    page = get_ap(stack, f"/video-playlists/{playlist['uuid']}?page=1")
    assert page["orderedItems"] == [f"{url}/videos/{element}"]
    item = get_ap(stack, f"/video-playlists/{playlist['uuid']}/videos/{element}")
    assert item == {**item, "type": "PlaylistElement", "position": 1,
                    "url": f"{stack.url}/videos/watch/{clip}"}
    html = stack.http.get(f"/w/p/{playlist['shortUUID']}", headers={"Accept": BROWSER})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    private = stack.http.post("/api/v1/video-playlists", headers=people["owner"], json={
        "displayName": "Hidden list", "privacy": 3}).json()["videoPlaylist"]
    get_ap(stack, f"/video-playlists/{private['uuid']}", 404)
