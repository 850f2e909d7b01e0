"""AMF0, the encoding of RTMP's commands and of FLV's script data (Adobe's AMF0 spec).

Python values map to AMF0 types as follows, both ways: float (and int, encoded) to number,
bool to boolean, str to string or long string (by length), dict to object, EcmaArray to
ECMA array, list to strict array, datetime to date, None to null, UNDEFINED to undefined.
"""
from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone

NUMBER = 0x00
BOOLEAN = 0x01
STRING = 0x02
OBJECT = 0x03
NULL = 0x05
UNDEFINED_MARKER = 0x06
ECMA_ARRAY = 0x08
OBJECT_END = 0x09
STRICT_ARRAY = 0x0A
DATE = 0x0B
LONG_STRING = 0x0C

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_DOUBLE = struct.Struct(">d")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
# Nesting deeper than this is no command or metadata a publisher sends, only a way to
# exhaust the decoder's stack.
_MAX_DEPTH = 32


class AMF0Error(ValueError):
    """The bytes are not AMF0 this decoder reads."""


class _Undefined:
    """AMF0's undefined, distinct from null (None): compare with `is UNDEFINED`."""

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED = _Undefined()


class EcmaArray(dict):
    """An AMF0 ECMA array: a dict that encodes as one (FLV's onMetaData is one)."""


def encode(*values: object) -> bytes:
    """The AMF0 encoding of `values`, one after the other (as in a command message)."""
    out = bytearray()
    for value in values:
        _encode(value, out)
    return bytes(out)


def _encode(value: object, out: bytearray) -> None:
    # bool before int/float: bool is an int subclass.
    if value is None:
        out.append(NULL)
    elif value is UNDEFINED:
        out.append(UNDEFINED_MARKER)
    elif isinstance(value, bool):
        out += bytes((BOOLEAN, int(value)))
    elif isinstance(value, (int, float)):
        out.append(NUMBER)
        out += _DOUBLE.pack(value)
    elif isinstance(value, str):
        data = value.encode("utf-8")
        if len(data) <= 0xFFFF:
            out.append(STRING)
            out += _U16.pack(len(data))
        else:
            out.append(LONG_STRING)
            out += _U32.pack(len(data))
        out += data
    elif isinstance(value, EcmaArray):
        out.append(ECMA_ARRAY)
        out += _U32.pack(len(value))
        _encode_properties(value, out)
    elif isinstance(value, dict):
        out.append(OBJECT)
        _encode_properties(value, out)
    elif isinstance(value, (list, tuple)):
        out.append(STRICT_ARRAY)
        out += _U32.pack(len(value))
        for item in value:
            _encode(item, out)
    elif isinstance(value, datetime):
        if value.tzinfo is None:
            raise AMF0Error("a date must be timezone-aware")
        out.append(DATE)
        out += _DOUBLE.pack((value - _EPOCH) / timedelta(milliseconds=1))
        out += b"\x00\x00"   # the time zone field: reserved, "should be 0"
    else:
        raise AMF0Error(f"no AMF0 encoding for {type(value).__name__}")


def _encode_properties(properties: dict, out: bytearray) -> None:
    for key, item in properties.items():
        name = str(key).encode("utf-8")
        if len(name) > 0xFFFF:
            raise AMF0Error("property name longer than 65535 bytes")
        out += _U16.pack(len(name))
        out += name
        _encode(item, out)
    out += b"\x00\x00"
    out.append(OBJECT_END)


def decode(data: bytes) -> list:
    """Every AMF0 value in `data`, in order; AMF0Error if any byte is left unread or wrong."""
    decoder = _Decoder(data)
    values = []
    while decoder.pos < len(data):
        values.append(decoder.value(0))
    return values


class _Decoder:
    def __init__(self, data: bytes):
        self.data = memoryview(data)
        self.pos = 0

    def take(self, count: int) -> memoryview:
        end = self.pos + count
        if end > len(self.data):
            raise AMF0Error("truncated AMF0 data")
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def utf8(self, count: int) -> str:
        try:
            return str(self.take(count), "utf-8")
        except UnicodeDecodeError as exc:
            raise AMF0Error(f"string is not UTF-8: {exc}") from None

    def value(self, depth: int) -> object:
        if depth > _MAX_DEPTH:
            raise AMF0Error("AMF0 nested too deep")
        marker = self.take(1)[0]
        if marker == NUMBER:
            return _DOUBLE.unpack(self.take(8))[0]
        if marker == BOOLEAN:
            return self.take(1)[0] != 0
        if marker == STRING:
            return self.utf8(_U16.unpack(self.take(2))[0])
        if marker == LONG_STRING:
            return self.utf8(_U32.unpack(self.take(4))[0])
        if marker == OBJECT:
            return self.properties({}, depth)
        if marker == ECMA_ARRAY:
            self.take(4)   # the count is advisory: the end marker is what ends the array
            return self.properties(EcmaArray(), depth)
        if marker == STRICT_ARRAY:
            count = _U32.unpack(self.take(4))[0]
            # Each item takes at least one byte: a larger count is a lie, not an allocation.
            if count > len(self.data) - self.pos:
                raise AMF0Error("strict array longer than its data")
            return [self.value(depth + 1) for _ in range(count)]
        if marker == DATE:
            milliseconds = _DOUBLE.unpack(self.take(8))[0]
            self.take(2)
            try:
                return _EPOCH + timedelta(milliseconds=milliseconds)
            except (OverflowError, ValueError):
                raise AMF0Error(f"date out of range: {milliseconds}") from None
        if marker == NULL:
            return None
        if marker == UNDEFINED_MARKER:
            return UNDEFINED
        raise AMF0Error(f"unsupported AMF0 type marker 0x{marker:02x}")

    def properties(self, into: dict, depth: int) -> dict:
        while True:
            name = self.utf8(_U16.unpack(self.take(2))[0])
            if not name and self.data[self.pos:self.pos + 1] == bytes((OBJECT_END,)):
                self.pos += 1
                return into
            into[name] = self.value(depth + 1)
