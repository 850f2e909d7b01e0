"""AMF0, as RTMP commands and FLV script data use it: exact bytes and round trips."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from peerless_live.amf0 import UNDEFINED, AMF0Error, EcmaArray, decode, encode


def test_a_connect_command_encodes_to_the_bytes_ffmpeg_sends():
    assert encode("connect", 1, {"app": "live"}) == (
        b"\x02\x00\x07connect"
        b"\x00\x3f\xf0\x00\x00\x00\x00\x00\x00"
        b"\x03\x00\x03app\x02\x00\x04live\x00\x00\x09")


def test_every_type_round_trips():
    values = [
        0.0, -1.5, 1e300, True, False, "", "h\u00e9llo \u2603", "x" * 70000, None, UNDEFINED,
        {"level": "status", "nested": {"a": [1.0, "b", None]}, "": 2.0},
        EcmaArray(duration=0.0, width=320.0, encoder="Lavf59.27.100"),
        [], [1.0, [2.0, [3.0]], {"k": False}],
        datetime(2026, 12, 4, 2, 53, 3, 250000, tzinfo=timezone.utc),
    ]
    decoded = decode(encode(*values))
    assert decoded == values
    assert type(decoded[11]) is EcmaArray and type(decoded[10]) is dict
    assert decoded[9] is UNDEFINED


def test_type_markers_and_lengths():
    assert encode("x" * 70000)[:5] == b"\x0c\x00\x01\x11\x70"    # long string
    assert encode(EcmaArray(a=True))[:5] == b"\x08\x00\x00\x00\x01"
    assert encode([None, UNDEFINED]) == b"\x0a\x00\x00\x00\x02\x05\x06"
    assert encode(datetime(1970, 1, 1, 0, 0, 1, tzinfo=timezone.utc)) == (
        b"\x0b\x40\x8f\x40\x00\x00\x00\x00\x00\x00\x00")


def test_an_ecma_array_ends_at_its_end_marker_whatever_its_count_says():
    # librtmp and ffmpeg write 0 or a stale count; the end marker is what counts.
    data = b"\x08\x00\x00\x00\x00\x00\x01a\x01\x01\x00\x01b\x05\x00\x00\x09\x02\x00\x01z"
    assert decode(data) == [EcmaArray(a=True, b=None), "z"]


@pytest.mark.parametrize("data", [
    b"\x02\x00\x05abc",                        # string shorter than its length
    b"\x03\x00\x01a\x00\x00\x00",              # object cut in a number
    b"\x03\x00\x01a\x05",                      # object without its end marker
    b"\x07\x00\x01",                           # reference: not read
    b"\x11\x04",                               # switch to AMF3: not read
    b"\x0a\xff\xff\xff\xff\x05",               # strict array counting more items than bytes
    b"\x02\x00\x02\xff\xfe",                   # not UTF-8
    b"\x0b\x7f\xf0\x00\x00\x00\x00\x00\x00\x00\x00",   # date at infinity
    b"\x0a\x00\x00\x00\x01" * 40 + b"\x05",    # nested deeper than any command
])
def test_bad_data_is_an_amf0_error(data):
    with pytest.raises(AMF0Error):
        decode(data)


def test_values_without_an_encoding_are_refused():
    with pytest.raises(AMF0Error):
        encode(object())
    with pytest.raises(AMF0Error):
        encode(datetime(2026, 1, 1))   # naive: which instant would it be?
