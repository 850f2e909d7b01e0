"""The tracker's server: aiohttp, one port for every door.

- `GET /tracker/socket`: the WebSocket tracker (browsers: WebTorrent, p2p-media-loader);
  a WebSocket upgrade on `/tracker/announce` is taken too;
- `GET /tracker/announce`, `GET /tracker/scrape`: the HTTP tracker (desktop clients);
- `GET /tracker/health` (also `/seeder/health`, `/health`): the metrics as JSON.

The state is `tracker.Tracker`'s, touched only from this server's event loop. Each
WebSocket has a bounded queue of outgoing messages written by a task of its own, so a
client that does not read cannot hold up the others nor fill the memory: when its queue
is full it is closed.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Callable

from aiohttp import WSCloseCode, WSMsgType, web

from peerless.media.torrents import bencode

from .metrics import Metrics
from .serving import ServingThread
from .tracker import Connection, Refused, Tracker, TrackerConfig, client_ip

log = logging.getLogger("peerless.seeder.tracker")

OUTBOX_BYTES = 1024 * 1024  # waiting for one client before it counts as stuck
HEARTBEAT_SECONDS = 30  # pings find the connections that died without a close
PREFIX = "/tracker"


class Outbox:
    """The messages on their way to one WebSocket, written in order by one task."""

    def __init__(self, ws: web.WebSocketResponse, limit: int = OUTBOX_BYTES):
        self.ws = ws
        self.queue: asyncio.Queue[str | tuple[int, str]] = asyncio.Queue()
        self.limit = limit
        self.queued = 0  # characters waiting
        self.closing = False

    def push(self, text: str) -> None:
        if self.closing:
            return
        if self.queued + len(text) > self.limit:
            log.info("closing a tracker client that does not read its messages")
            self.close(WSCloseCode.POLICY_VIOLATION, "too slow")
            return
        self.queued += len(text)
        self.queue.put_nowait(text)

    def close(self, code: int, reason: str) -> None:
        """Closes the socket once what is queued before is written."""
        if not self.closing:
            self.closing = True
            self.queue.put_nowait((code, reason))

    async def run(self) -> None:
        try:
            while True:
                item = await self.queue.get()
                if isinstance(item, tuple):
                    await self.ws.close(code=item[0], message=item[1].encode()[:120])
                    return
                self.queued -= len(item)
                await self.ws.send_str(item)
        except (ConnectionError, RuntimeError, asyncio.CancelledError):
            # The client went away, or the server is stopping: nothing more to write.
            pass


class TrackerApp:
    def __init__(self, config: TrackerConfig, metrics: Metrics | None = None,
                 heartbeat: float = HEARTBEAT_SECONDS):
        self.config = config
        self.tracker = Tracker(config)
        self.metrics = metrics or Metrics()
        self.metrics.register("tracker", self.tracker.metrics)
        self.heartbeat = heartbeat
        self.sockets: set[web.WebSocketResponse] = set()

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_get(f"{PREFIX}/socket", self._socket)
        app.router.add_get(f"{PREFIX}/announce", self._announce)
        app.router.add_get(f"{PREFIX}/scrape", self._scrape)
        for path in (f"{PREFIX}/health", "/seeder/health", "/health"):
            app.router.add_get(path, self._health)
        app.cleanup_ctx.append(self._sweeper)
        app.on_shutdown.append(self._close_sockets)
        return app

    # --- WebSocket --------------------------------------------------------------------

    def _ip(self, request: web.Request) -> str:
        return client_ip(request.remote, request.headers.get("X-Forwarded-For"),
                         self.config.trusted_proxies)

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=self.config.max_message_bytes,
                                   heartbeat=self.heartbeat, compress=False)
        if not ws.can_prepare(request).ok:
            return web.json_response({"failure reason": "a WebSocket upgrade is expected"},
                                     status=400)
        try:
            conn = self.tracker.connect(self._ip(request), request.headers.get("Origin"))
        except Refused as refused:
            return web.json_response({"failure reason": refused.reason},
                                     status=refused.status)
        try:
            await ws.prepare(request)
        except ConnectionResetError:
            # The viewer left (a closed tab) between asking to upgrade and our answer. A
            # plain response lets aiohttp see the lost connection and log no error.
            self.tracker.disconnect(conn)
            return web.Response(status=499)
        writer = None
        try:
            self.sockets.add(ws)
            outbox = conn.handle = Outbox(ws)
            writer = asyncio.create_task(outbox.run())
            while not outbox.closing:
                message = await ws.receive()
                if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    # CLOSE, CLOSED, or ERROR (a message over the size limit: aiohttp has
                    # closed the socket with 1009).
                    break
                self._handle(conn, outbox, message.data)
        finally:
            self.tracker.disconnect(conn)
            self.sockets.discard(ws)
            if writer is not None:
                # What is queued (a last failure reason) leaves before the close.
                conn.handle.close(WSCloseCode.GOING_AWAY, "")
                done, _ = await asyncio.wait({writer}, timeout=5)
                if not done:
                    writer.cancel()
            if not ws.closed and ws.prepared:
                await ws.close()
        return ws

    def _handle(self, conn: Connection, outbox: Outbox, data: str | bytes) -> None:
        try:
            outcome = self.tracker.receive(conn, data)
        except Exception:  # a bug must cost one message, never the server
            log.exception("tracker message failed")
            outbox.push(json.dumps({"failure reason": "internal error"}))
            return
        for target, payload in outcome.sends:
            if not target.closed and target.handle is not None:
                target.handle.push(json.dumps(payload))
        if outcome.close:
            outbox.close(WSCloseCode.POLICY_VIOLATION, outcome.close)

    async def _close_sockets(self, app: web.Application) -> None:
        for ws in list(self.sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"tracker restarting")

    async def _sweeper(self, app: web.Application):
        period = max(0.05, min(self.config.ws_interval, self.config.http_interval, 60) / 4)

        async def sweep() -> None:
            while True:
                await asyncio.sleep(period)
                dropped = self.tracker.expire()
                if dropped:
                    log.debug("expired %d peers", dropped)

        task = asyncio.create_task(sweep())
        yield
        task.cancel()

    # --- HTTP -------------------------------------------------------------------------

    async def _announce(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._socket(request)
        answer = self.tracker.http_announce(request.rel_url.raw_query_string,
                                            self._ip(request))
        return web.Response(body=bencode(answer), content_type="text/plain")

    async def _scrape(self, request: web.Request) -> web.StreamResponse:
        answer = self.tracker.http_scrape(request.rel_url.raw_query_string)
        return web.Response(body=bencode(answer), content_type="text/plain")

    async def _health(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.metrics.snapshot(),
                                 headers={"Cache-Control": "no-store"})


async def serve(app: TrackerApp, host: str, port: int, stop: asyncio.Event,
                ready: Callable[[int], None] = lambda port: None) -> None:
    """Serves `app` on host:port until `stop` is set; `ready` gets the bound port."""
    runner = web.AppRunner(app.application(), access_log=None, handle_signals=False,
                           shutdown_timeout=2)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, reuse_address=True)
        await site.start()
        ready(runner.addresses[0][1])
        await stop.wait()
    finally:
        await runner.cleanup()


class TrackerServer(ServingThread):
    """The tracker in a thread with its own event loop: for the local stack and tests."""

    def __init__(self, config: TrackerConfig, host: str = "127.0.0.1", port: int = 0,
                 metrics: Metrics | None = None, heartbeat: float = HEARTBEAT_SECONDS):
        self.app = TrackerApp(config, metrics, heartbeat)
        self.host = host
        super().__init__("tracker", lambda stop, ready: serve(self.app, host, self.port,
                                                              stop, ready), port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}{PREFIX}/socket"
