"""An RTMP server for publishers (ffmpeg, OBS, GStreamer's rtmp2sink): it takes each live
stream in and hands it on, as FLV, to a sink the application gives per publish.

Ingest only: `play` is refused. Section numbers below are those of Adobe's RTMP
specification (2012); the chunk stream is its section 5.3.

    server = await start_server("0.0.0.0", 1935, on_publish)
    ...
    server.close()            # every open stream ends with "server closing"
    await server.wait_closed()
"""
from __future__ import annotations

import asyncio
import logging
import os
import struct
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Protocol

from peerless_live import amf0

log = logging.getLogger("peerless.live.rtmp")

# Message type ids (sections 5.4, 6.2, 7.1).
SET_CHUNK_SIZE = 1
ABORT = 2
ACKNOWLEDGEMENT = 3
USER_CONTROL = 4
WINDOW_ACK_SIZE = 5
SET_PEER_BANDWIDTH = 6
AUDIO = 8
VIDEO = 9
DATA_AMF3 = 15
COMMAND_AMF3 = 17
DATA_AMF0 = 18
COMMAND_AMF0 = 20
AGGREGATE = 22

HANDSHAKE_SIZE = 1536
DEFAULT_CHUNK_SIZE = 128
SERVER_CHUNK_SIZE = 4096
SERVER_WINDOW = 2_500_000
EXTENDED_TIMESTAMP = 0xFFFFFF
_HEADER_SIZES = (11, 7, 3, 0)   # the message header after the basic header, by chunk format
_U32 = 0xFFFFFFFF
# Chunk streams of our own messages: 2 is reserved for protocol control (5.3.1.1).
_CONTROL_CSID = 2
_COMMAND_CSID = 3
_READ_SIZE = 64 * 1024

# FLV file header: signature, version 1, flags audio (4) + video (1), header size 9, then
# PreviousTagSize0, which is always 0.
FLV_HEADER = b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00"


@dataclass(frozen=True)
class PublishRequest:
    app: str            # the connect's "app", e.g. "live"
    stream_key: str     # the publish name (what OBS calls the stream key), query string stripped
    peer: str           # "ip:port" of the publisher ("[ip]:port" for IPv6)


class Refused(Exception):
    """Raised by on_publish: the publisher is told why (onStatus error) and disconnected."""

    def __init__(self, description: str, code: str = "NetStream.Publish.BadName"):
        super().__init__(description)
        self.description = description
        self.code = code


class StreamSink(Protocol):
    async def flv(self, data: bytes) -> None:
        """The stream as an FLV file, in order: the header (FLV_HEADER) first, then one call
        a tag (onMetaData script data, audio, video), PreviousTagSize included. The server
        reads the publisher only as fast as this returns."""

    async def ended(self, reason: str) -> None:
        """Called once when the stream stops: "unpublished", "disconnected", "timeout",
        "protocol error: …", "sink failed: …", "server closing" (or "internal error: …",
        a bug of ours)."""


OnPublish = Callable[[PublishRequest], Awaitable[StreamSink]]


class ProtocolError(Exception):
    """The peer broke the RTMP protocol (or one of our limits): the connection is closed."""


@dataclass(frozen=True)
class Message:
    chunk_stream: int
    type_id: int
    stream_id: int
    timestamp: int      # absolute, in ms, modulo 2**32
    payload: bytes


@dataclass
class _ChunkStream:
    """What later chunks of one chunk stream inherit from the earlier ones (5.3.1.2)."""
    timestamp: int = 0
    delta: int = 0      # what a type-3 chunk starting a new message adds to the timestamp
    length: int = 0
    type_id: int = 0
    stream_id: int = 0
    extended: bool = False              # type-3 chunks repeat the extended timestamp too
    partial: bytearray | None = None    # the message being reassembled


class ChunkParser:
    """Reassembles messages from the chunk stream that follows the handshake.

    Set Chunk Size and Abort take effect here, as they change how the next chunks parse;
    they are returned like every other message."""

    def __init__(self, max_message_size: int):
        self.chunk_size = DEFAULT_CHUNK_SIZE
        self._max_message_size = max_message_size
        self._streams: dict[int, _ChunkStream] = {}
        self._buffer = bytearray()
        # Bytes held in unfinished messages over all chunk streams: without a bound on the
        # sum, a peer could open thousands of chunk streams, each with a large message.
        self._pending = 0

    def feed(self, data: bytes) -> list[Message]:
        """The messages that `data` completes; the bytes of an unfinished chunk are kept."""
        self._buffer += data
        messages: list[Message] = []
        pos = 0
        try:
            while taken := self._chunk(pos, messages):
                pos += taken
        finally:
            del self._buffer[:pos]
        return messages

    def _chunk(self, pos: int, messages: list[Message]) -> int:
        """Reads the chunk at `pos` if all of it is buffered: the bytes it took, else 0.
        Nothing changes until the whole chunk is there."""
        buf = self._buffer
        if pos >= len(buf):
            return 0
        fmt, csid = buf[pos] >> 6, buf[pos] & 0x3F
        cursor = pos + 1
        if csid < 2:   # 0: one more byte of id, 1: two more, little-endian (5.3.1.1)
            extra = csid + 1
            if len(buf) < cursor + extra:
                return 0
            csid = 64 + buf[cursor] + (buf[cursor + 1] << 8 if extra == 2 else 0)
            cursor += extra
        stream = self._streams.get(csid)
        if stream is None and fmt != 0:
            raise ProtocolError(f"chunk stream {csid} begins without a type-0 header")
        header = cursor
        cursor += _HEADER_SIZES[fmt]
        if len(buf) < cursor:
            return 0
        if fmt == 3:
            field = 0
            length, type_id, stream_id = stream.length, stream.type_id, stream.stream_id
            extended = stream.extended
        else:
            if stream is not None and stream.partial is not None:
                raise ProtocolError(f"chunk stream {csid}: a new message began before "
                                    "the last one ended")
            field = int.from_bytes(buf[header:header + 3], "big")
            if fmt == 2:
                length, type_id = stream.length, stream.type_id
            else:
                length = int.from_bytes(buf[header + 3:header + 6], "big")
                type_id = buf[header + 6]
            stream_id = (int.from_bytes(buf[header + 7:header + 11], "little") if fmt == 0
                         else stream.stream_id)
            extended = field == EXTENDED_TIMESTAMP
        if extended:
            if len(buf) < cursor + 4:
                return 0
            # On a type-3 chunk the field repeats what the last header said; the delta kept
            # from that header is used instead, so that senders who repeat the absolute
            # timestamp there (some do) are read alike.
            if fmt != 3:
                field = int.from_bytes(buf[cursor:cursor + 4], "big")
            cursor += 4

        starting = stream is None or stream.partial is None
        if starting:
            if length > self._max_message_size:
                raise ProtocolError(f"a message of {length} bytes (at most "
                                    f"{self._max_message_size})")
            received = 0
            if fmt == 0:
                # A type-3 chunk after a type-0 one adds the type-0's timestamp (5.3.1.2.4).
                timestamp = delta = field
            else:
                delta = stream.delta if fmt == 3 else field
                timestamp = (stream.timestamp + delta) & _U32
        else:
            received = len(stream.partial)
        take = min(self.chunk_size, length - received)
        end = cursor + take
        if len(buf) < end:
            return 0
        finished = received + take == length
        if not finished and self._pending + take > self._max_message_size:
            raise ProtocolError(f"more than {self._max_message_size} bytes in unfinished "
                                "messages")

        if stream is None:
            stream = self._streams[csid] = _ChunkStream()
        if starting:
            stream.timestamp, stream.delta = timestamp, delta
            stream.length, stream.type_id, stream.stream_id = length, type_id, stream_id
            stream.partial = bytearray()
        if fmt != 3:
            stream.extended = extended
        stream.partial += buf[cursor:end]
        if finished:
            self._pending -= received
            message = Message(csid, stream.type_id, stream.stream_id, stream.timestamp,
                              bytes(stream.partial))
            stream.partial = None
            self._control(message)
            messages.append(message)
        else:
            self._pending += take
        return end - pos

    def _control(self, message: Message) -> None:
        if message.type_id not in (SET_CHUNK_SIZE, ABORT):
            return
        if len(message.payload) < 4:
            raise ProtocolError(f"control message {message.type_id} shorter than 4 bytes")
        value = int.from_bytes(message.payload[:4], "big")
        if message.type_id == SET_CHUNK_SIZE:
            # The top bit must be 0 (5.4.1), and no message is longer than the largest
            # one we take, so a larger chunk is a mistake or an attack.
            if not 1 <= value <= self._max_message_size:
                raise ProtocolError(f"chunk size {value}")
            self.chunk_size = value
        else:
            aborted = self._streams.get(value)
            if aborted is not None and aborted.partial is not None:
                self._pending -= len(aborted.partial)
                aborted.partial = None


def encode_message(csid: int, type_id: int, stream_id: int, payload: bytes,
                   chunk_size: int, timestamp: int = 0) -> bytes:
    """One message as chunks: a type-0 header, then type-3 ones (`csid` below 64, and a
    timestamp below 0xFFFFFF: all our own messages are so)."""
    out = bytearray((csid,))
    out += timestamp.to_bytes(3, "big") + len(payload).to_bytes(3, "big")
    out.append(type_id)
    out += stream_id.to_bytes(4, "little")
    for offset in range(0, len(payload), chunk_size):
        if offset:
            out.append(0xC0 | csid)
        out += payload[offset:offset + chunk_size]
    return bytes(out)


def flv_tag(tag_type: int, timestamp: int, payload: bytes) -> bytes:
    """An FLV tag (type 8 audio, 9 video, 18 script data) with its PreviousTagSize."""
    return b"".join((
        bytes((tag_type,)), len(payload).to_bytes(3, "big"),
        (timestamp & 0xFFFFFF).to_bytes(3, "big"), bytes(((timestamp >> 24) & 0xFF,)),
        b"\x00\x00\x00",   # stream id: always 0
        payload, (11 + len(payload)).to_bytes(4, "big")))


def redacted(stream_key: str) -> str:
    """Enough of a stream key to tell streams apart in logs, never the whole key."""
    return stream_key[:min(4, len(stream_key) // 2)] + "…"


@dataclass(frozen=True)
class _Limits:
    idle_timeout: float
    handshake_timeout: float
    max_message_size: int


@dataclass
class _Publication:
    sink: StreamSink
    stream_id: int
    app: str
    key: str


class _Stop(Exception):
    """Ends the session; `reason` is what the stream's sink is told if one is open."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Session:
    """One publisher's connection, from handshake to close."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 on_publish: OnPublish, limits: _Limits):
        self._reader, self._writer = reader, writer
        self._on_publish = on_publish
        self._limits = limits
        self._loop = asyncio.get_running_loop()
        self._parser = ChunkParser(limits.max_message_size)
        self._out_chunk_size = DEFAULT_CHUNK_SIZE
        self._app: str | None = None
        self._published = False
        self._publication: _Publication | None = None
        self._received = 0
        self._acknowledged = 0
        self._peer_window = 0      # the peer asks for no acknowledgement until it sets one
        self._deadline = 0.0
        self.peer = _peer_name(writer.get_extra_info("peername"))

    async def run(self) -> None:
        reason = "disconnected"
        try:
            await self._handshake()
            await self._serve()
        except _Stop as stop:
            reason = stop.reason
        except ProtocolError as exc:
            reason = f"protocol error: {exc}"
        except (ConnectionError, asyncio.IncompleteReadError):
            reason = "disconnected"
        except asyncio.CancelledError:
            reason = "server closing"
            raise
        except Exception as exc:
            log.exception("RTMP session of %s failed", self.peer)
            reason = f"internal error: {exc!r}"
        finally:
            log.debug("RTMP connection of %s closed: %s", self.peer, reason)
            transport = self._writer.transport
            # A peer that does not read what we wrote gets no goodbye: closing gracefully
            # would wait for it forever.
            if transport.get_write_buffer_size():
                transport.abort()
            else:
                transport.close()
            await self._end(reason)

    async def _handshake(self) -> None:
        """The plain handshake (5.2): S2 echoes C1. ffmpeg, OBS and GStreamer publish
        without the digest handshake Flash Player asks of servers."""
        try:
            async with asyncio.timeout(self._limits.handshake_timeout):
                version = (await self._reader.readexactly(1))[0]
                if version != 3:
                    raise ProtocolError(f"RTMP version {version}")
                c1 = await self._reader.readexactly(HANDSHAKE_SIZE)
                uptime = int(time.monotonic() * 1000) & _U32
                s1 = struct.pack(">II", uptime, 0) + os.urandom(HANDSHAKE_SIZE - 8)
                self._writer.write(b"\x03" + s1 + c1)
                await self._writer.drain()
                await self._reader.readexactly(HANDSHAKE_SIZE)
        except TimeoutError:
            raise _Stop("handshake timeout") from None

    async def _serve(self) -> None:
        self._deadline = self._loop.time() + self._limits.idle_timeout
        while True:
            try:
                async with asyncio.timeout_at(self._deadline):
                    data = await self._reader.read(_READ_SIZE)
            except TimeoutError:
                raise _Stop("timeout") from None
            if not data:
                raise _Stop("disconnected")
            await self._acknowledge(len(data))
            refresh = False
            for message in self._parser.feed(data):
                await self._dispatch(message)
                # While a stream is open only media keeps it alive; before, any message.
                refresh |= self._publication is None or message.type_id in (AUDIO, VIDEO)
            if refresh:
                # Taken after the sink took the data, so that a slow sink is not the
                # publisher's timeout.
                self._deadline = self._loop.time() + self._limits.idle_timeout

    async def _acknowledge(self, count: int) -> None:
        self._received += count
        if self._peer_window and self._received - self._acknowledged >= self._peer_window:
            self._acknowledged = self._received
            await self._send(_CONTROL_CSID, ACKNOWLEDGEMENT, 0,
                             (self._received & _U32).to_bytes(4, "big"))

    async def _dispatch(self, message: Message) -> None:
        kind = message.type_id
        if kind in (AUDIO, VIDEO):
            await self._media(message)
        elif kind in (COMMAND_AMF0, COMMAND_AMF3):
            await self._command(message, _amf0_values(message))
        elif kind in (DATA_AMF0, DATA_AMF3):
            await self._data(message, _amf0_values(message))
        elif kind == WINDOW_ACK_SIZE:
            if len(message.payload) < 4:
                raise ProtocolError("window acknowledgement size shorter than 4 bytes")
            self._peer_window = int.from_bytes(message.payload[:4], "big")
        elif kind == AGGREGATE:
            raise ProtocolError("aggregate messages are not supported")
        # The rest (Set Chunk Size and Abort, which the parser applied; acknowledgements,
        # user control events, peer bandwidth, shared objects) ask nothing of an ingest
        # server.

    async def _media(self, message: Message) -> None:
        publication = self._publication
        if publication is None or message.stream_id != publication.stream_id:
            raise ProtocolError(f"media on stream {message.stream_id}, which is not "
                                "publishing")
        if message.payload:   # an empty tag carries nothing and trips FLV readers
            await self._to_sink(flv_tag(message.type_id, message.timestamp, message.payload))

    async def _data(self, message: Message, values: list) -> None:
        publication = self._publication
        if publication is None or message.stream_id != publication.stream_id:
            return
        # Publishers wrap metadata as @setDataFrame("onMetaData", {...}) for the server to
        # keep; an FLV file holds it unwrapped.
        if values[:1] == ["@setDataFrame"]:
            values = values[1:]
        if len(values) >= 2 and values[0] == "onMetaData" and isinstance(values[1], dict):
            body = amf0.encode("onMetaData", amf0.EcmaArray(values[1]))
            await self._to_sink(flv_tag(DATA_AMF0, message.timestamp, body))

    async def _command(self, message: Message, values: list) -> None:
        if len(values) < 2 or not isinstance(values[0], str) \
                or not isinstance(values[1], float):
            raise ProtocolError("a command without name or transaction id")
        name, transaction, arguments = values[0], values[1], values[2:]
        stream_id = message.stream_id
        if name == "connect":
            await self._connect(transaction, arguments)
        elif self._app is None:
            raise ProtocolError(f"{name} before connect")
        elif name in ("releaseStream", "FCPublish"):
            await self._reply(stream_id, "_result", transaction, None)
        elif name == "createStream":
            await self._reply(stream_id, "_result", transaction, None, 1)
        elif name == "publish":
            await self._publish(stream_id, arguments)
        elif name in ("FCUnpublish", "deleteStream", "closeStream"):
            await self._end("unpublished")
        elif name in ("play", "play2"):
            await self._status(stream_id, "error", "NetStream.Play.Failed",
                               "This server takes live streams in; it plays none.")
            raise ProtocolError(f"{name} on an ingest server")
        elif transaction > 0:
            await self._reply(stream_id, "_error", transaction, None, {
                "level": "error", "code": "NetConnection.Call.Failed",
                "description": f"Method not found ({name})."})

    async def _connect(self, transaction: float, arguments: list) -> None:
        if self._app is not None:
            raise ProtocolError("a second connect")
        properties = arguments[0] if arguments else None
        if not isinstance(properties, dict) or not isinstance(properties.get("app"), str):
            raise ProtocolError("connect without an app")
        self._app = properties["app"]
        encoding = properties.get("objectEncoding", 0.0)
        await self._send(_CONTROL_CSID, WINDOW_ACK_SIZE, 0, SERVER_WINDOW.to_bytes(4, "big"))
        await self._send(_CONTROL_CSID, SET_PEER_BANDWIDTH, 0,
                         SERVER_WINDOW.to_bytes(4, "big") + b"\x02")   # 2: dynamic
        await self._send(_CONTROL_CSID, SET_CHUNK_SIZE, 0, SERVER_CHUNK_SIZE.to_bytes(4, "big"))
        self._out_chunk_size = SERVER_CHUNK_SIZE
        await self._reply(0, "_result", transaction,
                          {"fmsVer": "FMS/3,0,1,123", "capabilities": 31.0},
                          {"level": "status", "code": "NetConnection.Connect.Success",
                           "description": "Connection succeeded.",
                           "objectEncoding": encoding})

    async def _publish(self, stream_id: int, arguments: list) -> None:
        if self._published:
            await self._status(stream_id, "error", "NetStream.Publish.BadName",
                               "One publish a connection.")
            raise ProtocolError("a second publish on one connection")
        name = arguments[1] if len(arguments) > 1 else None
        if not isinstance(name, str):
            raise ProtocolError("publish without a name")
        request = PublishRequest(app=self._app, stream_key=name.split("?", 1)[0],
                                 peer=self.peer)
        self._published = True
        try:
            sink = await self._on_publish(request)
        except Refused as refusal:
            log.info("RTMP publish refused: peer=%s app=%s key=%s: %s", self.peer,
                     request.app, redacted(request.stream_key), refusal.description)
            await self._status(stream_id, "error", refusal.code, refusal.description)
            raise _Stop("refused") from None
        except Exception:
            log.exception("on_publish failed for %s", self.peer)
            await self._status(stream_id, "error", "NetStream.Publish.Failed",
                               "Internal error.")
            raise _Stop("on_publish failed") from None
        self._publication = _Publication(sink, stream_id, request.app, request.stream_key)
        log.info("RTMP publish started: peer=%s app=%s key=%s", self.peer, request.app,
                 redacted(request.stream_key))
        await self._to_sink(FLV_HEADER)
        await self._status(stream_id, "status", "NetStream.Publish.Start", "Publishing.")

    async def _to_sink(self, data: bytes) -> None:
        try:
            await self._publication.sink.flv(data)
        except Exception as exc:
            raise _Stop(f"sink failed: {type(exc).__name__}: {exc}") from None

    async def _end(self, reason: str) -> None:
        publication, self._publication = self._publication, None
        if publication is None:
            return
        log.info("RTMP publish ended: peer=%s app=%s key=%s reason=%s", self.peer,
                 publication.app, redacted(publication.key), reason)
        try:
            await publication.sink.ended(reason)
        except Exception:
            log.exception("the sink of %s failed to end", self.peer)

    async def _status(self, stream_id: int, level: str, code: str, description: str) -> None:
        await self._reply(stream_id, "onStatus", 0, None,
                          {"level": level, "code": code, "description": description})

    async def _reply(self, stream_id: int, *values: object) -> None:
        await self._send(_COMMAND_CSID, COMMAND_AMF0, stream_id, amf0.encode(*values))

    async def _send(self, csid: int, type_id: int, stream_id: int, payload: bytes) -> None:
        self._writer.write(encode_message(csid, type_id, stream_id, payload,
                                          self._out_chunk_size))
        try:
            # What we send is small: a full buffer means the peer stopped reading.
            async with asyncio.timeout(self._limits.idle_timeout):
                await self._writer.drain()
        except TimeoutError:
            raise _Stop("timeout") from None


def _amf0_values(message: Message) -> list:
    payload = message.payload
    if message.type_id in (COMMAND_AMF3, DATA_AMF3):
        # These begin with a format byte; 0 means the rest is AMF0, as every publisher we
        # know sends it. AMF3 proper is not read.
        if payload[:1] != b"\x00":
            raise ProtocolError("AMF3-encoded messages are not supported")
        payload = payload[1:]
    try:
        return amf0.decode(payload)
    except amf0.AMF0Error as exc:
        raise ProtocolError(f"message type {message.type_id}: {exc}") from None


def _peer_name(address: tuple | None) -> str:
    if not address:
        return "unknown"
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class _Sessions:
    """The server's open sessions, so that closing the server can end them."""

    def __init__(self, on_publish: OnPublish, limits: _Limits, max_connections: int):
        self._on_publish = on_publish
        self._limits = limits
        self._max_connections = max_connections
        self.tasks: set[asyncio.Task] = set()
        self.closing = False

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.closing or len(self.tasks) >= self._max_connections:
            log.warning("RTMP connection from %s refused: %d connections open",
                        _peer_name(writer.get_extra_info("peername")), len(self.tasks))
            writer.transport.close()
            return
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            await _Session(reader, writer, self._on_publish, self._limits).run()
        except asyncio.CancelledError:
            # close() cancelled it, and the session ended its stream. Left to end cancelled,
            # asyncio.streams would report the task to the loop's exception handler.
            if not self.closing:
                raise
            task.uncancel()
        finally:
            self.tasks.discard(task)

    def close(self) -> None:
        self.closing = True
        for task in self.tasks:
            task.cancel()


class _RtmpServer(asyncio.Server):
    """asyncio.Server, but close() also ends the open streams ("server closing") and
    wait_closed() waits for their sessions: Python 3.11's leaves accepted connections
    open, and its wait_closed() returns at once after close()."""
    _sessions: _Sessions

    def close(self) -> None:
        super().close()
        self._sessions.close()

    async def wait_closed(self) -> None:
        await super().wait_closed()
        if self._sessions.tasks:
            await asyncio.wait(set(self._sessions.tasks))


async def start_server(host: str, port: int, on_publish: OnPublish, *,
                       idle_timeout: float = 10.0, handshake_timeout: float = 5.0,
                       max_message_size: int = 8 * 1024 * 1024,
                       max_connections: int = 64) -> asyncio.Server:
    """Listens for publishers on host:port (port 0: any free one; see server.sockets).

    Each publish calls `on_publish`, which returns the stream's sink or raises Refused.
    Connections beyond `max_connections` are closed at once."""
    sessions = _Sessions(on_publish, _Limits(idle_timeout, handshake_timeout,
                                             max_message_size), max_connections)
    server = await asyncio.start_server(sessions.handle, host, port, limit=_READ_SIZE)
    # asyncio builds the Server itself; this gives it our close() and wait_closed().
    server.__class__ = _RtmpServer
    server._sessions = sessions
    return server
