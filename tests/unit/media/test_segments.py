"""segments_sha256 against renditions ffmpeg really writes: fMP4 byte ranges of one file, and .ts files."""

from __future__ import annotations

import hashlib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from peerless.media import segments
from peerless.media.segments import segments_sha256


@dataclass(frozen=True)
class Renditions:
    fmp4: Path  # 720.m3u8: byte ranges of 720-fragmented.mp4, as the transcode step writes
    ts: Path  # ts.m3u8: one .ts file per segment


def _hls(out_dir: Path, playlist: str, *options: str) -> Path:
    picture = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "6"]
    h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-g", "50"]
    hls = ["-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod", *options]
    subprocess.run(["ffmpeg", "-v", "error", "-y", *picture, *h264, *hls, playlist], cwd=out_dir, check=True)
    return out_dir / playlist


@pytest.fixture(scope="module")
def renditions(tmp_path_factory: pytest.TempPathFactory) -> Renditions:
    d = tmp_path_factory.mktemp("hls")
    single_file = ["-hls_segment_type", "fmp4", "-hls_flags", "single_file"]
    return Renditions(
        fmp4=_hls(d, "720.m3u8", *single_file, "-hls_segment_filename", "720-fragmented.mp4"),
        ts=_hls(d, "ts.m3u8", "-hls_segment_filename", "ts%d.ts"),
    )


def _listed_ranges(playlist: Path) -> list[tuple[int, int]]:
    """(offset, length) of each media segment, read straight from the playlist's tags."""
    found = re.findall(r"^#EXT-X-BYTERANGE:(\d+)@(\d+)$", playlist.read_text(), flags=re.MULTILINE)
    return [(int(offset), int(length)) for length, offset in found]


def _init_segment_length(playlist: Path) -> int:
    length, offset = re.search(r'#EXT-X-MAP:URI="[^"]+",BYTERANGE="(\d+)@(\d+)"', playlist.read_text()).groups()
    assert offset == "0"
    return int(length)


def test_keyed_by_the_fragmented_file_name(renditions: Renditions) -> None:
    assert list(segments_sha256(renditions.fmp4)) == ["720-fragmented.mp4"]


def test_ranges_are_the_listed_media_segments_inclusive_and_contiguous(renditions: Renditions) -> None:
    ranges = segments_sha256(renditions.fmp4)["720-fragmented.mp4"]
    listed = _listed_ranges(renditions.fmp4)
    assert len(listed) == 3  # 6 s cut every 2 s

    # PeerTube's keys: "<first byte>-<last byte>", both inclusive, in playlist order.
    assert list(ranges) == [f"{offset}-{offset + length - 1}" for offset, length in listed]
    bounds = [tuple(map(int, key.split("-"))) for key in ranges]
    # The init segment (EXT-X-MAP) comes first and is not a media segment: peers never exchange it.
    assert bounds[0][0] == _init_segment_length(renditions.fmp4)
    for (_, end), (next_start, _) in zip(bounds, bounds[1:]):
        assert next_start == end + 1
    assert bounds[-1][1] == (renditions.fmp4.parent / "720-fragmented.mp4").stat().st_size - 1


def test_hashes_are_sha256_of_the_byte_ranges(renditions: Renditions) -> None:
    ranges = segments_sha256(renditions.fmp4)["720-fragmented.mp4"]
    whole = (renditions.fmp4.parent / "720-fragmented.mp4").read_bytes()
    for offset, length in _listed_ranges(renditions.fmp4):
        expected = hashlib.sha256(whole[offset : offset + length]).hexdigest()
        assert ranges[f"{offset}-{offset + length - 1}"] == expected


def test_reads_in_bounded_chunks(renditions: Renditions, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = segments_sha256(renditions.fmp4)
    # Chunks far smaller than a segment, and not dividing it: same hashes.
    monkeypatch.setattr(segments, "_CHUNK", 1000)
    assert segments_sha256(renditions.fmp4) == expected


def test_one_file_per_segment_hashes_each_whole_file(renditions: Renditions) -> None:
    hashes = segments_sha256(renditions.ts)
    assert list(hashes) == ["ts0.ts", "ts1.ts", "ts2.ts"]
    for name, digest in hashes.items():
        assert digest == hashlib.sha256((renditions.ts.parent / name).read_bytes()).hexdigest()


def test_byte_range_without_offset_follows_the_previous_one(tmp_path: Path) -> None:
    (tmp_path / "v.mp4").write_bytes(bytes(range(100)))
    playlist = tmp_path / "v.m3u8"
    playlist.write_text(
        "#EXTM3U\n#EXTINF:1,\n#EXT-X-BYTERANGE:10@5\nv.mp4\n#EXTINF:1,\n#EXT-X-BYTERANGE:20\nv.mp4\n#EXT-X-ENDLIST\n"
    )
    assert segments_sha256(playlist) == {
        "v.mp4": {
            "5-14": hashlib.sha256(bytes(range(5, 15))).hexdigest(),
            "15-34": hashlib.sha256(bytes(range(15, 35))).hexdigest(),
        }
    }


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "v.mp4").write_bytes(b"x" * 50)
    playlist = tmp_path / "v.m3u8"
    playlist.write_text("#EXTM3U\n#EXTINF:1,\n#EXT-X-BYTERANGE:60@0\nv.mp4\n#EXT-X-ENDLIST\n")
    with pytest.raises(ValueError, match="v.mp4 ends before byte 59"):
        segments_sha256(playlist)


def test_playlist_without_segments_is_refused(tmp_path: Path) -> None:
    playlist = tmp_path / "empty.m3u8"
    playlist.write_text("#EXTM3U\n#EXT-X-ENDLIST\n")
    with pytest.raises(ValueError, match="lists no media segment"):
        segments_sha256(playlist)


def test_absolute_segment_urls_are_refused(tmp_path: Path) -> None:
    playlist = tmp_path / "remote.m3u8"
    playlist.write_text("#EXTM3U\n#EXTINF:1,\nhttps://elsewhere.example/seg.ts\n#EXT-X-ENDLIST\n")
    with pytest.raises(ValueError, match="not relative to the playlist"):
        segments_sha256(playlist)
