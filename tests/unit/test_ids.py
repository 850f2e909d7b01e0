import pytest

from peerless import ids

# Vectors computed by PeerTube's own translator (npm short-uuid, flickrBase58).
VECTORS = [("9c9de5e8-0a1e-484a-b099-e80766180a6d", "kkGMgK9ZtnKfYAgnEtQxbv"),
           ("a65bc12f-9383-462e-81ae-8207e8b434ee", "mxtsQVbKfnWxcQXNFFp41s")]


@pytest.mark.parametrize("uuid, short", VECTORS)
def test_short_uuid_both_ways(uuid, short):
    assert ids.to_short(uuid) == short
    assert ids.from_short(short) == uuid


def test_short_uuid_is_padded_to_22():
    assert ids.to_short("00000000-0000-0000-0000-000000000001") == "1" * 21 + "2"


@pytest.mark.parametrize("ref, parsed", [
    ("42", ("id", 42)),
    ("9C9DE5E8-0A1E-484A-B099-E80766180A6D", ("uuid", "9c9de5e8-0a1e-484a-b099-e80766180a6d")),
    ("kkGMgK9ZtnKfYAgnEtQxbv", ("uuid", "9c9de5e8-0a1e-484a-b099-e80766180a6d")),
    ("not-a-video", None), ("kkGMgK9ZtnKfYAgnEtQxb0", None), ("", None),
    ("zzzzzzzzzzzzzzzzzzzzzz", None),
])
def test_video_refs(ref, parsed):
    assert ids.parse_video_ref(ref) == parsed
