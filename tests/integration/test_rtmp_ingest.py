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
from peerless_live.rtmp import (ACKNOWLEDGEMENT, AUDIO, COMMAND_AMF0, COMMAND_AMF3, DATA_AMF0,
                                FLV_HEADER, SET_CHUNK_SIZE, VIDEO, WINDOW_ACK_SIZE, ChunkParser,
                                Refused, encode_message, flv_tag, start_server)
from tests.own_loop import run_in_own_loop

pytestmark = pytest.mark.integration

CLIP_SECONDS = 3.0


# --- harness -------------------------------------------------------------------------------

def run(scenario, timeout: float = 20.0):
    """Runs `scenario()` on a fresh loop (in a thread of its own: the browser tests keep one
    running in the main thread) whose exception handler must see nothing, and after which
    no task may be left."""
    seen = []

    async def main():
        asyncio.get_running_loop().set_exception_handler(lambda _, context: seen.append(context))
        result = await asyncio.wait_for(scenario(), timeout)
        gc.collect()   # a task dropped with an unretrieved exception reports when collected
        await asyncio.sleep(0)
        assert asyncio.all_tasks() == {asyncio.current_task()}
        return result

    result = run_in_own_loop(main())
    assert seen == []
    return result


class Sink:
    """Keeps the FLV in memory, call by call (and in a file, for ffprobe), and the reasons
    it ended."""

    def __init__(self, path: Path | None = None):
        self.calls: list[bytes] = []
        self.reasons: list[str] = []
        self.ended_event = asyncio.Event()
        self._path = path

    @property
    def data(self) -> bytes:
        return b"".join(self.calls)

    async def flv(self, data: bytes) -> None:
        self.calls.append(data)

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
        self.sent = 0           # bytes after the handshake
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
        data = encode_message(csid, type_id, stream_id, payload, self.chunk_size, timestamp)
        self.writer.write(data)
        self.sent += len(data)
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


# --- a publisher driven by hand --------------------------------------------------------------

METADATA = {"duration": 0.0, "width": 320.0, "height": 240.0, "encoder": "obs-output"}


# Sent as an ECMA array (ffmpeg, OBS) or an object (some encoders): FLV holds an ECMA array.
@pytest.mark.parametrize("metadata", [amf0.EcmaArray(METADATA), METADATA])
def test_metadata_audio_and_video_become_exact_flv_tags(caplog, metadata):
    caplog.set_level("INFO", logger="peerless.live.rtmp")
    publishes = Publishes()

    async def scenario():
        async with serving(publishes) as port:
            client = await Client.connect(port)
            status = await client.publish("abcdefgh?token=1")
            assert status[3]["level"] == "status"
            assert status[3]["code"] == "NetStream.Publish.Start"
            await client.send(DATA_AMF0, amf0.encode("@setDataFrame", "onMetaData", metadata),
                              stream_id=1, csid=4)
            await client.send(VIDEO, b"\x17\x00\x00\x00\x00config", stream_id=1, csid=6)
            await client.send(AUDIO, b"\xaf\x01frame", stream_id=1, csid=4, timestamp=23)
            await client.command("FCUnpublish", 4, None, "abcdefgh")
            await client.command("deleteStream", 5, None, 1)
            await asyncio.wait_for(publishes.sinks[0].ended_event.wait(), 5)
            client.close()

    run(scenario)
    assert [r.stream_key for r in publishes.requests] == ["abcdefgh"]
    assert publishes.sinks[0].calls == [
        FLV_HEADER,
        flv_tag(18, 0, b"\x02\x00\x0aonMetaData" + amf0.encode(amf0.EcmaArray(METADATA))),
        flv_tag(9, 0, b"\x17\x00\x00\x00\x00config"),
        flv_tag(8, 23, b"\xaf\x01frame")]
    # Once, though the client also deleted the stream and hung up after unpublishing.
    assert publishes.sinks[0].reasons == ["unpublished"]
    lines = [r.getMessage() for r in caplog.records]
    assert any("publish started" in line and "abcd…" in line for line in lines)
    assert any("publish ended" in line and "reason=unpublished" in line for line in lines)
    assert not any("abcdefgh" in line for line in lines)


@pytest.mark.parametrize("garbage", [
    b"GET / HTTP/1.1\r\nHost: example\r\n\r\n",
    b"\x03" + bytes(1536) + bytes(1536) + bytes(range(256)) * 20,   # after a good handshake
])
def test_garbage_is_closed_at_once(garbage):
    publishes = Publishes()

    async def scenario():
        async with serving(publishes) as port:
            _, writer = client = await asyncio.open_connection("127.0.0.1", port)
            writer.write(garbage)
            started = time.monotonic()
            assert await Client(*client).closed_within(2)
            writer.close()
            return time.monotonic() - started

    assert run(scenario) < 1
    assert publishes.requests == []


def test_a_silent_client_is_dropped_after_the_handshake_timeout():
    async def scenario():
        async with serving(Publishes(), handshake_timeout=0.3) as port:
            client = await Client.connect(port, handshake=False)
            started = time.monotonic()
            assert await client.closed_within(3)
            client.close()
            return time.monotonic() - started

    assert 0.25 < run(scenario) < 1.5


def test_a_stalled_publisher_times_out():
    publishes = Publishes()

    async def scenario():
        async with serving(publishes, idle_timeout=0.5) as port:
            client = await Client.connect(port)
            await client.publish()
            await client.send(VIDEO, b"\x17\x01frame", stream_id=1, csid=6)
            started = time.monotonic()

            async def chatter():
                while True:
                    await asyncio.sleep(0.1)
                    await client.command("_checkbw", 0, None)

            # Commands are no media: they do not keep the stream alive.
            chatting = asyncio.create_task(chatter())
            assert await client.closed_within(3)
            chatting.cancel()
            await asyncio.gather(chatting, return_exceptions=True)
            client.close()
            return time.monotonic() - started

    assert 0.4 < run(scenario) < 1.5
    assert publishes.sinks[0].reasons == ["timeout"]


def test_an_oversized_message_is_a_protocol_error():
    publishes = Publishes()

    async def scenario():
        async with serving(publishes, max_message_size=1000) as port:
            client = await Client.connect(port)
            await client.publish()
            await client.send(VIDEO, bytes(2000), stream_id=1, csid=6)
            assert await client.closed_within(2)
            client.close()

    run(scenario)
    assert publishes.sinks[0].reasons == ["protocol error: a message of 2000 bytes (at most 1000)"]


def test_connections_over_the_limit_are_closed_at_once():
    publishes = Publishes()

    async def scenario():
        async with serving(publishes, max_connections=2) as port:
            first, second = [await Client.connect(port) for _ in range(2)]
            third = await Client.connect(port, handshake=False)
            third.writer.write(b"\x03" + bytes(1536))
            assert await third.closed_within(1)
            # The two within the limit are served.
            assert (await first.publish("first-key"))[3]["code"] == "NetStream.Publish.Start"
            assert (await second.publish("other-key"))[3]["code"] == "NetStream.Publish.Start"
            for client in (first, second, third):
                client.close()

    run(scenario)
    assert len(publishes.sinks) == 2


def test_closing_the_server_ends_open_streams():
    publishes = Publishes()

    async def scenario():
        async with serving(publishes) as port:
            client = await Client.connect(port)
            await client.publish()
            await client.send(VIDEO, b"\x17\x01frame", stream_id=1, csid=6)
            while len(publishes.sinks[0].calls) < 2:
                await asyncio.sleep(0.01)
        assert await client.closed_within(1)
        client.close()

    run(scenario)
    assert publishes.sinks[0].reasons == ["server closing"]


class StuckSink(Sink):
    """Takes the header, then never returns: an ffmpeg that stopped reading its stdin."""

    async def flv(self, data: bytes) -> None:
        await super().flv(data)
        if len(self.calls) > 1:
            await asyncio.Event().wait()


def test_a_stuck_sink_stops_reading_the_publisher():
    publishes = Publishes(sink=StuckSink)
    frame = bytes(60_000)

    async def scenario():
        async with serving(publishes) as port:
            client = await Client.connect(port)
            await client.publish()
            await client.send(SET_CHUNK_SIZE, (65536).to_bytes(4, "big"), csid=2)
            client.chunk_size = 65536
            sent = 0
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1):
                    while sent < 256 * 1024 * 1024:
                        await client.send(VIDEO, frame, stream_id=1, csid=6)
                        sent += len(frame)
            client.close()
            return sent

    sent = run(scenario)
    # What the kernel's socket buffers hold and a read or two: nothing near what was offered.
    assert sent < 16 * 1024 * 1024
    assert publishes.sinks[0].reasons == ["server closing"]


class FailingSink(Sink):
    """Takes the header, then fails: an ffmpeg that died."""

    async def flv(self, data: bytes) -> None:
        if self.calls:
            raise BrokenPipeError("the encoder went away")
        await super().flv(data)


def test_a_failing_sink_ends_the_stream_and_the_connection():
    publishes = Publishes(sink=FailingSink)

    async def scenario():
        async with serving(publishes) as port:
            client = await Client.connect(port)
            await client.publish()
            await client.send(VIDEO, b"\x17\x01frame", stream_id=1, csid=6)
            assert await client.closed_within(2)
            client.close()

    run(scenario)
    assert publishes.sinks[0].reasons == ["sink failed: BrokenPipeError: the encoder went away"]


def test_media_before_publish_is_a_protocol_error():
    publishes = Publishes()

    async def scenario():
        async with serving(publishes) as port:
            client = await Client.connect(port)
            await client.command("connect", 1, {"app": "live"})
            await client.send(VIDEO, b"\x17\x01frame", stream_id=1, csid=6)
            assert await client.closed_within(2)
            client.close()

    run(scenario)
    assert publishes.requests == []


def test_media_on_another_stream_is_a_protocol_error():
    publishes = Publishes()

    async def scenario():
        async with serving(publishes) as port:
            client = await Client.connect(port)
            await client.publish()
            await client.send(AUDIO, b"\xaf\x01frame", stream_id=2, csid=4)
            assert await client.closed_within(2)
            client.close()

    run(scenario)
    assert publishes.sinks[0].reasons == [
        "protocol error: media on stream 2, which is not publishing"]


def test_one_publish_a_connection():
    publishes = Publishes()

    async def scenario():
        async with serving(publishes) as port:
            client = await Client.connect(port)
            await client.publish("first-key")
            await client.command("publish", 4, None, "second-key", "live", stream_id=1)
            status = await client.reply("onStatus")
            assert (status[3]["level"], status[3]["code"]) == ("error",
                                                               "NetStream.Publish.BadName")
            assert await client.closed_within(2)
            client.close()

    run(scenario)
    assert [r.stream_key for r in publishes.requests] == ["first-key"]
    assert publishes.sinks[0].reasons == ["protocol error: a second publish on one connection"]


def test_play_is_refused():
    async def scenario():
        async with serving(Publishes()) as port:
            client = await Client.connect(port)
            await client.command("connect", 1, {"app": "live"})
            await client.command("createStream", 2, None)
            await client.command("play", 3, None, "some-stream", stream_id=1)
            status = await client.reply("onStatus")
            assert (status[3]["level"], status[3]["code"]) == ("error", "NetStream.Play.Failed")
            assert await client.closed_within(2)
            client.close()

    run(scenario)


def test_a_failing_on_publish_refuses_without_reaching_the_loop():
    async def on_publish(request):
        raise RuntimeError("the database is down")

    async def scenario():
        async with serving(on_publish) as port:
            client = await Client.connect(port)
            status = await client.publish()
            assert (status[3]["level"], status[3]["code"]) == ("error",
                                                               "NetStream.Publish.Failed")
            assert "database" not in status[3]["description"]
            assert await client.closed_within(2)
            client.close()

    run(scenario)


def test_unknown_calls_get_an_error_and_notifications_nothing():
    async def scenario():
        async with serving(Publishes()) as port:
            client = await Client.connect(port)
            await client.command("connect", 1, {"app": "live"})
            await client.reply("_result")
            await client.command("someNotification", 0, None)
            await client.command("_checkbw", 7, None)
            await client.command("createStream", 8, None)
            await client.reply("_result")
            error = await client.reply("_error")
            assert error[1] == 7 and error[3]["code"] == "NetConnection.Call.Failed"
            # Nothing else came, for the notification.
            assert [t for t, _ in client.inbox if t == COMMAND_AMF0] == []
            client.close()

    run(scenario)


def test_the_peers_acknowledgement_window_is_honoured():
    async def scenario():
        async with serving(Publishes()) as port:
            client = await Client.connect(port)
            await client.send(WINDOW_ACK_SIZE, (5000).to_bytes(4, "big"), csid=2)
            await client.publish()
            for _ in range(3):
                await client.send(VIDEO, bytes(3000), stream_id=1, csid=6)
            async with asyncio.timeout(2):
                while not any(t == ACKNOWLEDGEMENT for t, _ in client.inbox):
                    data = await client.reader.read(65536)
                    assert data
                    client.inbox += [(m.type_id, m.payload) for m in client.parser.feed(data)]
            [sequence] = [int.from_bytes(p, "big") for t, p in client.inbox
                          if t == ACKNOWLEDGEMENT]
            client.close()
            return sequence, client.sent

    # Counted from the end of the handshake, as nginx-rtmp does.
    sequence, sent = run(scenario)
    assert 5000 <= sequence <= sent


def test_amf3_commands_are_read_when_they_hold_amf0_and_refused_otherwise():
    async def scenario():
        async with serving(Publishes()) as port:
            client = await Client.connect(port)
            await client.send(COMMAND_AMF3, b"\x00" + amf0.encode("connect", 1, {"app": "live"}))
            assert (await client.reply("_result"))[3]["code"] == "NetConnection.Connect.Success"
            await client.send(COMMAND_AMF3, b"\x11\x06\x09call")   # AMF3 proper
            assert await client.closed_within(2)
            client.close()

    run(scenario)
