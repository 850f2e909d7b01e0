""".torrent files and magnet URIs for web videos, laid out as PeerTube makes them.

PeerTube (server/core/helpers/webtorrent.ts) builds its torrents with webtorrent's create-torrent: a
BitTorrent v1 single-file torrent whose HTTP web seed (BEP 19 "url-list") is the video file's URL, so a
client downloads from the origin when no peer has the pieces. Its magnet URIs come from magnet-uri's
encode() and carry the .torrent URL (xs) too. Both are reproduced here, byte for byte where it matters
(the info dict, hence the info hash).

The bencoder is written here rather than taken from libtorrent: the torrent name differs from the file
name on disk, which libtorrent's hashing helper cannot handle, and a native wheel would weigh on every
function package for the twenty lines below.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

# Values bencode can carry: integers, byte strings (str is written as UTF-8), lists and dictionaries.
Bencodable = int | bytes | str | list["Bencodable"] | dict[str | bytes, "Bencodable"]

_MIN_PIECE_LENGTH = 16 * 1024


@dataclass(frozen=True)
class TorrentFile:
    data: bytes  # the bencoded .torrent
    info_hash: str  # hex SHA-1 of the bencoded info dictionary: the torrent's identity in the swarm
    name: str
    trackers: tuple[str, ...]
    webseed: str

    def magnet(self, torrent_url: str, display_name: str | None = None) -> str:
        """The magnet URI PeerTube publishes for this file.

        PeerTube names the magnet after the video (display_name) and the torrent after the file
        ("Title 720p.mp4"); without a display name the torrent's name is used.
        """
        params = [
            ("xs", _uri_component(torrent_url)),
            ("xt", f"urn:btih:{self.info_hash}"),
            # magnet-uri writes spaces in the name as "+", everything else as encodeURIComponent does.
            ("dn", _uri_component(display_name or self.name).replace("%20", "+")),
            *(("tr", _uri_component(tracker)) for tracker in self.trackers),
            ("ws", _uri_component(self.webseed)),
        ]
        return "magnet:?" + "&".join(f"{key}={value}" for key, value in params)


def make_torrent(
    path: Path,
    *,
    name: str,
    webseed: str,
    trackers: list[str],
    created_by: str = "Peerless",
) -> TorrentFile:
    """A single-file v1 torrent of path, named name, seeded over HTTP from webseed.

    Reads the file one piece at a time. Raises ValueError for an empty file (it has no pieces) or when
    no tracker is given (clients would find no peer but the web seed).
    """
    if not trackers:
        raise ValueError("a torrent needs at least one tracker")
    length = path.stat().st_size
    if length == 0:
        raise ValueError(f"{path.name} is empty")

    piece_length = piece_length_for(length)
    pieces = bytearray()
    with path.open("rb") as f:
        while piece := f.read(piece_length):
            pieces += hashlib.sha1(piece).digest()

    info: dict[str, Bencodable] = {
        "name": name,
        "length": length,
        "piece length": piece_length,
        "pieces": bytes(pieces),
    }
    torrent: dict[str, Bencodable] = {
        "info": info,
        "announce": trackers[0],
        # One tier per tracker, as PeerTube does: a client tries each in turn.
        "announce-list": [[tracker] for tracker in trackers],
        "url-list": [webseed],
        "creation date": math.ceil(time.time()),
        "created by": created_by,
        "encoding": "UTF-8",  # create-torrent always writes it; some clients read names by it
    }
    return TorrentFile(
        data=bencode(torrent),
        info_hash=hashlib.sha1(bencode(info)).hexdigest(),
        name=name,
        trackers=tuple(trackers),
        webseed=webseed,
    )


def piece_length_for(length: int) -> int:
    """create-torrent's choice (piece-length module): the power of two nearest length / 1024, at least 16 KiB.

    About a thousand pieces whatever the size, which keeps the .torrent small (20 bytes a piece) while
    letting a player fetch small pieces near the playback position.
    """
    kib = length / 1024 if length >= 1024 else 1
    return max(_MIN_PIECE_LENGTH, 1 << math.floor(math.log2(kib) + 0.5))


def bencode(value: Bencodable) -> bytes:
    """BitTorrent's encoding (BEP 3). Dictionary keys (str, or bytes such as a scrape's binary info hashes)
    are written sorted by their raw bytes, as required."""
    if isinstance(value, bool):
        # bool is an int subclass; encoding True as "i1e" silently would hide a caller's mistake.
        raise TypeError("bencode has no booleans")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"
    if isinstance(value, dict):
        items = sorted(((key.encode() if isinstance(key, str) else key, item) for key, item in value.items()),
                       key=lambda pair: pair[0])
        return b"d" + b"".join(bencode(key) + bencode(item) for key, item in items) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


def _uri_component(text: str) -> str:
    # JavaScript's encodeURIComponent, which magnet-uri uses: these marks stay as they are.
    return quote(text, safe="!'()*")
