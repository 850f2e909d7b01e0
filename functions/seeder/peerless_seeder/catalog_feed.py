"""Keeps the seeder in line with the instance's public catalog, through the instance's
own REST API (PeerTube's), as any client would read it.

Why polling the API: it is the one interface that already says what is public and
published (privacy, state, blocks, deletion: the rules live in one place, the api
function), it works the same locally and on AWS, and it needs no new resource nor any
change to the functions. A stream of the table's changes or a queue of catalog events
would react faster, but the seeder would then have to know the table's layout and repeat
the visibility rules, and every writer would have to remember to emit. The cost: one
small page every 2 s, and a full listing (a page per 100 videos) every minute. Two
rhythms:

- every `poll_seconds` (2 s): the newest page of the catalog (`sort=-publishedAt`). A
  video not seen before is fetched (`GET /api/v1/videos/{uuid}`) and every torrent of
  it (web MP4s and HLS fragmented MP4s) goes to the seeder: a newly published video is
  seeded within seconds. A known video that left that page while it should still be on
  it is checked at once, so deleting or hiding a recent video stops its seeding at once
  (and again at the next polls while it is unlisted yet still answers: a deletion in
  progress unlists a video before its last write removes it).
- every `resync_seconds` (60 s): the whole catalog, page by page. Videos no longer
  listed are checked one by one (a listing taken while the catalog changes may skip one)
  and dropped when gone or no longer public; videos published less than
  `settle_seconds` ago are fetched again when their age has doubled since the last fetch
  (with fast publish, renditions join a published video later; nothing in the listing
  says so), and so are the `refresh_per_resync` least recently fetched others (an admin
  may add resolutions to any video): new torrents are seeded, vanished ones dropped.
  Then the seeder's cache forgets the files of torrents no longer seeded.

Mirrors (PeerTube's redundancy): the remote videos whose HLS files this instance copied
into its media bucket (`static/redundancy/hls/<uuid>/`, see federation/redundancy.py) are
seeded too, each HLS file's torrent as its origin made it (the origin's trackers: the
swarm its viewers join) but fetched from our copy, its only web seed. The public API says
which remote videos are mirrored only in their details (`streamingPlaylists[].
redundancies` names our copy's master playlist), and remote videos may be many while
mirrors are few: the full sync lists the remote videos (a page per 100), asks again about
every mirrored one and the `mirror_checks_per_resync` remote others least recently asked
about (never asked first). A new mirror is seeded at the next full sync (within
`resync_seconds` when the remote videos are that few, a round of them otherwise); a mirror
removed, or its video gone, is dropped at the next full sync.

Nothing is dropped on an error: a failed page or a server error leaves the seeder as it
was until an answer says a video is gone (404) or not public.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol, Sequence

import httpx

log = logging.getLogger("peerless.seeder.catalog")

LIST = "/api/v1/videos"
PUBLIC, PUBLISHED = 1, 1
MAX_PAGE = 100  # the API's largest `count`


REDUNDANCY = "/static/redundancy/hls/"  # where our copies of remote videos' HLS files are


class SeederLike(Protocol):
    def seed(self, torrent_bytes: bytes, key: str,
             web_seeds: Sequence[str] | None = None) -> bool: ...
    def drop(self, key: str) -> bool: ...
    def prune_cache(self) -> int: ...


@dataclass
class _Video:
    published_at: float
    keys: set[str] = field(default_factory=set)  # torrent URLs handed to the seeder
    fetched_at: float = 0.0
    complete: bool = False  # every torrent of its last description was fetched


class Gone(Exception):
    """The video is deleted, not public or not published: its torrents are dropped."""


class CatalogFeed:
    def __init__(self, client: httpx.Client, seeder: SeederLike, *, poll_seconds: float = 2.0,
                 resync_seconds: float = 60.0, page_size: int = 20,
                 settle_seconds: float = 6 * 3600, refresh_per_resync: int = 20,
                 media_url: str | None = None, mirror_checks_per_resync: int = 100,
                 clock: Callable[[], float] = time.time):
        """`client` reaches the instance's API (its base_url) and the media URLs (torrent
        URLs are absolute, the mirrored videos' at their origin); `media_url` is where the
        instance serves its media (PEERLESS_MEDIA_URL), None to seed no mirror; `clock` is
        wall time, compared with publication dates."""
        self.client = client
        self.seeder = seeder
        self.poll_seconds = poll_seconds
        self.resync_seconds = resync_seconds
        self.page_size = min(page_size, MAX_PAGE)
        self.settle_seconds = settle_seconds
        self.refresh_per_resync = refresh_per_resync
        self.media_url = media_url.rstrip("/") if media_url else None
        self.mirror_checks_per_resync = mirror_checks_per_resync
        self._clock = clock
        self._videos: dict[str, _Video] = {}
        self._mirrors: dict[str, _Video] = {}  # remote videos we mirror, being seeded
        self._remote_asked: dict[str, float] = {}  # remote video -> its last details fetch
        self._newest: dict[str, float] = {}  # the newest page at the last poll
        # Videos that left the newest page yet were still there when asked (a deletion in
        # progress unlists the video before it removes it): asked again at every poll.
        self._missing: dict[str, float] = {}
        self._lock = threading.Lock()  # one pass at a time (run vs a caller's sync_once)
        self._stats = {"polls": 0, "syncs": 0, "errors": 0, "added": 0, "dropped": 0}
        self._last_sync: float | None = None

    # --- the two passes -----------------------------------------------------------------

    def poll_newest(self) -> None:
        """The newest page: new videos are seeded, recent ones that left it are checked."""
        with self._lock:
            n = self.page_size
            page = self._page(0, n)
            # A burst of uploads larger than a page: follow it (a few pages at most).
            start = n
            while (len(page) == start < 5 * n
                   and not any(uuid in self._videos for uuid in list(page)[start - n:])):
                page.update(self._page(start, n))
                start += n
            for uuid, published in _oldest_first(page):
                if uuid not in self._videos:
                    self._refresh(uuid, published)
            newest = dict(list(page.items())[:n])
            oldest_listed = min(newest.values(), default=float("-inf"))
            left = {uuid for uuid, published in self._newest.items()
                    if uuid not in newest and uuid in self._videos
                    and (len(newest) < n or published >= oldest_listed)}
            now = self._clock()
            for uuid in sorted(left | set(self._missing)):
                if uuid in page or uuid not in self._videos:
                    self._missing.pop(uuid, None)
                elif not self._check(uuid):
                    self._missing.pop(uuid, None)
                elif now - self._missing.setdefault(uuid, now) > self.resync_seconds:
                    # Unlisted yet visible for that long: the full syncs see to it.
                    del self._missing[uuid]
            self._newest = newest
            # Videos whose torrents could not all be fetched: again, a few per poll.
            for uuid in [u for u, v in self._videos.items() if not v.complete][:5]:
                self._refresh(uuid, self._videos[uuid].published_at)
            for uuid in [u for u, v in self._mirrors.items() if not v.complete][:5]:
                self._refresh_mirror(uuid, self._mirrors[uuid].published_at)
            self._stats["polls"] += 1

    def sync_once(self) -> None:
        """The whole catalog: what left it is checked and dropped, what is new or may
        have changed is fetched, then the seeder's cache is pruned."""
        with self._lock:
            listed = self._listing()
            now = self._clock()
            for uuid in [u for u in self._videos if u not in listed]:
                if self._check(uuid):
                    self._missing.setdefault(uuid, now)  # the polls ask again
            settled = sorted((v.fetched_at, u) for u, v in self._videos.items()
                             if u in listed and now - v.published_at >= self.settle_seconds)
            again = {u for _, u in settled[:self.refresh_per_resync]}
            for uuid, published in _oldest_first(listed):
                video = self._videos.get(uuid)
                if video is None or not video.complete or uuid in again or (
                        now - published < self.settle_seconds
                        # a young video again at twice its age at the last fetch: a
                        # handful of fetches while its renditions may still join
                        and now - video.fetched_at >= max(self.resync_seconds / 2,
                                                          video.fetched_at - published)):
                    self._refresh(uuid, published)
            self._newest = dict(list(listed.items())[:self.page_size])
            if self.media_url is not None:
                self._sync_mirrors()
            self.seeder.prune_cache()
            self._stats["syncs"] += 1
            self._last_sync = self._clock()

    def run(self, stop: threading.Event) -> None:
        """Polls until `stop` is set: a full sync first, then the newest page every
        `poll_seconds` and a full sync every `resync_seconds`. Errors are logged and the
        next pass tries again."""
        run_passes(stop, self.sync_once, self.poll_newest, self.poll_seconds,
                   self.resync_seconds, self._stats, "catalog feed")

    def videos(self) -> dict[str, set[str]]:
        """The videos being seeded and their torrent URLs."""
        return {uuid: set(v.keys) for uuid, v in list(self._videos.items())}

    def mirrors(self) -> dict[str, set[str]]:
        """The mirrored remote videos being seeded and their torrent URLs (the origin's)."""
        return {uuid: set(v.keys) for uuid, v in list(self._mirrors.items())}

    def metrics(self) -> dict[str, Any]:
        """For the health endpoint: never waits for a pass in progress."""
        videos, mirrors = list(self._videos.values()), list(self._mirrors.values())
        return {"videos": len(videos), "torrents": sum(len(v.keys) for v in videos),
                "mirrors": len(mirrors),
                "mirror_torrents": sum(len(v.keys) for v in mirrors),
                "last_sync_age": (round(self._clock() - self._last_sync, 1)
                                  if self._last_sync is not None else None),
                **self._stats}

    # --- inside -------------------------------------------------------------------------

    def _page(self, start: int, count: int, **filters: str) -> dict[str, float]:
        # Lives have no torrents: nothing to seed.
        return {uuid: published for uuid, (published, live)
                in list_page(self.client, start, count, **filters).items() if not live}

    def _listing(self, **filters: str) -> dict[str, float]:
        """The whole list, page by page (local videos unless `filters` say otherwise)."""
        listed: dict[str, float] = {}
        start = 0
        while True:
            page = self._page(start, MAX_PAGE, **filters)
            listed.update(page)
            if len(page) < MAX_PAGE:
                return listed
            start += MAX_PAGE

    def _details(self, uuid: str) -> dict:
        video = public_video(self.client, uuid)
        if video.get("isLive"):
            raise Gone(uuid)
        return video

    def _check(self, uuid: str) -> bool:
        """A known video that left a listing: dropped if it is really gone. Whether it is
        still seeded."""
        log.debug("catalog feed: %s left the listing: checking it", uuid)
        try:
            self._details(uuid)
        except Gone:
            self._drop_video(self._videos, uuid)
            return False
        except httpx.HTTPError as error:
            log.warning("catalog feed: checking %s: %s", uuid, error)
        return True

    def _refresh(self, uuid: str, published_at: float) -> None:
        """Fetches the video and makes the seeder hold exactly its torrents."""
        if (details := self._fetch(self._videos, uuid)) is None:
            return
        video = self._videos.setdefault(uuid, _Video(published_at))
        self._hold(video, dict.fromkeys(torrent_urls(details)))

    def _sync_mirrors(self) -> None:
        """Asks about every mirrored video and the remote ones least recently asked about."""
        remote = self._listing(isLocal="false")
        for uuid in [u for u in self._remote_asked if u not in remote]:
            del self._remote_asked[uuid]
        others = sorted((self._remote_asked.get(u, 0.0), u) for u in remote
                        if u not in self._mirrors)
        # A mirrored video no longer listed is asked too: gone, it is dropped.
        for uuid in [*self._mirrors, *(u for _, u in others[:self.mirror_checks_per_resync])]:
            self._refresh_mirror(uuid, remote.get(uuid, 0.0))

    def _refresh_mirror(self, uuid: str, published_at: float) -> None:
        """Fetches a remote video and makes the seeder hold the torrents of its HLS files
        when we mirror it, fetched from our copy; none when we do not (or no longer)."""
        if (details := self._fetch(self._mirrors, uuid)) is None:
            return
        self._remote_asked[uuid] = self._clock()
        copies = mirrored_files(details, self.media_url)
        if not copies:
            self._drop_video(self._mirrors, uuid)
            return
        if uuid not in self._mirrors:
            log.info("catalog feed: %s is mirrored here: seeding its %d HLS files", uuid,
                     len(copies))
        video = self._mirrors.setdefault(uuid, _Video(published_at))
        self._hold(video, {url: [copy] for url, copy in copies.items()})

    def _fetch(self, held: dict[str, _Video], uuid: str) -> dict | None:
        """The video's details; None when it is gone (its torrents in `held` dropped) or
        on an error (nothing dropped)."""
        log.debug("catalog feed: fetching %s", uuid)
        try:
            return self._details(uuid)
        except Gone:
            self._drop_video(held, uuid)
        except httpx.HTTPError as error:
            log.warning("catalog feed: fetching %s: %s", uuid, error)
        return None

    def _hold(self, video: _Video, torrents: dict[str, list[str] | None]) -> None:
        """Makes the seeder hold exactly `torrents` for the video: torrent URL -> the web
        seeds to fetch it from (None: the torrent's own)."""
        complete = True
        for url in [u for u in torrents if u not in video.keys]:
            try:
                response = self.client.get(url)
                response.raise_for_status()
            except httpx.HTTPError as error:
                log.warning("catalog feed: torrent %s: %s", url, error)
                complete = False
                continue
            try:
                self.seeder.seed(response.content, url, torrents[url])
            except ValueError as error:  # not a torrent: retrying will not mend it
                log.error("catalog feed: %s: %s", url, error)
            video.keys.add(url)
            self._stats["added"] += 1
        for url in video.keys - set(torrents):
            self.seeder.drop(url)
            video.keys.discard(url)
            self._stats["dropped"] += 1
        video.fetched_at, video.complete = self._clock(), complete

    def _drop_video(self, held: dict[str, _Video], uuid: str) -> None:
        video = held.pop(uuid, None)
        if video is None:
            return
        for url in video.keys:
            self.seeder.drop(url)
            self._stats["dropped"] += 1
        log.info("catalog feed: %s is gone, not public or no longer mirrored: dropped %d "
                 "torrents", uuid, len(video.keys))


def run_passes(stop: threading.Event, sync: Callable[[], None], poll: Callable[[], None],
               poll_seconds: float, resync_seconds: float, stats: dict[str, int],
               name: str) -> None:
    """`sync` first, then `poll` every `poll_seconds` and `sync` every `resync_seconds`,
    until `stop` is set. An error is counted in `stats["errors"]` and logged; the next
    pass tries again."""
    next_sync = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_sync:
                sync()
                next_sync = time.monotonic() + resync_seconds
            else:
                poll()
        except Exception as error:  # the API restarting, a timeout: try again later
            stats["errors"] += 1
            log.warning("%s: %s: %s", name, type(error).__name__, error)
        stop.wait(poll_seconds)


def list_page(client: httpx.Client, start: int, count: int,
              **filters: str) -> dict[str, tuple[float, bool]]:
    """uuid -> (publication time, is a live) of one page of the instance's own public
    videos, newest first; `filters` are more of the list's query parameters (`isLocal=
    "false"`: other servers' videos instead)."""
    response = client.get(LIST, params={
        "sort": "-publishedAt", "start": start, "count": count, "isLocal": "true",
        "nsfw": "both", "skipCount": "true", **filters})
    response.raise_for_status()
    return {v["uuid"]: (_timestamp(v.get("publishedAt")), bool(v.get("isLive")))
            for v in response.json()["data"]}


def public_video(client: httpx.Client, uuid: str) -> dict:
    """The video, if public and published (a live: streaming now); Gone if not;
    HTTPError when unsure."""
    response = client.get(f"{LIST}/{uuid}")
    if response.status_code in (401, 403, 404, 410):
        raise Gone(uuid)
    response.raise_for_status()
    video = response.json()
    if (video.get("privacy", {}).get("id") != PUBLIC
            or video.get("state", {}).get("id") != PUBLISHED
            or video.get("blacklisted")):
        raise Gone(uuid)
    return video


def torrent_urls(details: dict) -> list[str]:
    """Every torrent of a video: its web MP4s' and its HLS playlists' files."""
    files = list(details.get("files") or [])
    for playlist in details.get("streamingPlaylists") or []:
        files += playlist.get("files") or []
    return list(dict.fromkeys(f["torrentUrl"] for f in files if f.get("torrentUrl")))


def mirrored_files(details: dict, media_url: str) -> dict[str, str]:
    """For a remote video whose HLS files this instance mirrors (its playlist's
    `redundancies` name our copy, under `media_url`): each HLS file's torrent URL (at the
    origin) -> our copy of the file. The copy keeps the origin's layout below the master
    playlist's directory (federation/redundancy.py `_copy`). Empty when not mirrored."""
    copy = f"{media_url.rstrip('/')}{REDUNDANCY}{details.get('uuid')}/"
    found: dict[str, str] = {}
    for playlist in details.get("streamingPlaylists") or []:
        # Ours names the copy's master playlist; PeerTube's the copy's directory.
        if not playlist.get("playlistUrl") or not any(
                f"{r.get('baseUrl') or ''}/".startswith(copy)
                for r in playlist.get("redundancies") or []):
            continue
        directory = playlist["playlistUrl"].rsplit("/", 1)[0] + "/"
        for file in playlist.get("files") or []:
            url, name = file.get("torrentUrl"), file.get("fileUrl") or ""
            if url and name.startswith(directory) and len(name) > len(directory):
                found[url] = copy + name[len(directory):]
    return found


def _oldest_first(listed: dict[str, float]) -> list[tuple[str, float]]:
    # Oldest first: with a full cache, the seeder evicts the oldest added.
    return sorted(listed.items(), key=lambda item: item[1])


def _timestamp(text: str | None) -> float:
    if not text:
        return 0.0
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
