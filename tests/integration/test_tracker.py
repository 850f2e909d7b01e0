"""The tracker's server on a loopback port, spoken to as browsers and desktop clients do:
WebSocket clients in one swarm, the HTTP tracker, bad input, floods, limits, expiry, a
restart, and the local stack's front in between."""
from __future__ import annotations

import asyncio
import json
import logging
import socket
import struct
import time
from contextlib import contextmanager
from urllib.parse import quote_from_bytes

import aiohttp
import httpx
import pytest

from peerless_seeder.server import TrackerServer
from tests.own_loop import run_in_own_loop
from peerless_seeder.tracker import TrackerConfig, bdecode

pytestmark = pytest.mark.integration

HASH = bytes(range(236, 256))
ORIGIN = "http://video.example:9000"
OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 198.18.0.1\r\n"}
ANSWER = {"type": "answer", "sdp": "v=0\r\no=- 3 4 IN IP4 198.18.0.2\r\n"}


def wire(value: bytes) -> str:
    return value.decode("latin-1")


def pid(n: int) -> bytes:
    return b"-WW0207-%012d" % n


def run(coroutine, timeout: float = 10):
    return run_in_own_loop(coroutine, timeout)


@contextmanager
def tracker_server(port: int = 0, **config):
    """A tracker of its own, taking any swarm: these tests make up their info hashes."""
    server = TrackerServer(TrackerConfig(**{"allowed_origins": (ORIGIN,), "known_only": False,
                                            **config}), port=port).start()
    try:
        yield server
    finally:
        server.stop()


class Client:
    """A WebSocket tracker client that sends what bittorrent-tracker's client sends."""

    def __init__(self, session: aiohttp.ClientSession, ws, peer_id: bytes):
        self.session, self.ws, self.peer_id = session, ws, peer_id

    @classmethod
    async def open(cls, url: str, peer_id: bytes, origin: str | None = ORIGIN) -> "Client":
        session = aiohttp.ClientSession()
        try:
            ws = await session.ws_connect(url, headers={"Origin": origin} if origin else {})
        except BaseException:
            await session.close()
            raise
        return cls(session, ws, peer_id)

    async def send(self, message) -> None:
        await self.ws.send_str(message if isinstance(message, str) else json.dumps(message))

    async def announce(self, info_hash: bytes = HASH, **fields) -> None:
        await self.send({"action": "announce", "info_hash": wire(info_hash),
                         "peer_id": wire(self.peer_id), "uploaded": 0, "downloaded": 0,
                         **fields})

    async def receive(self, timeout: float = 3) -> dict:
        message = await self.ws.receive(timeout)
        assert message.type == aiohttp.WSMsgType.TEXT, message
        return json.loads(message.data)

    async def nothing(self, wait: float = 0.2) -> None:
        with pytest.raises(asyncio.TimeoutError):
            await self.ws.receive(wait)

    async def close(self) -> None:
        await self.ws.close()
        await self.session.close()


def offers(n: int, tag: str) -> list[dict]:
    return [{"offer": OFFER, "offer_id": f"{tag}{i:019d}"} for i in range(n)]


async def health(server) -> dict:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/tracker/health") as response:
            assert response.status == 200
            return (await response.json())["tracker"]


def test_two_browsers_exchange_offer_and_answer():
    async def scenario(server):
        a = await Client.open(server.ws_url, pid(1))
        b = await Client.open(server.ws_url, pid(2))
        try:
            await a.announce(event="started", left=1000, numwant=5, offers=offers(5, "a"))
            assert await a.receive() == {"action": "announce", "interval": 120,
                                         "info_hash": wire(HASH), "complete": 0,
                                         "incomplete": 1}
            await b.announce(event="started", left=1000, numwant=5, offers=offers(5, "b"))
            reply = await b.receive()
            assert (reply["complete"], reply["incomplete"]) == (0, 2)
            offer = await a.receive()  # one of b's five offers, the only other peer
            assert offer == {"action": "announce", "offer": OFFER,
                             "offer_id": offer["offer_id"], "peer_id": wire(pid(2)),
                             "info_hash": wire(HASH)}
            assert offer["offer_id"].startswith("b")
            await a.announce(answer=ANSWER, offer_id=offer["offer_id"],
                             to_peer_id=offer["peer_id"])
            assert await b.receive() == {"action": "announce", "answer": ANSWER,
                                         "offer_id": offer["offer_id"],
                                         "peer_id": wire(pid(1)), "info_hash": wire(HASH)}
            await a.nothing()  # no reply to an answer

            await a.announce(event="completed", left=0)
            reply = await a.receive()
            assert (reply["complete"], reply["incomplete"]) == (1, 1)
            await b.send({"action": "scrape", "info_hash": [wire(HASH), wire(b"z" * 20)]})
            assert (await b.receive())["files"] == {
                wire(HASH): {"complete": 1, "incomplete": 1, "downloaded": 1},
                wire(b"z" * 20): {"complete": 0, "incomplete": 0, "downloaded": 0}}
            await a.announce(event="stopped", left=0)
            reply = await a.receive()
            assert (reply["complete"], reply["incomplete"]) == (0, 1)
            # The stopped peer gets no more offers.
            await b.announce(numwant=5, offers=offers(5, "c"))
            assert (await b.receive())["incomplete"] == 1
            await a.nothing()
            stats = await health(server)
            assert stats["relayed"] == {"offers": 1, "answers": 1}
            assert (stats["swarms"], stats["peers"], stats["connections"]) == (1, 1, 2)
        finally:
            await a.close()
            await b.close()

    with tracker_server() as server:
        run(scenario(server))


def test_numwant_and_the_cap_on_relayed_offers():
    async def scenario(server):
        others = [await Client.open(server.ws_url, pid(i)) for i in range(1, 6)]
        me = await Client.open(server.ws_url, pid(0))
        try:
            for client in others:
                await client.announce(event="started", left=10)
                await client.receive()
            await me.announce(event="started", left=10, numwant=2, offers=offers(5, "x"))
            await me.receive()
            got = await received(others)
            assert len(got) == 2 and {g["peer_id"] for g in got} == {wire(pid(0))}
            assert len({g["offer_id"] for g in got}) == 2
            await me.announce(numwant=10, offers=offers(10, "y"))  # capped at 3
            await me.receive()
            got = await received(others)
            assert len(got) == 3
        finally:
            for client in [me, *others]:
                await client.close()

    async def received(clients) -> list[dict]:
        async def one(client):
            try:
                return await client.receive(0.3)
            except asyncio.TimeoutError:
                return None
        return [m for m in await asyncio.gather(*map(one, clients)) if m]

    with tracker_server(max_numwant=3) as server:
        run(scenario(server))


def http_query(peer_id: bytes, port: int, info_hash: bytes = HASH, **params) -> str:
    fields = {"info_hash": info_hash, "peer_id": peer_id, "port": port, "uploaded": 0,
              "downloaded": 0, "left": 0, "compact": 1, **params}
    return "&".join(f"{k}={quote_from_bytes(v) if isinstance(v, bytes) else v}"
                    for k, v in fields.items())


def test_http_tracker():
    with tracker_server(trusted_proxies=frozenset({"127.0.0.1"})) as server, \
            httpx.Client(base_url=server.url) as http:
        def announce(query: str, **headers) -> dict:
            response = http.get(f"/tracker/announce?{query}", headers=headers)
            assert response.status_code == 200
            return bdecode(response.content)

        first = announce(http_query(pid(1), 6881, event="started"))
        assert first[b"peers"] == b"" and first[b"complete"] == 1
        assert first[b"interval"] == 1800
        # Behind a trusted proxy, the address is the one it forwards.
        second = announce(http_query(pid(2), 51413, event="started", left=5),
                          **{"X-Forwarded-For": "198.18.0.2"})
        assert second[b"peers"] == bytes([127, 0, 0, 1]) + (6881).to_bytes(2, "big")
        assert (second[b"complete"], second[b"incomplete"]) == (1, 1)
        third = announce(http_query(pid(1), 6881, compact=0))
        assert third[b"peers"] == [{b"peer id": pid(2), b"ip": b"198.18.0.2",
                                    b"port": 51413}]
        assert announce("peer_id=%s&port=1" % quote_from_bytes(pid(3))) == {
            b"failure reason": b"invalid info_hash"}
        assert announce(http_query(pid(3), 1, info_hash=b"0123456789")) == {
            b"failure reason": b"invalid info_hash"}
        scraped = bdecode(http.get(f"/tracker/scrape?info_hash={quote_from_bytes(HASH)}")
                          .content)
        assert scraped[b"files"] == {HASH: {b"complete": 1, b"incomplete": 1,
                                            b"downloaded": 0}}
        assert bdecode(http.get("/tracker/scrape").content) == {
            b"failure reason": b"scrape needs info_hash"}
        assert http.get("/tracker/socket").status_code == 400  # no upgrade asked
        health = http.get("/seeder/health").json()
        assert health["status"] == "ok" and health["tracker"]["http_announces"] == 5

    # Without trusted proxies, X-Forwarded-For is nobody's word.
    with tracker_server() as server, httpx.Client(base_url=server.url) as http:
        http.get(f"/tracker/announce?{http_query(pid(1), 6881)}",
                 headers={"X-Forwarded-For": "6.6.6.6"})
        reply = bdecode(http.get(f"/tracker/announce?{http_query(pid(2), 6882)}").content)
        assert reply[b"peers"] == bytes([127, 0, 0, 1]) + (6881).to_bytes(2, "big")


def test_malformed_messages_never_break_the_server():
    bad = [
        "this is not JSON",
        "[1, 2, 3]",
        json.dumps({"action": "announce", "info_hash": 5, "peer_id": wire(pid(9))}),
        json.dumps({"action": "announce", "peer_id": wire(pid(9))}),
        json.dumps({"action": "announce", "info_hash": "too short", "peer_id": wire(pid(9))}),
        json.dumps({"action": "announce", "info_hash": wire(HASH), "peer_id": wire(pid(9)),
                    "offers": {"offer": 1}}),
        json.dumps({"action": "announce", "info_hash": wire(HASH), "peer_id": wire(pid(9)),
                    "event": 7}),
        json.dumps({"action": "scrape", "info_hash": [1, 2]}),
        json.dumps({"action": "dance"}),
        "{" * 3000,
    ]

    async def scenario(server):
        good = await Client.open(server.ws_url, pid(1))
        evil = await Client.open(server.ws_url, pid(9))
        try:
            for message in bad:
                await evil.send(message)
                assert "failure reason" in await evil.receive(), message
            # A binary frame is read as text.
            await evil.ws.send_bytes(b"\xff\xfe")
            assert (await evil.receive())["failure reason"] == "invalid JSON"
            assert (await health(server))["peers"] == 0
            # A message over the limit closes the socket (1009), and only that one.
            await evil.send(json.dumps({"action": "announce", "pad": "x" * 70_000}))
            closing = await evil.ws.receive(3)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert evil.ws.close_code == 1009
            await good.announce(event="started", left=1)
            assert (await good.receive())["incomplete"] == 1
        finally:
            await good.close()
            await evil.close()

    with tracker_server() as server:
        run(scenario(server))


def test_a_flood_closes_only_the_flooder():
    async def scenario(server):
        calm = await Client.open(server.ws_url, pid(1))
        flooder = await Client.open(server.ws_url, pid(2))
        try:
            await calm.announce(event="started", left=1)
            await calm.receive()
            for _ in range(40):
                await flooder.announce(left=1)
            replies = []
            while True:
                message = await flooder.ws.receive(3)
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                replies.append(json.loads(message.data))
            assert replies[-1] == {"failure reason": "too many messages"}
            assert flooder.ws.close_code == 1008
            # Its address may not come back for a while.
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await Client.open(server.ws_url, pid(3))
            assert refused.value.status == 429
            # The calm client goes on, and its swarm forgot the flooder.
            await calm.announce(left=1)
            reply = await calm.receive()
            assert reply["incomplete"] == 1
            assert (await health(server))["floods"] == 1
        finally:
            await calm.close()
            await flooder.close()

    with tracker_server(message_burst=10, messages_per_second=1) as server:
        run(scenario(server))


def test_connection_limit_per_address_and_origin_check():
    async def scenario(server):
        clients = [await Client.open(server.ws_url, pid(i)) for i in range(2)]
        try:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await Client.open(server.ws_url, pid(3))
            assert refused.value.status == 429
            await clients[0].close()
            await asyncio.sleep(0.1)
            clients[0] = await Client.open(server.ws_url, pid(4), origin=None)  # non-browser
        finally:
            for client in clients:
                await client.close()
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await Client.open(server.ws_url, pid(5), origin="https://evil.example")
        assert refused.value.status == 403
        assert (await health(server))["refused_connections"] == 2

    with tracker_server(max_connections_per_ip=2) as server:
        run(scenario(server))


def test_viewers_hanging_up_during_the_upgrade_leave_no_error_and_no_connection(caplog):
    """A closed tab can reset its connection after asking for the WebSocket and before the
    answer: the server must shrug, count nothing, and log no traceback."""
    def hang_up(server) -> None:
        with socket.create_connection((server.host, server.port)) as raw:
            raw.sendall(b"GET /tracker/socket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                        b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
            # Linger 0 turns the close into a reset, as a killed browser's socket does.
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    caplog.set_level(logging.DEBUG)
    with tracker_server(max_connections_per_ip=1000) as server:
        for _ in range(200):
            hang_up(server)

        async def still_serving():
            await asyncio.sleep(0.3)
            client = await Client.open(server.ws_url, pid(1))
            await client.close()
            await asyncio.sleep(0.1)
            return await health(server)

        assert run(still_serving())["connections"] == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_a_silent_peer_expires():
    async def scenario(server):
        silent = await Client.open(server.ws_url, pid(1))
        talker = await Client.open(server.ws_url, pid(2))
        try:
            await silent.announce(event="started", left=1)
            await silent.receive()
            for _ in range(8):  # 0.8 s: four intervals
                await talker.announce(left=1)
                reply = await talker.receive()
                await asyncio.sleep(0.1)
            assert reply["interval"] == 1 and reply["incomplete"] == 1
            stats = await health(server)
            assert stats["peers"] == 1 and stats["expired_peers"] == 1
            # Still connected, it comes back by announcing.
            await silent.announce(left=1)
            assert (await silent.receive())["incomplete"] == 2
        finally:
            await silent.close()
            await talker.close()

    with tracker_server(ws_interval=0.2) as server:
        run(scenario(server))


def test_clients_find_each_other_again_after_a_restart():
    async def join(url: str, n: int) -> Client:
        client = await Client.open(url, pid(n))
        await client.announce(event="started", left=1)
        await client.receive()
        return client

    async def before(server):
        a, b = await join(server.ws_url, 1), await join(server.ws_url, 2)
        return a, b

    async def after_stop(clients):
        for client in clients:
            message = await client.ws.receive(3)  # the tracker said goodbye
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            await client.close()

    async def after_restart(server):
        a, b = await join(server.ws_url, 1), await join(server.ws_url, 2)
        try:
            await b.announce(left=1, numwant=1, offers=offers(1, "r"))
            assert (await b.receive())["incomplete"] == 2
            offer = await a.receive()
            assert offer["peer_id"] == wire(pid(2)) and offer["offer"] == OFFER
        finally:
            await a.close()
            await b.close()

    async def whole():
        server = TrackerServer(TrackerConfig(allowed_origins=(ORIGIN,), known_only=False)).start()
        port = server.port
        clients = await before(server)
        await asyncio.get_running_loop().run_in_executor(None, server.stop)
        await after_stop(clients)
        server = TrackerServer(TrackerConfig(allowed_origins=(ORIGIN,), known_only=False),
                               port=port).start()
        try:
            assert (await health(server))["peers"] == 0  # memory only
            await after_restart(server)
        finally:
            await asyncio.get_running_loop().run_in_executor(None, server.stop)

    run(whole(), timeout=15)


@pytest.fixture(scope="module")
def published(stack, media) -> dict:
    """A video of the stack's, published: its description as the API gives it."""
    uuid = stack.uploaded(media["clip"], "Swarmed through the front")
    return stack.wait_for_state(uuid, states=(1,))


def info_hashes(video: dict) -> list[bytes]:
    """Its torrents' info hashes, from their magnet links."""
    files = video["files"] + [f for p in video["streamingPlaylists"] for f in p["files"]]
    return [bytes.fromhex(f["magnetUri"].split("urn:btih:")[1][:40]) for f in files]


def test_through_the_local_front(stack, published):
    known = info_hashes(published)[0]

    async def scenario():
        url = f"ws://127.0.0.1:{stack.port}/tracker/socket"
        a = await Client.open(url, pid(1), origin=stack.url)
        b = await Client.open(url, pid(2), origin=None)
        try:
            await a.announce(known, event="started", left=1)
            await a.receive()
            await b.announce(known, event="started", left=0, numwant=1,
                             offers=offers(1, "f"))
            # b, and the instance's own seeder once it has announced the file.
            assert (await b.receive())["complete"] in (1, 2)
            offer = await a.receive()
            await a.announce(known, answer=ANSWER, offer_id=offer["offer_id"],
                             to_peer_id=offer["peer_id"])
            assert (await b.receive())["answer"] == ANSWER
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await Client.open(url, pid(3), origin="https://evil.example")
            assert refused.value.status == 403
        finally:
            await a.close()
            await b.close()

    run(scenario())
    response = stack.http.get("/tracker/health")
    assert response.status_code == 200
    tracker = response.json()["tracker"]
    assert tracker["relayed"]["offers"] >= 1 and tracker["relayed"]["answers"] >= 1
    # The HTTP tracker too, with the client's address forwarded by the front.
    reply = bdecode(stack.http.get(
        f"/tracker/announce?{http_query(pid(7), 6881, known)}").content)
    assert reply[b"complete"] >= 1


def test_the_stacks_tracker_takes_only_the_swarms_of_its_public_videos(stack, published):
    """Every torrent of a published video is taken, through both doors of the front; a
    made-up swarm is refused with a reason and counted; a video made private is refused
    within a poll or two (it left the newest page), and taken again once public."""
    hashes = info_hashes(published)
    assert len(hashes) == 10  # 5 web MP4s and 5 HLS files

    def http_reply(info_hash: bytes) -> dict:
        return bdecode(stack.http.get(
            f"/tracker/announce?{http_query(pid(8), 6882, info_hash)}").content)

    async def ws_reply(info_hash: bytes) -> dict:
        client = await Client.open(f"ws://127.0.0.1:{stack.port}/tracker/socket", pid(9),
                                   origin=stack.url)
        try:
            await client.announce(info_hash, event="started", left=1)
            return await client.receive(timeout=8)
        finally:
            await client.close()

    refused_before = stack.http.get("/tracker/health").json()["tracker"]["refused_unknown"]
    assert all(b"failure reason" not in http_reply(h) for h in hashes)
    assert run(ws_reply(hashes[-1]))["incomplete"] >= 1
    made_up = bytes(range(100, 120))
    assert run(ws_reply(made_up)) == {
        "action": "announce", "info_hash": wire(made_up),
        "failure reason": "unknown info_hash: not a video of this instance"}
    assert http_reply(made_up) == {
        b"failure reason": b"unknown info_hash: not a video of this instance"}
    tracker = stack.http.get("/tracker/health").json()["tracker"]
    assert tracker["refused_unknown"] == refused_before + 2
    assert tracker["known_swarms"] >= 10

    response = stack.http.put(f"/api/v1/videos/{published['uuid']}", headers=stack.auth(),
                              json={"privacy": 3})
    assert response.status_code == 204, response.text
    try:
        deadline = time.monotonic() + 15
        while b"failure reason" not in http_reply(hashes[0]):
            assert time.monotonic() < deadline, "a private video's swarm is still taken"
            time.sleep(0.5)
    finally:
        stack.http.put(f"/api/v1/videos/{published['uuid']}", headers=stack.auth(),
                       json={"privacy": 1})
    # Public again: the next announce's refresh finds it on the newest page.
    deadline = time.monotonic() + 10
    while b"failure reason" in http_reply(hashes[0]):
        assert time.monotonic() < deadline, "a public video's swarm is refused"
        time.sleep(0.5)
