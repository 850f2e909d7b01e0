"""The RTMP chunk stream read from crafted bytes (every header format, the timestamp rules,
interleaving, the control messages that change parsing, the limits), and the FLV tags
the server writes. The chunks are built here byte by byte, after the spec (5.3.1), not
with the server's own encoder."""
from __future__ import annotations

import pytest

from peerless_live.rtmp import (FLV_HEADER, ChunkParser, Message, ProtocolError, encode_message,
                                flv_tag, redacted)

AUDIO, VIDEO = 8, 9
MAX = 64 * 1024


def basic(fmt: int, csid: int) -> bytes:
    if csid < 64:
        return bytes((fmt << 6 | csid,))
    if csid < 320:
        return bytes((fmt << 6, csid - 64))
    return bytes((fmt << 6 | 1, (csid - 64) & 0xFF, (csid - 64) >> 8))


def ts_field(value: int) -> tuple[bytes, bytes]:
    """The 3-byte timestamp field and the extended timestamp that follows the header."""
    if value >= 0xFFFFFF:
        return b"\xff\xff\xff", value.to_bytes(4, "big")
    return value.to_bytes(3, "big"), b""


def type0(csid: int, timestamp: int, length: int, type_id: int, stream_id: int = 1) -> bytes:
    field, extended = ts_field(timestamp)
    return (basic(0, csid) + field + length.to_bytes(3, "big") + bytes((type_id,))
            + stream_id.to_bytes(4, "little") + extended)


def type1(csid: int, delta: int, length: int, type_id: int) -> bytes:
    field, extended = ts_field(delta)
    return basic(1, csid) + field + length.to_bytes(3, "big") + bytes((type_id,)) + extended


def type2(csid: int, delta: int) -> bytes:
    field, extended = ts_field(delta)
    return basic(2, csid) + field + extended


def type3(csid: int, extended: int | None = None) -> bytes:
    return basic(3, csid) + (extended.to_bytes(4, "big") if extended is not None else b"")


def summary(messages: list[Message]) -> list[tuple]:
    return [(m.chunk_stream, m.type_id, m.stream_id, m.timestamp, m.payload) for m in messages]


def parse(data: bytes, max_message_size: int = MAX) -> list[tuple]:
    """The messages of `data` fed at once, checked to be the same fed a byte at a time."""
    whole = summary(ChunkParser(max_message_size).feed(data))
    parser = ChunkParser(max_message_size)
    assert summary([m for i in range(len(data)) for m in parser.feed(data[i:i + 1])]) == whole
    return whole


def test_type_0_gives_every_field():
    data = type0(4, 1234, 3, AUDIO, stream_id=7) + b"abc"
    assert parse(data) == [(4, AUDIO, 7, 1234, b"abc")]


def test_a_message_longer_than_the_chunk_size_continues_in_type_3_chunks():
    payload = bytes(range(256)) + bytes(44)
    data = (type0(6, 40, 300, VIDEO) + payload[:128] + type3(6) + payload[128:256]
            + type3(6) + payload[256:])
    # Continuation chunks add no timestamp delta.
    assert parse(data) == [(6, VIDEO, 1, 40, payload)]


def test_types_1_and_2_add_deltas_and_inherit_the_rest():
    data = (type0(4, 1000, 3, AUDIO, stream_id=5) + b"aaa"
            + type1(4, 40, 2, VIDEO) + b"vv"
            + type2(4, 20) + b"ww")
    assert parse(data) == [(4, AUDIO, 5, 1000, b"aaa"), (4, VIDEO, 5, 1040, b"vv"),
                           (4, VIDEO, 5, 1060, b"ww")]


def test_a_type_3_chunk_starting_a_message_repeats_the_last_delta():
    data = (type0(4, 1000, 1, AUDIO) + b"a"
            + type2(4, 33) + b"b"
            + type3(4) + b"c"
            + type3(4) + b"d"
            # a split message in between: its continuation adds nothing, the next adds 33
            + type1(4, 33, 130, AUDIO) + bytes(128) + type3(4) + b"ee"
            + type3(4) + bytes(128) + type3(4) + b"ff")
    stamps = [timestamp for _, _, _, timestamp, _ in parse(data)]
    assert stamps == [1000, 1033, 1066, 1099, 1132, 1165]


def test_a_type_3_chunk_after_a_type_0_adds_the_type_0_timestamp():
    # The spec's rule (5.3.1.2.4), and what ffmpeg's writer and reader do.
    data = type0(4, 40, 1, AUDIO) + b"a" + type3(4) + b"b" + type3(4) + b"c"
    assert [m[3] for m in parse(data)] == [40, 80, 120]


def test_extended_timestamps_in_every_header_and_in_type_3_chunks():
    big = 0x01000000
    payload = bytes(range(200))
    data = (
        # type 0 with an extended timestamp, its continuation repeating it
        type0(6, big + 5, 200, VIDEO) + payload[:128] + type3(6, big + 5) + payload[128:]
        # type 1 with an extended delta; a type-3 message after it repeats delta and field
        + type1(6, big, 1, VIDEO) + b"x" + type3(6, big) + b"y"
        # a type 2 with a small delta ends the repeating of the field
        + type2(6, 10) + b"z" + type3(6) + b"w")
    assert [(m[3], m[4]) for m in parse(data)] == [
        (big + 5, payload), (2 * big + 5, b"x"), (3 * big + 5, b"y"),
        (3 * big + 15, b"z"), (3 * big + 25, b"w")]


def test_a_type_3_chunk_may_repeat_the_absolute_timestamp_in_its_extended_field():
    # Some writers put the message's absolute timestamp there: the kept delta is used.
    big = 0x01000000
    data = (type0(6, big, 1, VIDEO) + b"a" + type2(6, 0xFFFFFF) + b"b"
            + type3(6, big + 2 * 0xFFFFFF) + b"c")
    assert [m[3] for m in parse(data)] == [big, big + 0xFFFFFF, big + 2 * 0xFFFFFF]


def test_timestamps_wrap_at_32_bits():
    data = type0(4, 0xFFFFFFF0, 1, AUDIO) + b"a" + type2(4, 0x20) + b"b"
    assert [m[3] for m in parse(data)] == [0xFFFFFFF0, 0x10]


def test_interleaved_chunk_streams_each_keep_their_own_state():
    video = bytes(range(200))
    data = (type0(6, 100, 200, VIDEO) + video[:128]
            + type0(4, 90, 2, AUDIO) + b"a1"
            + type2(4, 23) + b"a2"
            + type3(6) + video[128:]
            + type2(6, 33) + video[:200][:128] + type3(6) + video[128:]
            + type3(4) + b"a3")
    assert parse(data) == [(4, AUDIO, 1, 90, b"a1"), (4, AUDIO, 1, 113, b"a2"),
                           (6, VIDEO, 1, 100, video), (6, VIDEO, 1, 133, video),
                           (4, AUDIO, 1, 136, b"a3")]


@pytest.mark.parametrize("csid", [2, 63, 64, 319, 320, 65599])
def test_chunk_stream_ids_in_their_one_two_and_three_byte_forms(csid):
    data = type0(csid, 1, 130, AUDIO) + bytes(128) + type3(csid) + b"xy"
    assert parse(data) == [(csid, AUDIO, 1, 1, bytes(128) + b"xy")]


def test_set_chunk_size_applies_to_the_chunks_after_it():
    payload = bytes(range(256)) * 4
    data = (type0(2, 0, 4, 1, stream_id=0) + (4096).to_bytes(4, "big")
            + type0(6, 0, len(payload), VIDEO) + payload)
    parser = ChunkParser(MAX)
    messages = parser.feed(data)
    assert [m.type_id for m in messages] == [1, VIDEO] and messages[1].payload == payload
    assert parser.chunk_size == 4096


@pytest.mark.parametrize("size", [0, 0x80000000, MAX + 1])
def test_a_chunk_size_out_of_bounds_is_a_protocol_error(size):
    with pytest.raises(ProtocolError, match="chunk size"):
        ChunkParser(MAX).feed(type0(2, 0, 4, 1, stream_id=0) + size.to_bytes(4, "big"))


def test_abort_drops_the_unfinished_message():
    data = (type0(6, 0, 300, VIDEO) + bytes(128)
            + type0(2, 0, 4, 2, stream_id=0) + (6).to_bytes(4, "big")
            + type0(6, 50, 1, VIDEO) + b"v")
    assert parse(data)[1:] == [(6, VIDEO, 1, 50, b"v")]
    # Without the abort, a new header in the middle of a message is an error.
    with pytest.raises(ProtocolError, match="before the last one ended"):
        ChunkParser(MAX).feed(type0(6, 0, 300, VIDEO) + bytes(128) + type0(6, 50, 1, VIDEO))


def test_a_message_over_the_limit_fails_at_its_header():
    with pytest.raises(ProtocolError, match="a message of 70000 bytes"):
        ChunkParser(MAX).feed(type0(6, 0, 70000, VIDEO))


def test_unfinished_messages_together_are_bounded():
    parser = ChunkParser(1000)
    parser.feed(type0(2, 0, 4, 1, stream_id=0) + (600).to_bytes(4, "big"))
    parser.feed(type0(4, 0, 900, VIDEO) + bytes(600))
    with pytest.raises(ProtocolError, match="unfinished messages"):
        parser.feed(type0(5, 0, 900, VIDEO) + bytes(600))


@pytest.mark.parametrize("header", [type1(7, 0, 1, AUDIO), type2(7, 0), type3(7)])
def test_a_chunk_stream_must_begin_with_a_type_0_header(header):
    with pytest.raises(ProtocolError, match="without a type-0 header"):
        ChunkParser(MAX).feed(header + b"a")


def test_encoded_messages_parse_back():
    payload = bytes(range(256)) * 20
    data = encode_message(3, 20, 1, payload, 128, timestamp=77)
    assert data[:12] == type0(3, 77, len(payload), 20)
    assert parse(data) == [(3, 20, 1, 77, payload)]


def test_flv_header_and_tag_bytes():
    assert FLV_HEADER == bytes.fromhex("464c5601 05 00000009 00000000")
    assert flv_tag(9, 0x01020304, b"\x17\x01") == bytes.fromhex(
        "09 000002 020304 01 000000 1701 0000000d")
    assert flv_tag(8, 40, b"") == bytes.fromhex("08 000000 000028 00 000000 0000000b")


def test_logs_never_hold_a_whole_key():
    assert redacted("live_1234_abcdef") == "live…"
    assert redacted("abc") == "a…" and redacted("") == "…"
