"""The tracker's server: aiohttp, one port for every door.

- `GET /tracker/socket`: the WebSocket tracker (browsers: WebTorrent, p2p-media-loader);
  a WebSocket upgrade on `/tracker/announce` is taken too;
- `GET /tracker/announce`, `GET /tracker/scrape`: the HTTP tracker (desktop clients);
- `GET /tracker/health` (also `/seeder/health`, `/health`): the metrics as JSON.

With `TrackerConfig.known_only`, the tracker takes only the swarms of the instance's
videos: a `known.SwarmFeed` keeps them from the instance's API in a thread, and an
announce of an unknown swarm waits for a refresh (one at a time, at most one a
`refresh_on_miss_seconds`) before it is refused: a video published a moment ago is
taken at once.

The state is `tracker.Tracker`'s, touched only from this server's event loop. Each
WebSocket has a bounded queue of outgoing messages written by a task of its own, so a
client that does not read cannot hold up the others nor fill the memory: when its queue
is full it is closed.
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any, Callable

from aiohttp import WSCloseCode, WSMsgType, web

from peerless.media.torrents import bencode

from .known import KnownSwarms, SwarmFeed, start_swarm_feed
from .metrics import Metrics
from .serving import ServingThread
from .tracker import Connection, Refused, Tracker, TrackerConfig, UnknownSwarm, client_ip

log = logging.getLogger("peerless.seeder.tracker")

OUTBOX_BYTES = 1024 * 1024  # waiting for one client before it counts as stuck
HEARTBEAT_SECONDS = 30  # pings find the connections that died without a close
REFRESH_WAIT_SECONDS = 5  # an announce waits this long for a refresh, then is refused
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
                 heartbeat: float = HEARTBEAT_SECONDS, api_url: str | None = None,
                 **feed_options: Any):
        """With `config.known_only`, `api_url` is the instance's API (and media), read
        by the `SwarmFeed` (`feed_options`: its rhythms) while the app runs."""
        if config.known_only and not api_url:
            raise ValueError("a tracker taking known swarms only needs the instance's API")
        self.config = config
        self.known = KnownSwarms() if config.known_only else None
        self.tracker = Tracker(config, known=self.known)
        self.metrics = metrics or Metrics()
        self.metrics.register("tracker", self.tracker.metrics)
        self.heartbeat = heartbeat
        self.sockets: set[web.WebSocketResponse] = set()
        self.api_url, self.feed_options = api_url, feed_options
        self.feed: SwarmFeed | None = None
        self._refreshing: asyncio.Future | None = None
        self._refreshed_at = float("-inf")

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_get(f"{PREFIX}/socket", self._socket)
        app.router.add_get(f"{PREFIX}/announce", self._announce)
        app.router.add_get(f"{PREFIX}/scrape", self._scrape)
        for path in (f"{PREFIX}/health", "/seeder/health", "/health"):
            app.router.add_get(path, self._health)
        app.cleanup_ctx.append(self._sweeper)
        if self.known is not None:
            app.cleanup_ctx.append(self._swarm_feed)
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
                await self._handle(conn, outbox, message.data)
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

    async def _handle(self, conn: Connection, outbox: Outbox, data: str | bytes) -> None:
        try:
            try:
                outcome = self.tracker.receive(conn, data, defer_unknown=True)
            except UnknownSwarm:
                await self._refresh()
                outcome = self.tracker.receive(conn, data, repeated=True)
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

    # --- the known swarms ---------------------------------------------------------------

    async def _swarm_feed(self, app: web.Application):
        stop = threading.Event()
        self.feed, thread = start_swarm_feed(self.api_url, self.known, stop,
                                             **self.feed_options)
        self.metrics.register("swarm_feed", self.feed.metrics)
        yield
        stop.set()
        await asyncio.to_thread(thread.join, 10)
        self.feed.client.close()

    async def _refresh(self) -> None:
        """Waits for the known swarms to be refreshed: the refresh under way, or a new one
        unless one started less than `refresh_on_miss_seconds` ago."""
        if self._refreshing is None:
            if (self.feed is None or time.monotonic() - self._refreshed_at
                    < self.config.refresh_on_miss_seconds):
                return
            self._refreshed_at = time.monotonic()
            self._refreshing = asyncio.ensure_future(asyncio.to_thread(self.feed.refresh))
            self._refreshing.add_done_callback(lambda _: setattr(self, "_refreshing", None))
        await asyncio.wait({self._refreshing}, timeout=REFRESH_WAIT_SECONDS)

    # --- HTTP -------------------------------------------------------------------------

    async def _announce(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._socket(request)
        query, ip = request.rel_url.raw_query_string, self._ip(request)
        try:
            answer = self.tracker.http_announce(query, ip, defer_unknown=True)
        except UnknownSwarm:
            await self._refresh()
            answer = self.tracker.http_announce(query, ip, repeated=True)
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
                 metrics: Metrics | None = None, heartbeat: float = HEARTBEAT_SECONDS,
                 api_url: str | None = None, **feed_options: Any):
        self.app = TrackerApp(config, metrics, heartbeat, api_url, **feed_options)
        self.host = host
        super().__init__("tracker", lambda stop, ready: serve(self.app, host, self.port,
                                                              stop, ready), port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}{PREFIX}/socket"
