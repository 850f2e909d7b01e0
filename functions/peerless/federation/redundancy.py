"""Redundancy between instances, PeerTube's CacheFile: this instance mirrors videos of
other servers, and other servers mirror this instance's.

Mirroring a remote video (by an administrator's choice, or by the instance's strategy:
most viewed, recently added or trending within a size budget) copies its HLS files (the
master playlist, each rendition's playlist and fragmented MP4, the segments' SHA-256) from
its origin into the media bucket under `static/redundancy/hls/<uuid>/`, where the CDN
serves them, and tells the origin (and the servers following this one) with a Create of a
`CacheFile` by the instance actor; an Undo takes it back when the mirror goes. The files
are copied as they are: the playlists name their files relatively, so the copy plays by
itself, and its segments hash as the origin's `segments-sha256` says.

Another server's CacheFile of a local video is kept (`HostedCopy`) when it comes from a
server this instance follows (PeerTube's default, `followings`), and listed in the video's
`streamingPlaylists[].redundancies`, where players find more places to fetch from.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

from pynamodb.attributes import (ListAttribute, NumberAttribute, UnicodeAttribute,
                                 UTCDateTimeAttribute)

from .. import aws, catalog, errors
from ..accounts import next_id
from ..media_store import MediaStore, redundancy_prefix
from ..models import Item, Video, get_or_none, now
from ..peertube.common import media_url, timestamp
from ..settings import settings
from . import actors, delivery, follows, objects
from .fetch import FetchError, fetch_file
from .remote_actors import host_of, is_url

log = logging.getLogger(__name__)

MIRRORS = "mirrors"
STRATEGIES = ("most-views", "recently-added", "trending")
LIFETIME = timedelta(days=7)         # a CacheFile's `expires`; renewed by each refresh
MAX_FILE = 8 * 1024 ** 3             # the largest file a mirror copies
MAX_PLAYLIST = 1024 ** 2
PLAYLIST_TYPE = "application/x-mpegURL"


class MirrorError(Exception):
    """A video that cannot be mirrored: why."""


class Mirror(Item, discriminator="mirror"):
    """A remote video this instance mirrors."""
    id = NumberAttribute()
    video_uuid = UnicodeAttribute()
    video_url = UnicodeAttribute()           # the video's ActivityPub id, at its origin
    strategy = UnicodeAttribute()            # "manual" or one of STRATEGIES
    size = NumberAttribute()
    keys = ListAttribute(of=UnicodeAttribute)
    master_key = UnicodeAttribute()
    created_at = UTCDateTimeAttribute(default=now)
    expires_at = UTCDateTimeAttribute()

    @staticmethod
    def key(uuid: str) -> tuple[str, str]:
        return f"mirror#{uuid}", "mirror"


class HostedCopy(Item, discriminator="hosted-copy"):
    """Another server's copy of a local video, as its CacheFile describes it."""
    video_uuid = UnicodeAttribute()
    cache_file_id = UnicodeAttribute()
    actor_url = UnicodeAttribute()
    file_url = UnicodeAttribute()            # the copy's master playlist
    expires_at = UTCDateTimeAttribute()

    @staticmethod
    def key(uuid: str, cache_file_id: str) -> tuple[str, str]:
        return f"hosted-copies#{uuid}", cache_file_id


# --- our mirrors -------------------------------------------------------------------------------

def cache_file_id(uuid: str) -> str:
    """PeerTube's id of an instance's CacheFile of a video's HLS playlist."""
    return f"{settings().public_url}/redundancy/streaming-playlists/hls/{uuid}"


def cache_file_object(mirror: Mirror) -> dict:
    return {"id": cache_file_id(mirror.video_uuid), "type": "CacheFile",
            "object": mirror.video_url, "expires": timestamp(mirror.expires_at),
            "url": {"type": "Link", "mediaType": PLAYLIST_TYPE,
                    "href": media_url(mirror.master_key, settings())}}


def _references(playlist: str) -> list[str]:
    """The files a playlist names: its lines that are not tags, and the URIs of its maps."""
    found = []
    for line in playlist.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            found.append(line)
        elif line.startswith("#EXT-X-MAP:") and 'URI="' in line:
            found.append(line.split('URI="', 1)[1].split('"', 1)[0])
    return list(dict.fromkeys(found))


def _relative(base: str, reference: str) -> str:
    """A reference's path below the playlist's directory; refused when it leaves it (the
    copy keeps the origin's layout, so only relative references can be followed)."""
    target = urljoin(base, reference)
    directory = base.rsplit("/", 1)[0] + "/"
    if not target.startswith(directory) or urlsplit(target).query:
        raise MirrorError(f"{reference} is not a file beside its playlist")
    name = target[len(directory):]
    if not name or ".." in name.split("/"):
        raise MirrorError(f"{reference} is not a file beside its playlist")
    return name


def _copy(video: Video, store: MediaStore) -> tuple[str, list[str], int]:
    """Copies the video's HLS files into the media bucket: (master key, keys, bytes)."""
    hls = (video.remote or {}).get("hls")
    if not hls:
        raise MirrorError("it has no HLS playlist to mirror")
    master_url = hls["playlist_url"]
    prefix = redundancy_prefix(video.uuid)
    written: list[str] = []
    size = 0

    def put(name: str, data: bytes, content_type: str) -> None:
        nonlocal size
        store.put_bytes(prefix + name, data, content_type)
        written.append(prefix + name)
        size += len(data)

    try:
        master = fetch_file(master_url, MAX_PLAYLIST)
        files: list[str] = []
        for rendition in _references(master.decode()):
            name = _relative(master_url, rendition)
            playlist = fetch_file(urljoin(master_url, rendition), MAX_PLAYLIST)
            put(name, playlist, PLAYLIST_TYPE)
            rendition_url = urljoin(master_url, rendition)
            files += [_relative(master_url, urljoin(rendition_url, ref))
                      for ref in _references(playlist.decode())]
        for name in dict.fromkeys(files):
            put(name, fetch_file(urljoin(master_url, name), MAX_FILE), "video/mp4")
        if hls.get("segments_sha256_url"):
            sha = hls["segments_sha256_url"]
            put(_relative(master_url, sha), fetch_file(sha, MAX_PLAYLIST), "application/json")
        master_name = _relative(master_url, master_url)
        put(master_name, master, PLAYLIST_TYPE)
    except (FetchError, UnicodeDecodeError, MirrorError) as error:
        store.delete(written)
        raise MirrorError(f"its files could not be copied ({error})") from None
    return prefix + master_name, written, size


def _announce(mirror: Mirror, video: Video, kind: str) -> None:
    """A Create, Update or Undo of the CacheFile, from the instance, to the video's origin
    and the servers following this one."""
    from .publishing import holders   # publishing builds on this module's neighbours
    instance = actors.instance_actor()
    cache_file = cache_file_object(mirror)
    if kind == "Undo":
        # As PeerTube: the Undo names the Create of the CacheFile.
        activity = objects.undo_activity(objects.create_activity(cache_file, instance.url),
                                         instance.url)
    elif kind == "Update":
        activity = objects.update_activity({**cache_file, "updated": cache_file["expires"]},
                                           instance.url)
    else:
        activity = objects.create_activity(cache_file, instance.url)
    inboxes = dict.fromkeys(holders(video))
    inboxes.update(dict.fromkeys(follows.follower_inboxes(actors.SERVER_ACTOR_NAME)))
    delivery.deliver(activity, sender=actors.SERVER_ACTOR_NAME, inboxes=list(inboxes))


def mirror(video: Video, strategy: str = "manual", store: MediaStore | None = None) -> Mirror:
    """Mirrors a remote video (again: its CacheFile renewed). Raises MirrorError."""
    if not video.is_remote:
        raise MirrorError("it is a video of this instance")
    existing = get_or_none(Mirror, Mirror.key(video.uuid))
    expires = now() + LIFETIME
    if existing is not None:
        existing.update(actions=[Mirror.expires_at.set(expires)])
        _announce(existing, video, "Update")
        return existing
    master_key, keys, size = _copy(video, store or aws.media_store())
    item = Mirror(*Mirror.key(video.uuid), id=next_id("redundancy"), video_uuid=video.uuid,
                  video_url=video.origin_url, strategy=strategy, size=size, keys=keys,
                  master_key=master_key, expires_at=expires)
    item.list_pk, item.list_sk = MIRRORS, f"{item.created_at.isoformat()}#{video.uuid}"
    item.save()
    _announce(item, video, "Create")
    return item


def unmirror(item: Mirror, store: MediaStore | None = None) -> None:
    """Stops mirroring: the copy deleted, its CacheFile undone."""
    (store or aws.media_store()).delete(list(item.keys or []))
    item.delete()
    video = get_or_none(Video, Video.key(item.video_uuid))
    if video is not None:
        _announce(item, video, "Undo")


def mirrors(start: int = 0, count: int = 100) -> tuple[int, list[Mirror]]:
    found = list(Mirror.by_list.query(MIRRORS, scan_index_forward=False))
    return len(found), found[start:start + count]


def mirror_by_id(number: int) -> Mirror:
    for item in Mirror.by_list.query(MIRRORS, filter_condition=Mirror.id == number):
        return item
    raise errors.not_found("Video redundancy not found")


def _candidates(strategy: str) -> list[Video]:
    sort = "-publishedAt" if strategy == "recently-added" else "-views"
    _, found = catalog.list_videos(catalog.VideoQuery(is_local=False, sort=sort, count=100))
    return [v for v in found if (v.remote or {}).get("hls")]


def _estimated_size(video: Video) -> int:
    return sum(int(f.get("size") or 0) for f in video.remote["hls"].get("files") or [])


def parse_size(text: str) -> int:
    """Bytes from `10G`, `500M`, `1T` or a plain number."""
    text = text.strip().upper().removesuffix("B")
    factor = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}.get(text[-1:], 1)
    number = text[:-1] if factor > 1 else text
    try:
        return int(float(number) * factor)
    except ValueError:
        raise ValueError(f"{text!r} is not a size (like 10G)") from None


def refresh(strategy: str, budget: int, store: MediaStore | None = None) -> list[str]:
    """Brings the strategy's mirrors in line: the first candidates that fit in `budget`
    bytes mirrored (kept ones renewed), the strategy's others dropped. Manual mirrors are
    left alone. Returns the uuids mirrored."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown redundancy strategy {strategy!r}")
    store = store or aws.media_store()
    kept: list[str] = []
    used = sum(int(m.size) for m in Mirror.by_list.query(MIRRORS)
               if m.strategy == "manual")
    for video in _candidates(strategy):
        existing = get_or_none(Mirror, Mirror.key(video.uuid))
        size = int(existing.size) if existing else _estimated_size(video)
        if used + size > budget:
            continue
        try:
            mirror(video, strategy, store)
        except MirrorError as error:
            log.info("not mirroring %s: %s", video.uuid, error)
            continue
        used += size
        kept.append(video.uuid)
    for item in list(Mirror.by_list.query(MIRRORS)):
        if item.strategy == strategy and item.video_uuid not in kept:
            unmirror(item, store)
    return kept


# --- other servers' copies of our videos ------------------------------------------------------

def accept_cache_file(cache_file: dict, sender: str) -> bool:
    """Another server's Create or Update of a CacheFile of a local video: kept if that
    server is one this instance follows and the copy lives on it. False otherwise."""
    from .interactions import date_or_none, video_at   # it builds on the same models
    cid, url = cache_file.get("id"), cache_file.get("url")
    href = url.get("href") if isinstance(url, dict) else None
    expires = date_or_none(cache_file.get("expires"))
    video = video_at(cache_file.get("object")) if isinstance(cache_file.get("object"),
                                                               str) else None
    host = host_of(sender)
    if (video is None or video.is_remote or not is_url(cid) or not is_url(href)
            or host_of(cid) != host or host_of(href) != host or expires is None
            or not follows.instance_follows_host(host)):
        log.info("ignored CacheFile %r from %s", cid, sender)
        return False
    HostedCopy(*HostedCopy.key(video.uuid, cid), video_uuid=video.uuid, cache_file_id=cid,
               actor_url=sender, file_url=href, expires_at=expires).save()
    return True


def forget_cache_file(cache_file: dict, sender: str) -> bool:
    """Another server's Undo of its CacheFile (given inline, naming its video). False when
    no such copy of the sender's is kept."""
    from .interactions import video_at
    cid = cache_file.get("id")
    target = cache_file.get("object")
    video = video_at(target) if isinstance(target, str) else None
    if video is None or not isinstance(cid, str):
        return False
    copy = get_or_none(HostedCopy, HostedCopy.key(video.uuid, cid))
    if copy is None or copy.actor_url != sender:
        return False
    copy.delete()
    return True


def copies_of(uuid: str) -> list[HostedCopy]:
    """The live copies other servers keep of a local video."""
    return [c for c in HostedCopy.query(f"hosted-copies#{uuid}") if c.expires_at > now()]


def playlist_copies(video: Video) -> list[str]:
    """The master playlists of the copies of a video's HLS files: other servers' for a
    local video, this instance's own mirror for a remote one."""
    if video.is_remote:
        item = get_or_none(Mirror, Mirror.key(video.uuid))
        return [media_url(item.master_key, settings())] if item is not None else []
    return [c.file_url for c in copies_of(video.uuid)]
