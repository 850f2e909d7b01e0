"""Copies a live's HLS output from the encoder's directory to the media store, in an
order that never lets a player see a name before its bytes: a rendition's init segment
and new segments first, the segment hashes next, the rendition's playlist last, and the
master playlist once every rendition has a playlist to point at.

Segments are named per session and never change: the CDN may keep them for good.
Playlists and hashes change every segment: they are served to be read again at once.
Segments that fell out of every playlist's window are deleted after a grace period, so a
live of any length keeps a bounded amount of media.
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from peerless.media.encode import master_playlist
from peerless.media_store import CONTENT_TYPES, IMMUTABLE, MediaStore, hls_prefix

# What a live playlist or hash file may be kept by a cache: less than a segment.
LIVE_PLAYLIST_CACHE = "public, max-age=1"
_URI = re.compile(r'^(?!#)(\S+)$|URI="([^"]+)"', re.M)


@dataclass
class Shipper:
    store: MediaStore
    uuid: str
    out: Path
    variants: list[dict]             # master_playlist's descriptions, `playlist` = "<n>.m3u8"
    # Seconds a segment stays in the media store after it left its playlist: players a
    # little behind (and peers serving them) still find it.
    grace_seconds: float
    shipped: set[str] = field(default_factory=set)       # file names in the media store
    hashes: dict[str, str] = field(default_factory=dict)  # segment name -> sha256
    _retired: list[tuple[float, list[str]]] = field(default_factory=list)
    _master_shipped: bool = False

    @property
    def prefix(self) -> str:
        return hls_prefix(self.uuid)

    @property
    def master_key(self) -> str:
        return self.prefix + "master.m3u8"

    @property
    def hashes_key(self) -> str:
        return self.prefix + "segments-sha256.json"

    def ship(self) -> bool:
        """Copies what is new; True once the live is playable (the master is up)."""
        playlists = {}
        for variant in self.variants:
            path = self.out / variant["playlist"]
            try:
                playlists[variant["playlist"]] = path.read_text()
            except FileNotFoundError:
                continue
        new_segments = False
        for text in playlists.values():
            for name in _names(text):
                if name not in self.shipped and (self.out / name).exists():
                    data = (self.out / name).read_bytes()
                    self.store.put_bytes(self.prefix + name, data, CONTENT_TYPES[".mp4"],
                                         cache=IMMUTABLE)
                    self.shipped.add(name)
                    if "-init" not in name:
                        self.hashes[name] = hashlib.sha256(data).hexdigest()
                        new_segments = True
        if new_segments:
            self._forget_old(playlists)
            self.store.put_bytes(self.hashes_key, json.dumps(self.hashes).encode(),
                                 CONTENT_TYPES[".json"], cache=LIVE_PLAYLIST_CACHE)
        for name, text in playlists.items():
            self.store.put_bytes(self.prefix + name, text.encode(), CONTENT_TYPES[".m3u8"],
                                 cache=LIVE_PLAYLIST_CACHE)
        if not self._master_shipped and len(playlists) == len(self.variants) and all(
                any(n in self.hashes for n in _names(t)) for t in playlists.values()):
            self.store.put_bytes(self.master_key, master_playlist(self.variants).encode(),
                                 CONTENT_TYPES[".m3u8"], cache=LIVE_PLAYLIST_CACHE)
            self._master_shipped = True
        return self._master_shipped

    def _forget_old(self, playlists: dict[str, str]) -> None:
        """Segments no playlist lists any more leave the media store and the hashes
        `grace_seconds` later: a peer a little behind may still serve them, and its
        viewers check them against the hashes."""
        listed = {name for text in playlists.values() for name in _names(text)}
        retiring = {name for _, names in self._retired for name in names}
        gone = [name for name in self.hashes if name not in listed and name not in retiring]
        now = time.monotonic()
        if gone:
            self._retired.append((now + self.grace_seconds, gone))
        while self._retired and self._retired[0][0] <= now:
            names = self._retired.pop(0)[1]
            self.store.delete([self.prefix + name for name in names])
            self.shipped.difference_update(names)
            for name in names:
                self.hashes.pop(name, None)

    def media(self) -> dict:
        """The video's media description while it is live (see peerless.live.went_live)."""
        return {"master": self.master_key, "segments_sha256": self.hashes_key,
                "live": {"renditions": [{k: v[k] for k in ("width", "height", "fps")}
                                        for v in self.variants]}}

    def remove_all(self) -> None:
        """Every object this live put in the media store."""
        names = [v["playlist"] for v in self.variants] + sorted(self.shipped)
        self.store.delete([self.prefix + n for n in names] + [self.master_key, self.hashes_key])
        self.shipped.clear()
        self.hashes.clear()
        self._retired.clear()


def _names(playlist: str) -> list[str]:
    """The files a media playlist names: its init segment and its segments."""
    return [m.group(1) or m.group(2) for m in _URI.finditer(playlist)]
