"""The RTMP ingest server over real TCP: Debian's ffmpeg publishes to it and ffprobe reads
the FLV it hands on; a raw client driven by hand checks refusals, limits and timeouts.
No stack: each test starts a server of its own on an ephemeral loopback port, and fails
if anything reached the event loop's exception handler or a task outlived the server."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import subprocess
import time
from pathlib import Path

import pytest

from peerless_live import amf0
from peerless_live.rtmp import (AUDIO, COMMAND_AMF0, DATA_AMF0, FLV_HEADER, VIDEO,
                                ChunkParser, Refused, encode_message, start_server)

pytestmark = pytest.mark.integration

CLIP_SECONDS = 3.0


# --- harness -------------------------------------------------------------------------------

def run(scenario, timeout: float = 20.0):
    """Runs `scenario()` on a fresh loop whose exception handler must see nothing, and after
    which no task may be left."""
    seen = []

    async def main():
        asyncio.get_running_loop().set_exception_handler(lambda _, context: seen.append(context))
        result = await asyncio.wait_for(scenario(), timeout)
        gc.collect()   # a task dropped with an unretrieved exception reports when collected
        await asyncio.sleep(0)
        assert asyncio.all_tasks() == {asyncio.current_task()}
        return result

    result = asyncio.run(main())
    assert seen == []
    return result


class Sink:
    """Keeps the FLV in memory (and in a file, for ffprobe) and the reasons it ended."""

    def __init__(self, path: Path | None = None):
        self.data = bytearray()
        self.reasons: list[str] = []
        self.ended_event = asyncio.Event()
        self._path = path

    async def flv(self, data: bytes) -> None:
        self.data += data

    async def ended(self, reason: str) -> None:
        self.reasons.append(reason)
        if self._path is not None:
            self._path.write_bytes(self.data)
        self.ended_event.set()


class Publishes:
    """An on_publish that records the requests and the sinks it made."""

    def __init__(self, path: Path | None = None, refuse: str | None = None, sink=Sink):
        self.requests = []
        self.sinks = []
        self._path, self._refuse, self._sink = path, refuse, sink

    async def __call__(self, request):
        self.requests.append(request)
        if request.stream_key == self._refuse:
            raise Refused("Unknown stream key, check it in your channel's settings")
        sink = self._sink(self._path)
        self.sinks.append(sink)
        return sink


@contextlib.asynccontextmanager
async def serving(on_publish, **limits):
    server = await start_server("127.0.0.1", 0, on_publish, **limits)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


class Client:
    """A publisher driven by hand, message by message."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.parser = ChunkParser(1 << 20)
        self.chunk_size = 128
        self.inbox: list = []   # what the server sent: (type_id, payload)

    @classmethod
    async def connect(cls, port: int, handshake: bool = True) -> Client:
        client = cls(*await asyncio.open_connection("127.0.0.1", port))
        if handshake:
            c1 = bytes(range(256)) * 6
            client.writer.write(b"\x03" + c1)
            s0s1s2 = await client.reader.readexactly(1 + 2 * 1536)
            assert s0s1s2[0] == 3 and s0s1s2[1 + 1536:] == c1
            client.writer.write(bytes(1536))
        return client

    async def send(self, type_id: int, payload: bytes, stream_id: int = 0, csid: int = 3,
                   timestamp: int = 0) -> None:
        self.writer.write(encode_message(csid, type_id, stream_id, payload, self.chunk_size,
                                         timestamp))
        await self.writer.drain()

    async def command(self, *values, stream_id: int = 0) -> None:
        await self.send(COMMAND_AMF0, amf0.encode(*values), stream_id)

    async def reply(self, name: str) -> list:
        """The next command the server sends called `name` (others are kept in inbox)."""
        while True:
            for index, (type_id, payload) in enumerate(self.inbox):
                if type_id == COMMAND_AMF0 and amf0.decode(payload)[0] == name:
                    del self.inbox[index]
                    return amf0.decode(payload)
            data = await self.reader.read(65536)
            assert data, f"closed before {name}"
            self.inbox += [(m.type_id, m.payload) for m in self.parser.feed(data)]

    async def publish(self, key: str = "abcdefgh") -> list:
        await self.command("connect", 1, {"app": "live", "type": "nonprivate"})
        assert (await self.reply("_result"))[3]["code"] == "NetConnection.Connect.Success"
        await self.command("createStream", 2, None)
        assert (await self.reply("_result"))[3] == 1
        await self.command("publish", 3, None, key, "live", stream_id=1)
        return await self.reply("onStatus")

    async def closed_within(self, seconds: float) -> bool:
        """Whether the server closes the connection within `seconds` (what it sends is
        read and dropped)."""
        try:
            async with asyncio.timeout(seconds):
                while await self.reader.read(65536):
                    pass
        except TimeoutError:
            return False
        except ConnectionError:
            pass
        return True

    def close(self) -> None:
        self.writer.close()


def flv_tags(data: bytes) -> list[tuple[int, int, bytes]]:
    """(type, timestamp, payload) of each tag of an FLV file, checking each back-pointer."""
    assert data[:13] == FLV_HEADER
    tags, pos = [], 13
    while pos < len(data):
        size = int.from_bytes(data[pos + 1:pos + 4], "big")
        timestamp = int.from_bytes(data[pos + 4:pos + 7], "big") | data[pos + 7] << 24
        tags.append((data[pos], timestamp, data[pos + 11:pos + 11 + size]))
        pos += 11 + size
        assert int.from_bytes(data[pos:pos + 4], "big") == 11 + size
        pos += 4
    return tags


def ffmpeg_publish(port: int, key: str, *options: str, realtime: bool = True) -> list[str]:
    return ["ffmpeg", "-hide_banner", "-nostdin", *(["-re"] if realtime else []),
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine",
            "-t", str(CLIP_SECONDS), "-c:v", "libx264", "-preset", "ultrafast", "-g", "60",
            "-c:a", "aac", *options, "-f", "flv", f"rtmp://127.0.0.1:{port}/live/{key}"]


async def ffmpeg(args: list[str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(*args, stdout=subprocess.DEVNULL,
                                                   stderr=subprocess.PIPE)
    _, stderr = await process.communicate()
    return process.returncode, stderr.decode(errors="replace")


def ffprobe(path: Path) -> dict:
    result = subprocess.run(["ffprobe", "-v", "error", "-of", "json", "-show_format",
                             "-show_streams", "-show_packets", str(path)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


# --- real ffmpeg -----------------------------------------------------------------------------

def test_ffmpeg_publish_arrives_as_flv_that_ffprobe_reads(tmp_path):
    publishes = Publishes(tmp_path / "live.flv")

    async def scenario():
        async with serving(publishes) as port:
            code, stderr = await ffmpeg(ffmpeg_publish(port, "key-of-the-channel"))
            assert code == 0, stderr[-2000:]
            await asyncio.wait_for(publishes.sinks[0].ended_event.wait(), 5)

    run(scenario)
    [request] = publishes.requests
    assert (request.app, request.stream_key) == ("live", "key-of-the-channel")
    assert request.peer.startswith("127.0.0.1:")
    assert publishes.sinks[0].reasons == ["unpublished"]
    probe = ffprobe(tmp_path / "live.flv")
    streams = {s["codec_type"]: s for s in probe["streams"]}
    assert len(probe["streams"]) == 2
    assert (streams["video"]["codec_name"], streams["video"]["width"],
            streams["video"]["height"]) == ("h264", 320, 240)
    assert streams["audio"]["codec_name"] == "aac"
    assert abs(float(probe["format"]["duration"]) - CLIP_SECONDS) < 0.2
    # ffmpeg's own metadata, unwrapped from @setDataFrame, comes first.
    kind, _, body = flv_tags(publishes.sinks[0].data)[0]
    assert kind == DATA_AMF0
    name, metadata = amf0.decode(body)
    assert name == "onMetaData" and metadata["width"] == 320.0


@pytest.mark.parametrize("offset, options", [
    # Starts below 2**24 ms and crosses it: the FLV tag's extended timestamp byte.
    ("16776", ()),
    # Starts past it: ffmpeg's first delta is an extended timestamp, repeated in the
    # type-3 chunks that continue the keyframe.
    ("16800", ("-rtmp_live", "live")),
])
def test_timestamps_past_24_bits_stay_monotonic(tmp_path, offset, options):
    publishes = Publishes(tmp_path / "late.flv")

    async def scenario():
        async with serving(publishes) as port:
            code, stderr = await ffmpeg(ffmpeg_publish(port, "late", "-output_ts_offset",
                                                       offset, *options, realtime=False))
            assert code == 0, stderr[-2000:]
            await asyncio.wait_for(publishes.sinks[0].ended_event.wait(), 5)

    run(scenario)
    tags = flv_tags(publishes.sinks[0].data)
    start = int(offset) * 1000
    for kind in (AUDIO, VIDEO):
        # ffmpeg's FLV muxer dates the codec configuration (the AVC or AAC sequence
        # header, packet type 0) 0 whatever the offset.
        config, *media = [(timestamp, payload) for tag, timestamp, payload in tags
                          if tag == kind]
        assert config[0] == 0 and config[1][1] == 0
        stamps = [timestamp for timestamp, _ in media]
        assert len(stamps) > 60
        assert stamps == sorted(stamps)
        assert start - 100 <= stamps[0] and stamps[-1] <= start + CLIP_SECONDS * 1000
        assert stamps[-1] > 0xFFFFFF
    probe = ffprobe(tmp_path / "late.flv")
    assert abs(float(probe["format"]["duration"]) - CLIP_SECONDS) < 0.2
    for index in (0, 1):
        times = [float(p["pts_time"]) for p in probe["packets"] if p["stream_index"] == index]
        assert times == sorted(times) and times[-1] > 0xFFFFFF / 1000


def test_a_refused_key_stops_ffmpeg_with_the_reason():
    publishes = Publishes(refuse="wrong-key")

    async def scenario():
        async with serving(publishes) as port:
            started = time.monotonic()
            code, stderr = await ffmpeg(ffmpeg_publish(port, "wrong-key"))
            return code, stderr, time.monotonic() - started

    code, stderr, seconds = run(scenario)
    assert code != 0 and seconds < 5
    assert "Unknown stream key, check it in your channel's settings" in stderr
    assert [r.stream_key for r in publishes.requests] == ["wrong-key"]
    assert publishes.sinks == []
