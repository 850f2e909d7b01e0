"""Redundancy on moto's in-process mock, with an origin served on loopback: what a mirror
copies (every file its playlists name, nothing outside their directory), the CacheFile it
announces and takes back, the strategy within its budget, and the copies of local videos
other servers announce (kept from followed servers only)."""
import pytest

from peerless import aws, catalog, ids
from peerless.accounts import next_id
from peerless.federation import activities, actors, follows, redundancy
from peerless.models import Video
from peerless.settings import settings
from tests.unit.federation.test_follows import queued, remote
from tests.unit.federation.test_objects import published

pytestmark = pytest.mark.usefixtures("allow_private")

MASTER = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n240.m3u8\n"
RENDITION = (b'#EXTM3U\n#EXT-X-MAP:URI="240-f.mp4",BYTERANGE="800@0"\n'
             b'#EXTINF:4,\n#EXT-X-BYTERANGE:1000@800\n240-f.mp4\n#EXT-X-ENDLIST\n')


def origin_video(server, name: str, views: int = 0, size: int = 1800,
                 rendition: bytes = RENDITION) -> Video:
    """A remote video whose HLS files `server` serves, published in the catalog."""
    uuid = ids.new_uuid()
    base = f"/hls/{uuid}"
    server.routes[f"{base}/master.m3u8"] = (200, {}, MASTER)
    server.routes[f"{base}/240.m3u8"] = (200, {}, rendition)
    server.routes[f"{base}/240-f.mp4"] = (200, {}, b"m" * size)
    server.routes[f"{base}/sha.json"] = (200, {}, b'{"240-f.mp4": {}}')
    url = f"{server.url}/videos/watch/{uuid}"
    channel = remote("c", host=server.url.split("://")[1], kind="Group")
    channel.save()      # known here: its server's shared inbox hears of the mirror
    video = Video(*Video.key(uuid), id=next_id("video"), uuid=uuid, name=name, channel="c@o",
                  owner="a@o", privacy=1, state=1, origin_url=url, views=views,
                  remote={"host": "o", "account_url": f"{server.url}/a",
                          "channel_url": channel.url, "updated": "x",
                          "hls": {"playlist_url": f"{server.url}{base}/master.m3u8",
                                  "segments_sha256_url": f"{server.url}{base}/sha.json",
                                  "files": [{"size": size}]}})
    video.published_at = video.created_at
    video.save()
    return catalog.change(video)


def stored(key: str) -> bytes:
    return aws.client("s3").get_object(Bucket=settings().media_bucket, Key=key)["Body"].read()


def test_a_mirror_copies_every_file_and_announces_its_cache_file(served):
    video = origin_video(served, "Copied")
    mirror = redundancy.mirror(video)
    prefix = f"static/redundancy/hls/{video.uuid}/"
    assert sorted(mirror.keys) == sorted(prefix + name for name in (
        "240.m3u8", "240-f.mp4", "sha.json", "master.m3u8"))
    assert stored(prefix + "240-f.mp4") == b"m" * 1800 and stored(mirror.master_key) == MASTER
    assert mirror.size == len(MASTER) + len(RENDITION) + 1800 + len(b'{"240-f.mp4": {}}')
    [message] = queued()
    assert message["inbox"] == f"{served.url}/inbox"
    create = message["activity"]
    assert create["type"] == "Create" and create["actor"] == actors.instance_actor().url
    cache_file = create["object"]
    assert cache_file["type"] == "CacheFile" and cache_file["object"] == video.origin_url
    assert cache_file["id"] == redundancy.cache_file_id(video.uuid)
    assert cache_file["url"]["href"].endswith(mirror.master_key)
    assert redundancy.playlist_copies(video) == [cache_file["url"]["href"]]

    # Mirrored again: renewed by an Update, nothing copied twice.
    assert redundancy.mirror(video).id == mirror.id
    assert [m["activity"]["type"] for m in queued()] == ["Update"]

    redundancy.unmirror(redundancy.mirror_by_id(mirror.id))
    [undo] = [m["activity"] for m in queued()]
    assert undo["type"] == "Undo" and undo["object"]["type"] == "Create"
    assert undo["object"]["object"]["type"] == "CacheFile"
    assert redundancy.mirrors()[0] == 0 and redundancy.playlist_copies(video) == []


def test_nothing_outside_the_playlists_directory_is_fetched(served):
    video = origin_video(served, "Escaping",
                         rendition=b'#EXTM3U\n#EXT-X-MAP:URI="../../secret"\nx.mp4\n')
    with pytest.raises(redundancy.MirrorError):
        redundancy.mirror(video)
    assert redundancy.mirrors()[0] == 0
    assert not any(path.endswith("secret") for path, _ in served.requests)


def test_a_local_video_is_not_mirrored(alice):
    with pytest.raises(redundancy.MirrorError):
        redundancy.mirror(published(alice))


def test_the_strategy_keeps_to_its_budget(served):
    popular = origin_video(served, "Popular", views=50, size=3000)
    middling = origin_video(served, "Middling", views=10, size=3000)
    quiet = origin_video(served, "Quiet", views=1, size=1000)
    assert redundancy.refresh("most-views", budget=4500) == [popular.uuid, quiet.uuid]
    assert {m.video_uuid for m in redundancy.mirrors()[1]} == {popular.uuid, quiet.uuid}
    # More views for the middling one: it replaces the popular one, which no longer fits.
    middling.update(actions=[Video.views.set(100)])
    catalog.change(middling)
    assert redundancy.refresh("most-views", budget=4500) == [middling.uuid, quiet.uuid]
    assert {m.video_uuid for m in redundancy.mirrors()[1]} == {middling.uuid, quiet.uuid}
    with pytest.raises(ValueError):
        redundancy.refresh("everything", budget=1)


@pytest.mark.parametrize("text, size", [("10G", 10 * 1024 ** 3), ("500M", 500 * 1024 ** 2),
                                        ("1.5k", 1536), ("2048", 2048), ("1TB", 1024 ** 4)])
def test_sizes(text, size):
    assert redundancy.parse_size(text) == size


def test_copies_of_local_videos_come_from_followed_servers_only(alice, known):
    video = published(alice)
    peer = known(remote())
    create = {"type": "Create", "id": "http://remote.example/redundancy/1/activity",
              "actor": peer.url, "object": {
                  "type": "CacheFile", "id": "http://remote.example/redundancy/1",
                  "object": f"{settings().public_url}/videos/watch/{video.uuid}",
                  "expires": "2099-01-01T00:00:00.000Z",
                  "url": {"type": "Link", "mediaType": "application/x-mpegURL",
                          "href": "http://remote.example/static/copy/master.m3u8"}}}
    activities.apply(create, peer.url)
    assert redundancy.playlist_copies(video) == []          # not followed: ignored
    instance = actors.instance_actor()
    item = follows.follow(instance, peer)
    follows.answered(instance.name, peer.url, item.follow_id, follows.ACCEPTED)
    activities.apply({**create, "object": {**create["object"],
                                           "url": {**create["object"]["url"],
                                                   "href": "http://elsewhere.example/x.m3u8"}}},
                     peer.url)
    assert redundancy.playlist_copies(video) == []          # the copy is not on its server
    activities.apply(create, peer.url)
    assert redundancy.playlist_copies(video) == ["http://remote.example/static/copy/master.m3u8"]
    activities.apply({"type": "Undo", "id": "http://remote.example/undo/1", "actor": peer.url,
                      "object": create}, peer.url)
    assert redundancy.playlist_copies(video) == []
