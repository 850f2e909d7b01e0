"""Which swarms the tracker takes: those of the instance's own videos, as PeerTube's
tracker takes only info hashes it finds among its video files and HLS playlists.

A swarm is known when it is:
- the info hash of one of the video's torrents (web MP4s and HLS fragmented MP4s), read
  from the API's `magnetUri`s: what WebTorrent and desktop clients announce;
- one of the ids p2p-media-loader v2 (2.3.1, the web app's) announces for the video's
  HLS master playlist: one per variant, derived from the master's URL and the variant's
  attributes (`p2p_media_loader_hashes`).

Only the instance's own public videos and running lives are known: the tracker learns
them from the public API (`SwarmFeed`), which lists nothing else. Viewers of a remote
video or of a copy another instance mirrors announce to the origin's tracker, with the
origin's master URL as the swarm (the web app's player asks the origin's `trackerUrls`,
and a mirror only changes where segments are fetched from), so they need nothing here.
Unlisted videos are not known: the API does not list them and an info hash does not say
which video it is, so their viewers play over HTTP. PeerTube accepts them.
"""
from __future__ import annotations

import base64
import hashlib
import logging
import re
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

import httpx

from .catalog_feed import MAX_PAGE, Gone, list_page, public_video, run_passes

log = logging.getLogger("peerless.seeder.known")

MAX_KNOWN = 1_000_000  # info hashes: about 100 bytes each


class KnownSwarms:
    """The info hashes of the videos `SwarmFeed` found, at most `limit` of them: the
    videos set longest ago are forgotten first. The feed's thread writes, the tracker's
    loop reads (`in`), without waiting for a write in progress."""

    def __init__(self, limit: int = MAX_KNOWN):
        self.limit = limit
        self._videos: OrderedDict[str, frozenset[bytes]] = OrderedDict()
        self._hashes: Counter[bytes] = Counter()  # how many videos name each hash
        self._lock = threading.Lock()

    def __contains__(self, info_hash: object) -> bool:
        return info_hash in self._hashes

    def __len__(self) -> int:
        return len(self._hashes)

    def hashes(self, uuid: str) -> frozenset[bytes]:
        return self._videos.get(uuid, frozenset())

    def set(self, uuid: str, hashes: Iterable[bytes]) -> None:
        """The video's swarms are now exactly `hashes`."""
        hashes = frozenset(hashes)
        with self._lock:
            self._drop(uuid)
            self._videos[uuid] = hashes
            self._hashes.update(hashes)
            while len(self._hashes) > self.limit and len(self._videos) > 1:
                self._drop(next(iter(self._videos)))

    def forget(self, uuid: str) -> None:
        with self._lock:
            self._drop(uuid)

    def _drop(self, uuid: str) -> None:
        for info_hash in self._videos.pop(uuid, ()):
            self._hashes[info_hash] -= 1
            if self._hashes[info_hash] <= 0:
                del self._hashes[info_hash]


# --- what a video's viewers announce ---------------------------------------------------

def magnet_info_hash(magnet: str | None) -> bytes | None:
    """The 20-byte info hash of a magnet link's `xt=urn:btih:` (hex or base32)."""
    if not magnet or not magnet.startswith("magnet:?"):
        return None
    for topic in parse_qs(magnet[len("magnet:?"):]).get("xt", []):
        if topic.lower().startswith("urn:btih:"):
            value = topic[len("urn:btih:"):]
            try:
                return bytes.fromhex(value) if len(value) == 40 else base64.b32decode(
                    value.upper())
            except ValueError:
                return None
    return None


# hls.js's video sample entries (utils/codecs.ts): a variant's CODECS of these kinds make
# its `videoCodec`, the one codec list p2p-media-loader's stream id reads.
_VIDEO_CODECS = frozenset(
    "avc1 avc2 avc3 avc4 avcp av01 dav1 drac dva1 dvav dvh1 dvhe encv hev1 hvc1 mjp2 mp4v "
    "mvc1 mvc2 mvc3 mvc4 resv rv60 s263 svc1 svc2 vc-1 vp08 vp09".split())
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
_DECIMAL_AVC = re.compile(r"^(avc1?)\.(\d+)\.(\d+)$")


def p2p_media_loader_hashes(master_url: str, master: str) -> set[bytes]:
    """The info hashes p2p-media-loader 2.3.1 announces for the variants of the master
    playlist `master` loaded from `master_url`.

    Its swarm id is the master's URL without its query (hls.js's response URL; the web
    app sets no `swarmId`); each variant is a stream "main-<id>", the id being the base64
    SHA-1 of the variant's bandwidth, video codecs, size, frame rate and video range as
    hls.js parses them; the info hash is the base64 of the first 15 bytes of the SHA-1 of
    "v2-<swarm id>-main-<id>": 20 ASCII characters. Audio renditions of their own
    (EXT-X-MEDIA) would be streams too: the instance's masters have none."""
    swarm = master_url.split("?")[0]
    hashes = set()
    lines = master.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("#EXT-X-STREAM-INF:"):
            continue
        attrs = {k: v.strip('"') for k, v in _ATTRIBUTE.findall(line.split(":", 1)[1])}
        if not any(rest.strip() and not rest.startswith("#") for rest in lines[i + 1:i + 2]):
            continue  # hls.js drops a variant without a URI
        bitrate = _decimal(attrs.get("BANDWIDTH")) or _decimal(attrs.get("AVERAGE-BANDWIDTH"))
        described = bool(bitrate)  # p2p-media-loader ignores the rest when it is 0
        codecs = [c for c in re.split(r"[ ,]+", attrs.get("CODECS", "")) if c]
        width, _, height = attrs.get("RESOLUTION", "").partition("x")
        if not (width.isdigit() and height.isdigit()):
            width = height = ""
        parts = [str(bitrate),
                 _codecs([c.split("/")[0] for c in codecs if c[:4] in _VIDEO_CODECS])
                 if described else "",
                 str(int(width)) if described and width else "",
                 str(int(height)) if described and height else "",
                 "", "", "",  # language, channels, name: audio streams' only
                 _frame_rate(attrs.get("FRAME-RATE")) if described else "",
                 attrs.get("VIDEO-RANGE", "").upper().strip() if described else ""]
        stream = _b64(hashlib.sha1("-".join(parts).encode()).digest())
        announced = hashlib.sha1(f"v2-{swarm}-main-{stream}".encode()).digest()[:15]
        hashes.add(_b64(announced).encode("ascii"))
    return hashes


def _decimal(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 0


def _codecs(codecs: list[str]) -> str:
    normalized = []
    for codec in codecs:
        codec = codec.strip().lower()
        if match := _DECIMAL_AVC.match(codec):
            name, profile, level = match.groups()
            codec = f"{name}.{int(profile):02x}00{int(level):02x}"
        normalized.append(codec)
    return ",".join(sorted(normalized))


def _frame_rate(text: str | None) -> str:
    """JavaScript's Number(text).toString() for the rates a playlist writes."""
    try:
        rate = float(text or "")
    except ValueError:
        return ""
    if not rate:
        return ""
    return str(int(rate)) if rate.is_integer() else repr(rate)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# --- the feed -------------------------------------------------------------------------

@dataclass
class _Video:
    published_at: float
    fetched_at: float
    complete: bool  # every master playlist of its last description was read


class SwarmFeed:
    """Keeps `known` in line with the instance's public catalog, through its API, in the
    two rhythms of the seeder's `CatalogFeed`:

    - `poll` (every `poll_seconds`, and at once when a viewer announces an unknown
      swarm: `refresh`): the newest page and the running lives. A new video is fetched
      (its magnets, its masters); a young one again when its age has doubled since the
      last fetch (fast publish adds renditions, hence variants, to a published video);
      one that left these listings is fetched again, and forgotten when gone or not
      public. A live is known once its master playlist is up.
    - `sync` (every `resync_seconds`): the whole catalog; what is no longer listed is
      fetched again (forgotten when gone), and the `refresh_per_sync` least recently
      fetched others too (an admin may add resolutions to any video).

    Nothing is forgotten on an error: a failed page leaves the known swarms as they were.
    """

    def __init__(self, client: httpx.Client, known: KnownSwarms, *, poll_seconds: float = 2.0,
                 resync_seconds: float = 60.0, page_size: int = 20,
                 young_seconds: float = 3600, refresh_per_sync: int = 20,
                 clock: Callable[[], float] = time.time):
        """`client` reaches the instance's API (its base_url) and its media (master
        playlists' URLs are absolute); `clock` is wall time, against publication dates."""
        self.client = client
        self.known = known
        self.poll_seconds = poll_seconds
        self.resync_seconds = resync_seconds
        self.page_size = min(page_size, MAX_PAGE)
        self.young_seconds = young_seconds
        self.refresh_per_sync = refresh_per_sync
        self._clock = clock
        self._videos: dict[str, _Video] = {}
        self._polled: set[str] = set()  # what the last poll listed
        self._lock = threading.Lock()  # one pass at a time: the thread's vs a refresh
        self._stats = {"polls": 0, "refreshes": 0, "syncs": 0, "errors": 0}

    def poll(self, *, eager: bool = False) -> None:
        """The newest page and the running lives. `eager`: an unknown swarm was announced:
        young videos and lives are fetched again unless fetched in the last poll period."""
        with self._lock:
            listed = {**list_page(self.client, 0, self.page_size),
                      **list_page(self.client, 0, MAX_PAGE, isLive="true")}
            now = self._clock()
            for uuid, (published, live) in listed.items():
                video = self._videos.get(uuid)
                if video is None or not video.complete or (
                        (live or now - published < self.young_seconds)
                        and now - video.fetched_at >= (
                            self.poll_seconds if eager else
                            max(self.poll_seconds, video.fetched_at - published))):
                    self._fetch(uuid, published)
            for uuid in sorted(self._polled - listed.keys()):
                if uuid in self._videos:
                    self._fetch(uuid, self._videos[uuid].published_at)
            self._polled = set(listed)
            self._stats["refreshes" if eager else "polls"] += 1

    def refresh(self) -> None:
        """`poll(eager=True)`, for the tracker's loop (in a thread): errors are logged."""
        try:
            self.poll(eager=True)
        except Exception as error:  # the API restarting: the announce is refused
            self._stats["errors"] += 1
            log.warning("swarm feed: refresh: %s: %s", type(error).__name__, error)

    def sync(self) -> None:
        """The whole catalog."""
        with self._lock:
            listed: dict[str, tuple[float, bool]] = {}
            while True:
                page = list_page(self.client, len(listed), MAX_PAGE)
                listed.update(page)
                if len(page) < MAX_PAGE:
                    break
            stale = sorted((v.fetched_at, u) for u, v in self._videos.items() if u in listed)
            again = {u for _, u in stale[:self.refresh_per_sync]}
            for uuid in [u for u in self._videos if u not in listed]:
                self._fetch(uuid, self._videos[uuid].published_at)
            for uuid, (published, _) in listed.items():
                video = self._videos.get(uuid)
                if video is None or not video.complete or uuid in again:
                    self._fetch(uuid, published)
            self._stats["syncs"] += 1

    def run(self, stop: threading.Event) -> None:
        """A sync first, then polls every `poll_seconds` and a sync every
        `resync_seconds`, until `stop` is set."""
        run_passes(stop, self.sync, self.poll, self.poll_seconds, self.resync_seconds,
                   self._stats, "swarm feed")

    def metrics(self) -> dict[str, Any]:
        return {"videos": len(self._videos), "swarms": len(self.known), **self._stats}

    def _fetch(self, uuid: str, published_at: float) -> None:
        """Makes `known` hold exactly the video's swarms, or forgets it when gone."""
        try:
            details = public_video(self.client, uuid)
        except Gone:
            self._videos.pop(uuid, None)
            self.known.forget(uuid)
            return
        except httpx.HTTPError as error:
            log.warning("swarm feed: fetching %s: %s", uuid, error)
            return
        files = list(details.get("files") or [])
        hashes: set[bytes] = set()
        complete = True
        for playlist in details.get("streamingPlaylists") or []:
            files += playlist.get("files") or []
            url = playlist.get("playlistUrl")
            if not url:
                continue
            try:
                response = self.client.get(url)
                response.raise_for_status()
            except httpx.HTTPError as error:
                # A live's master is up once every rendition has a playlist: next poll.
                log.info("swarm feed: master of %s: %s", uuid, error)
                complete = False
                continue
            hashes |= p2p_media_loader_hashes(str(response.url), response.text)
        hashes |= {h for f in files if (h := magnet_info_hash(f.get("magnetUri")))}
        if not complete:  # what was known stays known until the master answers
            hashes |= self.known.hashes(uuid)
        self.known.set(uuid, hashes)
        self._videos[uuid] = _Video(published_at, self._clock(), complete)


def start_swarm_feed(api_url: str, known: KnownSwarms, stop: threading.Event, *,
                     transport: httpx.BaseTransport | None = None,
                     **options) -> tuple[SwarmFeed, threading.Thread]:
    """A `SwarmFeed` of the instance at `api_url` (through `transport`, for tests),
    running in a thread until `stop`."""
    client = httpx.Client(base_url=api_url, timeout=15, follow_redirects=True,
                          transport=transport, headers={"User-Agent": "peerless-tracker"})
    feed = SwarmFeed(client, known, **options)
    thread = threading.Thread(target=feed.run, args=(stop,), name="tracker-swarms",
                              daemon=True)
    thread.start()
    return feed, thread
