"""The builders of videos, comments, playlists, collections and activities, on items made
in the emulated table with media descriptions written by hand: PeerTube's shapes, ids,
addressing and order, without a transcoder."""
import copy
import json
import time

import jsonschema

from peerless import accounts, comments, ids, videos
from peerless.federation import objects
from peerless.models import Video
from peerless.settings import settings
from tests.conftest import CONFORMANCE

SCHEMAS = CONFORMANCE / "peertube-schemas"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text())


def rendition(uuid: str, resolution: int, width: int, height: int) -> dict:
    hls = f"static/streaming-playlists/hls/{uuid}/"

    def torrent(name: str) -> dict:
        key = f"lazy-static/torrents/{uuid}-{name}.torrent"
        return {"torrent": key, "info_hash": "ab" * 20,
                "magnet": f"magnet:?xt=urn:btih:{'ab' * 20}&dn={name}"}
    return {"resolution": resolution, "height": height, "width": width, "fps": 30,
            "has_audio": True, "bandwidth": 1000, "codecs": "avc1,mp4a",
            "web_video": f"static/web-videos/{uuid}-{resolution}.mp4",
            "web_video_size": resolution * 1000,
            "playlist": f"{hls}{resolution}.m3u8", "fragmented": f"{hls}{resolution}-f.mp4",
            "fragmented_size": resolution * 900,
            "segments_sha256": f"{hls}{resolution}-segments-sha256.json",
            "web_video_torrent": torrent(str(resolution)),
            "fragmented_torrent": torrent(f"{resolution}-hls")}


def published(user, name="Down the hole", duration=4.4, media=None, **attrs) -> Video:
    channel = accounts.channels_of(user.username)[0]
    video = videos.create(user, videos.parse_attributes(
        {"name": name, "channelId": channel.id, **attrs}, from_form=False),
        uuid=ids.new_uuid(), filename="x.mp4")
    uuid = video.uuid
    videos.publish(video, media if media is not None else {
        "renditions": [rendition(uuid, 240, 426, 240), rendition(uuid, 720, 1280, 720)],
        "master": f"static/streaming-playlists/hls/{uuid}/master.m3u8",
        "segments_sha256": f"static/streaming-playlists/hls/{uuid}/segments-sha256.json",
        "thumbnail": f"lazy-static/thumbnails/{uuid}.jpg",
        "preview": f"lazy-static/previews/{uuid}.jpg",
        "storyboard": {"key": f"lazy-static/storyboards/{uuid}.jpg", "sprite_width": 192,
                       "sprite_height": 108, "sprite_duration": 1, "total_width": 1920,
                       "total_height": 108}}, duration)
    return Video.get(*Video.key(uuid))


def test_a_video_in_peertubes_order(alice):
    video = published(alice, description="Curiouser and curiouser.", support="Tea.",
                      category=15, licence=1, language="en", tags=["rabbit"])
    s = settings()
    document = objects.video_object(video)
    relaxed = copy.deepcopy(schema("PTVideoObject"))
    relaxed["definitions"]["PTVideoObject"]["properties"]["summary"] = {
        "type": ["string", "null"]}
    jsonschema.validate(document, relaxed)
    assert document["duration"] == "PT4S"
    kinds = [u.get("mediaType") or u["rel"][0] for u in document["url"]]
    assert kinds == ["text/html", "text/html",
                     *["video/mp4", "application/json", "application/x-bittorrent",
                       "application/x-bittorrent;x-scheme-handler/magnet"] * 2,
                     "application/x-mpegURL", "tracker", "tracker"]
    assert document["url"][0]["href"] == f"{s.public_url}/w/{ids.to_short(video.uuid)}"
    mp4s = [u for u in document["url"] if u.get("mediaType") == "video/mp4"]
    assert [(m["height"], m["width"], m["size"]) for m in mp4s] == [
        (720, 1280, 720000), (240, 426, 240000)]
    hls = document["url"][-3]
    assert [t["type"] for t in hls["tag"][:3]] == ["Infohash", "Infohash", "Link"]
    assert hls["tag"][2]["href"].endswith("/segments-sha256.json")
    assert [t["href"] for t in hls["tag"] if t.get("mediaType") == "video/mp4"] == [
        f"{s.media_url}/static/streaming-playlists/hls/{video.uuid}/{r}-f.mp4"
        for r in (720, 240)]
    assert document["aspectRatio"] == round(1280 / 720, 4)
    assert document["preview"][0]["url"][0]["tileDuration"] == "PT1S"
    assert document["to"] == [PUBLIC, f"{s.public_url}/video-channels/alice_films"]
    assert document["cc"] == [f"{s.public_url}/accounts/alice/followers"]


def test_what_peertube_sends_null_stays_null(alice):
    """PeerTube refuses a description or support shorter than 3 characters, so none is
    sent as null, as PeerTube does, and an unset category, licence or language is left
    out; an unlisted video is cc everyone, to no one."""
    document = objects.video_object(published(alice, privacy=videos.UNLISTED,
                                              media={"renditions": []}))
    assert document["content"] is None and document["support"] is None
    assert not {"category", "licence", "language"} & set(document)
    assert document["icon"] == []
    assert "preview" not in document
    assert (document["to"], document["cc"]) == ([], [PUBLIC])


def test_duration_is_whole_seconds():
    assert [objects.duration(d) for d in (0, 4, 4.9, 3600)] == ["PT0S", "PT4S", "PT4S",
                                                                 "PT3600S"]


def test_paging_as_peertube():
    def items(start, count):
        return 25, [f"item{n}" for n in range(25)][start:start + count]
    assert objects.paged("https://x/c", items) == {
        "id": "https://x/c", "type": "OrderedCollection", "totalItems": 25,
        "first": "https://x/c?page=1"}
    second = objects.paged("https://x/c", items, 2)
    assert second["orderedItems"] == [f"item{n}" for n in range(10, 20)]
    assert (second["prev"], second["next"]) == ("https://x/c?page=1", "https://x/c?page=3")
    assert "next" not in objects.paged("https://x/c", items, 3)
    empty = objects.paged("https://x/c", lambda start, count: (0, []))
    assert empty == {"id": "https://x/c", "type": "OrderedCollection", "totalItems": 0}


def test_activities_carry_peertubes_ids(alice):
    video = published(alice)
    document = objects.video_object(video)
    actor = f"{settings().public_url}/accounts/alice"
    create = objects.create_activity(document, actor)
    assert create["id"] == f"{document['id']}/activity"
    assert create["@context"] == objects.VIDEO_CONTEXT
    assert (create["to"], create["cc"]) == (document["to"], document["cc"])
    assert create["object"] == document
    update = objects.update_activity(document, actor)
    assert update["id"] == f"{document['id']}/updates/{document['updated']}"
    delete = objects.delete_activity(document["id"], actor)
    assert delete == {"@context": objects.BASE_CONTEXT, "type": "Delete",
                      "id": f"{document['id']}/delete", "actor": actor,
                      "object": document["id"]}
    channel = accounts.channel_by_handle("alice_films")
    announce = objects.announce_activity(video, channel)
    assert announce["id"] == f"{document['id']}/announces/{channel.id}"
    assert announce["actor"] == f"{settings().public_url}/video-channels/alice_films"
    assert announce["cc"] == [f"{announce['actor']}/followers", f"{actor}/followers"]
    note = objects.create_activity({"type": "Note", "id": "https://x/n"}, actor)
    assert note["@context"] == objects.COMMENT_CONTEXT
    assert (note["to"], note["cc"]) == ([PUBLIC], [f"{actor}/followers"])


def test_a_reply_mentions_whom_it_answers(alice):
    bob = accounts.create_user("bob", "bob@example.com", password_hash="unused",
                               display_name="Bob", channel_name="bob_tv")
    video = published(alice)
    thread = comments.create(video, bob, "First!")
    reply = comments.create(video, alice, "Welcome, *Bob*.", thread)
    s = settings()
    note = objects.comment_object(reply)
    jsonschema.validate(note, schema("PTComment"))
    assert note["inReplyTo"] == objects.comment_url(video.uuid, thread.id)
    assert note["tag"] == [{"type": "Mention", "href": f"{s.public_url}/accounts/bob",
                            "name": f"@bob@{s.host}"}]
    assert note["content"] == "Welcome, *Bob*." and note["mediaType"] == "text/markdown"
    assert note["cc"][-1] == f"{s.public_url}/accounts/bob"
    assert objects.comment_object(thread)["inReplyTo"] == objects.video_object(video)["id"]
    comments.delete(video, reply, alice)
    reply.refresh()
    tombstone = objects.comment_object(reply)
    assert tombstone["type"] == "Tombstone" and tombstone["formerType"] == "Note"
    assert tombstone["deleted"] is not None


def test_a_rendition_joining_later_dates_the_video(alice):
    """Servers holding the video take an Update only when its `updated` is newer."""
    video = published(alice)
    before = objects.video_object(video)["updated"]
    time.sleep(0.01)   # dates are written to the millisecond
    joined = videos.add_media(video, lambda media: {**media, "renditions": [
        *media["renditions"], rendition(video.uuid, 480, 854, 480)]})
    after = objects.video_object(joined)
    assert after["updated"] > before
    assert [u["height"] for u in after["url"] if u.get("mediaType") == "video/mp4"][0] == 720
    assert Video.get(*Video.key(video.uuid)).updated_at == joined.updated_at
