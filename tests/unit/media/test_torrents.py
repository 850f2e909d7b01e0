"""make_torrent and magnet URIs, checked with a decoder written here and, independently, with libtorrent."""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from peerless.media.torrents import bencode, make_torrent, piece_length_for

WEBSEED = "https://videos.example/static/web-videos/abc-720.mp4"
TORRENT_URL = "https://videos.example/lazy-static/torrents/abc-720.torrent"
TRACKERS = ["wss://videos.example:443/tracker/socket", "https://videos.example/tracker/announce"]


@pytest.fixture(scope="module")
def web_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "720.mp4"
    picture = ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2"]
    h264 = ["-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart"]
    subprocess.run(["ffmpeg", "-v", "error", "-y", *picture, *h264, str(path)], check=True)
    return path


def _decode_at(data: bytes, i: int) -> tuple[object, int]:
    """The value starting at data[i], and where it ends. Byte strings stay bytes."""
    kind = data[i : i + 1]
    if kind == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1 : end]), end + 1
    if kind == b"l":
        items, i = [], i + 1
        while data[i : i + 1] != b"e":
            item, i = _decode_at(data, i)
            items.append(item)
        return items, i + 1
    if kind == b"d":
        result: dict[bytes, object] = {}
        i += 1
        while data[i : i + 1] != b"e":
            key, i = _decode_at(data, i)
            assert isinstance(key, bytes)
            assert not result or key > list(result)[-1], "keys must be sorted and unique"
            result[key], i = _decode_at(data, i)
        return result, i + 1
    colon = data.index(b":", i)
    end = colon + 1 + int(data[i:colon])
    return data[colon + 1 : end], end


def bdecode_dict(data: bytes) -> dict:
    decoded, end = _decode_at(data, 0)
    assert end == len(data), "trailing bytes"
    assert isinstance(decoded, dict)
    return decoded


def _torrent(web_video: Path):
    return make_torrent(web_video, name="My video 720p.mp4", webseed=WEBSEED, trackers=TRACKERS)


def test_torrent_fields(web_video: Path) -> None:
    before = int(time.time())
    torrent = bdecode_dict(_torrent(web_video).data)

    assert torrent[b"announce"] == TRACKERS[0].encode()
    assert torrent[b"announce-list"] == [[t.encode()] for t in TRACKERS]
    assert torrent[b"url-list"] == [WEBSEED.encode()]
    assert torrent[b"created by"] == b"Peerless"
    assert torrent[b"encoding"] == b"UTF-8"
    assert before <= torrent[b"creation date"] <= time.time() + 1
    info = torrent[b"info"]
    assert set(info) == {b"name", b"length", b"piece length", b"pieces"}
    assert info[b"name"] == b"My video 720p.mp4"
    assert info[b"length"] == web_video.stat().st_size
    assert info[b"piece length"] == 16 * 1024


def test_info_hash_is_sha1_of_the_bencoded_info(web_video: Path) -> None:
    made = _torrent(web_video)
    # Hash the info dictionary as written in the file, not a re-encoding of it.
    start = made.data.index(b"4:infod") + len(b"4:info")
    raw_info = made.data[start : _decode_at(made.data, start)[1]]
    assert made.info_hash == hashlib.sha1(raw_info).hexdigest()


def test_pieces_are_sha1_of_the_file_pieces(web_video: Path) -> None:
    info = bdecode_dict(_torrent(web_video).data)[b"info"]
    content = web_video.read_bytes()
    size = info[b"piece length"]
    expected = b"".join(hashlib.sha1(content[i : i + size]).digest() for i in range(0, len(content), size))
    assert len(content) % size != 0  # the last piece is short, as it must stay (no padding)
    assert info[b"pieces"] == expected


def test_magnet_matches_peertube(web_video: Path) -> None:
    made = _torrent(web_video)
    # magnet-uri's encode() with PeerTube's {xs, announce, urlList, infoHash, name}: that key order,
    # encodeURIComponent on the URLs, "+" for spaces in the name.
    assert made.magnet(TORRENT_URL, display_name="Café au lait (v2)") == (
        "magnet:?xs=https%3A%2F%2Fvideos.example%2Flazy-static%2Ftorrents%2Fabc-720.torrent"
        f"&xt=urn:btih:{made.info_hash}"
        "&dn=Caf%C3%A9+au+lait+(v2)"
        "&tr=wss%3A%2F%2Fvideos.example%3A443%2Ftracker%2Fsocket"
        "&tr=https%3A%2F%2Fvideos.example%2Ftracker%2Fannounce"
        "&ws=https%3A%2F%2Fvideos.example%2Fstatic%2Fweb-videos%2Fabc-720.mp4"
    )


def test_magnet_parses(web_video: Path) -> None:
    made = _torrent(web_video)
    uri = urlsplit(made.magnet(TORRENT_URL))
    assert uri.scheme == "magnet"
    assert parse_qs(uri.query) == {
        "xs": [TORRENT_URL],
        "xt": [f"urn:btih:{made.info_hash}"],
        "dn": ["My video 720p.mp4"],  # the torrent's name when no display name is given
        "tr": TRACKERS,
        "ws": [WEBSEED],
    }


def test_libtorrent_accepts_torrent_and_magnet(web_video: Path) -> None:
    lt = pytest.importorskip("libtorrent")
    made = _torrent(web_video)

    params = lt.load_torrent_buffer(made.data)
    assert str(params.ti.info_hashes().v1) == made.info_hash
    assert not params.ti.info_hashes().has_v2()
    assert params.ti.name() == "My video 720p.mp4"
    assert params.ti.total_size() == web_video.stat().st_size
    assert params.ti.num_pieces() == -(-web_video.stat().st_size // (16 * 1024))
    assert params.url_seeds == [WEBSEED]
    assert params.trackers == TRACKERS
    assert params.tracker_tiers == [0, 1]

    magnet = lt.parse_magnet_uri(made.magnet(TORRENT_URL))
    assert str(magnet.info_hashes.v1) == made.info_hash
    assert magnet.trackers == TRACKERS
    assert magnet.url_seeds == [WEBSEED]


@pytest.mark.parametrize(
    ("length", "piece_length"),
    [
        (1, 16 * 1024),
        (5 * 1024 * 1024, 16 * 1024),  # 5 MiB: 320 pieces rather than below 16 KiB
        (100 * 1024 * 1024, 128 * 1024),  # 100 MiB / 1024 = 100 KiB: the nearest power of two is 128 KiB
        (1024**3, 1024 * 1024),
        (10 * 1024**3, 8 * 1024 * 1024),  # log2(10 Mi) = 23.3, rounded down
    ],
)
def test_piece_length_like_create_torrent(length: int, piece_length: int) -> None:
    assert piece_length_for(length) == piece_length


def test_bencode() -> None:
    # Keys sorted by raw bytes ("Z" < "a" < "é"), str as UTF-8, bytes as they are.
    assert bencode({"a": [1, -2, b"\xff"], "é": "é", "Z": {}}) == b"d1:Zde1:ali1ei-2e1:\xffe2:\xc3\xa92:\xc3\xa9e"
    with pytest.raises(TypeError):
        bencode(True)
    with pytest.raises(TypeError):
        bencode(1.5)  # type: ignore[arg-type]


def test_empty_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(ValueError, match="empty"):
        make_torrent(empty, name="e.mp4", webseed=WEBSEED, trackers=TRACKERS)


def test_trackers_are_required(web_video: Path) -> None:
    with pytest.raises(ValueError, match="tracker"):
        make_torrent(web_video, name="e.mp4", webseed=WEBSEED, trackers=[])
