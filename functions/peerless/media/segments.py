"""The "segments-sha256" JSON that PeerTube's player checks peer-delivered HLS segments against.

p2p-media-loader fetches segments from other viewers; before playing one it compares its SHA-256 with
this file, served by the origin. PeerTube's shape (server/core/lib/hls.ts, updateSha256VODSegments):

    {"<video file name>": {"<first byte>-<last byte>": "<sha256 hex>", ...}}

for a rendition whose segments are byte ranges of one fragmented MP4, the range bounds both inclusive
(offset to offset + length - 1). For segments that are files of their own (what PeerTube writes for
lives, lib/live/live-segment-sha-store.ts) the shape is flat: {"<segment file name>": "<sha256 hex>"}.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

# Bounded reads: renditions of long videos run to gigabytes.
_CHUNK = 1024 * 1024

_BYTERANGE_TAG = "#EXT-X-BYTERANGE:"


@dataclass(frozen=True)
class _Segment:
    uri: str
    byte_range: tuple[int, int] | None  # (offset, length); None when the segment is the whole file


def segments_sha256(playlist: Path) -> dict[str, dict[str, str] | str]:
    """Hash each media segment listed by an HLS media playlist, in PeerTube's segments-sha256 shape.

    Segments are read relative to the playlist's directory. Raises ValueError when the playlist lists no
    segment, names a segment by absolute URL, or a byte range reaches past the end of its file.
    """
    segments = _parse(playlist.read_text(encoding="utf-8"))
    if not segments:
        raise ValueError(f"{playlist.name} lists no media segment")

    hashes: dict[str, dict[str, str] | str] = {}
    for segment in segments:
        path = playlist.parent / segment.uri
        if segment.byte_range is None:
            hashes[path.name] = _sha256(path, 0, path.stat().st_size)
            continue
        ranges = hashes.setdefault(path.name, {})
        if not isinstance(ranges, dict):
            raise ValueError(f"{path.name} is listed both whole and by byte range")
        offset, length = segment.byte_range
        ranges[f"{offset}-{offset + length - 1}"] = _sha256(path, offset, length)
    return hashes


def _parse(text: str) -> list[_Segment]:
    segments: list[_Segment] = []
    byte_range: tuple[int, int | None] | None = None  # (length, offset) of the next segment's tag
    # HLS lets a byte range omit its offset: it then starts where the previous range of that file ended.
    range_ends: dict[str, int] = {}

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(_BYTERANGE_TAG):
            length, _, offset = line[len(_BYTERANGE_TAG) :].partition("@")
            byte_range = (int(length), int(offset) if offset else None)
        elif line and not line.startswith("#"):
            if "://" in line or line.startswith("/"):
                raise ValueError(f"segment {line!r} is not relative to the playlist")
            if byte_range is None:
                segments.append(_Segment(uri=line, byte_range=None))
                continue
            length, offset = byte_range
            start = range_ends.get(line, 0) if offset is None else offset
            range_ends[line] = start + length
            segments.append(_Segment(uri=line, byte_range=(start, length)))
            byte_range = None
    return segments


def _sha256(path: Path, offset: int, length: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        f.seek(offset)
        remaining = length
        while remaining:
            chunk = f.read(min(_CHUNK, remaining))
            if not chunk:
                # A short segment would fail every peer's check: better to fail the transcode now.
                raise ValueError(f"{path.name} ends before byte {offset + length - 1}")
            digest.update(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()
