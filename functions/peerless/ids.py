"""PeerTube's three ways to name a video: numeric id, UUID and short UUID.

The short UUID is the UUID's 128 bits written in the Flickr base-58 alphabet, left-padded to
22 characters (npm `short-uuid`, as PeerTube uses it), so each converts to the other
without a lookup.
"""
from __future__ import annotations

import re
import uuid as uuidlib

ALPHABET = "123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
SHORT_LENGTH = 22
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def new_uuid() -> str:
    return str(uuidlib.uuid4())


def to_short(uuid: str) -> str:
    n = uuidlib.UUID(uuid).int
    digits = []
    while n:
        n, r = divmod(n, 58)
        digits.append(ALPHABET[r])
    return "".join(reversed(digits)).rjust(SHORT_LENGTH, ALPHABET[0])


def from_short(short: str) -> str | None:
    """The UUID of a short UUID, or None when `short` is not one."""
    if not 1 <= len(short) <= SHORT_LENGTH or any(c not in _INDEX for c in short):
        return None
    n = 0
    for c in short:
        n = n * 58 + _INDEX[c]
    if n >= 1 << 128:
        return None
    return str(uuidlib.UUID(int=n))


def is_uuid(value: str) -> bool:
    return bool(_UUID_RE.match(value))


def parse_video_ref(ref: str) -> tuple[str, str | int] | None:
    """("uuid", uuid) or ("id", number) for a video reference in a URL, or None."""
    if ref.isdigit():
        return ("id", int(ref))
    if _UUID_RE.match(ref):
        return ("uuid", ref.lower())
    full = from_short(ref) if len(ref) == SHORT_LENGTH else None
    return ("uuid", full) if full else None
