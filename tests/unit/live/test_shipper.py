"""The shipper (peerless_live.shipper): a player never sees a name before its bytes, the
segment hashes follow the playlists' windows, and old segments leave after a grace."""
import hashlib
import json
import time

from peerless_live.shipper import Shipper

VARIANTS = [{"width": 320, "height": 240, "fps": 30.0, "bandwidth": 500_000,
             "codecs": "avc1.640028,mp4a.40.2", "playlist": "0.m3u8"}]


class Store:
    """An in-memory media store that records the order of writes."""

    def __init__(self):
        self.objects, self.writes = {}, []

    def put_bytes(self, key, data, content_type, *, cache):
        self.objects[key] = (data, cache)
        self.writes.append(key)

    def delete(self, keys):
        for key in keys:
            self.objects.pop(key, None)


def playlist(first: int, last: int) -> str:
    lines = ["#EXTM3U", f"#EXT-X-MEDIA-SEQUENCE:{first}", '#EXT-X-MAP:URI="s-0-init.mp4"']
    for n in range(first, last + 1):
        lines += ["#EXTINF:2.0,", f"s-0-{n:06d}.mp4"]
    return "\n".join(lines) + "\n"


def write(out, first, last):
    (out / "s-0-init.mp4").write_bytes(b"init")
    for n in range(first, last + 1):
        (out / f"s-0-{n:06d}.mp4").write_bytes(f"segment {n}".encode())
    (out / "0.m3u8").write_text(playlist(first, last))


def test_segments_then_hashes_then_playlists_then_the_master(tmp_path):
    store = Store()
    shipper = Shipper(store, "u", tmp_path, VARIANTS, grace_seconds=0)
    assert shipper.ship() is False   # nothing written yet: nothing to show
    write(tmp_path, 0, 1)
    assert shipper.ship() is True
    prefix = "static/streaming-playlists/hls/u/"
    assert store.writes == [prefix + n for n in (
        "s-0-init.mp4", "s-0-000000.mp4", "s-0-000001.mp4", "segments-sha256.json",
        "0.m3u8", "master.m3u8")]
    hashes = json.loads(store.objects[prefix + "segments-sha256.json"][0])
    assert hashes == {f"s-0-00000{n}.mp4": hashlib.sha256(f"segment {n}".encode()).hexdigest()
                      for n in (0, 1)}
    assert store.objects[prefix + "0.m3u8"][1] == "public, max-age=1"
    assert "immutable" in store.objects[prefix + "s-0-000000.mp4"][1]


def test_a_segment_named_before_it_is_written_waits(tmp_path):
    store = Store()
    shipper = Shipper(store, "u", tmp_path, VARIANTS, grace_seconds=0)
    write(tmp_path, 0, 1)
    (tmp_path / "s-0-000001.mp4").unlink()    # still being written (a .tmp)
    shipper.ship()
    assert "static/streaming-playlists/hls/u/s-0-000001.mp4" not in store.objects


def test_segments_out_of_the_window_leave_the_hashes_then_the_store(tmp_path):
    store = Store()
    shipper = Shipper(store, "u", tmp_path, VARIANTS, grace_seconds=0)
    write(tmp_path, 0, 2)
    shipper.ship()
    write(tmp_path, 3, 5)    # the window moved on: 0 to 2 are no longer listed
    shipper.ship()
    prefix = "static/streaming-playlists/hls/u/"
    hashes = json.loads(store.objects[prefix + "segments-sha256.json"][0])
    assert sorted(hashes) == [f"s-0-00000{n}.mp4" for n in (3, 4, 5)]
    assert prefix + "s-0-000000.mp4" not in store.objects
    shipper.remove_all()
    assert store.objects == {}


def test_retired_segments_keep_their_hashes_until_they_leave_the_store(tmp_path, monkeypatch):
    store = Store()
    shipper = Shipper(store, "u", tmp_path, VARIANTS, grace_seconds=30)
    prefix = "static/streaming-playlists/hls/u/"
    write(tmp_path, 0, 2)
    shipper.ship()
    write(tmp_path, 3, 5)
    shipper.ship()
    # Out of the window, still served and still checkable for a peer a little behind.
    assert prefix + "s-0-000000.mp4" in store.objects
    assert "s-0-000000.mp4" in json.loads(store.objects[prefix + "segments-sha256.json"][0])
    later = time.monotonic() + 31
    monkeypatch.setattr("peerless_live.shipper.time.monotonic", lambda: later)
    write(tmp_path, 6, 6)
    shipper.ship()
    assert prefix + "s-0-000000.mp4" not in store.objects
    hashes = json.loads(store.objects[prefix + "segments-sha256.json"][0])
    assert "s-0-000000.mp4" not in hashes and "s-0-000006.mp4" in hashes

