"""A video's storyboard: one JPEG grid of small frames, `sprite_duration` seconds apart, that a
player shows above its progress bar while the pointer hovers it (PeerTube's `Storyboard`).

PeerTube's rules: a sprite's larger side is 192 pixels and the other keeps the video's aspect
ratio; one sprite a second, spaced out by whole seconds so there are at most 11x11 of them;
none at all for a video under 3 seconds, as hovering its bar shows little anyway. The grid is
the narrowest one that fits them, at least as wide as tall and at most 11 a side.

One ffmpeg run decodes the video once, keeps the first frame of each interval, scales only
those and tiles them. Decoding is the whole cost, so feed it a small rendition
(`source_rendition`) rather than the largest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import ffmpeg

from peerless.media.encode import Plan, Rendition, _run
from peerless.media.probe import probe

SPRITE_MAX_SIZE = 192  # PeerTube's STORYBOARD.SPRITE_MAX_SIZE: a sprite's larger side
MAX_EDGE_COUNT = 11  # PeerTube's STORYBOARD.SPRITES_MAX_EDGE_COUNT: sprites along either side
MIN_DURATION = 3  # seconds, in PeerTube's whole seconds; shorter videos get no storyboard
QUALITY = 3  # ffmpeg's q:v, as for the thumbnail and the preview
FILE = "storyboard.jpg"
R = TypeVar("R", Rendition, Plan)


@dataclass(frozen=True)
class Storyboard:
    sprite_width: int
    sprite_height: int
    sprite_duration: int  # seconds of video between two sprites
    total_width: int  # of the whole image: every column, including unused cells of the last row
    total_height: int
    file: str  # name in the output directory

    @property
    def columns(self) -> int:
        return self.total_width // self.sprite_width

    @property
    def rows(self) -> int:
        return self.total_height // self.sprite_height


def make_storyboard(mp4: Path, duration: float, out: Path) -> Storyboard | None:
    """The storyboard of `mp4`, written as `out/storyboard.jpg`; None when the video is too
    short for one (under MIN_DURATION) or has no picture. Raises EncodeFailed if ffmpeg fails."""
    timing = sprite_timing(duration)
    if timing is None:
        return None
    interval, count = timing
    mp4, out = Path(mp4).resolve(), Path(out).resolve()
    info = probe(mp4)
    if not info.has_video:
        return None
    assert info.width and info.height
    width, height = sprite_size(info.width, info.height)
    columns, rows = grid_size(count)
    out.mkdir(parents=True, exist_ok=True)
    _run(_storyboard_graph(mp4, out / FILE, interval, width, height, columns, rows), None, mp4, out)
    return Storyboard(
        sprite_width=width,
        sprite_height=height,
        sprite_duration=interval,
        total_width=columns * width,
        total_height=rows * height,
        file=FILE,
    )


def storyboard_description(board: Storyboard, key: str) -> dict:
    """What `Video.media["storyboard"]` keeps: the object's key and the sizes players need."""
    return {
        "key": key,
        "sprite_width": board.sprite_width,
        "sprite_height": board.sprite_height,
        "sprite_duration": board.sprite_duration,
        "total_width": board.total_width,
        "total_height": board.total_height,
    }


def source_rendition(renditions: list[R]) -> R:
    """The smallest rendition (or plan of one) at least as large as a sprite: decoding is the
    whole cost of a storyboard, and a small picture decodes several times faster for the same
    sprites."""
    covering = [r for r in renditions if max(r.width, r.height) >= SPRITE_MAX_SIZE]
    if not covering:  # a video smaller than a sprite: its largest picture is all there is
        return max(renditions, key=lambda r: r.width * r.height)
    return min(covering, key=lambda r: r.width * r.height)


def sprite_timing(duration: float) -> tuple[int, int] | None:
    """(seconds between sprites, number of sprites) for a video of `duration` seconds, or None
    when it is too short for a storyboard."""
    # PeerTube counts in the whole seconds it keeps as a video's duration (rounded half up).
    seconds = math.floor(duration + 0.5)
    if seconds < MIN_DURATION:
        return None
    most = min(seconds, MAX_EDGE_COUNT * MAX_EDGE_COUNT)
    interval = math.ceil(seconds / most)
    return interval, math.ceil(seconds / interval)


def sprite_size(width: int, height: int) -> tuple[int, int]:
    """A sprite's (width, height) for a picture of `width` x `height`: the larger side is
    SPRITE_MAX_SIZE and the aspect ratio is kept (a square picture counts as landscape)."""
    if height > width:
        return max(1, _round(SPRITE_MAX_SIZE * width / height)), SPRITE_MAX_SIZE
    return SPRITE_MAX_SIZE, max(1, _round(SPRITE_MAX_SIZE * height / width))


def grid_size(count: int) -> tuple[int, int]:
    """(columns, rows) of the grid for `count` sprites: the fewest rows, then the fewest columns
    (never fewer than rows), at most MAX_EDGE_COUNT either way."""
    for rows in range(1, MAX_EDGE_COUNT + 1):
        columns = max(rows, math.ceil(count / rows))
        if columns <= MAX_EDGE_COUNT:
            return columns, rows
    raise ValueError(f"{count} sprites do not fit a {MAX_EDGE_COUNT}x{MAX_EDGE_COUNT} grid")


def _storyboard_graph(mp4: Path, jpg: Path, interval: int, width: int, height: int,
                      columns: int, rows: int):
    # The first frame of each interval, so the count is the number of intervals the video
    # reaches whatever its frame rate (even a variable one). Timestamps start at 0 for that.
    first_of_interval = (f"isnan(prev_selected_t)"
                         f"+gte(floor(t/{interval}),floor(prev_selected_t/{interval})+1)")
    picture = (
        ffmpeg.input(str(mp4))["V:0"]
        .filter("setpts", "PTS-STARTPTS")
        .filter("select", first_of_interval)
        # Scaling after the selection: only the frames kept are scaled.
        .filter("scale", width, height)
        .filter("setsar", 1)
        # A video whose picture ends early leaves the last cells black: the tile filter
        # still writes its incomplete grid at the end.
        .filter("tile", f"{columns}x{rows}")
    )
    return ffmpeg.output(picture, str(jpg), **{"frames:v": 1, "q:v": QUALITY})


def _round(value: float) -> int:
    # Half up, as PeerTube's Math.round (Python's round() goes to even).
    return math.floor(value + 0.5)
