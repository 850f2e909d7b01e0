"""Storyboards: PeerTube's rules for their timing, sprite and grid sizes, and a real one made
from a clip whose every second looks different (testsrc2 moves and shows a running clock)."""
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from peerless.media.encode import Rendition
from peerless.media.storyboard import (FILE, Storyboard, grid_size, make_storyboard,
                                       source_rendition, sprite_size, sprite_timing,
                                       storyboard_description)

SECONDS, FPS = 12, 10
WIDTH, HEIGHT = 320, 240


def _ffmpeg(*args) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *map(str, args)], check=True)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("storyboard") / "clip.mp4"
    _ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}", "-t", SECONDS,
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", path)
    return path


@pytest.fixture(scope="module")
def made(clip, tmp_path_factory) -> tuple[Storyboard, Path]:
    out = tmp_path_factory.mktemp("storyboard-out")
    board = make_storyboard(clip, float(SECONDS), out)
    assert board is not None
    return board, out / board.file


# --- PeerTube's rules ------------------------------------------------------------------------

@pytest.mark.parametrize("duration, timing", [
    (0, None), (2, None), (2.49, None),  # under 3 s: no storyboard
    (2.5, (1, 3)),  # PeerTube's whole seconds, rounded half up
    (3, (1, 3)), (12, (1, 12)), (12.4, (1, 12)),
    (121, (1, 121)),  # one a second fills the 11x11 grid exactly
    (122, (2, 61)),  # then whole seconds apart, so that at most 121 fit
    (600, (5, 120)), (3600, (30, 120)), (6 * 3600, (179, 121)),
])
def test_sprite_timing(duration, timing):
    assert sprite_timing(duration) == timing


@pytest.mark.parametrize("duration", [3, 59, 121, 122, 242, 1000, 7201, 6 * 3600])
def test_sprites_cover_the_video_and_fit_the_grid(duration):
    interval, count = sprite_timing(duration)
    assert count <= 121
    assert (count - 1) * interval < duration <= count * interval


@pytest.mark.parametrize("width, height, sprite", [
    (1280, 720, (192, 108)), (1920, 1080, (192, 108)), (320, 240, (192, 144)),
    (854, 480, (192, 108)),  # 107.9
    (720, 1280, (108, 192)), (360, 640, (108, 192)),  # portrait: the height is the larger side
    (500, 500, (192, 192)),  # square counts as landscape
    (384, 217, (192, 109)),  # 108.5 rounds up, as Math.round does
    (100, 50, (192, 96)),  # smaller than a sprite: scaled up all the same
    (4000, 10, (192, 1)),  # never 0
])
def test_sprite_size(width, height, sprite):
    assert sprite_size(width, height) == sprite


@pytest.mark.parametrize("count, grid", [
    (1, (1, 1)), (3, (3, 1)), (11, (11, 1)),
    (12, (6, 2)), (22, (11, 2)), (23, (8, 3)),  # fewest rows, then fewest columns
    (30, (10, 3)), (100, (10, 10)), (101, (11, 10)), (120, (11, 11)), (121, (11, 11)),
])
def test_grid_size(count, grid):
    columns, rows = grid_size(count)
    assert (columns, rows) == grid
    assert columns >= rows and columns * rows >= count


def test_grid_size_refuses_more_than_11x11():
    with pytest.raises(ValueError):
        grid_size(122)


def _rendition(width: int, height: int) -> Rendition:
    resolution = min(width, height)
    return Rendition(resolution=resolution, height=height, width=width, fps=30.0,
                     mp4=f"{resolution}.mp4", playlist=f"{resolution}.m3u8",
                     fragmented=f"{resolution}-fragmented.mp4", mp4_size=1, fragmented_size=1,
                     bandwidth=1, codecs="avc1.64001f")


@pytest.mark.parametrize("sizes, chosen", [
    # The smallest whose larger side still makes a whole sprite.
    ([(1280, 720), (854, 480), (640, 360), (426, 240), (256, 144)], (256, 144)),
    ([(720, 1280), (480, 854), (360, 640), (240, 426), (144, 256)], (144, 256)),
    ([(320, 240), (176, 144)], (320, 240)),  # 176 is narrower than a sprite
    ([(176, 144)], (176, 144)),  # smaller than a sprite: the largest there is
    ([(160, 120), (176, 144)], (176, 144)),
])
def test_source_rendition(sizes, chosen):
    picked = source_rendition([_rendition(w, h) for w, h in sizes])
    assert (picked.width, picked.height) == chosen


# --- a real storyboard -----------------------------------------------------------------------

def test_a_storyboard_is_one_jpeg_of_the_announced_size(made):
    board, jpg = made
    assert board == Storyboard(sprite_width=192, sprite_height=144, sprite_duration=1,
                               total_width=6 * 192, total_height=2 * 144, file=FILE)
    assert (board.columns, board.rows) == (6, 2)
    with Image.open(jpg) as image:
        assert image.format == "JPEG"
        assert image.size == (board.total_width, board.total_height)


def _frames(clip: Path, board: Storyboard) -> list[Image.Image]:
    """Every frame of the clip, scaled to a sprite."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(clip), "-vf",
         f"scale={board.sprite_width}:{board.sprite_height}", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    size = board.sprite_width * board.sprite_height * 3
    return [Image.frombytes("RGB", (board.sprite_width, board.sprite_height), raw[i:i + size])
            for i in range(0, len(raw), size)]


def _tiles(jpg: Path, board: Storyboard) -> list[Image.Image]:
    with Image.open(jpg) as image:
        image = image.convert("RGB")
        return [image.crop((c * board.sprite_width, r * board.sprite_height,
                            (c + 1) * board.sprite_width, (r + 1) * board.sprite_height))
                for r in range(board.rows) for c in range(board.columns)]


def _difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference of two pictures, 0 to 255."""
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def test_sprite_i_shows_the_frame_at_i_times_the_sprite_duration(clip, made):
    board, jpg = made
    frames = _frames(clip, board)
    tiles = _tiles(jpg, board)
    assert len(frames) == SECONDS * FPS and len(tiles) == SECONDS // board.sprite_duration
    step = FPS * board.sprite_duration  # frames between two sprites
    for i, tile in enumerate(tiles):
        differences = [_difference(tile, frame) for frame in frames]
        # Of every frame, the one closest to sprite i is the first of its interval...
        assert min(range(len(frames)), key=differences.__getitem__) == i * step, i
        assert differences[i * step] < 8, (i, differences[i * step])  # all but JPEG's loss
        # ...and the next sprite's moment (or the previous one's) looks clearly different.
        other = (i + 1 if i + 1 < len(tiles) else i - 1) * step
        assert differences[other] > 2 * differences[i * step], (i, differences[other])


def test_unused_cells_of_the_last_row_stay_black(tmp_path):
    clip = tmp_path / "thirteen.mp4"  # 13 sprites in a 7x2 grid: one cell to spare
    _ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}", "-t", 13,
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip)
    board = make_storyboard(clip, 13.0, tmp_path / "out")
    assert board is not None and (board.columns, board.rows) == (7, 2)
    *used, spare = _tiles(tmp_path / "out" / board.file, board)
    assert max(ImageStat.Stat(spare).mean) < 10
    assert all(max(ImageStat.Stat(tile).mean) > 50 for tile in used)


def test_no_storyboard_under_3_seconds(tmp_path, clip):
    assert make_storyboard(clip, 2.4, tmp_path / "out") is None
    assert not (tmp_path / "out").exists()


def test_no_storyboard_without_a_picture(tmp_path):
    tone = tmp_path / "tone.m4a"
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=440", "-t", 4, "-c:a", "aac", tone)
    assert make_storyboard(tone, 4.0, tmp_path / "out") is None


def test_description_is_what_the_video_keeps():
    board = Storyboard(sprite_width=192, sprite_height=108, sprite_duration=2,
                       total_width=1152, total_height=216, file=FILE)
    assert storyboard_description(board, "lazy-static/storyboards/u.jpg") == {
        "key": "lazy-static/storyboards/u.jpg", "sprite_width": 192, "sprite_height": 108,
        "sprite_duration": 2, "total_width": 1152, "total_height": 216}
