"""Storyboards: PeerTube's answer to `GET /api/v1/videos/{id}/storyboards`.

A video has at most one storyboard (none under 3 seconds, or made before storyboards were):
the one transcoding described in `Video.media["storyboard"]` (see peerless.media.storyboard).
"""
from __future__ import annotations

from ..models import Video
from ..settings import Settings
from .common import media_url


def storyboards(v: Video, s: Settings) -> dict:
    """`{"storyboards": [Storyboard]}`, the list empty when the video has none."""
    board = (v.media or {}).get("storyboard")
    return {"storyboards": [storyboard(board, s)] if board else []}


def storyboard(board: dict, s: Settings) -> dict:
    """PeerTube's `Storyboard`: where the image is (the path PeerTube < 7.1 gave, and the
    URL it gives since) and how to cut it into sprites."""
    return {
        "storyboardPath": "/" + board["key"], "fileUrl": media_url(board["key"], s),
        "totalWidth": board["total_width"], "totalHeight": board["total_height"],
        "spriteWidth": board["sprite_width"], "spriteHeight": board["sprite_height"],
        "spriteDuration": board["sprite_duration"],
    }
